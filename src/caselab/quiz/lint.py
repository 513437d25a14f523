"""The author's check of the question bank (``caselab lint``): items a test-wise student could
answer without the case.

``lint_bank(root)`` loads the quizzes and returns a ``Report``: a list of ``Finding`` (each a
failed rule, naming the module and the question, in plain words) and the measured figures.
The report is ``ok`` when no rule fails.  The rules, with their limits (AUTHORING.md, "Item rules"):

- ``longest-key``: per module and for the bank, at most 35 % of choice items key the longest option;
- ``letter-spread``: once a scope has 20 or more choice items, no letter keyed above 40 % or below 10 %;
- ``multi-length``: a multi item whose keyed options are exactly its longest (or, for two or more
  keys, its shortest) options;
- ``level-missing``/``objective-missing``/``level-mix``: every question has a level and an objective;
  per module at most 35 % of the points ``remember``, at least 25 % ``analyse``;
- ``objective-untested``/``objectives-missing``: every declared objective has a question;
- ``near-duplicate``: two options (items, left or right entries) of one question alike;
- ``reading-repeat``: a prompt repeats a sentence of ``docs/modules/<module>.md``;
- ``giveaway``: a prompt or an option contains another question's key (any module);
- ``test-wise``: always taking the longest option (choice) or every option without an absolute word
  (multi) scores at most chance + 10 points of percentage;
- ``parameters``: a question with per-student figures (``parameters:``) gives, for every combination of
  its values, a key that figures.py can compute, finite, of the article key's sign, distinct from the
  article's key (as rounded for the student) whenever the figures differ; whole-number figures stay
  whole, positive ones positive; the combinations give two keys or more; its scenario says it is
  hypothetical ("Suppose ...").

Nothing here runs student code or reads answers; it reads only the quiz files and the module pages.
"""
from __future__ import annotations

import difflib
import itertools
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path

from caselab.quiz.figures import fill_markers
from caselab.quiz.model import LEVELS, Question, Quiz, load_quizzes

LONGEST_KEY_MAX = 0.35
LETTER_MAX, LETTER_MIN, LETTER_MIN_ITEMS = 0.40, 0.10, 20
REMEMBER_MAX, ANALYSE_MIN = 0.35, 0.25
NEAR_DUPLICATE = 0.9  # similarity ratio of two normalised options
READING_WORDS, READING_CJK = 8, 15  # a "sentence" worth checking: this many words, or CJK characters
TEST_WISE_MARGIN = 10.0  # points of percentage above chance
ABSOLUTE = re.compile(r"\b(always|never|only|all|none|every|entirely|completely|absolutely|solely)\b", re.I)
CJK = re.compile(r"[\u3400-\u9fff]")
NUMBER = re.compile(r"(?<![\w.])\d{1,3}(?:,\d{3})+(?:\.\d+)?|(?<![\w.])\d+(?:\.\d+)?")
NAME = re.compile(r"《[^》]*》|\S*〔\d{4}〕\d+号\S*")
MARKER = re.compile(r"<!--.*?-->|\{\{\s*fig\s+([\w.]+)\s*\}\}", re.S)


@dataclass(frozen=True)
class Finding:
    rule: str
    module: str | None  # None: the whole bank
    question: str | None
    message: str


@dataclass
class Report:
    modules: list[str]
    findings: list[Finding] = field(default_factory=list)
    measures: dict = field(default_factory=dict)  # "bank" and each module -> figures

    @property
    def ok(self) -> bool:
        return not self.findings

    def as_dict(self) -> dict:
        return {"ok": self.ok, "modules": self.modules, "findings": [asdict(f) for f in self.findings],
                "measures": self.measures}


# --- text helpers ------------------------------------------------------------------------------

def norm(text: str) -> str:
    """Text as a reader compares it: NFKC, casefolded, Markdown marks and links removed, spaces collapsed."""
    text = unicodedata.normalize("NFKC", str(text))
    text = MARKER.sub(lambda m: m.group(1) or " ", text)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"[*_`>#|]", " ", text)
    text = " ".join(text.casefold().split())
    return text.strip(" .;:,!?。；：，！？")


def _size(text: str) -> int:
    return len(norm(text))


