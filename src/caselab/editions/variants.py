"""Per-student variants, the release's side: the roster, the lock's writing, each student's folder, the scan.

    caselab release --modules kyc,mining --roster ROSTER.csv --out DIR
    caselab grade SUBMISSIONS --variants DIR-instructor --out OUT
    caselab solutions --variants DIR-instructor --student ID --out FOLDER

The core (drawing a variant, the lock's reading, a student's quiz, remapping a graded sheet, stamps)
is ``caselab.quiz.variants``, shared with grading; reading a submission's stamps is
``caselab.grading.variants``.

The lock.  ``release`` writes, beside the edition and never inside it, ``DIR-instructor/``:
``secret.txt`` and ``lock.json`` with every student's option orders, figures (``params``: question ->
raw figure -> value), keys in their own letters and numbers, and variant ids.  A second release with the same ``DIR-instructor`` keeps the secret and every student
already in the lock; ``--reissue ID`` draws a new variant for one student (the earlier variant ids are
kept in ``reissued``).

What a student gets: ``DIR/students/<student>/exercises/<module>.py``, the sheet with their
own order, its docstring stamped ``Variant: student <id>, variant <variant id>``, and
``DIR/students/<student>/tests/quizzes/<module>.yml``, the edition's quiz file with their
order and their salted hashes: copied over the edition, the self-check works on their sheet
in every ``--feedback`` mode.  No file holds a key (the release scan reads every file, and
``scan`` looks for every student's keys, letters and numbers as a sheet writes them, the secret and the
lock).
"""
from __future__ import annotations

import csv
import json
import os
import re
import secrets as _secrets
from dataclasses import replace
from pathlib import Path
from typing import Any

from caselab.quiz.model import Quiz
from caselab.quiz.variants import (LOCK_FILE, SECRET_FILE, VariantError, draw, entry_keys, entry_quiz, load_lock,
                                   stamped_sheet)


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


# --- the lock -----------------------------------------------------------------------------------

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
        out = {"variant": v["variant"], "orders": v["orders"]} | ({"params": v["params"]} if v["params"] else {})
        out["keys"] = entry_keys(entry_quiz(quiz, out), out)
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
            new = entry_for(reissue, quiz, attempt)
            for _ in range(20):  # a new variant differs: in its orders and, where there are any, its figures
                if not old or not any(new.get(k) and new.get(k) == old.get(k) for k in ("orders", "params")):
                    break
                attempt += 1
                new = entry_for(reissue, quiz, attempt)
            entry["modules"][module] = new
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


def write_student_sheets(dest: Path, lock: dict, quizzes: dict[str, Quiz], edition: tuple | None = None) -> list[Path]:
    """``dest/students/<student>/exercises/<module>.py`` for every student of the lock (no keys), and with
    ``edition`` = (feedback, salt, figures) ``dest/students/<student>/tests/quizzes/<module>.yml``: the
    edition's quiz file with that student's hashes, so that the self-check works on their sheet.
    Only the shuffled questions are hashed again (scrypt is slow on purpose); the students are made
    on as many threads as the machine has cores (scrypt lets go of the interpreter's lock while it
    works), and the files are the same whatever the order in which they finish."""
    from concurrent.futures import ThreadPoolExecutor

    from caselab.editions.quizfile import edition_question, edition_quiz
    from caselab.grading.gradebook import file_stem

    feedback, salt, figures = edition if edition is not None else (None, None, None)
    jobs = [(sid, module, quiz, entry["modules"][module]) for sid, entry in sorted(lock["students"].items())
            for module, quiz in quizzes.items() if entry["modules"].get(module)]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        common: dict[tuple[str, str], dict] = {}
        if feedback == "full":  # the questions nobody's variant changes, hashed once for everyone
            varied = {(module, qid) for _, module, _, mine in jobs
                      for qid in set(mine.get("orders") or {}) | set(mine.get("params") or {})}
            shared = [(module, q) for module, quiz in quizzes.items() for q in quiz.questions
                      if (module, q.id) not in varied]
            done = pool.map(lambda mq: edition_question(mq[1], feedback, salt, figures), shared)
            common = {(module, q.id): d for (module, q), d in zip(shared, done)}

        def one(job) -> list[Path]:
            sid, module, quiz, mine = job
            folder = dest / "students" / file_stem(sid)
            path = folder / "exercises" / f"{module}.py"
            path.parent.mkdir(parents=True, exist_ok=True)
            vq = entry_quiz(quiz, mine)
            path.write_text(stamped_sheet(vq, sid, mine["variant"]), encoding="utf-8")
            if edition is None:
                return [path]
            quizfile = folder / "tests" / "quizzes" / f"{module}.yml"
            quizfile.parent.mkdir(parents=True, exist_ok=True)
            if feedback != "full":  # score mode checks the module as a whole; none holds no check
                quizfile.write_text(edition_quiz(vq, feedback, salt, figures, variants=True), encoding="utf-8")
                return [path, quizfile]
            own = set(mine.get("orders") or {}) | set(mine.get("params") or {})
            dicts = [common[(module, q.id)] if q.id not in own and (module, q.id) in common
                     else edition_question(q, feedback, salt, figures) for q in vq.questions]
            quizfile.write_text(edition_quiz(vq, feedback, salt, figures, questions=dicts, variants=True),
                                encoding="utf-8")
            return [path, quizfile]

        return [path for paths in pool.map(one, jobs) for path in paths]


def variant_keys(lock: dict, quizzes: dict[str, Quiz]) -> list[tuple[str, str, Any]]:
    """(student, question node id, key) of every shuffled question of every student: what the scan looks for."""
    out = []
    for sid, entry in lock["students"].items():
        for module, mine in entry["modules"].items():
            if module in quizzes:
                out += [(sid, f"{module}/{qid}", key) for qid, key in mine["keys"].items()]
    return out


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
            write_text(path, stamped_sheet(entry_quiz(quiz, mine), student, mine["variant"], solution=True))
            written.append(path)
    if not written:
        raise VariantError(f"{student!r} has no variant of {', '.join(quizzes)} in the lock")
    return written


# --- the release --------------------------------------------------------------------------------

def scan(edition: Path, lock: dict, secret: str, quizzes: dict[str, Quiz]) -> list[str]:
    """Every file of ``edition`` searched for the secret, the lock and every key of every student's
    variant (as a sheet writes it, ``find_leaks``'s needles of each variant quiz): the letters of the
    shuffled questions and the numbers of the parameterised ones."""
    from caselab.editions.leaks import key_needles

    needles: dict[str, str] = {}
    for sid, entry in lock["students"].items():
        for module, mine in entry["modules"].items():
            if module not in quizzes:
                continue
            own = set(mine.get("orders") or {}) | set(mine.get("params") or {})
            vq = entry_quiz(quizzes[module], mine)
            vq = replace(vq, questions=tuple(q for q in vq.questions if q.id in own))
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
            if needle in text and _whole(needle, text):
                hits.append(f"{rel}: the key of {where} ({needle[:60]!r})")
    return hits


def _whole(needle: str, text: str) -> bool:
    """``needle`` in ``text`` as a whole answer: a number not continued by more digits ("x = 1" is not
    in a sheet's example "x = 12.5"), a quoted or listed answer as it stands."""
    if not needle[-1:].isdigit():
        return True
    return re.search(re.escape(needle) + r"(?![\d_]|\.\d)", text) is not None


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
