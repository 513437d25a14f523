"""The integrity report: pairs of students whose sheets agree more than chance explains, for a human look.

``caselab grade`` writes ``OUT/integrity.csv`` (student_a, student_b, score, shared_wrong, items)
and a section of ``report.html``.  It flags; it never accuses: a flagged pair is a reason to
look at two sheets side by side, and common sources, study groups and coincidence all remain
possible explanations (the wording in both files says so).

What counts as shared (per question, over the students who answered it):

- the same **wrong** answer (``Outcome.given``, the canonical form, with status wrong or partial);
  sharing a right answer is never evidence;
- the same **code** for a code question, after normalising: parsed (never run), with local names,
  arguments, docstrings, comments and layout taken out (``code_print``);
- the same **memo sentence** (normalised tokens, at least ``MIN_SENTENCE_TOKENS`` of them).

The score of a pair is how surprising its agreement is, in nats.  For each shared value,
``p = (c - 1) / (n - 1)``: the share of the *other* students who answered that question and
gave that value (``c`` students gave it, ``n`` answered), and the pair gains ``-log p``.  From
that sum the pair's expected gain by chance is subtracted: for each answer both gave, the
chance that both are wrong (each student's own rate of wrong answers, so two weak students
are expected to share more) times the mean gain of two wrong answers to it among the rest of the class (the pair
left out, so that it cannot explain itself); for code and memos, the mean gain over the pairs of the class who wrote one.  An honest pair scores
about 0; a pair is flagged from ``flag_at(class size)`` = 8 + 1.2 ln(number of pairs) nats
(15.3 for 30 students, 18.2 for 100, 23.7 for 1,000), since a big class has more pairs to meet by chance.

Scale: no pair of whole sheets is compared.  Values are indexed by (question, value); pairs
are drawn only from values given by two students or by at most ``RARE_SHARE`` of the class
(a value shared by many can add little surprise), and only pairs whose rare agreement alone reaches the bar
are scored in full.  A class of 1,000 takes about a second to pair (tests/test_integrity.py).  The code and
memo prints are taken while grading, from the sheets and the syntax trees grading already has
(``StudentResult.texts``, ``texts_of_sheet``); ``read_texts`` reads the sheets again only for the
students whose result was reused from an earlier run or whose submission was refused.

Everything here comes from students and is hostile: sheets are parsed, never executed, with a
size cap and every parser failure swallowed; names and answers reach the CSV through
``csv_cell`` and the HTML through ``html.escape``.
"""
from __future__ import annotations

import ast
import hashlib
import html
import io
import math
import re
import shutil
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Iterable, Sequence

FLAG_BASE, FLAG_PER_LOG_PAIR = 8.0, 1.2  # flagged from 8 + 1.2 ln(pairs in the class) nats above expectation