def _long_enough(sentence: str) -> bool:
    """Long enough to count as a sentence of its own; titles in 《》 and document numbers are names, not text."""
    plain = NAME.sub(" ", sentence)
    return len(plain.split()) >= READING_WORDS or len(CJK.findall(plain)) >= READING_CJK


def sentences(text: str) -> list[str]:
    """Normalised sentences of a Markdown text (lines, then sentence ends), the long ones only."""
    out = []
    for line in MARKER.sub(" ", text).splitlines():
        for cell in line.split("|"):
            for part in re.split(r"(?<=[.!?])\s+|(?<=[。！？；])", cell):
                s = norm(part)
                if _long_enough(s):
                    out.append(s)
    return out


def _pct(x: float) -> str:
    return f"{x * 100:.0f} %"


def _ids(questions) -> str:
    return ", ".join(q.id for q in questions)


def _labels(q: Question) -> dict[str, str]:
    return {str(k).upper(): str(v) for k, v in (q.spec.get("options") or {}).items()}


def _choice_items(quizzes) -> list[Question]:
    return [q for quiz in quizzes for q in quiz.questions if q.type == "choice" and _labels(q)]


def key_is_longest(q: Question) -> bool:
    """The key is longer than every other option: a student who picks by length finds it.
    (A tie does not single the key out; the test-wise score counts it as a guess among the tied.)"""
    sizes = {k: _size(v) for k, v in _labels(q).items()}
    key = str(q.key).upper()
    return all(sizes.get(key, -1) > n for k, n in sizes.items() if k != key)


# --- the rules ------------------------------------------------------------------------------------

def _length_ranks(items: list[Question]) -> dict[str, int]:
    """How often the key is the shortest option, the 2nd shortest ... (shown, not a rule: a bank whose
    keys sit mostly at one rank teaches a test-wise student another habit than "the longest")."""
    ranks: dict[str, int] = {}
    for q in items:
        sizes = {k: _size(v) for k, v in _labels(q).items()}
        key = str(q.key).upper()
        if key not in sizes:
            continue
        rank = sum(1 for n in sizes.values() if n < sizes[key]) + 1
        name = "all of one length" if len(set(sizes.values())) == 1 else "longest" if rank == len(sizes) else "shortest" if rank == 1 else f"{rank}th shortest".replace(
            "2th", "2nd").replace("3th", "3rd")
        ranks[name] = ranks.get(name, 0) + 1
    order = (["shortest", "2nd shortest", "3rd shortest"] + [f"{i}th shortest" for i in range(4, 10)]
             + ["longest", "all of one length"])
    return {k: ranks[k] for k in order if k in ranks}


def _longest_key(scope: str, module: str | None, items: list[Question], report: Report) -> None:
    if not items:
        return
    longest = [q for q in items if key_is_longest(q)]
    share = len(longest) / len(items)
    report.measures[scope]["key_longest"] = {"items": len(items), "longest": len(longest), "share": round(share, 4)}
    report.measures[scope]["key_length_rank"] = _length_ranks(items)
    if share > LONGEST_KEY_MAX:
        where = f"{module}: " if module else "the bank: "
        names = _ids(longest) if module else ", ".join(q.nodeid for q in longest)
        report.findings.append(Finding("longest-key", module, None,
            f"{where}in {len(longest)} of {len(items)} choice questions ({_pct(share)}) the right option is the "
            f"longest ({names}); at most {_pct(LONGEST_KEY_MAX)} may be. Make the options about as long as each other."))


def _letter_spread(scope: str, module: str | None, items: list[Question], report: Report) -> None:
    if not items:
        return
    keyed = {}
    for q in items:
        keyed[str(q.key).upper()] = keyed.get(str(q.key).upper(), 0) + 1
    offered = {}
    for q in items:
        for letter in _labels(q):
            offered[letter] = offered.get(letter, 0) + 1
    letters = sorted({k for k, n in offered.items() if n * 2 >= len(items)} | set(keyed))
    shares = {k: keyed.get(k, 0) / len(items) for k in letters}
    report.measures[scope]["keys_by_letter"] = {k: keyed.get(k, 0) for k in letters}
    if len(items) < LETTER_MIN_ITEMS:
        return
    where = f"{module}: " if module else "the bank: "
    spread = ", ".join(f"{k} {keyed.get(k, 0)}" for k in letters)
    for k in letters:
        if shares[k] > LETTER_MAX or shares[k] < LETTER_MIN:
            side = "more than" if shares[k] > LETTER_MAX else "less than"
            limit = LETTER_MAX if shares[k] > LETTER_MAX else LETTER_MIN
            report.findings.append(Finding("letter-spread", module, None,
                f"{where}the right answer is {k} in {keyed.get(k, 0)} of {len(items)} choice questions "
                f"({_pct(shares[k])}), {side} {_pct(limit)} (keys: {spread}). Move keys to other letters."))


