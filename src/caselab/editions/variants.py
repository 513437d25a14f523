"""Per-student variants: each student's own option letters, drawn from a course secret, kept in a lock.

    caselab release --modules kyc,mining --roster ROSTER.csv --out DIR
    caselab grade SUBMISSIONS --variants DIR-instructor --out OUT
    caselab solutions --variants DIR-instructor --student ID --out FOLDER

What varies (issue 14, first slice): the options of choice and multi questions, the items
of ordering questions and the right-hand column of matching questions are shown in an order
of the student's own; the labels stay A, B, C... in place, so a student's letters differ from
another's.  Everything else of a question is the same for every student.  (A question whose
prompt or hints name an option by its letter would read wrongly once shuffled; no quiz does
so now, and there is no per-question switch yet.)

Seeds and the lock.  A student's order for a question comes from
``HMAC-SHA256(secret, module | question | student)``: a keyed hash, never the id alone, so
nobody without the course secret can compute anyone's version.  ``release`` writes, beside
the edition and never inside it, ``DIR-instructor/``: ``secret.txt`` and ``lock.json`` with
every student's option orders, keys in their own letters and variant ids.  Grading and
reference sheets read the orders from the lock, never from the generator, so a later change
to the generator cannot change a version already handed out; a second release with the same
``DIR-instructor`` keeps the secret and every student already in the lock.

What a student gets: ``DIR/students/<student>/exercises/<module>.py``, the sheet with their
own order, its docstring stamped ``Variant: student <id>, variant <variant id>``, and
``DIR/students/<student>/tests/quizzes/<module>.yml``, the edition's quiz file with their
order and their salted hashes: copied over the edition, the self-check works on their sheet
in every ``--feedback`` mode.  No file holds a key (the release scan reads every file, and
``scan`` looks for every student's keys, the secret and the lock).

Grading (``remap``): a student's answers are read from the sheet as graded against the
generic quiz (the letters are the same set, so what is well-formed is the same), then their
letters are mapped back through the student's own order and the question checked again.  A
sheet stamped for another student, with a changed stamp or with none, is graded against the
submitter's own variant and the result's status is ``variant-mismatch``.  Outcomes' ``given``
are in the generic letters, so the class report and the integrity report compare like with like
(and the feedback matches its explanations); where the student's own letters differ, the
outcome's message says what they answered on their sheet and what that is in the common letters.
"""
from __future__ import annotations

import csv
import hashlib
import hmac
import json
import random
import re
import secrets as _secrets
from dataclasses import replace
from pathlib import Path
from typing import Any, Sequence

from caselab.quiz.model import Question, Quiz

SHUFFLED = {"choice": "options", "multi": "options", "ordering": "items", "matching": "right"}
LOCK_FILE, SECRET_FILE = "lock.json", "secret.txt"
MISMATCH = "variant-mismatch"
STAMP = re.compile(r"^Variant: student (?P<student>.*), variant (?P<variant>[0-9a-f]{12})$", re.M)


class VariantError(Exception):
    """The variants cannot be made or read as asked; the message says why."""


def instructor_dir(edition: Path) -> Path:
    """Where the secret and the lock go: ``DIR-instructor`` beside the edition ``DIR``."""
    edition = Path(edition).resolve()
    return edition.with_name(f"{edition.name}-instructor")


def read_roster(path: Path) -> list[dict]:
    """The roster's rows (a ``student`` column; other columns kept), in order, without repeats or blanks."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            rows = list(csv.DictReader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise VariantError(f"the roster {path} cannot be read as a CSV file ({exc})") from None
    if not rows or "student" not in rows[0]:
        raise VariantError(f"the roster {path} needs a column named 'student' with one student id a row")
    seen, out = set(), []
    for row in rows:
        sid = (row.get("student") or "").strip()
        if sid and sid not in seen:
            seen.add(sid)
            out.append({k: (v or "") for k, v in row.items() if k is not None})
    if not out:
        raise VariantError(f"the roster {path} lists no student")
    return out


# --- drawing a variant --------------------------------------------------------------------------

def _rng(secret: str, *parts: str) -> random.Random:
    mac = hmac.new(secret.encode(), "\0".join(parts).encode("utf-8", "surrogatepass"), hashlib.sha256)
    return random.Random(int.from_bytes(mac.digest(), "big"))


def labels(q: Question) -> list[str]:
    return [str(k) for k in q.spec[SHUFFLED[q.type]]]


def draw(secret: str, student: str, quiz: Quiz, attempt: int = 0) -> dict:
    """A student's variant of ``quiz``: per shuffled question, the original labels in the order shown."""
    orders = {}
    for q in quiz.questions:
        if q.type not in SHUFFLED:
            continue
        order = labels(q)
        _rng(secret, quiz.module, q.id, student, str(attempt)).shuffle(order)
        orders[q.id] = order
    blob = json.dumps(orders, sort_keys=True) + (f"\0{attempt}" if attempt else "")
    variant = hmac.new(secret.encode(), f"{quiz.module}\0{student}\0{blob}".encode("utf-8", "surrogatepass"),
                       hashlib.sha256).hexdigest()[:12]
    return {"variant": variant, "orders": orders}