def flag_at(students: int) -> float:
    """The score from which a pair is flagged in a class of ``students``: more pairs, more chance
    coincidences, so the bar rises with the log of the number of pairs (set on simulated honest
    classes of 30 to 1,000 students in tests/test_integrity.py, whose highest honest pair stayed below it)."""
    pairs = max(1, students * (students - 1) // 2)
    return FLAG_BASE + FLAG_PER_LOG_PAIR * math.log(pairs)
RARE_SHARE = 0.1  # values given by more than this share of the class never bring a pair up by themselves
MIN_SENTENCE_TOKENS = 10  # shorter memo sentences are too likely to be shared honestly
MAX_SOURCE_CHARS = 200_000  # a sheet bigger than this is not parsed for the report
SHOWN_PAIRS = 50  # pairs listed in report.html (integrity.csv lists every flagged pair)
WRONG = ("wrong", "partial")
ANSWERED = ("correct", "partial", "wrong")


@dataclass(frozen=True)
class Pair:
    student_a: str
    student_b: str
    score: float  # nats of agreement above what the class makes expected
    shared_wrong: int  # shared wrong answers (code and memo sentences are listed but not counted here)
    items: tuple[str, ...]  # "<module>/<question>: <what is shared>", most surprising first


# --- reading code and memos from the sheets (parsed, never run) ------------------------------------

class _Names(ast.NodeTransformer):
    """Rename every local name and argument to its order of first appearance; drop docstrings."""

    def __init__(self):
        self.names: dict[str, str] = {}

    def _n(self, name: str) -> str:
        return self.names.setdefault(name, f"v{len(self.names)}")

    def visit_Name(self, node):
        node.id = self._n(node.id)
        return node

    def visit_arg(self, node):
        node.arg = self._n(node.arg)
        node.annotation = None
        return node

    def visit_FunctionDef(self, node):
        body = node.body
        if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
                and isinstance(body[0].value.value, str):
            body = body[1:] or [ast.Pass()]
        node.body = body
        node.name = "f"
        node.returns = None
        self.generic_visit(node)
        return node


def code_print(node: ast.FunctionDef) -> str | None:
    """A fingerprint of a function that ignores names, comments, docstrings and layout (``node`` is left as it is);
    None for a body that is only ``pass``/``...``/``return None`` (the sheet as handed out)."""
    try:
        body = [s for s in node.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
        if all(isinstance(s, ast.Pass) or (isinstance(s, ast.Return) and (s.value is None or (
                isinstance(s.value, ast.Constant) and s.value.value is None))) for s in body):
            return None
        text = _renamed_dump(node, {})  # = ast.dump(_Names().visit(node), annotate_fields=False), in one pass
        return hashlib.sha256(text.encode()).hexdigest()[:16]
    except (RecursionError, ValueError, TypeError, AttributeError, SyntaxError, MemoryError):
        return None


_NO_VALUE = object()


def _renamed_dump(node, names: dict) -> str:
    """``ast.dump(node, annotate_fields=False)`` of ``node`` as ``_Names`` would leave it, without changing it.

    The same traversal (fields in order, depth first), so names are numbered in the same order, and
    ast.dump's own rules (a field that is None where its class defaults to None is left out, and the
    fields after it are written as ``name=value``).  ``_Names`` stays the definition; tests compare them."""
    kind = type(node)
    if kind is list:
        return "[" + ", ".join([_renamed_dump(x, names) for x in node]) + "]"
    fields_of = _FIELDS.get(kind)
    if fields_of is None:
        if not isinstance(node, ast.AST):
            return repr(node)
        # each field, and whether ast.dump leaves it out when it is None (its class defaults to None)
        fields_of = _FIELDS[kind] = tuple((name, getattr(kind, name, ...) is None) for name in kind._fields)
    if kind is ast.Name:
        fields = {"id": names.setdefault(node.id, f"v{len(names)}")}
    elif kind is ast.arg:
        fields = {"arg": names.setdefault(node.arg, f"v{len(names)}"), "annotation": None}
    elif kind is ast.FunctionDef:
        body = node.body
        if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant) \
                and isinstance(body[0].value.value, str):
            body = body[1:] or [ast.Pass()]
        fields = {"body": body, "name": "f", "returns": None}
    else:
        fields = None
    args = []
    keywords = False
    for name, none_left_out in fields_of:
        if fields is not None and name in fields:
            value = fields[name]
        else:
            value = getattr(node, name, _NO_VALUE)
            if value is _NO_VALUE:
                keywords = True
                continue
        if value is None and none_left_out:
            keywords = True
            continue
        vkind = type(value)
        if vkind is str or vkind is int or kind is ast.Name and name == "id" or kind is ast.arg and name == "arg":
            text = repr(value)
        else:
            text = _renamed_dump(value, names)
        args.append(f"{name}={text}" if keywords else text)
    return f"{kind.__name__}({', '.join(args)})"


_FIELDS: dict = {}  # node class -> ((field, left out when None), ...)


_SENTENCE_END = re.compile(r"[.!?;。！？；\n]+")
_ASCII_SENTENCES = {c: " " for c in range(128) if not (chr(c).isalnum() or chr(c) == "_")} | {
    ord(c): "\n" for c in ".!?;\n"}  # the ASCII ends of sentences of _SENTENCE_END


def memo_sentences(text: str) -> set[str]:
    """The memo's sentences long enough to count, each as its normalised tokens."""
    from caselab.quiz.checking import tokens

    out = set()
    if text.isascii():  # as below, in one pass (``checking.tokens`` on ASCII): ends of sentences become
        # line breaks, the rest of what is not a token a space; a run of ends leaves empty sentences between
        for sentence in text.lower().translate(_ASCII_SENTENCES).split("\n"):
            toks = sentence.split()
            if len(toks) >= MIN_SENTENCE_TOKENS:
                out.add(" ".join(toks))
        return out
    for sentence in _SENTENCE_END.split(text):
        toks = tokens(sentence)
        if len(toks) >= MIN_SENTENCE_TOKENS:
            out.add(" ".join(toks))
    return out


def sheet_texts(source: str, kinds: dict[str, str], tree: ast.Module | None = None) -> dict[str, object]:
    """From one sheet's source: question id -> code fingerprint (str) or memo sentences (set).

    ``kinds`` maps question ids to "code" or "memo".  Only top-level ``def qN`` and ``qN = "..."``
    are read; a sheet that does not parse, or is too large, gives nothing.  ``tree``, when given,
    is ``ast.parse(source)`` already made (it is read, never changed)."""
    if len(source) > MAX_SOURCE_CHARS:
        return {}
    if tree is None:
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return {}
    out: dict[str, object] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and kinds.get(node.name) == "code":
            qid = node.name
            fp = code_print(node)
            if fp:
                out[qid] = fp
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            qid = node.targets[0].id
            if kinds.get(qid) == "memo" and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                sentences = memo_sentences(node.value.value)
                if sentences:
                    out[qid] = sentences
    return out


_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=]", re.M)


