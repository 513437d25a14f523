"""The integrity report (issue 14): pairs whose shared wrong answers, code and memo sentences chance does not explain."""
from __future__ import annotations

import csv
import io
import itertools
import random
import time

import pytest

from caselab.grading.batch import StudentResult
from caselab.grading.integrity import (code_print, flag_at, find_pairs, integrity_csv, integrity_section,
                                       memo_sentences, sheet_texts, with_section)
from caselab.quiz.checking import Outcome
from caselab.quiz.model import load_quizzes

from conftest import ROOT

QUIZZES = list(load_quizzes(ROOT).values())
GRADED_TYPES = ("choice", "multi", "numeric", "ordering", "matching", "text")
QUESTIONS = [(quiz.module, q) for quiz in QUIZZES for q in quiz.questions if q.type in GRADED_TYPES]


def _letters(q, field):
    return [str(k).upper() for k in q.spec[field]]


def key_given(q) -> str:
    """The key in Outcome.given's canonical form."""
    if q.type == "choice":
        return str(q.key).upper()
    if q.type == "multi":
        return "".join(sorted(str(k).upper() for k in q.key))
    if q.type == "numeric":
        return f"{float(q.key):g}"
    if q.type == "ordering":
        return "".join(str(k).upper() for k in q.key)
    if q.type == "matching":
        return ",".join(f"{k}{str(v).upper()}" for k, v in sorted((str(k), v) for k, v in q.key.items()))
    return str(q.key[0]).casefold()


def honest_given(q, rng: random.Random, skill: float) -> str:
    """An answer of a student who works alone: right with probability ``skill``, else a guess."""
    if rng.random() < skill:
        return key_given(q)
    if q.type == "choice":
        return rng.choice(_letters(q, "options"))
    if q.type == "multi":
        opts = _letters(q, "options")
        return "".join(sorted(rng.sample(opts, rng.randint(1, len(opts)))))
    if q.type == "numeric":  # a slip of one's own: a value nobody else is likely to hit
        return f"{float(q.key) * rng.uniform(0.2, 3.0):g}"
    if q.type == "ordering":
        items = _letters(q, "items")
        rng.shuffle(items)
        return "".join(items)
    if q.type == "matching":
        right = _letters(q, "right")
        return ",".join(f"{k}{rng.choice(right)}" for k in sorted(str(k) for k in q.spec["left"]))
    return rng.choice(["a guess", "another guess", f"word{rng.randint(0, 10**6)}"])


def result(student: str, answers: dict) -> StudentResult:
    outcomes = []
    for module, q in QUESTIONS:
        given = answers[(module, q.id)]
        right = given == key_given(q)
        outcomes.append(Outcome(module, q.id, q.type, "correct" if right else "wrong",
                                q.points if right else 0.0, q.points, given=given))
    return StudentResult(student, "ok", "", tuple(outcomes))


