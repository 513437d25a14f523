"""Answer keys as salted, deliberately slow hashes: what a student edition checks against.

A student edition (``caselab release``) never holds a key.  For each question it
holds what the self-check needs as scrypt hashes of *canonical answer forms*,
salted with a random per-edition salt and the question's name, or nothing at all
(``--feedback none``).  Checking an answer means putting it in the same canonical
form and hashing it; reading the file tells nothing but the hash.

Canonical forms (the same function hashes the key at release and the answer at check):

- choice: the letter; ordering: the letters joined by commas;
- multi: one hash per option, of ``"<letter>:in"`` or ``"<letter>:out"``, so partial
  credit is computed exactly as the grader does;
- matching: one hash per left item, of ``"<left>=<letter>"``;
- text: one hash per accepted form after ``normalise_text``;
- numeric: the number rounded to the question's decimals (or to the decimals its
  tolerance implies);
- code: per case, canonical JSON of the expected output with numbers rounded to the
  decimals the tolerance implies.

Numbers are compared after rounding, so a self-check may differ from the grader's
tolerance at the edge of a rounding step; the instructor's grading uses the real
keys and is what counts.

What each feedback mode protects (``--feedback``):

- ``full`` ships one hash per question (per option, pair, accepted form, case).  It
  hides text, numeric and code keys behind a search of their answer space, but a
  choice, multi, ordering or matching key is recovered offline by trying each
  letter (a handful of hashes per question): full mode tells students their keys.
- ``score`` ships no per-question hash.  Per module it ships the hashes of the
  *whole* module answered right (``all_right``): scrypt at ``SCORE_KDF`` (4x the cost)
  of the canonical forms of every keyed question, then, cheaply, with the accepted
  forms of its text questions (one hash per combination of accepted forms).
  The self-check tells a module's score only when every answer in it is right
  (full marks), and otherwise "not all right yet": no question can be tested on its
  own, a search must guess every answer of the module at once.  Per question it
  keeps only what is not secret: a code task's decimals, and for a numeric question
  the cell of width 2 x tolerance that holds the key (``cell``, ``offset``: the key
  modulo the cell, which leaves one candidate per cell, as without it).
- ``none`` ships nothing to check against.
"""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import replace
from typing import Any, Callable
from caselab.quiz.model import call_text

FEEDBACK_MODES = ("full", "score", "none")
KDF = {"name": "scrypt", "n": 2**14, "r": 8, "p": 1, "dklen": 16}
SCORE_KDF = {"name": "scrypt", "n": 2**16, "r": 8, "p": 1, "dklen": 16}  # score mode: one hash per module per check
MAX_TEXT_COMBINATIONS = 4096  # score mode: combinations of accepted text forms in one module


# --- hashing ---------------------------------------------------------------------------------

def digest(form: str, salt: str, module: str, qid: str, kdf: dict | None = None) -> str:
    """The hex hash of one canonical answer form of question ``module/qid``."""
    kdf = kdf or KDF
    full_salt = bytes.fromhex(salt) + f"|{module}|{qid}|".encode()
    password = form.encode("utf-8")
    if kdf["name"] == "scrypt":
        n, r, p = int(kdf["n"]), int(kdf["r"]), int(kdf["p"])
        raw = hashlib.scrypt(password, salt=full_salt, n=n, r=r, p=p, dklen=int(kdf["dklen"]),
                             maxmem=256 * n * r * p + 1024 * 1024)
    elif kdf["name"] == "pbkdf2_sha256":
        raw = hashlib.pbkdf2_hmac("sha256", password, full_salt, int(kdf["iterations"]), int(kdf["dklen"]))
    else:
        raise ValueError(f"unknown key derivation {kdf['name']!r}")
    return raw.hex()


# --- canonical forms --------------------------------------------------------------------------

