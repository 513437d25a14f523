"""The courts module's code tasks teach their edges: art. 157 (q14) and the governing date (q13).

Each task's cases must hold the edge the Reading teaches, so that a plausible wrong reading of the
rule loses points: "void means nothing to recover", forgetting what the investor keeps, a negative
award, the issue date instead of the publication date, or the date tested before the asset.
The reference solution passes every case; every misreading below fails at least one.
"""
from __future__ import annotations

import pytest

from caselab.quiz.checking import check_code
from caselab.quiz.model import case_args


def run(q, fn):
    outputs = [{"ok": fn(*case_args(case))} for case in q.spec["cases"]]
    status, points, message, _ = check_code(q, outputs)
    return status, points, message


def reference(q):
    namespace: dict = {}
    exec(q.spec["solution"], namespace)  # the author's own reference body, not student code
    return namespace[q.id]


@pytest.fixture(scope="module")
def q13(quizzes):
    return quizzes["courts"].question("q13")


@pytest.fixture(scope="module")
def q14(quizzes):
    return quizzes["courts"].question("q14")


def test_art157_reference_gets_full_marks(q14):
    assert run(q14, reference(q14))[:2] == ("correct", q14.points)


def test_art157_cases_cover_the_edges(q14):
    args = [case_args(c) for c in q14.spec["cases"]]
    assert any(f == 0 for _, _, f in args), "an investor without fault"
    assert any(f == 1 for _, _, f in args), "an investor with all the fault"
    assert any(k >= p for p, k, _ in args), "an investor who keeps as much as was paid, or more"
    assert any(k > p for p, k, _ in args), "an investor who keeps more than was paid"
    assert any(0 < k < p and 0 < f < 1 for p, k, f in args), "shared fault on a partly restored loss"


@pytest.mark.parametrize("wrong", [
    pytest.param(lambda paid, kept, f: 0, id="void-means-nothing"),
    pytest.param(lambda paid, kept, f: paid * (1 - f), id="ignores-what-the-investor-keeps"),
    pytest.param(lambda paid, kept, f: paid * (1 - f) - kept, id="shares-before-netting"),
    pytest.param(lambda paid, kept, f: (paid - kept) * (1 - f), id="negative-award"),
    pytest.param(lambda paid, kept, f: (paid - kept) * f, id="fault-the-wrong-way-round"),
    pytest.param(lambda paid, kept, f: max(0, paid - kept), id="fault-ignored"),
])
def test_art157_misreadings_lose_points(q14, wrong):
    status, points, message = run(q14, wrong)
    assert status != "correct" and points < q14.points
    assert "q14(" in message  # names the call that went wrong, so the student can retry it


def _q13_wrong(cutoff="2021-09-24", date_first=False, fixed=None):
    def fn(asset, cause, dates, governing):
        when = dates[fixed or governing]
        if date_first and when >= cutoff:
            return "user:yinfa-2021-237"
        if asset == "fiat":
            return "ordinary"
        if cause == "misappropriation":
            return "open"
        return "user:yinfa-2013-289" if when < cutoff else "user:yinfa-2021-237"
    return fn


def test_governing_date_reference_gets_full_marks(q13):
    assert run(q13, reference(q13))[:2] == ("correct", q13.points)


@pytest.mark.parametrize("wrong", [
    pytest.param(_q13_wrong(cutoff="2021-09-15"), id="issue-date-instead-of-publication"),
    pytest.param(_q13_wrong(cutoff="2021-09-25"), id="publication-day-not-counted"),
    pytest.param(_q13_wrong(fixed="loss"), id="always-the-loss-date"),
    pytest.param(_q13_wrong(fixed="judgment"), id="always-the-judgment-date"),
    pytest.param(_q13_wrong(date_first=True), id="date-before-asset-and-cause"),
])
def test_governing_date_misreadings_lose_points(q13, wrong):
    status, points, _ = run(q13, wrong)
    assert status != "correct" and points < q13.points