def honest_class(n: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    sheets = []
    for _ in range(n):
        skill = rng.uniform(0.2, 0.9)
        sheets.append({(m, q.id): honest_given(q, rng, skill) for m, q in QUESTIONS})
    return sheets


def planted_class(n: int, seed: int, shared: int = 8):
    """An honest class in which student s001 copied ``shared`` of s000's wrong answers."""
    sheets = honest_class(n, seed)
    rng = random.Random(seed + 1)
    source, copier = sheets[0], sheets[1]
    wrong = [(m, q) for m, q in QUESTIONS if q.type in ("numeric", "ordering", "text")]
    for m, q in rng.sample(wrong, shared):
        given = honest_given(q, rng, 0.0)
        while given == key_given(q):
            given = honest_given(q, rng, 0.0)
        source[(m, q.id)] = copier[(m, q.id)] = given
    return [result(f"s{i:03d}", s) for i, s in enumerate(sheets)]


def rows(pairs) -> list[dict]:
    return list(csv.DictReader(io.StringIO(integrity_csv(pairs))))


def test_a_planted_pair_sharing_eight_wrong_answers_heads_the_csv():
    for n in (100, 200):
        table = rows(find_pairs(planted_class(n, seed=n)))
        assert table, f"class of {n}: nobody flagged"
        top = table[0]
        assert (top["student_a"], top["student_b"]) == ("s000", "s001"), table[:3]
        assert int(top["shared_wrong"]) >= 8 and float(top["score"]) >= flag_at(n)
        assert top["items"].count("wrong answer") >= 8
        assert list(table[0]) == ["student_a", "student_b", "score", "shared_wrong", "items"]


@pytest.mark.slow  # several seconds: left out of the authors' quick run
def test_fewer_shared_wrong_answers_score_less():
    scores = []
    for shared in (3, 8):
        pairs = find_pairs(planted_class(200, seed=7, shared=shared), threshold=0.0)
        planted = [p for p in pairs if (p.student_a, p.student_b) == ("s000", "s001")]
        scores.append(planted[0].score)
    assert scores[0] < flag_at(200) <= scores[1]


@pytest.mark.parametrize("n,seed", [(30, 1), (100, 2), (300, 3)])
def test_an_honest_class_flags_nobody(n, seed):
    honest = [result(f"s{i:03d}", s) for i, s in enumerate(honest_class(n, seed))]
    assert find_pairs(honest) == []
    assert rows([]) == []


def test_students_who_share_only_right_answers_are_not_flagged():
    key = {(m, q.id): key_given(q) for m, q in QUESTIONS}
    assert find_pairs([result(f"s{i}", key) for i in range(20)]) == []


def test_a_class_of_1000_runs():
    """Scale (no timing assertion; the docstring's figure was measured with this)."""
    cls = planted_class(1000, seed=11)
    started = time.perf_counter()
    pairs = find_pairs(cls)
    print(f"\nintegrity: class of 1000, {len(QUESTIONS)} questions: {time.perf_counter() - started:.2f} s")
    assert (pairs[0].student_a, pairs[0].student_b) == ("s000", "s001")


CODE_A = '''
def q14(applied, opened, cost, price):
    """Return the margin."""
    # the profit per account
    margin = price - cost
    return round(opened * margin / applied, 2)
'''
CODE_B = '''
def q14(a,   o, c, p):
    m = p - c          # renamed, other comments
    return round(o * m / a, 2)
'''
CODE_C = '''
def q14(applied, opened, cost, price):
    return round(opened * (price - cost) / applied, 2)
'''
BLANK = "def q14(applied, opened, cost, price):\n    return None\n"


def test_code_is_compared_after_normalising_names_comments_and_layout():
    import ast

    fp = lambda src: code_print(ast.parse(src).body[0])  # noqa: E731
    assert fp(CODE_A) == fp(CODE_B) != fp(CODE_C)
    assert fp(BLANK) is None


def test_code_prints_are_the_dump_of_the_renamed_tree_and_leave_the_tree_alone():
    """code_print writes in one pass what ast.dump writes of the tree _Names renames (the definition)."""
    import ast
    import copy
    import hashlib
    from pathlib import Path

    from caselab.grading.integrity import _Names, _renamed_dump

    tricky = '''
def q(a: int, /, b=len, *c: str, d, e=2, **f) -> float:
    "doc"
    @deco(a)
    def inner(x=a, *, y):
        """inner doc"""
        return lambda z, *w: z + x + y
    async def g():
        return [v async for v in aiter(b)]
    class C(Base, k=a):
        attr: list[int] = []
        def m(self):
            global gl
            return self.attr
    try:
        del b
    except (KeyError, ValueError) as err:
        raise RuntimeError(err) from None
    match a:
        case [1, *rest] | {"k": rest}:
            pass
        case Point(x=0) as p:
            pass
    return f"{a!r:>{b}}" + b"x".decode() + str(1j) + str(...)


def only_a_docstring():
    "nothing else"
'''
    root = Path(__file__).resolve().parents[1]
    sources = [CODE_A, CODE_B, CODE_C, BLANK, tricky]
    sources += [p.read_text(encoding="utf-8") for p in sorted((root / "solutions").glob("*.py"))]
    count = 0
    for source in sources:
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef):
                before = ast.dump(node, include_attributes=True)
                want = ast.dump(_Names().visit(copy.deepcopy(node)), annotate_fields=False)
                assert _renamed_dump(node, {}) == want
                assert ast.dump(node, include_attributes=True) == before
                fp = code_print(node)
                assert fp is None or fp == hashlib.sha256(want.encode()).hexdigest()[:16]
                count += 1
    assert count >= 12


def test_memo_sentences_and_hostile_sheets():
    memo = ("## Problem\nThe exchange checked the documents but could not see who would later control the account. "
            "Short one.")
    sheet = f"q16 = {memo!r}\n{CODE_A}"
    got = sheet_texts(sheet, {"q16": "memo", "q14": "code"})
    assert got["q16"] == memo_sentences(memo) and len(got["q16"]) == 1
    assert set(got) == {"q14", "q16"} and isinstance(got["q14"], str)
    for hostile in ("def q14(:\n", "(" * 10_000, "x = 1\n" * 100_000, "q16 = f'{1}'\n"):
        assert sheet_texts(hostile, {"q16": "memo", "q14": "code"}) == {}