def decimals_for(spec: dict, code: bool = False) -> int:
    """The decimals a number is compared at: the question's ``decimals``, or those its tolerance implies.

    For a numeric question a rounding step no larger than the tolerance; for a code
    task's outputs one decimal fewer, so that tiny floating-point differences between
    two correct computations rarely fall on different sides of a rounding step.
    """
    if "decimals" in spec and not code:
        return int(spec["decimals"])
    tol = float(spec.get("tolerance", 1e-9))
    if tol <= 0:
        return 12
    d = math.ceil(-math.log10(tol) - 1e-9) - (1 if code else 0)
    return max(0, d) if code else d


def number_form(value: float, decimals: int) -> str:
    """``value`` rounded to ``decimals`` (negative: tens, hundreds...), as fixed-point text."""
    if decimals < 0:
        text = str(int(round(float(value), decimals)))
    else:
        text = f"{round(float(value), decimals):.{decimals}f}"
    return "0" + text[2:] if text.startswith("-0") and not text.strip("-0.") else text


def _canon(value: Any, decimals: int) -> Any:
    if type(value) is bool:
        return ["b", value]
    if type(value) in (int, float):
        return ["n", number_form(value, decimals)]
    if isinstance(value, str):
        return ["s", value]
    if value is None:
        return ["z"]
    if isinstance(value, (list, tuple)):
        return ["l", [_canon(v, decimals) for v in value]]
    if isinstance(value, dict):
        return ["d", sorted([str(k), _canon(v, decimals)] for k, v in value.items())]
    return ["?", repr(value)]


