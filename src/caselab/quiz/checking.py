"""The checking rules, one function per question type.

``check(question, answer)`` turns what a sheet holds into an ``Outcome``: a
status word, points, and one plain sentence for the student.  Messages never
contain the key.  The rules are written down for students in docs/checking.md.
"""
from __future__ import annotations

import functools
import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Callable

from caselab.quiz.answers import Answer
from caselab.quiz.model import Question, call_text

STATUSES = ("correct", "partial", "wrong", "unanswered", "invalid", "error")


@dataclass(frozen=True)
class Outcome:
    module: str
    id: str
    type: str
    status: str
    points: float
    max_points: float
    message: str = ""
    hint: str = ""
    given: str = ""  # the answer in a canonical form (for class reports), "" if none

    def as_dict(self) -> dict:
        return {"module": self.module, "id": self.id, "type": self.type, "status": self.status,
                "points": self.points, "max_points": self.max_points}


class _Invalid(Exception):
    """The answer is not of the form the question asks for; the message says what form is expected."""


def _is_number(v: Any) -> bool:
    return type(v) in (int, float) and (type(v) is int or math.isfinite(v))


def _shown(text: Any, limit: int = 40) -> str:
    """A student's text echoed in a message: one line, at most ``limit`` characters, quoted."""
    text = " ".join(str(text).split())
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


def _letter(v: Any, allowed: list[str], what: str) -> str:
    if type(v) is not str:
        raise _Invalid(f"{what} must be a letter in quotes, like \"{allowed[0]}\"")
    letter = v.strip().strip("()[].,").upper()
    if letter not in allowed:
        raise _Invalid(f"{letter if len(letter) == 1 and letter.isalnum() else _shown(v)} is not one of "
                       f"{', '.join(allowed)}")
    return letter


def _letters(v: Any, allowed: list[str]) -> list[str]:
    if type(v) is str:
        items = [c for c in re.split(r"[\s,;]+", v.strip()) if c]
        if len(items) == 1 and len(items[0]) > 1:
            items = list(items[0])
        v = items
    if type(v) is not list:
        raise _Invalid(f"answer with a list of letters, like [\"{allowed[0]}\", \"{allowed[-1]}\"]")
    return [_letter(x, allowed, "each item") for x in v]


def _options(q: Question, field: str = "options") -> list[str]:
    return [str(k).upper() for k in q.spec[field]]


def _score(q: Question, fraction: float, message: str = "") -> tuple[str, float, str]:
    fraction = max(0.0, min(1.0, fraction))
    status = "correct" if fraction >= 1 else "partial" if fraction > 0 else "wrong"
    return status, round(q.points * fraction, 4), message


# --- one function per type: (question, value) -> (status, points, message) --------------

def check_choice(q: Question, v: Any):
    letter = _letter(v, _options(q), "the answer")
    return _score(q, float(letter == q.key.upper())) + (letter,)


def check_multi(q: Question, v: Any):
    picked = set(_letters(v, _options(q)))
    key = {k.upper() for k in q.key}
    right, wrong = len(picked & key), len(picked - key)
    status, points, _ = _score(q, (right - wrong) / len(key))
    msg = "" if status == "correct" else f"{right} right pick(s) and {wrong} wrong pick(s); each wrong pick cancels a right one"
    return status, points, msg, "".join(sorted(picked))


def _tolerance(q: Question) -> float:
    if "tolerance" in q.spec:
        return float(q.spec["tolerance"])
    return 0.5 * 10 ** -int(q.spec["decimals"]) + 1e-9


def _same_when_rounded(q: Question, v: float, key: float) -> bool:
    """With required rounding, an answer that rounds to the key's rounded value is right."""
    if "decimals" not in q.spec:
        return False
    d = int(q.spec["decimals"])
    return abs(round(v, d) - round(key, d)) < 0.5 * 10 ** -d


def number_form(q: Question, v: Any) -> None:
    """Raise _Invalid, in words that name ``q``, unless ``v`` is one plain number."""
    if type(v) is bool:
        raise _Invalid(f"True/False is not a number; write the number itself, e.g. {q.id} = 12.5")
    if type(v) is str:
        raise _Invalid(f"write the number without quotes or units, e.g. {q.id} = 12.5")
    if type(v) is list and v and all(_is_number(x) for x in v):
        raise _Invalid(f"write one number, e.g. {q.id} = 12.5; use a dot for decimals and no thousands separator")
    if not _is_number(v):
        raise _Invalid(f"write one number, e.g. {q.id} = 12.5")