def _to_shown(order: list[str], shown: list[str]) -> dict[str, str]:
    """original label -> the label the student sees it under."""
    return {orig.upper(): shown[i].upper() for i, orig in enumerate(order)}


def variant_question(q: Question, order: list[str] | None) -> Question:
    """``q`` as one student sees it: its options (items, right column) in ``order``, the key in their letters."""
    if not order or q.type not in SHUFFLED:
        return q
    field = SHUFFLED[q.type]
    original = q.spec[field]
    shown = [str(k) for k in original]
    if sorted(order) != sorted(shown):
        raise VariantError(f"{q.nodeid}: the lock's order {order} does not match the question's labels {shown} "
                           "(the question changed after the release)")
    by_label = {str(k): v for k, v in original.items()}
    spec = dict(q.spec)
    spec[field] = {shown[i]: by_label[o] for i, o in enumerate(order)}
    to = _to_shown(order, shown)
    key = q.key
    if key is not None:
        if q.type == "choice":
            key = to[str(key).upper()]
        elif q.type in ("multi", "ordering"):
            key = [to[str(k).upper()] for k in key]
        elif q.type == "matching":
            key = {k: to[str(v).upper()] for k, v in key.items()}
    return replace(q, spec=spec, key=key)


def variant_quiz(quiz: Quiz, orders: dict[str, list[str]]) -> Quiz:
    return replace(quiz, questions=tuple(variant_question(q, orders.get(q.id)) for q in quiz.questions))


# --- the lock -----------------------------------------------------------------------------------