def _multi_length(quiz: Quiz, report: Report) -> None:
    for q in quiz.questions:
        options = _labels(q)
        if q.type != "multi" or not options:
            continue
        keys = {str(k).upper() for k in q.key or []}
        others = set(options) - keys
        if not keys or not others:
            continue
        sizes = {k: _size(v) for k, v in options.items()}
        if min(sizes[k] for k in keys) > max(sizes[k] for k in others):
            how = "longest"
        elif len(keys) >= 2 and max(sizes[k] for k in keys) < min(sizes[k] for k in others):
            how = "shortest"
        else:
            continue
        report.findings.append(Finding("multi-length", quiz.module, q.id,
            f"{quiz.module} {q.id}: the right options ({', '.join(sorted(keys))}) are exactly the {len(keys)} "
            f"{how}; a student can pick them by length. Make right and wrong options about as long as each other."))


def _levels(quiz: Quiz, report: Report) -> None:
    m = quiz.module
    no_level = [q for q in quiz.questions if q.level not in LEVELS]
    no_objective = [q for q in quiz.questions if not q.objective]
    if no_level:
        report.findings.append(Finding("level-missing", m, None,
            f"{m}: {len(no_level)} question(s) have no level ({_ids(no_level)}); give each "
            f"'level:' one of {', '.join(LEVELS)}."))
    if no_objective:
        report.findings.append(Finding("objective-missing", m, None,
            f"{m}: {len(no_objective)} question(s) name no objective ({_ids(no_objective)}); give each "
            f"'objective:' one of the module's objective ids."))
    total = sum(q.points for q in quiz.questions)
    by_level = {lv: sum(q.points for q in quiz.questions if q.level == lv) for lv in LEVELS}
    report.measures[m]["points_by_level"] = {**by_level, "none": sum(q.points for q in no_level)}
    if total and len(no_level) < len(quiz.questions):
        if by_level["remember"] / total > REMEMBER_MAX:
            report.findings.append(Finding("level-mix", m, None,
                f"{m}: {by_level['remember']:g} of {total:g} points ({_pct(by_level['remember'] / total)}) are "
                f"'remember'; at most {_pct(REMEMBER_MAX)} may be. Turn recall questions into ones that apply "
                f"or analyse the case."))
        if by_level["analyse"] / total < ANALYSE_MIN:
            report.findings.append(Finding("level-mix", m, None,
                f"{m}: {by_level['analyse']:g} of {total:g} points ({_pct(by_level['analyse'] / total)}) are "
                f"'analyse'; at least {_pct(ANALYSE_MIN)} must be. Add questions that put the student in a "
                f"situation the reading does not spell out."))
    if not quiz.objectives:
        report.findings.append(Finding("objectives-missing", m, None,
            f"{m}: the quiz declares no objectives; add 'objectives:' at the top of tests/quizzes/{m}.yml."))
        return
    tested = {q.objective for q in quiz.questions}
    for oid in quiz.objectives:
        if oid not in tested:
            report.findings.append(Finding("objective-untested", m, None,
                f"{m}: objective {oid} (\"{quiz.objectives[oid]}\") has no question; add one or drop the objective."))


def _near_duplicates(quiz: Quiz, report: Report) -> None:
    for q in quiz.questions:
        for group in ("options", "items", "left", "right"):
            entries = q.spec.get(group)
            if not isinstance(entries, dict):
                continue
            texts = {str(k): norm(v) for k, v in entries.items()}
            for (a, ta), (b, tb) in itertools.combinations(texts.items(), 2):
                if alike(ta, tb):
                    what = {"options": "options", "items": "items", "left": "left entries", "right": "right entries"}
                    report.findings.append(Finding("near-duplicate", quiz.module, q.id,
                        f"{quiz.module} {q.id}: {what[group]} {a} and {b} say (nearly) the same thing; "
                        f"make each a distinct answer."))