def texts_of_sheet(raw: bytes, kinds: dict[str, str], tree: ast.Module | None = None) -> dict[str, object]:
    """``sheet_texts`` of a sheet's bytes as ``read_texts`` reads them (UTF-8, a bad byte replaced,
    universal newlines).  ``tree`` is ``ast.parse(raw)`` when the grader has it: it is used (rather
    than parsing again) only where parsing the bytes and parsing that text give the same tree
    (valid UTF-8, no byte-order mark, no coding declaration)."""
    source = io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8", errors="replace").read()
    if tree is not None:
        try:
            raw.decode("utf-8")
            same = not raw.startswith(b"\xef\xbb\xbf") and not _COOKIE.search(b"\n".join(raw.split(b"\n", 2)[:2]))
        except UnicodeDecodeError:
            same = False
        if not same:
            tree = None
    return sheet_texts(source, kinds, tree)


def text_kinds(quizzes: Sequence) -> dict[str, dict[str, str]]:
    """module -> {question id: "code" or "memo"} for the questions whose texts are compared."""
    return {quiz.module: {q.id: q.type for q in quiz.questions if q.type in ("code", "memo")} for quiz in quizzes}


def read_texts(submissions: Iterable[tuple[str, Path]], quizzes: Sequence) -> dict[str, dict[tuple[str, str], object]]:
    """student -> {(module, question id): code fingerprint or memo sentences}, read through intake's
    checks (the same limits as grading; a refused submission gives nothing)."""
    from caselab.grading.intake import intake
    from caselab.grading.sandbox import Limits

    kinds = text_kinds(quizzes)
    modules = [m for m, k in kinds.items() if k]
    texts: dict[str, dict[tuple[str, str], object]] = {}
    if not modules:
        return texts
    limits = Limits()
    work = Path(tempfile.mkdtemp(prefix="caselab-integrity-"))  # one folder, emptied after each student
    try:
        for student, path in submissions:
            try:
                found = intake(path, modules, work, limits).found
                mine = {}
                for module in found:
                    source = (work / f"{module}.py").read_text(encoding="utf-8", errors="replace")
                    for qid, value in sheet_texts(source, kinds[module]).items():
                        mine[(module, qid)] = value
                if mine:
                    texts[student] = mine
            except Exception:  # noqa: BLE001 (grading already reported this submission's problem)
                pass
            finally:
                for module in modules:
                    (work / f"{module}.py").unlink(missing_ok=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return texts


# --- the pairs ------------------------------------------------------------------------------------

def _shown(value: str, limit: int = 60) -> str:
    text = " ".join("".join(c if c.isprintable() else " " for c in str(value)).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def find_pairs(results: Sequence, texts: dict | None = None, *, threshold: float | None = None) -> list[Pair]:
    """The flagged pairs among ``results`` (StudentResult), most surprising first.

    ``texts`` (from ``read_texts``) adds code and memo agreement; without it only wrong answers count."""
    texts = texts or {}
    bar = flag_at(len(results)) if threshold is None else threshold
    # item -> value -> students; item -> students who answered it
    index: dict[tuple, dict[object, list[int]]] = defaultdict(lambda: defaultdict(list))
    answered: dict[tuple, set[int]] = defaultdict(set)
    per_student: list[dict[tuple, list]] = []
    names = [r.student for r in results]
    for i, r in enumerate(results):
        mine: dict[tuple, list] = {}
        for o in r.outcomes:
            if o.status in ANSWERED and o.type not in ("code", "memo"):
                item = (o.module, o.id, "answer")
                answered[item].add(i)
                if o.status in WRONG and o.given:
                    index[item][o.given].append(i)
                    mine[item] = [o.given]
        for (module, qid), value in texts.get(r.student, {}).items():
            kind = "memo" if isinstance(value, (set, frozenset)) else "code"
            item = (module, qid, kind)
            answered[item].add(i)
            values = sorted(value) if kind == "memo" else [value]
            for v in values:
                index[item][v].append(i)
            mine[item] = values
        per_student.append(mine)

    def p_of(item, value) -> float:
        n, c = len(answered[item]), len(index[item][value])
        return (c - 1) / (n - 1) if n > 1 else 1.0

    # what a pair shares by chance on an item: for answers, the chance that both are wrong (each
    # student's own rate of wrong answers) times the mean gain of two wrong answers to the item
    # among the rest of the class (the pair left out: it must not explain itself); for code and
    # memos, the mean gain over all pairs who wrote one
    gains: dict[tuple, tuple[float, int]] = {}  # answer item -> (sum of c(c-1)·gain, wrong answers)
    expected: dict[tuple, float] = {}
    for item, values in index.items():
        n = len(answered[item])
        m = sum(len(s) for s in values.values()) if item[2] == "answer" else n
        if n < 2 or m < 2:
            continue
        total = sum(len(s) * (len(s) - 1) * -math.log(p_of(item, v)) for v, s in values.items() if len(s) > 1)
        gains[item] = (total, m)
        expected[item] = total / (m * (m - 1))

    def chance(item, a: int, b: int) -> float:
        if item[2] != "answer":
            return expected.get(item, 0.0)
        total, m = gains.get(item, (0.0, 0))
        va, vb = per_student[a].get(item), per_student[b].get(item)
        for v in {x[0] for x in (va, vb) if x}:
            c, g = len(index[item][v]), -math.log(p_of(item, v)) if len(index[item][v]) > 1 else 0.0
            k = (va == [v]) + (vb == [v])  # 1 or 2 of the pair gave v
            total -= (c * (c - 1) - (c - k) * (c - k - 1)) * g
            m -= k
        return rate[a] * rate[b] * total / (m * (m - 1)) if m >= 2 else 0.0

    rate = []
    for i, mine in enumerate(per_student):
        asked = sum(1 for item, who in answered.items() if item[2] == "answer" and i in who) if mine else 0
        rate.append(sum(1 for item in mine if item[2] == "answer") / asked if asked else 0.0)

    # candidates: pairs that share values given by few students
    rare: dict[tuple[int, int], float] = defaultdict(float)
    for item, values in index.items():
        n = len(answered[item])
        for v, students in values.items():
            if len(students) < 2 or (len(students) > 2 and (len(students) - 1) / max(n - 1, 1) > RARE_SHARE):
                continue
            gain = -math.log(p_of(item, v))
            for a, b in combinations(sorted(set(students)), 2):
                rare[(a, b)] += gain

    pairs = []
    for (a, b), gain in rare.items():
        if gain < bar:
            continue
        score, shared = 0.0, []
        for item, values in per_student[a].items():
            other = per_student[b].get(item)
            if other is None:
                continue
            for v in set(values) & set(other):
                g = -math.log(p_of(item, v))
                score += g
                shared.append((g, item, v))
        score -= sum(chance(item, a, b) for item, who in answered.items() if a in who and b in who)
        if score < bar:
            continue
        shared.sort(key=lambda t: (-t[0], t[1], str(t[2])))
        items, memo_count = [], defaultdict(int)
        for g, (module, qid, kind), v in shared:
            if kind == "memo":
                memo_count[(module, qid)] += 1
                continue
            what = "same code (after normalising)" if kind == "code" else f"wrong answer {_shown(v)}"
            items.append(f"{module}/{qid}: {what}")
        items += [f"{m}/{q}: {k} identical memo sentence(s)" for (m, q), k in sorted(memo_count.items())]
        sa, sb = sorted((names[a], names[b]))
        pairs.append(Pair(sa, sb, round(score, 1), sum(1 for _, it, _ in shared if it[2] == "answer"), tuple(items)))
    pairs.sort(key=lambda p: (-p.score, p.student_a, p.student_b))
    return pairs


# --- outputs --------------------------------------------------------------------------------------

def integrity_csv(pairs: Sequence[Pair]) -> str:
    from caselab.grading.gradebook import _csv

    rows = [["student_a", "student_b", "score", "shared_wrong", "items"]]
    rows += [[p.student_a, p.student_b, f"{p.score:.1f}", str(p.shared_wrong), "; ".join(p.items)] for p in pairs]
    return _csv(rows)


def integrity_section(pairs: Sequence[Pair], students: int) -> str:
    """The report.html section (escaped; the wording flags for a look and accuses nobody)."""
    esc = lambda s: html.escape(str(s), quote=True)  # noqa: E731
    out = ['<h2 id="integrity">Answers shared more than chance explains</h2>',
           "<p>Pairs of students whose identical <em>wrong</em> answers (and identical code after normalising "
           "names, comments and layout, and identical memo sentences) would be unlikely if each had worked "
           "alone, given how often the class gave each answer. The score is in nats above what two students "
           f"of this class with their rates of wrong answers share by chance; pairs from {flag_at(students):.1f} "
           f"(8 + 1.2 ln of the number of pairs of the {students} students) are listed. <strong>This is a reason to "
           "look at two sheets side by side, not a finding of misconduct</strong>: shared notes, a study group, "
           "a common source or coincidence can explain it. The full list is in <code>integrity.csv</code>.</p>"]
    if not pairs:
        out.append("<p>No pair reached the threshold.</p>")
        return "\n".join(out)
    out.append("<table><tr><th>student</th><th>student</th><th>score</th><th>shared wrong answers</th>"
               "<th>what they share</th></tr>")
    for p in pairs[:SHOWN_PAIRS]:
        shown = "<br>".join(esc(i) for i in p.items[:12]) + ("<br>…" if len(p.items) > 12 else "")
        out.append(f"<tr><td>{esc(p.student_a)}</td><td>{esc(p.student_b)}</td><td class=\"n\">{p.score:.1f}</td>"
                   f"<td class=\"n\">{p.shared_wrong}</td><td>{shown}</td></tr>")
    out.append("</table>")
    if len(pairs) > SHOWN_PAIRS:
        out.append(f"<p>{len(pairs) - SHOWN_PAIRS} more pairs in integrity.csv.</p>")
    return "\n".join(out)


def with_section(report_html: str, pairs: Sequence[Pair], students: int) -> str:
    """report.html with the integrity section added before its end."""
    end = "</body></html>"
    head, sep, tail = report_html.rpartition(end)
    if not sep:
        return report_html + integrity_section(pairs, students) + "\n"
    return head + integrity_section(pairs, students) + "\n" + end + tail


def write_integrity(run, quizzes: Sequence, report_html: str, written: list | None = None) -> str:
    """Write ``run.out``/integrity.csv (only if its bytes change); return report.html with the section added."""
    from caselab.grading.gradebook import write_if_changed

    # the texts grading kept (``StudentResult.texts``); read from the sheets only for the rest
    # (results reused from an earlier run, refused or failed submissions)
    texts = {r.student: r.texts for r in run.results if r.texts}
    known = {r.student for r in run.results if r.texts is not None}
    rest = [(s, p) for s, p in (getattr(run, "submissions", ()) or ()) if s not in known]
    texts.update(read_texts(rest, quizzes))
    pairs = find_pairs(run.results, texts)
    write_if_changed(run.out / "integrity.csv", integrity_csv(pairs), written)
    return with_section(report_html, pairs, len(run.results))