def places(v: float) -> int:
    """How many decimals ``v`` is written with (12.35 -> 2, 12500 -> 0, 1e-05 -> 5)."""
    if type(v) is int or v == int(v):
        return 0
    text = repr(float(v))
    if "e" in text:
        mantissa, exponent = text.split("e")
        return max(0, len(mantissa.partition(".")[2].rstrip("0")) - int(exponent))
    return len(text.partition(".")[2].rstrip("0"))


def rounding_message(q: Question, more: bool) -> str:
    """The key at another rounding: say so and name the rounding asked for (never the method hint)."""
    d = int(q.spec["decimals"])
    asked = f"{d} decimal place{'s' if d != 1 else ''}"
    example = f"e.g. 2.71828 → {round(2.71828, d):.{d}f}"
    if more:
        return f"{q.id} has more decimals than asked: round it to {asked} ({example})"
    return f"{q.id} is close, but not rounded as asked: give {asked}, rounding the last one ({example})"


def rounding_slip(q: Question, v: float, is_key: Callable[[float], bool],
                  near_key: Callable[[float], bool]) -> str:
    """The message when ``v`` is the key at another rounding, else "".

    ``is_key(v)``: v is right within the tolerance; ``near_key(v, step)``: v lies within
    half a unit of one fewer decimal of the key.  Only for questions that ask for decimals.
    """
    if "decimals" not in q.spec or "tolerance" in q.spec:
        return ""
    d = int(q.spec["decimals"])
    if places(v) > d and is_key(v):
        return rounding_message(q, more=True)
    if d >= 1 and not is_key(v) and near_key(v):
        return rounding_message(q, more=False)
    return ""


def check_numeric(q: Question, v: Any):
    number_form(q, v)
    key, tol, unit = float(q.key), _tolerance(q), q.spec.get("unit", "")
    given = f"{v:g}"
    right = lambda x: abs(x - key) <= tol or _same_when_rounded(q, x, key)  # noqa: E731
    coarser = lambda x: abs(x - key) <= 0.5 * 10 ** -(int(q.spec["decimals"]) - 1) + 1e-9  # noqa: E731
    slip = rounding_slip(q, v, right, coarser)
    if slip:
        return "wrong", 0.0, slip, given, False
    if right(v):
        return "correct", q.points, "", given
    if q.spec.get("percent") and abs(v * 100 - key) <= tol:
        return ("wrong", 0.0, "units: the question asks for a percentage (write 12.5 for 12.5 %), "
                "but your answer looks like a fraction of 1", given)
    for factor in (1000, 0.001):
        if key and abs(v * factor - key) <= tol:
            return "wrong", 0.0, f"units: your answer is off by a factor of 1,000; give it in {unit or 'the unit asked'}", given
    return "wrong", 0.0, "", given


def check_ordering(q: Question, v: Any):
    items = _options(q, "items")
    order = _letters(v, items)
    if sorted(order) != sorted(items):
        raise _Invalid(f"use each of {', '.join(items)} exactly once")
    return _score(q, float(order == [k.upper() for k in q.key])) + ("".join(order),)


def check_matching(q: Question, v: Any):
    left = [str(k) for k in q.spec["left"]]
    right = _options(q, "right")
    if type(v) is not dict:
        raise _Invalid("answer with a dictionary pairing each left item with a letter, like {1: \"A\", 2: \"C\"}")
    unknown = [k for k in v if k not in left]
    if unknown:
        raise _Invalid(f"{', '.join(_shown(k) for k in unknown[:3])} is not an item on the left; "
                       f"items are {', '.join(left)}")
    pairs = {k: _letter(x, right, f"the match for {k}") for k, x in v.items()}
    key = {str(k): str(x).upper() for k, x in q.key.items()}
    right_pairs = sum(pairs.get(k) == x for k, x in key.items())
    status, points, _ = _score(q, right_pairs / len(key))
    msg = "" if status == "correct" else pairs_message(q, right_pairs, len(key),
                                                       [k for k in pairs if pairs[k] != key.get(k)],
                                                       [k for k in key if k not in pairs])
    return status, points, msg, ",".join(f"{k}{pairs[k]}" for k in sorted(pairs))