NEGATION = re.compile(r"\b(not|no|never|cannot|without|nor)\b|n't|不|未|无|非")


def alike(a: str, b: str) -> bool:
    """Two normalised options that say the same thing: equal, or nearly equal in wording while
    naming the same numbers and the same negations ("3 September" and "5 September" differ,
    and so do "is valid" and "is not valid")."""
    if a == b:
        return True
    if re.findall(r"\d+", a) != re.findall(r"\d+", b) or len(NEGATION.findall(a)) != len(NEGATION.findall(b)):
        return False
    return difflib.SequenceMatcher(None, a, b).ratio() >= NEAR_DUPLICATE


def _reading_repeats(quiz: Quiz, root: Path, report: Report) -> None:
    page = Path(root) / "docs" / "modules" / f"{quiz.module}.md"
    if not page.is_file():
        return
    text = fill_markers(page.read_text(encoding="utf-8"), root, str(page))  # read as students read it
    reading = " ".join(sentences(text))
    reading_sentences = set(sentences(text))
    for q in quiz.questions:
        prompt = norm(q.prompt)
        hit = next((s for s in sentences(q.prompt) if s in reading), None)
        hit = hit or next((s for s in reading_sentences if s in prompt), None)
        if hit:
            report.findings.append(Finding("reading-repeat", quiz.module, q.id,
                f"{quiz.module} {q.id}: the prompt repeats a sentence of the reading (\"{hit[:80]}\"); "
                f"ask about the case in new words, so that finding the sentence is not enough."))


def _number_tokens(text: str) -> list[tuple[float, int]]:
    out = []
    for tok in NUMBER.findall(text):
        plain = tok.replace(",", "")
        out.append((float(plain), len(plain.split(".")[1]) if "." in plain else 0))
    return out


def _decimals(q: Question) -> int:
    if "decimals" in q.spec:
        return int(q.spec["decimals"])
    tol = float(q.spec.get("tolerance") or 0.5)
    return max(0, len(f"{tol:f}".rstrip("0").split(".")[1]) - 1) if tol < 1 else 0


def _key_needles(q: Question):
    """What of a question's key may not appear in another question: (label, predicate on a text)."""
    if q.type == "choice" and _labels(q):
        text = norm(_labels(q).get(str(q.key).upper(), ""))
        if _distinctive(text):
            yield f"option {str(q.key).upper()} (\"{text[:60]}\")", lambda t, s=text: _contains(t, s)
    elif q.type == "text":
        for form in q.key or []:
            form = norm(form)
            if _distinctive(form):
                yield f"answer \"{form}\"", lambda t, s=form: _contains(t, s)
    elif q.type == "numeric" and isinstance(q.key, (int, float)) and not isinstance(q.key, bool):
        key = float(q.key)
        if key.is_integer() and abs(key) < 100:
            return  # small whole numbers are everywhere

        def has_number(t: str, key=key) -> bool:
            return any((d >= 1 or key.is_integer()) and abs(v - key) <= 0.5 * 10 ** -d + 1e-12
                       for v, d in _number_tokens(t))
        yield f"answer {round(key, _decimals(q)):g}", has_number


def _distinctive(form: str) -> bool:
    """A text key worth looking for elsewhere: two words or more, one long word, or four CJK characters.
    A bare acronym (PBoC, KYC) names a body or a term every question may mention."""
    bare = re.sub(r"^(the|a|an) ", "", form)
    if CJK.search(bare):
        return len(CJK.findall(bare)) >= 4
    return len(bare.split()) >= 2 or len(bare) >= 8


def _contains(text: str, needle: str) -> bool:
    if CJK.search(needle):
        return needle in text
    return re.search(r"(?<!\w)" + re.escape(needle) + r"(?!\w)", text) is not None


def _texts(q: Question) -> list[tuple[str, str]]:
    """The texts of a question a student reads before answering: the prompt and every option."""
    out = [("the prompt", norm(q.prompt))]
    for group, what in (("options", "option"), ("items", "item"), ("left", "entry"), ("right", "entry")):
        for label, text in (q.spec.get(group) or {}).items():
            out.append((f"{what} {label}", norm(text)))
    return out