def output_form(value: Any, decimals: int) -> str:
    """Canonical JSON of a code task's output (numbers rounded, dict keys sorted)."""
    return json.dumps(_canon(value, decimals), ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def hashed_check(q, salt: str, kdf: dict | None = None) -> dict:
    """What an edition stores for question ``q`` (a full, key-holding Question): hashes only."""
    from caselab.quiz.checking import normalise_text

    h = lambda form: digest(form, salt, q.module, q.id, kdf)  # noqa: E731
    if q.type == "choice":
        return {"answer": h(str(q.key).upper())}
    if q.type == "multi":
        key = {str(k).upper() for k in q.key}
        return {"options": {str(o): h(f"{str(o).upper()}:{'in' if str(o).upper() in key else 'out'}")
                            for o in q.spec["options"]}}
    if q.type == "ordering":
        return {"answer": h(",".join(str(k).upper() for k in q.key))}
    if q.type == "matching":
        return {"pairs": {str(k): h(f"{k}={str(v).upper()}") for k, v in q.key.items()}}
    if q.type == "text":
        return {"answers": sorted({h(normalise_text(k)) for k in q.key})}
    if q.type == "numeric":
        d = decimals_for(q.spec)
        return {"answer": h(number_form(q.key, d)), "decimals": d}
    if q.type == "code":
        d = decimals_for(q.spec, code=True)
        out = {"cases": [h(output_form(c["expected"], d)) for c in q.spec["cases"]], "decimals": d}
        shapes = {tuple(str(k) for k in c["expected"]) if type(c["expected"]) is dict else None
                  for c in q.spec["cases"]}
        if len(shapes) == 1 and None not in shapes:  # every case returns a dict with these keys (named in the prompt)
            out["keys"] = list(next(iter(shapes)))
        return out
    return {}  # memo: checked for structure only, no key


# --- score mode: one check of the whole module ------------------------------------------------

def _numeric_cell(q) -> dict:
    from caselab.quiz.checking import _tolerance

    tol = _tolerance(q)
    cell = 2 * tol
    return {"cell": cell, "offset": (float(q.key) - tol) % cell}


def _cell_index(value: float, cell: dict) -> str:
    return str(math.floor((float(value) - float(cell["offset"])) / float(cell["cell"])))


def _key_forms(q, params: dict) -> list[str]:
    """The canonical forms of a key in the module check (several only for text)."""
    from caselab.quiz.checking import normalise_text

    if q.type == "choice":
        return [str(q.key).upper()]
    if q.type == "multi":
        return ["".join(sorted({str(k).upper() for k in q.key}))]
    if q.type == "ordering":
        return [",".join(str(k).upper() for k in q.key)]
    if q.type == "matching":
        key = {str(k): str(v).upper() for k, v in q.key.items()}
        return [";".join(f"{k}={key.get(k, '')}" for k in sorted(str(x) for x in q.spec["left"]))]
    if q.type == "text":
        return sorted({normalise_text(k) for k in q.key})
    if q.type == "numeric":
        return [_cell_index(q.key, params)]
    if q.type == "code":
        return ["\n".join(output_form(c["expected"], int(params["decimals"])) for c in q.spec["cases"])]
    raise ValueError(q.type)


def _module_hash(fixed: list, texts: list, salt: str, module: str, kdf: dict, base: str | None = None) -> tuple[str, str]:
    """(base, final): the slow hash of the non-text forms, then the hash of it with the text forms."""
    if base is None:
        base = digest(json.dumps(fixed, ensure_ascii=False), salt, module, "*all*", kdf)
    return base, digest(base + json.dumps(texts, ensure_ascii=False), salt, module, "*text*", KDF)


def score_check(quiz, salt: str) -> tuple[dict[str, dict], dict]:
    """Score mode: per question the non-secret parameters; per module the hashes of all answers right."""
    import itertools

    params: dict[str, dict] = {}
    fixed, texts = [], []
    for q in quiz.questions:
        if q.type == "memo":
            continue
        if q.type == "numeric":
            params[q.id] = _numeric_cell(q)
        elif q.type == "code":
            params[q.id] = {"decimals": decimals_for(q.spec, code=True)}
        forms = _key_forms(q, params.get(q.id, {}))
        if q.type == "text":
            texts.append((q.id, forms))
        else:
            fixed.append([q.id, forms[0]])
    combinations = math.prod(len(forms) for _, forms in texts)
    if combinations > MAX_TEXT_COMBINATIONS:
        raise ValueError(f"{quiz.module}: the text questions accept {combinations:,} combinations of forms; "
                         f"score mode can hash at most {MAX_TEXT_COMBINATIONS:,}")
    base, hashes = None, set()
    for combo in itertools.product(*[forms for _, forms in texts]):
        base, final = _module_hash(fixed, [[qid, f] for (qid, _), f in zip(texts, combo)], salt, quiz.module,
                                   SCORE_KDF, base)
        hashes.add(final)
    return params, {"kdf": dict(SCORE_KDF), "hashes": sorted(hashes)}


def _answer_form(q, answer) -> str | None:
    """The canonical form of a student's answer in the module check; None when it cannot be right."""
    from caselab.quiz import checking as c

    check = q.spec.get("check") or {}
    try:
        if q.type == "code":
            if answer.kind != "outputs":
                return None
            d = int(check["decimals"])
            return "\n".join(output_form(o["ok"], d) if "ok" in o else "\0" for o in answer.value)
        if answer.kind != "value":
            return None
        v = answer.value
        if q.type == "choice":
            return c._letter(v, c._options(q), "the answer")
        if q.type == "multi":
            return "".join(sorted(set(c._letters(v, c._options(q)))))
        if q.type == "ordering":
            return ",".join(c._letters(v, c._options(q, "items")))
        if q.type == "matching":
            if type(v) is not dict:
                return None
            pairs = {str(k): c._letter(x, c._options(q, "right"), "the match") for k, x in v.items()}
            return ";".join(f"{k}={pairs.get(k, '')}" for k in sorted(str(x) for x in q.spec["left"]))
        if q.type == "text":
            return c.normalise_text(v) if type(v) is str else None
        if q.type == "numeric":
            return _cell_index(v, check) if c._is_number(v) and type(v) is not bool else None
    except (c._Invalid, KeyError, TypeError, ValueError, OverflowError):
        return None
    return None


def module_all_right(questions, answers: dict) -> bool:
    """Score mode: whether every keyed answer of the module is right (one check of the whole module)."""
    questions = list(questions)
    edition = (questions[0].edition or {}) if questions else {}
    stored = edition.get("all_right")
    if not stored or not stored.get("hashes"):
        return False
    fixed, texts = [], []
    for q in questions:
        if q.type == "memo":
            continue
        form = _answer_form(q, answers[q.id])
        if form is None:
            return False
        (texts if q.type == "text" else fixed).append([q.id, form])
    _, final = _module_hash(fixed, texts, edition["salt"], questions[0].module, stored["kdf"])
    return final in set(stored["hashes"])


# --- checking an answer against an edition's hashes --------------------------------------------

def check_edition(q, answer, cite_names: Callable[[str], list[str]] | None = None):
    """``checking.check`` for a question of a student edition (``q.edition`` set, ``q.key`` absent)."""
    from caselab.quiz import checking as c

    def outcome(status: str, points: float = 0.0, message: str = "", given: str = "", hint_ok: bool = True):
        hint = q.hints[0] if q.hints and status in ("wrong", "partial") and hint_ok else ""
        return c.Outcome(q.module, q.id, q.type, status, points, q.points, message, hint, given)

    if answer.kind == "unanswered":
        return outcome("unanswered")
    if answer.kind in ("error", "invalid"):
        return outcome(answer.kind, message=answer.message)
    if q.type == "code" and answer.kind != "outputs":
        return outcome("invalid", message=f"{q.id} should be a function (def {q.id}(...))")
    if q.type != "code" and answer.kind != "value":
        return outcome("invalid", message="expected a value, not a function")
    try:
        if q.type == "memo":
            return outcome(*c.check_memo(q, answer.value, cite_names))
        return outcome(*_CHECKERS[q.type](q, answer.value, c))
    except c._Invalid as exc:
        return outcome("invalid", message=str(exc))


def _hasher(q):
    edition = q.edition or {}
    return lambda form: digest(form, edition["salt"], q.module, q.id, edition.get("kdf"))


def _stored(q) -> dict | None:
    """The question's hashes, or None when the edition checks only the form (feedback score and none)."""
    check = q.spec.get("check")
    return check if check and feedback_mode(q) == "full" else None


def _choice(q, v, c):
    letter = c._letter(v, c._options(q), "the answer")
    stored = _stored(q)
    if stored is None:
        return "answered", 0.0, "", letter
    return c._score(q, float(_hasher(q)(letter) == stored["answer"])) + (letter,)


def _multi(q, v, c):
    picked = set(c._letters(v, c._options(q)))
    stored = _stored(q)
    if stored is None:
        return "answered", 0.0, "", "".join(sorted(picked))
    h = _hasher(q)
    key = {str(o).upper() for o, hv in stored["options"].items() if h(f"{str(o).upper()}:in") == hv}
    right, wrong = len(picked & key), len(picked - key)
    status, points, _ = c._score(q, (right - wrong) / max(1, len(key)))
    msg = "" if status == "correct" else f"{right} right pick(s) and {wrong} wrong pick(s); each wrong pick cancels a right one"
    return status, points, msg, "".join(sorted(picked))


def _numeric(q, v, c):
    c.number_form(q, v)
    given = f"{v:g}"
    stored = _stored(q)
    if stored is None:
        return "answered", 0.0, "", given
    h, d = _hasher(q), int(stored["decimals"])

    def matches(x: float) -> bool:
        # the key is stored rounded to d decimals: accept if a rounding step within tolerance matches
        tol, step = c._tolerance(q), 10.0 ** -d
        base, span = round(x, d), max(1, math.ceil(tol / step))
        candidates = sorted((base + k * step for k in range(-span, span + 1)), key=lambda y: abs(y - x))
        return any(h(number_form(y, d)) == stored["answer"] for y in candidates if abs(x - y) <= tol + 1e-12)

    def near(x: float) -> bool:  # within half a unit of one fewer decimal of the key
        step, half = 10.0 ** -d, 0.5 * 10.0 ** -(d - 1)
        base = round(x, d)
        return any(h(number_form(y, d)) == stored["answer"]
                   for y in (base + k * step for k in range(-6, 7)) if abs(x - y) <= half + 1e-12)

    slip = c.rounding_slip(q, v, matches, near)
    if slip:
        return "wrong", 0.0, slip, given, False
    if matches(v):
        return "correct", q.points, "", given
    unit = q.spec.get("unit", "")
    if q.spec.get("percent") and matches(v * 100):
        return ("wrong", 0.0, "units: the question asks for a percentage (write 12.5 for 12.5 %), "
                "but your answer looks like a fraction of 1", given)
    for factor in (1000, 0.001):
        if v and matches(v * factor):
            return "wrong", 0.0, f"units: your answer is off by a factor of 1,000; give it in {unit or 'the unit asked'}", given
    return "wrong", 0.0, "", given


def _ordering(q, v, c):
    items = c._options(q, "items")
    order = c._letters(v, items)
    if sorted(order) != sorted(items):
        raise c._Invalid(f"use each of {', '.join(items)} exactly once")
    stored = _stored(q)
    if stored is None:
        return "answered", 0.0, "", "".join(order)
    return c._score(q, float(_hasher(q)(",".join(order)) == stored["answer"])) + ("".join(order),)


def _matching(q, v, c):
    left = [str(k) for k in q.spec["left"]]
    right = c._options(q, "right")
    if type(v) is not dict:
        raise c._Invalid("answer with a dictionary pairing each left item with a letter, like {1: \"A\", 2: \"C\"}")
    unknown = [k for k in v if k not in left]
    if unknown:
        raise c._Invalid(f"{', '.join(unknown)} is not an item on the left; items are {', '.join(left)}")
    pairs = {k: c._letter(x, right, f"the match for {k}") for k, x in v.items()}
    given = ",".join(f"{k}{pairs[k]}" for k in sorted(pairs))
    stored = _stored(q)
    if stored is None:
        return "answered", 0.0, "", given
    h = _hasher(q)
    right_pairs = sum(k in pairs and h(f"{k}={pairs[k]}") == hv for k, hv in stored["pairs"].items())
    n = len(stored["pairs"])
    status, points, _ = c._score(q, right_pairs / n)
    msg = "" if status == "correct" else c.pairs_message(
        q, right_pairs, n, [k for k in pairs if k in stored["pairs"] and h(f"{k}={pairs[k]}") != stored["pairs"][k]],
        [k for k in stored["pairs"] if k not in pairs])
    return status, points, msg, given


def _text(q, v, c):
    if type(v) is not str:
        raise c._Invalid("the answer must be text in quotes")
    given = c.normalise_text(v)
    if not given:
        return "unanswered", 0.0, "", ""
    stored = _stored(q)
    if stored is None:
        return "answered", 0.0, "", given
    return c._score(q, float(_hasher(q)(given) in set(stored["answers"]))) + (given,)


def _code(q, outputs, c):
    cases = q.spec["cases"]
    stored = _stored(q)
    if stored is None:
        bad = next((o for o in outputs if "ok" not in o), None)
        if bad is not None:
            i = outputs.index(bad)
            what = f"raised {bad['error']}" if "error" in bad else f"returned something that is not a plain value: {bad.get('invalid')}"
            return "answered", 0.0, f"{call_text(q, cases[i]['args'])} {what}", ""
        return "answered", 0.0, "", ""
    h, d = _hasher(q), int(stored["decimals"])
    return c.check_code(q, outputs, right=lambda i, value: h(output_form(value, d)) == stored["cases"][i])


_CHECKERS = {"choice": _choice, "multi": _multi, "numeric": _numeric, "ordering": _ordering,
             "matching": _matching, "text": _text, "code": _code}


# --- what a student sees in each feedback mode -------------------------------------------------

def feedback_mode(q) -> str:
    return (q.edition or {}).get("feedback", "full") if q.edition is not None else "full"


def redact(outcome, mode: str):
    """The outcome as a student may see it in ``mode``: in ``score`` and ``none`` no question says right or wrong.

    ``score`` keeps the points (only module totals are shown); ``none`` keeps none.
    Unanswered, invalid and error outcomes are about the form of the answer and are kept.
    """
    if mode == "full":
        return outcome
    if outcome.status in ("unanswered", "invalid", "error"):
        return replace(outcome, points=0.0, hint="")
    message = outcome.message if outcome.status == "answered" else ""
    return replace(outcome, status="answered", points=outcome.points if mode == "score" else 0.0,
                   message=message, hint="", given="")
