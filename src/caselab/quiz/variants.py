"""The core of per-student variants (issue 14): drawing a student's version, reading the lock, a student's
quiz, mapping a sheet's answers back, stamps.  What both grading and the release need; the release's own
parts (roster, the lock's writing, students' folders, the scan) are in ``caselab.editions.variants``, the
reading of a submission's stamps in ``caselab.grading.variants``.

What varies: the options of choice and multi questions, the items of ordering questions and the
right-hand column of matching questions are shown in an order of the student's own; the labels stay
A, B, C... in place, so a student's letters differ from another's.  A prompt, hint or option that names
an option by its letter ("option B", "options A and C", "(B)", "B or D") is put in the student's letters
(``map_letters``); a lone letter that cannot be told from a word is marked "(in the common lettering)".
Explanations keep the common letters, and the feedback says so.

Numeric questions whose quiz data declares ``parameters`` (model.py) get figures of the student's own:
each parameter drawn from its values (never all of them the article's), the prompt the question's
``scenario`` with those figures (as the site prints figures, marked ``[Your own figures]``), the key the
figure ``key_figure`` computed by ``figures.with_overrides`` from the raw values with the student's in
their place: the one computation of the site's figures, no second formula.  Code questions take no
parameters: their cases are inputs the student's function must handle anyway (a per-student input
would change what is called, not what is written, and a copied function passes every student's cases).

Seeds.  A student's order for a question comes from ``HMAC-SHA256(secret, module | question | student)``,
their figures from the same with "parameters" added: a keyed hash, never the id alone, so nobody without
the course secret can compute anyone's version.  Grading and reference sheets read the orders, figures
and keys from the lock (``DIR-instructor/lock.json``), never from the generator, so a later change to the
generator or to a formula cannot change a version already handed out.

The site (``site_notice``): an edition released with ``--roster`` marks its quiz files
``edition: {variants: true}``; its exercises and answer pages then say, once per module, that a personal
sheet's numbers and letters come first.  The course's own site and other editions never say it.

Grading (``remap``): a student's answers are read from the sheet as graded against the generic quiz (the
letters are the same set, so what is well-formed is the same), then their letters are mapped back through
the student's own order and the question checked again.  A sheet stamped for another student, with a
changed stamp or with none, is graded against the submitter's own variant and the result's status is
``variant-mismatch``.  A question with the student's own figures is checked again against their key (the
sheet's number read exactly, ``numbers``), so the rounding and units messages compare with their key,
never the generic one.  Outcomes' ``given`` are in the generic letters, so the class report and the
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
OWN_FIGURES = "[Your own figures]"  # the start of the prompt of a question with a student's own figures
STAMP = re.compile(r"^Variant: student (?P<student>.*), variant (?P<variant>[0-9a-f]{12})$", re.M)


class VariantError(Exception):
    """The variants cannot be made or read as asked; the message says why."""


# --- drawing a variant --------------------------------------------------------------------------

def _rng(secret: str, *parts: str) -> random.Random:
    mac = hmac.new(secret.encode(), "\0".join(parts).encode("utf-8", "surrogatepass"), hashlib.sha256)
    return random.Random(int.from_bytes(mac.digest(), "big"))


def labels(q: Question) -> list[str]:
    return [str(k) for k in q.spec[SHUFFLED[q.type]]]


def parameterised(q: Question) -> bool:
    """A numeric question with per-student figures (``parameters:`` in the quiz file)."""
    return bool(q.spec.get("parameters"))


def varied(q: Question) -> bool:
    """Whether students' versions of ``q`` may differ: shuffled, or with parameters."""
    return q.type in SHUFFLED or parameterised(q)


MAX_REDRAWS = 200


def draw_values(q: Question, rng: random.Random, figures: dict | None = None) -> dict[str, Any]:
    """One student's figures for a parameterised question: each parameter drawn from its values, never
    all of them the article's own (the generic key, printed on the site's answers, would then be theirs),
    and (given the project's ``figures``) never figures whose key, at the question's decimals, is the
    number every sheet shows as an example of how to write an answer (``sheets.numeric_example``)."""
    from caselab.quiz.figures import with_overrides
    from caselab.quiz.sheets import numeric_example

    article = q.spec["article_values"]
    example = float(numeric_example(q))
    decimals = int(q.spec.get("decimals", 6))
    for _ in range(MAX_REDRAWS):
        values = {name: rng.choice(choices) for name, choices in q.spec["parameters"].items()}
        if all(values[n] == article[n] for n in values):
            continue
        if figures is not None:
            key = with_overrides(figures, values).get(q.spec["key_figure"])
            if key is not None and round(float(key.value), decimals) == example:
                continue
        return values
    raise VariantError(f"{q.nodeid}: its parameters allow no figures other than the article's (or ones whose "
                       "key is the sheets' example answer); widen the ranges")