def test_shared_code_and_memo_sentences_flag_a_pair():
    memo_text = ". ".join(f"sentence {i} says something about verified accounts and the people who rent them out"
                          for i in range(6))
    base = honest_class(40, seed=5)
    results = [result(f"s{i:02d}", s) for i, s in enumerate(base)]
    own = "student {} wrote this sentence alone about the trader who bought verified accounts abroad"
    texts = {r.student: {("kyc", "q14"): f"honest{i}", ("kyc", "q16"): memo_sentences(own.format(i))}
             for i, r in enumerate(results)}
    texts["s03"] = {("kyc", "q14"): "same", ("kyc", "q16"): memo_sentences(memo_text)}
    texts["s17"] = {("kyc", "q14"): "same", ("kyc", "q16"): memo_sentences(memo_text)}
    pairs = find_pairs(results, texts)
    assert [(p.student_a, p.student_b) for p in pairs] == [("s03", "s17")]
    assert pairs[0].shared_wrong <= 2  # a chance shared wrong answer or two is no reason on its own
    assert find_pairs(results) == []  # without the code and memos, nothing to see
    assert "kyc/q14: same code (after normalising)" in pairs[0].items
    assert "kyc/q16: 6 identical memo sentence(s)" in pairs[0].items


def test_hostile_names_and_answers_are_inert_and_the_wording_accuses_nobody():
    cls = planted_class(30, seed=30)
    evil = "=HYPERLINK(\"http://x\")<script>alert(1)</script>"
    cls[0] = StudentResult(evil, cls[0].status, "", tuple(
        Outcome(o.module, o.id, o.type, o.status, o.points, o.max_points, given=f"<b>{o.given}</b>" if o.status == "wrong" else o.given)
        for o in cls[0].outcomes))
    cls[1] = StudentResult("+cmd", cls[1].status, "", tuple(
        Outcome(o.module, o.id, o.type, o.status, o.points, o.max_points, given=f"<b>{o.given}</b>" if o.status == "wrong" else o.given)
        for o in cls[1].outcomes))
    pairs = find_pairs(cls)
    text = integrity_csv(pairs)
    assert "\n'+cmd," in text or ",'+cmd," in text or text.splitlines()[1].startswith("'")
    assert "\n=" not in text and ",=" not in text
    page = with_section("<html><body><h1>x</h1>\n</body></html>\n", pairs, len(cls))
    assert "<script>" not in page and "<b>" not in page and "&lt;script&gt;" in page
    assert page.endswith("</body></html>\n")
    wording = integrity_section(pairs, len(cls)).lower()
    assert "not a finding of misconduct" in wording and "cheat" not in wording


def test_caselab_grade_writes_integrity_csv_and_the_report_section(tmp_path):
    """End to end: two students hand in the same wrong sheet among eight who hand in right ones."""
    import subprocess
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from class_fixture.make_class import sheet
    from caselab.grading.batch import sandbox_available
    from conftest import run_caselab

    quiz = load_quizzes(ROOT, ["kyc"])["kyc"]
    subs = tmp_path / "subs"
    for i in range(10):
        folder = subs / (f"=cmd{i}" if i == 3 else f"st{i}")
        folder.mkdir(parents=True)
        (folder / "kyc.py").write_text(sheet(quiz, "wrong" if i in (3, 7) else "correct"), encoding="utf-8")
    extra = [] if sandbox_available()[0] else ["--unsandboxed"]
    proc = run_caselab("grade", str(subs), "--out", str(tmp_path / "out"), "--modules", "kyc", *extra)
    assert proc.returncode == 0, proc.stderr
    table = list(csv.DictReader(io.StringIO((tmp_path / "out" / "integrity.csv").read_text(encoding="utf-8"))))
    assert [(r["student_a"], r["student_b"]) for r in table] == [("'=cmd3", "st7")]
    assert int(table[0]["shared_wrong"]) >= 8
    assert "kyc/q14: same code (after normalising)" in table[0]["items"]  # read from the sheets, never run
    page = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert 'id="integrity"' in page and "=cmd3" in page and "not a finding of misconduct" in page
    again = run_caselab("grade", str(subs), "--out", str(tmp_path / "out"), "--modules", "kyc", *extra)
    assert again.returncode == 0 and (tmp_path / "out" / "integrity.csv").read_text(encoding="utf-8").count("\n") == 2
