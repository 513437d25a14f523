"""The quiz bank as data: every quiz loads, every question is complete, and the sheets match the quizzes."""
from __future__ import annotations

import pytest
import yaml

from caselab.quiz.model import QuizError, load_quiz
from caselab.quiz.sources import resolves
from conftest import ROOT, run_caselab

MODULES = [m["id"] for m in yaml.safe_load((ROOT / "data" / "modules.yml").read_text())]


def test_every_module_in_the_manifest_has_a_quiz_and_a_page(quizzes):
    assert list(quizzes) == MODULES
    for module in MODULES:
        assert (ROOT / "docs" / "modules" / f"{module}.md").is_file()
        assert (ROOT / "docs" / "instructor" / f"{module}.md").is_file()


def test_framework_has_twelve_questions_over_five_types_with_a_code_task(quizzes):
    qs = quizzes["framework"].questions
    assert len(qs) >= 12
    assert len({q.type for q in qs}) >= 5
    assert any(q.type == "code" for q in qs)


@pytest.mark.parametrize("module", [m for m in MODULES if m != "framework"])
def test_later_modules_have_ten_questions_over_four_types(quizzes, module):
    qs = quizzes[module].questions
    assert len(qs) >= 10 and len({q.type for q in qs}) >= 4
    if module in ("kyc", "courts", "mining"):
        assert sum(q.type == "numeric" for q in qs) >= 2
        assert any(q.type == "code" for q in qs)


def test_every_question_has_an_explanation_and_sources_that_resolve(quizzes):
    unresolved = [
        f"{q.nodeid}: {s}" for quiz in quizzes.values() for q in quiz.questions for s in q.sources
        if not resolves(s, ROOT)
    ]
    assert not unresolved, "sources that are neither an article fact id nor on the sources page: " + ", ".join(unresolved)
    assert all(len(q.explanation) > 40 for quiz in quizzes.values() for q in quiz.questions)


def test_numeric_keys_that_name_a_figure_take_its_value(quizzes):
    from caselab.quiz.figures import load_figures

    figures = load_figures(ROOT)
    for module in MODULES:
        raw = yaml.safe_load((ROOT / "tests" / "quizzes" / f"{module}.yml").read_text())
        for rq in raw["questions"]:
            if isinstance(rq.get("key"), dict) and "figure" in rq["key"]:
                q = quizzes[module].question(rq["id"])
                assert q.key == figures[rq["key"]["figure"]].value


def test_sheets_are_generated_from_the_quizzes():
    proc = run_caselab("sheets", "--check")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_a_drifted_sheet_is_reported(tmp_path):
    import shutil

    copy = tmp_path / "project"
    for part in ("data", "tests/quizzes", "exercises", "solutions"):
        shutil.copytree(ROOT / part, copy / part)
    sheet = copy / "exercises" / "framework.py"
    sheet.write_text(sheet.read_text().replace("# q1 ·", "# q1 (edited) ·"))
    proc = run_caselab("sheets", "--check", cwd=copy)
    assert proc.returncode == 1
    assert "exercises/framework.py: out of date" in proc.stdout


def test_a_broken_quiz_file_gets_a_message_naming_the_question(tmp_path, monkeypatch):
    from caselab.quiz import model

    monkeypatch.setattr(model, "REQUIRE_LEVELS", False)  # this planted quiz is about other fields
    bad = tmp_path / "tests" / "quizzes" / "bad.yml"
    bad.parent.mkdir(parents=True)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "case.yml").write_text("kyc: {}\n")
    bad.write_text(
        "module: bad\ntitle: Bad\nquestions:\n"
        "  - {id: q1, type: choice, points: 1, title: t, prompt: p, explanation: e, sources: [A1],"
        " options: {A: a, B: b}, key: C}\n")
    with pytest.raises(QuizError, match=r"question 'q1': key 'C' is not one of the options"):
        load_quiz(bad, tmp_path)