def draw(secret: str, student: str, quiz: Quiz, attempt: int = 0) -> dict:
    """A student's variant of ``quiz``: per shuffled question, the original labels in the order shown;
    per parameterised question (``params``), the student's figures."""
    orders, params = {}, {}
    figures = base_figures(quiz) if any(parameterised(q) for q in quiz.questions) else None
    for q in quiz.questions:
        if q.type in SHUFFLED:
            order = labels(q)
            _rng(secret, quiz.module, q.id, student, str(attempt)).shuffle(order)
            orders[q.id] = order
        if parameterised(q):
            params[q.id] = draw_values(q, _rng(secret, quiz.module, q.id, student, str(attempt), "parameters"), figures)
    blob = json.dumps(orders, sort_keys=True) + (f"\0{attempt}" if attempt else "")
    if params:  # (a quiz without parameters keeps the variant ids it had before parameters existed)
        blob += "\0" + json.dumps(params, sort_keys=True)
    variant = hmac.new(secret.encode(), f"{quiz.module}\0{student}\0{blob}".encode("utf-8", "surrogatepass"),
                       hashlib.sha256).hexdigest()[:12]
    return {"variant": variant, "orders": orders, "params": params}


def _to_shown(order: list[str], shown: list[str]) -> dict[str, str]:
    """original label -> the label the student sees it under."""
    return {orig.upper(): shown[i].upper() for i, orig in enumerate(order)}


# A letter named in a question's text.  Safe to map: after "option(s)", "item(s)", "choice(s)", "letter(s)"
# (with the letters that follow, joined by commas, "and", "or"), in parentheses, or two letters or more joined
# by "and"/"or"/commas.  Any other lone capital letter that is a label (not "A" as an article, not "Annex B")
# cannot be mapped safely: it is marked as the common letter instead.
_LIST = r"[A-H](?:(?:\s*[,/]\s*|\s*,?\s+(?:and|or|nor|and/or)\s+)[A-H])*"
_NAMED = re.compile(rf"\b(?P<word>[Oo]ptions?|[Ii]tems?|[Cc]hoices?|[Ll]etters?|[Aa]nswers?)(?P<sp>\s+)(?P<list>{_LIST})\b")
_PAREN = re.compile(r"\((?P<list>[A-H])\)")
_JOINED = re.compile(r"(?<![\w'’-])(?P<list>[A-H](?:(?:\s*,\s*|\s*,?\s+(?:and|or|nor)\s+)[A-H])+)(?![\w'’-])")
_LONE = re.compile(r"(?<![\w'’./&-])(?<!Annex )(?<!Plan )(?<!Part )(?<!Schedule )(?<!Table )(?<!Exhibit )(?<!Category )"
                   r"(?<!Class )(?<!Type )(?<!Section )(?<!Article )(?<!Tier )(?<!Grade )"
                   r"(?P<letter>A(?=$|[.,;:!?)]| (?:is|are|was|and|or|says|gives|names)\b)|[B-H])(?![\w'’/&-])")
_PLACEHOLDER = "\0{}\0"


def map_letters(text: str, to: dict[str, str]) -> str:
    """``text`` with the option letters it names put in the student's letters (``to``: common -> theirs).
    A lone letter that cannot be told from a word is said to be the common one: "B (in the common lettering)"."""
    if not text or not to:
        return text
    done: list[str] = []

    def keep(value: str) -> str:  # mapped text is set aside so that no later pattern maps it again
        done.append(value)
        return _PLACEHOLDER.format(len(done) - 1)

    def letters(chunk: str) -> str:
        return re.sub(r"[A-H]", lambda m: to.get(m.group(0), m.group(0)), chunk)

    def listed(m: re.Match) -> str:
        if not all(c in to for c in re.findall(r"[A-H]", m.group("list"))):
            return m.group(0)
        start = m.start("list") - m.start(0)
        return keep(m.group(0)[:start] + letters(m.group("list")))

    text = _NAMED.sub(listed, text)
    text = _PAREN.sub(lambda m: keep(f"({to[m.group('list')]})") if m.group("list") in to else m.group(0), text)
    text = _JOINED.sub(listed, text)
    text = _LONE.sub(lambda m: keep(f"{m.group('letter')} (in the common lettering)") if m.group("letter") in to
                     else m.group(0), text)
    return re.sub(r"\0(\d+)\0", lambda m: done[int(m.group(1))], text)


def base_figures(quiz: Quiz) -> dict:
    """The project's figures (the article's), for computing a scenario's: from the quiz file's project."""
    from caselab.quiz.figures import find_project_root, load_figures

    return load_figures(find_project_root(Path(quiz.path).parent))