def _giveaways(quizzes: list[Quiz], report: Report) -> None:
    questions = [q for quiz in quizzes for q in quiz.questions]
    texts = {q.nodeid: _texts(q) for q in questions}
    for q in questions:
        seen = set()
        for label, found in _key_needles(q):
            for other in questions:
                if other is q or other.nodeid in seen:
                    continue
                where = next((name for name, t in texts[other.nodeid] if found(t)), None)
                if where:
                    seen.add(other.nodeid)
                    report.findings.append(Finding("giveaway", other.module, other.id,
                        f"{other.module} {other.id}: {where} contains the key of {q.module} {q.id}, its {label}; "
                        f"reword one of them so that neither question answers the other."))


def _multi_score(keys: set[str], picks: set[str]) -> float:
    right = len(keys & picks)
    wrong = len(picks - keys)
    return max(0.0, (right - wrong) / len(keys)) if keys else 0.0


def _test_wise(scope: str, module: str | None, quizzes: list[Quiz], report: Report) -> None:
    """The score of answering by form alone, against chance, as a share of the points."""
    choice = [q for q in _choice_items(quizzes)]
    multi = [q for quiz in quizzes for q in quiz.questions if q.type == "multi" and _labels(q) and q.key]
    figures = {}
    if choice:
        pts = sum(q.points for q in choice)
        got = 0.0
        for q in choice:
            sizes = {k: _size(v) for k, v in _labels(q).items()}
            longest = [k for k, n in sizes.items() if n == max(sizes.values())]
            got += q.points * (1 / len(longest) if str(q.key).upper() in longest else 0)
        chance = sum(q.points / len(_labels(q)) for q in choice)
        figures["choice"] = {"strategy": "the longest option every time", "score_pct": round(100 * got / pts, 1),
                             "chance_pct": round(100 * chance / pts, 1), "points": pts}
    if multi:
        pts = sum(q.points for q in multi)
        got = chance = 0.0
        for q in multi:
            options = _labels(q)
            keys = {str(k).upper() for k in q.key}
            picks = {k for k, v in options.items() if not ABSOLUTE.search(str(v))}
            got += q.points * _multi_score(keys, picks)
            subsets = [set(c) for n in range(len(options) + 1) for c in itertools.combinations(options, n)]
            chance += q.points * sum(_multi_score(keys, s) for s in subsets) / len(subsets)
        figures["multi"] = {"strategy": "every option without an absolute word (always, never, only, all ...)",
                            "score_pct": round(100 * got / pts, 1), "chance_pct": round(100 * chance / pts, 1),
                            "points": pts}
    report.measures[scope]["test_wise"] = figures
    if module is not None:
        return  # the rule is for the bank; per module the figures are shown only
    for kind, f in figures.items():
        if f["score_pct"] > f["chance_pct"] + TEST_WISE_MARGIN:
            report.findings.append(Finding("test-wise", None, None,
                f"the bank: a student who answers {kind} questions by taking {f['strategy']} scores "
                f"{f['score_pct']:g} % of their points; chance is {f['chance_pct']:g} %, and the limit chance + "
                f"{TEST_WISE_MARGIN:g} = {f['chance_pct'] + TEST_WISE_MARGIN:g} %. Rewrite the items the strategy wins."))


MAX_COMBINATIONS = 20000
HYPOTHETICAL = re.compile(r"\b(suppose|hypothetical(ly)?|imagine)\b", re.I)


def _same_key(q: Question, a: float, b: float) -> bool:
    """Two keys a student could not tell apart: equal once rounded as asked (or within the tolerance)."""
    if "decimals" in q.spec:
        d = int(q.spec["decimals"])
        return round(a, d) == round(b, d)
    return abs(a - b) <= float(q.spec.get("tolerance") or 0)