def pairs_message(q: Question, right: int, total: int, wrong: list[str], missing: list[str]) -> str:
    """How many pairs are right, which of the student's pairs are wrong and which are missing (never the key)."""
    order = {str(k): i for i, k in enumerate(q.spec["left"])}
    msg = f"{right} of {total} pairs right"
    if wrong:
        msg += f"; your match for {_and(sorted(wrong, key=lambda k: order.get(k, 0)))} is wrong"
    if missing:
        msg += f"; no match given for {_and(sorted(missing, key=lambda k: order.get(k, 0)))}"
    return msg


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def normalise_text(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = re.sub(r"\s+", "", text)
    return text.strip(".,;:!?。，；：！？\"'“”")


def check_text(q: Question, v: Any):
    if type(v) is not str:
        raise _Invalid("the answer must be text in quotes")
    given = normalise_text(v)
    if not given:
        return "unanswered", 0.0, "", ""
    typed = " ".join(v.split())[:200]  # as typed (reports group answers by normalise_text)
    return _score(q, float(given in {normalise_text(k) for k in q.key})) + (typed,)


def _same(got: Any, expected: Any, tol: float) -> bool:
    if type(expected) is bool or type(got) is bool:
        return type(got) is type(expected) and got == expected
    if _is_number(expected) and _is_number(got):
        return abs(got - expected) <= tol
    if type(expected) is list and type(got) is list:
        return len(got) == len(expected) and all(_same(g, e, tol) for g, e in zip(got, expected))
    if type(expected) is dict and type(got) is dict:
        return got.keys() == {str(k) for k in expected} and all(_same(got[str(k)], e, tol) for k, e in expected.items())
    return type(got) is type(expected) and got == expected


def check_code(q: Question, outputs: list[dict], right: Callable[[int, Any], bool] | None = None):
    """Share the points among the cases; ``right(i, value)`` says whether case i's output is right
    (by default: equal to the case's expected output; an edition compares hashes instead)."""
    cases = q.spec["cases"]
    if right is None:
        tol = float(q.spec.get("tolerance", 1e-9))
        right = lambda i, value: _same(value, cases[i]["expected"], tol)  # noqa: E731
    passed, first_problem = 0, ""
    for i, (case, out) in enumerate(zip(cases, outputs)):
        if "ok" in out and right(i, out["ok"]):
            passed += 1
            continue
        if first_problem:
            continue
        call = call_text(q, case["args"])
        keys = expected_keys(q, case)
        if "error" in out:
            first_problem = f"{call} raised {out['error']}"
        elif "invalid" in out:
            first_problem = f"{call} returned something that is not a plain value: {out['invalid']}"
        elif keys is not None and type(out["ok"]) is dict and set(out["ok"]) != set(keys):
            first_problem = f"{call} returned a dict with the wrong keys: {_key_difference(out['ok'], keys)}"
        elif keys is not None and type(out["ok"]) is not dict:
            first_problem = f"{call} returned {out['ok']!r}; it should return a dict"
        else:
            first_problem = f"{call} returned {out['ok']!r}, which is not the expected result"
    status, points, _ = _score(q, passed / len(cases))
    msg = "" if status == "correct" else f"{passed} of {len(cases)} cases right; {first_problem}"
    return status, points, msg, f"{passed}/{len(cases)}"


def expected_keys(q: Question, case: dict) -> list[str] | None:
    """The keys of the dict a code task's case must return, or None if it returns no dict.

    From the case's expected output, or, in a student edition (no expected outputs), from
    the key names its check stores (they are in the prompt; no value is)."""
    if "expected" in case:
        return [str(k) for k in case["expected"]] if type(case["expected"]) is dict else None
    keys = (q.spec.get("check") or {}).get("keys")
    return [str(k) for k in keys] if isinstance(keys, list) else None


def _key_difference(got: dict, want: list[str]) -> str:
    missing = [k for k in want if k not in got]
    extra = [k for k in got if k not in want]
    parts = []
    if missing:
        parts.append("missing " + ", ".join(f'"{k}"' for k in missing))
    if extra:
        parts.append("not asked for " + ", ".join(f'"{k}"' for k in extra[:10]))
    return "; ".join(parts)


# Chinese, Japanese and Korean characters (ideographs, kana, hangul): each one is a token of its own
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f"
_TOKEN = re.compile(f"[{_CJK}]|[^\\W{_CJK}]+")  # linear: one character class, no backtracking
_CJK_RUN = re.compile(f"[{_CJK}]+")
_MEMO_PARTS = re.compile(f"((?:[{_CJK}](?<=\\w))+)|[^\\W{_CJK}]+")  # (?<=\\w): a CJK character that is a letter
MEMO_CHARS_PER_WORD = 2  # Chinese text: one word per two characters (rounded up per run)


# ASCII text (most memos): NFKC leaves it as it is, casefold is lower(), and \w is [A-Za-z0-9_], so its
# tokens are what is left between the other characters; str.translate and split find them several times
# faster than the regular expression
ASCII_NOT_WORD = {c: " " for c in range(128) if not (chr(c).isalnum() or chr(c) == "_")}


def tokens(text: str) -> list[str]:
    """Whole tokens of ``text`` (NFKC, casefolded): each run of other letters and digits, and each CJK character."""
    if text.isascii():
        return text.lower().translate(ASCII_NOT_WORD).split()
    return _TOKEN.findall(unicodedata.normalize("NFKC", text).casefold())


def memo_words(text: str) -> int:
    """Words in a memo: each run of letters or digits is one; a run of Chinese, Japanese or Korean
    characters counts one word per ``MEMO_CHARS_PER_WORD`` characters, rounded up."""
    if text.isascii():  # no CJK: the runs of letters and digits (\w), as ``tokens`` finds them
        return len(text.translate(ASCII_NOT_WORD).split())
    # one pass: each match is a run of CJK letters (group 1) or a run of other letters and digits ("")
    parts = _MEMO_PARTS.findall(text)
    return parts.count("") + sum(-(-len(cjk) // MEMO_CHARS_PER_WORD) for cjk in filter(None, parts))


def memo_headings(text: str) -> set[str]:
    """The headings of a memo, read line by line: a line of 1 to 3 ``#``, a space, then the heading."""
    found = set()
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("#"):
            continue
        marks = len(line) - len(line.lstrip("#"))
        rest = line[marks:]
        if marks <= 3 and rest[:1].isspace() and rest.strip():
            found.add(normalise_text(rest))
    return found


def _cites(memo: str, name: str) -> bool:
    """True if ``name`` appears in ``memo`` as whole tokens (``memo`` is already joined by ``_joined``)."""
    wanted = _wanted(name)
    return bool(wanted) and wanted in memo


@functools.lru_cache(maxsize=4096)  # the names of the sources: the same few for every memo of a class
def _wanted(name: str) -> str:
    """``name``'s tokens joined as ``_joined`` joins a memo's, or "" when it has none."""
    wanted = tokens(name)
    return "\0" + "\0".join(wanted) + "\0" if wanted else ""


def _joined(text: str) -> str:
    return "\0" + "\0".join(tokens(text)) + "\0"


def check_memo(q: Question, v: Any, cite_names: Callable[[str], list[str]] | None = None):
    if type(v) is not str:
        raise _Invalid("the memo must be text (a string in triple quotes)")
    if not v.strip():
        return "unanswered", 0.0, "", ""
    words = memo_words(v)
    headings = memo_headings(v)
    missing = [s for s in q.spec["sections"] if normalise_text(s) not in headings]
    cite = q.spec.get("cite") or {}
    flat = _joined(v)
    names = cite_names or (lambda sid: [sid])
    cited = [sid for sid in cite.get("from", []) if any(_cites(flat, n) for n in names(sid) if n)]
    problems = []
    if missing:
        problems.append(f"missing section heading(s): {', '.join(missing)} (start each with '## ')")
    lo, hi = int(q.spec["min_words"]), int(q.spec["max_words"])
    if not lo <= words <= hi:
        problems.append(f"{words} words; write between {lo} and {hi}")
    if len(cited) < int(cite.get("min", 0)):
        # the short forms only (id, number): titles are long and may hold another question's answer
        forms = "; ".join(" or ".join(f'"{n}"' for n in dict.fromkeys(n for n in names(sid)[:2] if n))
                          for sid in cite.get("from", []))
        problems.append(f"cites {len(cited)} of the listed documents; cite at least {cite['min']}, "
                        f"each by its id or number (its full title counts too): {forms}")
    status, points, _ = _score(q, (3 - len(problems)) / 3)
    return status, points, "; ".join(problems), f"{words} words"


CHECKERS = {
    "choice": check_choice, "multi": check_multi, "numeric": check_numeric, "ordering": check_ordering,
    "matching": check_matching, "text": check_text, "memo": check_memo,
}


def check(q: Question, answer: Answer, cite_names: Callable[[str], list[str]] | None = None) -> Outcome:
    """The outcome of ``answer`` to ``q``."""
    if q.edition is not None:
        raise ValueError(f"{q.nodeid} is from a student edition: check it with caselab.editions.keyhash.check_edition")
    def outcome(status: str, points: float = 0.0, message: str = "", given: str = "", hint_ok: bool = True) -> Outcome:
        hint = q.hints[0] if q.hints and status in ("wrong", "partial") and hint_ok else ""
        return Outcome(q.module, q.id, q.type, status, points, q.points, message, hint, given)

    if answer.kind == "unanswered":
        return outcome("unanswered")
    if answer.kind == "error":
        return outcome("error", message=answer.message)
    if answer.kind == "invalid":
        return outcome("invalid", message=answer.message)
    try:
        if q.type == "code":
            if answer.kind != "outputs":
                return outcome("invalid", message=f"{q.id} should be a function (def {q.id}(...))")
            return outcome(*check_code(q, answer.value))
        if answer.kind != "value":
            return outcome("invalid", message="expected a value, not a function")
        if q.type == "memo":
            return outcome(*check_memo(q, answer.value, cite_names))
        return outcome(*CHECKERS[q.type](q, answer.value))
    except _Invalid as exc:
        return outcome("invalid", message=str(exc))