def scenario_question(q: Question, values: dict[str, Any], figures: dict, key: Any = None) -> Question:
    """``q`` with the student's figures ``values``: the prompt is the question's scenario with their numbers
    (as the site prints figures), the key the figure ``key_figure`` computed by figures.py with their values
    (or ``key``, the lock's, when given: a later change to a formula cannot change a version handed out)."""
    from caselab.quiz.figures import fill, with_overrides

    if not parameterised(q):
        raise VariantError(f"{q.nodeid}: the lock gives figures for it, but it has no parameters any more "
                           "(the question changed after the release)")
    unknown = sorted(set(values) - set(q.spec["parameters"]))
    if unknown:
        raise VariantError(f"{q.nodeid}: the lock's figures {', '.join(unknown)} are not its parameters "
                           "(the question changed after the release)")
    mine = with_overrides(figures, values)
    if key is None:
        name = q.spec["key_figure"]
        if name not in mine:
            raise VariantError(f"{q.nodeid}: {name} cannot be computed with {values}")
        key = mine[name].value
    spec = dict(q.spec, values=dict(values))
    prompt = "\n\n".join(" ".join(para.split()) for para in re.split(r"\n\s*\n", fill(q.spec["scenario"], mine)))
    prompt = f"{OWN_FIGURES} {prompt}"
    return replace(q, prompt=prompt, key=key, spec=spec)


def variant_question(q: Question, order: list[str] | None, values: dict[str, Any] | None = None,
                     key: Any = None, figures: dict | None = None) -> Question:
    """``q`` as one student sees it: its options (items, right column) in ``order``, the key in their letters;
    or, with ``values`` (and the project's ``figures``), their figures and their key (``scenario_question``)."""
    if values:
        return scenario_question(q, values, figures, key)
    if not order or q.type not in SHUFFLED:
        return q
    field = SHUFFLED[q.type]
    original = q.spec[field]
    shown = [str(k) for k in original]
    if sorted(order) != sorted(shown):
        raise VariantError(f"{q.nodeid}: the lock's order {order} does not match the question's labels {shown} "
                           "(the question changed after the release)")
    by_label = {str(k): v for k, v in original.items()}
    to = _to_shown(order, shown)
    spec = dict(q.spec)
    spec[field] = {shown[i]: map_letters(by_label[o], to) if isinstance(by_label[o], str) else by_label[o]
                   for i, o in enumerate(order)}
    if q.type == "matching":  # the left column may name letters of the right
        spec["left"] = {k: map_letters(v, to) if isinstance(v, str) else v for k, v in q.spec["left"].items()}
    key = q.key
    if key is not None:
        if q.type == "choice":
            key = to[str(key).upper()]
        elif q.type in ("multi", "ordering"):
            key = [to[str(k).upper()] for k in key]
        elif q.type == "matching":
            key = {k: to[str(v).upper()] for k, v in key.items()}
    return replace(q, spec=spec, key=key, prompt=map_letters(q.prompt, to),
                   hints=tuple(map_letters(h, to) for h in q.hints))


def variant_quiz(quiz: Quiz, orders: dict[str, list[str]], params: dict[str, dict] | None = None,
                 keys: dict[str, Any] | None = None) -> Quiz:
    """``quiz`` as one student sees it (``orders`` and ``params`` as ``draw`` gives them; ``keys``: the
    lock's keys of the parameterised questions, used instead of computing them again)."""
    params, keys = params or {}, keys or {}
    figures = base_figures(quiz) if params else None
    return replace(quiz, questions=tuple(
        variant_question(q, orders.get(q.id), params.get(q.id), keys.get(q.id) if q.id in params else None, figures)
        for q in quiz.questions))


def entry_quiz(quiz: Quiz, mine: dict) -> Quiz:
    """A student's quiz from their entry of the lock (``lock["students"][id]["modules"][module]``)."""
    return variant_quiz(quiz, mine.get("orders") or {}, mine.get("params") or {}, mine.get("keys") or {})


def entry_keys(vq: Quiz, mine: dict) -> dict[str, Any]:
    """The keys the lock stores for a student's quiz ``vq``: every varied question's."""
    chosen = set(mine.get("orders") or {}) | set(mine.get("params") or {})
    return {q.id: q.key for q in vq.questions if q.id in chosen}


# --- the site's notice ---------------------------------------------------------------------------

def released_with_variants(quiz: Quiz) -> bool:
    """Whether ``quiz`` is a student edition's released with ``--roster`` (its quiz file says so)."""
    return bool((quiz.edition or {}).get("variants"))


