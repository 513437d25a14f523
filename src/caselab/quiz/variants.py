"""The core of per-student variants (issue 14): drawing a student's version, reading the lock, a student's
quiz, mapping a sheet's answers back, stamps.  What both grading and the release need; the release's own
parts (roster, the lock's writing, students' folders, the scan) are in ``caselab.editions.variants``, the
reading of a submission's stamps in ``caselab.grading.variants``.

What varies: the options of choice and multi questions, the items of ordering questions and the
right-hand column of matching questions are shown in an order of the student's own; the labels stay
A, B, C... in place, so a student's letters differ from another's.

Seeds.  A student's order for a question comes from ``HMAC-SHA256(secret, module | question | student)``:
a keyed hash, never the id alone, so nobody without the course secret can compute anyone's version.
Grading and reference sheets read the orders from the lock (``DIR-instructor/lock.json``), never from the
generator, so a later change to the generator cannot change a version already handed out.

Grading (``remap``): a student's answers are read from the sheet as graded against the generic quiz (the
letters are the same set, so what is well-formed is the same), then their letters are mapped back through
the student's own order and the question checked again.  A sheet stamped for another student, with a
changed stamp or with none, is graded against the submitter's own variant and the result's status is
``variant-mismatch``.  Outcomes' ``given`` are in the generic letters, so the class report and the
integrity report compare like with like (and the feedback matches its explanations); where the student's
own letters differ, the outcome's message says what they answered on their sheet and what that is in the
common letters.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import random
import re
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



def for_grading(instr: Path) -> tuple[dict, str]:
    """(lock, fingerprint of the lock) for ``caselab grade --variants``; the fingerprint joins the grade cache's."""
    _, lock = load_lock(instr)
    return lock, hashlib.sha256(json.dumps(lock, sort_keys=True).encode()).hexdigest()