def parameter_problems(q: Question, figures: dict) -> list[str]:
    """What is wrong with ``q``'s per-student parameters, in plain words (empty: nothing)."""
    import math

    from caselab.quiz.figures import with_overrides

    params, article = q.spec["parameters"], q.spec["article_values"]
    name = q.spec["key_figure"]
    problems = []
    if not HYPOTHETICAL.search(q.spec.get("scenario", "")):
        problems.append("its scenario must say the figures are hypothetical (\"Suppose ...\")")
    for p, values in params.items():
        if isinstance(article[p], int) and any(not float(v).is_integer() for v in values):
            problems.append(f"{p} is a whole number in data/case.yml; its values must be whole too")
        if article[p] > 0 and any(v <= 0 for v in values):
            problems.append(f"{p} is positive in data/case.yml; its values must be above 0")
    count = math.prod(len(v) for v in params.values())
    if count > MAX_COMBINATIONS:
        return problems + [f"{count} combinations of its parameters; at most {MAX_COMBINATIONS} (larger steps)"]
    generic = float(figures[name].value)
    keys = set()
    for combo in itertools.product(*params.values()):
        values = dict(zip(params, combo))
        shown = ", ".join(f"{p} {v}" for p, v in values.items())
        key = with_overrides(figures, values).get(name)
        if key is None or isinstance(key.value, bool) or not isinstance(key.value, (int, float)) \
                or not math.isfinite(key.value):
            problems.append(f"with {shown}, {name} cannot be computed (a division by zero?); narrow the range")
            break
        if (key.value < 0) != (generic < 0):
            problems.append(f"with {shown}, the key {key.value:g} has the other sign than the article's; narrow the range")
            break
        if values != article and _same_key(q, key.value, generic):
            problems.append(f"with {shown}, the key rounds to the article's own ({generic:g}): a student could copy "
                            "the generic answer; leave that combination out")
            break
        keys.add(round(float(key.value), 9))
    if len(keys) < 2 and not problems:
        problems.append("every combination gives the same key; vary a figure the key depends on")
    return problems


def _parameters(quiz: Quiz, figures: dict, report: Report) -> None:
    for q in quiz.questions:
        if not q.spec.get("parameters"):
            continue
        for problem in parameter_problems(q, figures):
            report.findings.append(Finding("parameters", quiz.module, q.id, f"{quiz.module} {q.id}: {problem}."))


# --- the whole check ------------------------------------------------------------------------------

def lint_quizzes(quizzes: dict[str, Quiz], root: Path) -> Report:
    report = Report(modules=list(quizzes))
    bank = list(quizzes.values())
    report.measures["bank"] = {}
    for quiz in bank:
        report.measures[quiz.module] = {}
        items = _choice_items([quiz])
        _longest_key(quiz.module, quiz.module, items, report)
        _letter_spread(quiz.module, quiz.module, items, report)
        _multi_length(quiz, report)
        _levels(quiz, report)
        _near_duplicates(quiz, report)
        _reading_repeats(quiz, root, report)
        _test_wise(quiz.module, quiz.module, [quiz], report)
        if any(q.spec.get("parameters") for q in quiz.questions):
            from caselab.quiz.figures import load_figures

            _parameters(quiz, load_figures(root), report)
    items = _choice_items(bank)
    _longest_key("bank", None, items, report)
    _letter_spread("bank", None, items, report)
    _giveaways(bank, report)
    _test_wise("bank", None, bank, report)
    return report


def lint_bank(root: Path, modules: list[str] | None = None) -> Report:
    return lint_quizzes(load_quizzes(root, modules), root)


def format_report(report: Report) -> str:
    lines = []
    for f in report.findings:
        lines.append(f"- {f.message}")
    lines.append("")
    lines.append("Measured:")
    for scope, m in report.measures.items():
        parts = []
        if "key_longest" in m:
            k = m["key_longest"]
            parts.append(f"key is the longest option in {k['longest']} of {k['items']} choice questions")
        if m.get("key_length_rank"):
            parts.append("key by length " + ", ".join(f"{k} {n}" for k, n in m["key_length_rank"].items()))
        if m.get("keys_by_letter"):
            parts.append("keys " + " ".join(f"{k} {n}" for k, n in m["keys_by_letter"].items()))
        if "points_by_level" in m:
            parts.append("points by level " + ", ".join(f"{lv} {n:g}" for lv, n in m["points_by_level"].items() if n))
        for kind, f in (m.get("test_wise") or {}).items():
            parts.append(f"test-wise on {kind} {f['score_pct']:g} % (chance {f['chance_pct']:g} %)")
        lines.append(f"  {scope}: " + "; ".join(parts))
    verdict = ("caselab lint: every rule passes" if report.ok else
               f"caselab lint: {len(report.findings)} problem(s); the rules are in AUTHORING.md (Item rules)")
    return "\n".join(lines) + "\n" + verdict