def load_lock(instr: Path) -> tuple[str, dict]:
    """(secret, lock) from an instructor folder written by ``caselab release --roster``."""
    instr = Path(instr)
    try:
        secret = (instr / SECRET_FILE).read_text(encoding="utf-8").strip()
        lock = json.loads((instr / LOCK_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise VariantError(f"{instr} is not a variants folder written by caselab release --roster "
                           f"(it needs {SECRET_FILE} and {LOCK_FILE}: {exc})") from None
    if not isinstance(lock, dict) or not isinstance(lock.get("students"), dict):
        raise VariantError(f"{instr / LOCK_FILE} is not a lock written by caselab release --roster")
    return secret, lock


def make_lock(instr: Path, roster: list[dict], quizzes: dict[str, Quiz], reissue: str | None = None) -> tuple[str, dict]:
    """The secret and lock for ``roster``: kept from ``instr`` when it exists (students already in it keep
    their versions; new students and modules are drawn), else new.  ``reissue``: a student of the lock
    who gets a new variant of each module (the earlier variant ids are kept in ``reissued``)."""
    instr = Path(instr)
    if (instr / LOCK_FILE).is_file():
        secret, lock = load_lock(instr)
    elif reissue is not None:
        raise VariantError(f"--reissue needs the lock of an earlier release with --roster ({instr / LOCK_FILE} is missing)")
    else:
        secret, lock = _secrets.token_hex(32), {"students": {}}
    if reissue is not None and reissue not in lock["students"]:
        raise VariantError(f"--reissue {reissue!r}: no such student in {instr / LOCK_FILE}")

    def entry_for(sid: str, quiz: Quiz, attempt: int) -> dict:
        v = draw(secret, sid, quiz, attempt)
        vq = variant_quiz(quiz, v["orders"])
        out = {"variant": v["variant"], "orders": v["orders"],
               "keys": {q.id: q.key for q in vq.questions if q.id in v["orders"]}}
        return out | ({"attempt": attempt} if attempt else {})

    for row in roster:
        sid = row["student"].strip()
        entry = lock["students"].setdefault(sid, {"roster": row, "modules": {}})
        for module, quiz in quizzes.items():
            if module not in entry["modules"]:
                entry["modules"][module] = entry_for(sid, quiz, 0)
    if reissue is not None:
        entry = lock["students"][reissue]
        for module, quiz in quizzes.items():
            old = entry["modules"].get(module)
            attempt = old.get("attempt", 0) + 1 if old else 0
            entry["modules"][module] = entry_for(reissue, quiz, attempt)
            if old:
                entry["modules"][module]["reissued"] = old.get("reissued", []) + [old["variant"]]
    return secret, lock


def write_lock(instr: Path, secret: str, lock: dict) -> None:
    from caselab.atomic import write_text

    instr = Path(instr)
    instr.mkdir(parents=True, exist_ok=True)
    instr.chmod(0o700)
    write_text(instr / SECRET_FILE, secret + "\n")
    (instr / SECRET_FILE).chmod(0o600)
    write_text(instr / LOCK_FILE, json.dumps(lock, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    (instr / LOCK_FILE).chmod(0o600)


def student_quiz(lock: dict, student: str, quiz: Quiz) -> Quiz | None:
    entry = lock["students"].get(student, {}).get("modules", {}).get(quiz.module)
    return variant_quiz(quiz, entry["orders"]) if entry else None


def stamp(student: str, variant: str) -> str:
    shown = "".join(c if c.isprintable() and c not in "\"\\" else "_" for c in student)
    return f"Variant: student {shown}, variant {variant}"


def stamped_sheet(quiz: Quiz, student: str, variant: str, solution: bool = False) -> str:
    """The sheet of a student's variant quiz, its docstring stamped with the student and the variant id."""
    from caselab.quiz.sheets import render_sheet

    text = render_sheet(quiz, solution=solution)
    first = text.index("\n")
    return (text[: first + 1] + "\n" + stamp(student, variant) + "\n"
            "The options, items and columns below are in your own order: answer with the letters shown here.\n"
            + text[first + 1:])


def write_student_sheets(dest: Path, lock: dict, quizzes: dict[str, Quiz], edition: tuple | None = None) -> list[Path]:
    """``dest/students/<student>/exercises/<module>.py`` for every student of the lock (no keys), and with
    ``edition`` = (feedback, salt, figures) ``dest/students/<student>/tests/quizzes/<module>.yml``: the
    edition's quiz file with that student's hashes, so that the self-check works on their sheet.
    Only the shuffled questions are hashed again (scrypt is slow on purpose)."""
    from caselab.editions.quizfile import edition_question, edition_quiz
    from caselab.grading.gradebook import file_stem

    written = []
    common: dict[tuple[str, str], dict] = {}
    for sid, entry in sorted(lock["students"].items()):
        for module, quiz in quizzes.items():
            mine = entry["modules"].get(module)
            if not mine:
                continue
            folder = dest / "students" / file_stem(sid)
            path = folder / "exercises" / f"{module}.py"
            path.parent.mkdir(parents=True, exist_ok=True)
            vq = variant_quiz(quiz, mine["orders"])
            path.write_text(stamped_sheet(vq, sid, mine["variant"]), encoding="utf-8")
            written.append(path)
            if edition is None:
                continue
            feedback, salt, figures = edition
            if feedback != "full":  # score mode checks the module as a whole; none holds no check
                path = folder / "tests" / "quizzes" / f"{module}.yml"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(edition_quiz(vq, feedback, salt, figures), encoding="utf-8")
                written.append(path)
                continue
            dicts = []
            for q in vq.questions:
                if q.id in mine["orders"]:
                    dicts.append(edition_question(q, feedback, salt, figures))
                else:
                    if (module, q.id) not in common:
                        common[(module, q.id)] = edition_question(q, feedback, salt, figures)
                    dicts.append(common[(module, q.id)])
            path = folder / "tests" / "quizzes" / f"{module}.yml"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(edition_quiz(vq, feedback, salt, figures, questions=dicts), encoding="utf-8")
            written.append(path)
    return written


def variant_keys(lock: dict, quizzes: dict[str, Quiz]) -> list[tuple[str, str, Any]]:
    """(student, question node id, key) of every shuffled question of every student: what the scan looks for."""
    out = []
    for sid, entry in lock["students"].items():
        for module, mine in entry["modules"].items():
            if module in quizzes:
                out += [(sid, f"{module}/{qid}", key) for qid, key in mine["keys"].items()]
    return out


# --- grading --------------------------------------------------------------------------------------

def read_stamp(source: str) -> tuple[str, str] | None:
    m = STAMP.search(source[:4000])
    return (m.group("student"), m.group("variant")) if m else None


def _answer_from_given(q: Question, given: str) -> Any:
    """The answer a student's canonical ``given`` stands for (in the same letters)."""
    if q.type == "choice":
        return given
    if q.type in ("multi", "ordering"):
        return list(given)
    if q.type == "matching":
        left = {str(k) for k in q.spec["left"]}
        pairs = {}
        for part in given.split(","):
            k, v = part[:-1], part[-1:]
            pairs[k if k in left else k] = v
        return pairs
    raise ValueError(q.type)


def _to_generic(q: Question, order: list[str], given: str) -> str:
    """``given`` in the student's letters -> the same answer in the generic letters."""
    back = {v: k for k, v in _to_shown(order, labels(q)).items()}
    if q.type == "matching":
        return ",".join(part[:-1] + back.get(part[-1:], part[-1:]) for part in given.split(","))
    if q.type == "multi":
        return "".join(sorted(back.get(c, c) for c in given))
    return "".join(back.get(c, c) for c in given)


def _shown_given(q: Question, given: str) -> str:
    if q.type == "matching":
        return ", ".join(f"{part[:-1]} with {part[-1:]}" for part in given.split(","))
    return ", ".join(given) if q.type in ("multi", "ordering") else given


def remap(result, lock: dict, quizzes: Sequence[Quiz], stamps: dict[str, tuple[str, str] | None]):
    """``result`` (graded against the generic quizzes) graded against the submitter's own variant.

    ``stamps``: module -> the stamp read from the submitted sheet (None: no stamp).  A stamp that
    is not the submitter's own for that module makes the status ``variant-mismatch``."""
    from caselab.quiz.answers import Answer
    from caselab.quiz.checking import check

    entry = lock["students"].get(result.student)
    by_module = {q.module: q for q in quizzes}
    problems = []
    if entry is None:
        problems.append(f"{result.student} is not in the variants' roster; graded against the generic version")
    outcomes = []
    for o in result.outcomes:
        quiz = by_module.get(o.module)
        mine = (entry or {}).get("modules", {}).get(o.module)
        order = (mine or {}).get("orders", {}).get(o.id)
        if not order or quiz is None or o.status not in ("correct", "partial", "wrong") or not o.given:
            outcomes.append(o)
            continue
        q = quiz.question(o.id)
        # given is in the student's letters: read it as the student's answer, check it against their own key
        vq = variant_question(q, order)
        redone = check(vq, Answer("value", _answer_from_given(vq, o.given)))
        generic = _to_generic(q, order, redone.given)
        message = redone.message
        if generic != redone.given:  # the feedback, its explanations and the report use the common letters
            note = (f"On your sheet you answered {_shown_given(q, redone.given)}; this feedback uses the common "
                    f"lettering of the question, in which that is {_shown_given(q, generic)}.")
            message = f"{note} {message}".strip()
        outcomes.append(replace(redone, given=generic, message=message))
    for module in sorted({o.module for o in result.outcomes}):
        mine = (entry or {}).get("modules", {}).get(module)
        if not mine or module not in stamps:
            continue
        found = stamps[module]
        if found != (result.student, mine["variant"]):
            what = "no variant stamp" if found is None else f"the stamp of student {found[0]!r}, variant {found[1]}"
            problems.append(f"{module}.py carries {what}, not the submitter's own (graded against the submitter's own variant)")
    status, message = result.status, result.message
    if problems and status == "ok":
        status = MISMATCH
        message = "; ".join(([result.message] if result.message else []) + problems)
    return replace(result, status=status, message=message, outcomes=tuple(outcomes))


def read_stamps(path: Path, modules: Sequence[str]) -> dict[str, tuple[str, str] | None]:
    """module -> the stamp of the submission's sheet (through intake's checks); modules without a sheet are left out."""
    import shutil
    import tempfile

    from caselab.grading.intake import intake

    work = Path(tempfile.mkdtemp(prefix="caselab-stamps-"))
    try:
        found = intake(path, list(modules), work).found
        return {m: read_stamp((work / f"{m}.py").read_text(encoding="utf-8", errors="replace")) for m in found}
    except Exception:  # noqa: BLE001 (grading reports the submission's own problem)
        return {}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def write_solutions(instr: Path, student: str, out: Path, quizzes: dict[str, Quiz]) -> list[Path]:
    """``out/<module>.py``: the student's reference sheets (their own letters), from the lock."""
    from caselab.atomic import write_text

    _, lock = load_lock(instr)
    entry = lock["students"].get(student)
    if entry is None:
        raise VariantError(f"{student!r} is not in {Path(instr) / LOCK_FILE}")
    written = []
    for module, quiz in quizzes.items():
        mine = entry["modules"].get(module)
        if mine:
            path = Path(out) / f"{module}.py"
            write_text(path, stamped_sheet(variant_quiz(quiz, mine["orders"]), student, mine["variant"], solution=True))
            written.append(path)
    if not written:
        raise VariantError(f"{student!r} has no variant of {', '.join(quizzes)} in the lock")
    return written


# --- the release --------------------------------------------------------------------------------

def scan(edition: Path, lock: dict, secret: str, quizzes: dict[str, Quiz]) -> list[str]:
    """Every file of ``edition`` searched for the secret, the lock and every key of every student's
    variant (as a sheet writes it, ``find_leaks``'s needles of each variant quiz)."""
    from caselab.editions.leaks import key_needles

    needles: dict[str, str] = {}
    for sid, entry in lock["students"].items():
        for module, mine in entry["modules"].items():
            if module not in quizzes:
                continue
            vq = variant_quiz(quizzes[module], mine["orders"])
            vq = replace(vq, questions=tuple(q for q in vq.questions if q.id in mine["orders"]))
            for where, kind, needle in key_needles(vq):
                if kind == "sheet":
                    needles.setdefault(needle, f"{where} of {sid}")
    hits = []
    for path in sorted(p for p in Path(edition).rglob("*") if p.is_file()):
        rel = path.relative_to(edition).as_posix()
        text = path.read_bytes().decode("utf-8", errors="replace")
        if secret in text:
            hits.append(f"{rel}: holds the course secret")
        if path.name in (LOCK_FILE, SECRET_FILE):
            hits.append(f"{rel}: a lock or secret file")
        if "/tests/quizzes/" in rel and re.search(r"^\s*(key|explanation|solution|expected)\s*:", text, re.M):
            hits.append(f"{rel}: holds a key, expected output, solution or explanation field")
        for needle, where in needles.items():
            if needle in text:
                hits.append(f"{rel}: the key of {where} ({needle[:60]!r})")
    return hits


def release_variants(tmp: Path, out: Path, roster_path: Path, quizzes: dict[str, Quiz],
                     edition: tuple | None = None, reissue: str | None = None) -> tuple[Path, str, dict]:
    """Draw (or keep) the roster's variants and write their sheets into the edition being built at ``tmp``;
    return (the instructor folder, secret, lock) for ``write_lock`` once the edition is in place."""
    instr = instructor_dir(out)
    if instr == Path(out).resolve() or Path(out).resolve() in instr.parents:
        raise VariantError(f"{instr} would be inside the edition")
    secret, lock = make_lock(instr, read_roster(roster_path), quizzes, reissue)
    write_student_sheets(tmp, lock, quizzes, edition)
    hits = scan(tmp, lock, secret, quizzes)
    if hits:
        raise VariantError("the students' sheets would show answers; nothing was written:\n  " + "\n  ".join(hits[:20]))
    return instr, secret, lock


# --- grading with --variants ----------------------------------------------------------------------

def for_grading(instr: Path) -> tuple[dict, str]:
    """(lock, fingerprint of the lock) for ``caselab grade --variants``; the fingerprint joins the grade cache's."""
    _, lock = load_lock(instr)
    return lock, hashlib.sha256(json.dumps(lock, sort_keys=True).encode()).hexdigest()


def grade_own_variant(result, path: Path, lock: dict, quizzes: Sequence[Quiz]):
    """``result`` regraded against the submitter's own variant, flagged when the sheet's stamp is not theirs."""
    return remap(result, lock, quizzes, read_stamps(path, [q.module for q in quizzes]))