def site_notice(quiz: Quiz, answer_page: bool = False) -> str:
    """The admonition a module's exercises page (or, with ``answer_page``, its answer page) opens with in an
    edition released with ``--roster``: the page shows the common version; a student with a personal sheet
    answers with its numbers and letters.  "" elsewhere (the course's own site, an edition without variants)."""
    if not released_with_variants(quiz):
        return ""
    body = ("This page shows the common version of the exercises. If you received a personal answer sheet "
            f"(`students/<your id>/exercises/{quiz.module}.py`), answer with the numbers and option letters on "
            f"that sheet: its options may be in another order, and the questions it marks `{OWN_FIGURES}` use "
            "hypothetical figures of your own. The case's facts are the ones on these pages.")
    if answer_page:
        body += (" This form writes the common version's sheet, without your stamp: answer in your personal "
                 "sheet instead, or your work is graded against the wrong letters and numbers.")
    return '!!! warning "Your personal sheet comes first"\n\n    ' + body + "\n\n"


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


def student_quiz(lock: dict, student: str, quiz: Quiz) -> Quiz | None:
    entry = lock["students"].get(student, {}).get("modules", {}).get(quiz.module)
    return entry_quiz(quiz, entry) if entry else None


# --- stamps ---------------------------------------------------------------------------------------

def stamp(student: str, variant: str) -> str:
    shown = "".join(c if c.isprintable() and c not in "\"\\" else "_" for c in student)
    return f"Variant: student {shown}, variant {variant}"


def stamped_sheet(quiz: Quiz, student: str, variant: str, solution: bool = False) -> str:
    """The sheet of a student's variant quiz, its docstring stamped with the student and the variant id."""
    from caselab.quiz.sheets import render_sheet

    text = render_sheet(quiz, solution=solution)
    first = text.index("\n")
    own = ("The options, items and columns below are in your own order: answer with the letters shown here.\n")
    if any(parameterised(q) for q in quiz.questions):
        own = (f"The options, items and columns below are in your own order, and the questions marked\n"
               f"{OWN_FIGURES} use figures of your own: answer with the letters and numbers shown here.\n")
    return text[: first + 1] + "\n" + stamp(student, variant) + "\n" + own + text[first + 1:]


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


def figures_note(q: Question, values: dict[str, Any], figures: dict) -> str:
    """One sentence naming a student's figures for ``q`` as their sheet printed them."""
    from caselab.quiz.figures import with_overrides

    mine = with_overrides(figures, values)
    shown = "; ".join(f"{name.split('.')[-1].replace('_', ' ')} {mine[name].formatted()}" for name in values)
    return (f"{q.id} was checked against your own version of the question, with its hypothetical figures "
            f"({shown}); the explanation, if shown, works through the article's figures.")


def _number_from_given(given: str) -> float | int:
    value = float(given)
    return int(value) if value.is_integer() and "." not in given and "e" not in given.lower() else value


def remap(result, lock: dict, quizzes: Sequence[Quiz], stamps: dict[str, tuple[str, str] | None],
          numbers: dict[tuple[str, str], Any] | None = None):
    """``result`` (graded against the generic quizzes) graded against the submitter's own variant.

    ``stamps``: module -> the stamp read from the submitted sheet (None: no stamp).  A stamp that
    is not the submitter's own for that module makes the status ``variant-mismatch``.
    ``numbers``: (module, question) -> the number the sheet assigns, read exactly (an outcome's
    ``given`` keeps six digits); a parameterised question is checked again against the student's own
    key, so that the rounding and units messages compare with their key, never the generic one."""
    from caselab.quiz.answers import Answer
    from caselab.quiz.checking import check

    entry = lock["students"].get(result.student)
    by_module = {q.module: q for q in quizzes}
    problems = []
    if entry is None:
        problems.append(f"{result.student} is not in the variants' roster; graded against the generic version")
    outcomes = []
    figures: dict | None = None
    for o in result.outcomes:
        quiz = by_module.get(o.module)
        mine = (entry or {}).get("modules", {}).get(o.module)
        order = (mine or {}).get("orders", {}).get(o.id)
        values = ((mine or {}).get("params") or {}).get(o.id)
        if quiz is not None and values and o.status in ("correct", "partial", "wrong") and o.given:
            q = quiz.question(o.id)
            figures = figures if figures is not None else base_figures(quiz)
            vq = scenario_question(q, values, figures, (mine.get("keys") or {}).get(o.id))
            number = (numbers or {}).get((o.module, o.id))
            if number is not None and f"{number:g}" != o.given:
                number = None  # the sheet's last word on it was computed, not the plain number read
            try:
                number = number if number is not None else _number_from_given(o.given)
            except ValueError:
                outcomes.append(o)
                continue
            redone = check(vq, Answer("value", number))
            message = f"{figures_note(q, values, figures)} {redone.message}".strip()
            outcomes.append(replace(redone, message=message))
            continue
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
            note = (f"On your sheet you answered {_shown_given(q, redone.given)}; the explanation uses the common "
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
