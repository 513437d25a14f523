"""`caselab check` and `caselab list` end to end, as a student and an instructor run them."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys

import pytest

from caselab.quiz.sheets import reference_value
from conftest import ROOT, check_json, run_caselab


def test_solutions_score_full_marks_with_every_question_correct(quizzes, tmp_path):
    result = check_json(ROOT / "solutions", tmp_path=tmp_path)
    memos = sum(q.points for quiz in quizzes.values() for q in quiz.questions if q.type == "memo")
    assert result["max_score"] == sum(q.max_score for q in quizzes.values()) - memos
    assert result["score"] == result["max_score"], "full marks of what a machine grades"
    assert result["pending"] == memos, "memo points are the instructor's, shown apart"
    assert all(q["well_formed"] and q["max_points"] == 0 for q in result["questions"] if q["type"] == "memo")
    assert {q["status"] for q in result["questions"]} == {"correct"}
    assert len(result["questions"]) == sum(len(q.questions) for q in quizzes.values())


def test_blank_sheets_score_zero_all_unanswered(quizzes, tmp_path):
    result = check_json(ROOT / "exercises", tmp_path=tmp_path)
    assert result["score"] == 0
    assert {q["status"] for q in result["questions"]} == {"unanswered"}
    assert set(result["questions"][0]) == {"module", "id", "type", "status", "points", "max_points"}


def _wrong_value(q):
    """A well-formed answer to ``q`` that is not the key."""
    if q.type == "choice":
        return next(k for k in q.spec["options"] if str(k).upper() != q.key.upper())
    if q.type == "multi":
        return [next(k for k in q.spec["options"] if k not in q.key)]
    if q.type == "numeric":
        return float(q.key) * 3 + 17
    if q.type == "ordering":
        return list(reversed(q.key)) if len(q.key) > 1 else q.key
    if q.type == "matching":
        wrong = sorted(q.spec["right"])
        return {k: next(r for r in wrong if r != v) for k, v in q.key.items()}
    if q.type == "text":
        return "certainly not the answer"
    if q.type == "memo":
        return "## Nothing\ntoo short"
    return None


def test_changing_one_answer_loses_exactly_that_questions_points(quizzes, tmp_path):
    """For each module, one copy of solutions/ with one wrong answer per question type."""
    copies = tmp_path / "copies"
    expected = {}
    for module, quiz in quizzes.items():
        for q in quiz.questions:
            folder = copies / f"{module}-{q.id}"
            folder.mkdir(parents=True)
            text = (ROOT / "solutions" / f"{module}.py").read_text()
            # A later definition replaces the reference answer, as a student's edit would.
            if q.type == "code":
                text += f"\n\ndef {q.id}(*args):\n    return 'nope'\n"
            else:
                text += f"\n{q.id} = {_wrong_value(q)!r}\n"
            (folder / f"{module}.py").write_text(text)
            expected[(module, q.id)] = q.points
    # Check every copy through the library (the CLI path is covered by the tests around this one).
    from caselab.quiz.answers import collect
    from caselab.quiz.checking import check
    from caselab.quiz.sources import cite_names

    names = cite_names(ROOT)
    for (module, qid), points in expected.items():
        quiz = quizzes[module]
        answers = collect([quiz], copies / f"{module}-{qid}")[module].answers
        outcomes = {q.id: check(q, answers[q.id], names) for q in quiz.questions}
        lost = {i: o for i, o in outcomes.items() if o.status != "correct"}
        assert list(lost) == [qid], f"{module}/{qid}: changed one answer, but {sorted(lost)} were not correct"
        assert quiz.max_score - sum(o.points for o in outcomes.values()) == pytest.approx(points)


def test_one_wrong_answer_through_the_command(quizzes, tmp_path):
    sheets = tmp_path / "sheets"
    shutil.copytree(ROOT / "solutions", sheets)
    q = next(q for q in quizzes["framework"].questions if q.type == "choice")
    path = sheets / "framework.py"
    path.write_text(re.sub(rf"^{q.id} = .*$", f"{q.id} = {_wrong_value(q)!r}", path.read_text(), flags=re.M))
    result = check_json(sheets, "framework", tmp_path=tmp_path)
    assert result["max_score"] - result["score"] == q.points
    wrong = [r for r in result["questions"] if r["status"] != "correct"]
    assert [(r["id"], r["status"]) for r in wrong] == [(q.id, "wrong")]


def test_a_syntax_error_is_one_plain_message_and_other_modules_are_still_checked(quizzes, tmp_path):
    sheets = tmp_path / "sheets"
    shutil.copytree(ROOT / "solutions", sheets)
    (sheets / "framework.py").write_text('q1 = "A"\nq2 = ["A",\n')
    out = tmp_path / "r.json"
    proc = run_caselab("check", "--answers", str(sheets), "--json", str(out))
    assert proc.returncode == 1
    assert proc.stdout.count("framework sheet: framework.py line 2") == 1, proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr
    result = json.loads(out.read_text())
    by_module = {}
    for r in result["questions"]:
        by_module.setdefault(r["module"], set()).add(r["status"])
    assert by_module.pop("framework") == {"error"}
    assert all(s == {"correct"} for s in by_module.values())


def test_feedback_never_reveals_a_key(quizzes, tmp_path):
    sheets = tmp_path / "sheets"
    sheets.mkdir()
    for module, quiz in quizzes.items():
        lines = []
        for q in quiz.questions:
            value = _wrong_value(q)
            lines.append(f"def {q.id}(*a):\n    return -1\n" if q.type == "code" else f"{q.id} = {value!r}")
        (sheets / f"{module}.py").write_text("\n".join(lines) + "\n")
    proc = run_caselab("check", "--answers", str(sheets))
    for quiz in quizzes.values():
        for q in quiz.questions:
            if q.type in ("numeric", "text"):
                key = reference_value(q)
                assert not re.search(rf"(?<![\w.]){re.escape(str(key))}(?![\w.])", proc.stdout) or len(str(key)) < 3, \
                    f"{q.nodeid}: output shows the key {key!r}"


def test_list_json_has_the_bank_without_answers(quizzes):
    proc = run_caselab("list", "--json", check=True)
    bank = json.loads(proc.stdout)
    assert [m["id"] for m in bank] == list(quizzes)
    assert set(bank[0]) == {"id", "title", "objectives", "questions"}
    assert all(set(q) == {"id", "type", "points", "title", "level", "objective"} for m in bank for q in m["questions"])


def test_unknown_module_is_a_clear_error():
    proc = run_caselab("check", "nosuchmodule")
    assert proc.returncode == 2 and "unknown module nosuchmodule" in proc.stderr


def test_quizzes_run_under_plain_pytest_with_k_and_junitxml(quizzes, tmp_path):
    xml = tmp_path / "junit.xml"
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/quizzes/framework.yml", "--answers", "solutions",
         "-k", "q3", f"--junitxml={xml}", "-q"],
        cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout
    selected = [q.id for q in quizzes["framework"].questions if "q3" in q.id]
    assert xml.read_text().count("<testcase") == len(selected)


def test_without_a_sheets_folder_quizzes_are_not_collected():
    proc = subprocess.run([sys.executable, "-m", "pytest", "tests/quizzes", "-q", "--co"],
                          cwd=ROOT, capture_output=True, text=True, env={k: v for k, v in __import__("os").environ.items()
                                                                          if k != "CASELAB_ANSWERS"})
    assert proc.returncode == 5, proc.stdout


def test_a_failing_question_reads_as_one_sentence(tmp_path):
    sheets = tmp_path / "s"
    shutil.copytree(ROOT / "exercises", sheets)
    path = sheets / "framework.py"
    path.write_text(re.sub(r"^q1 = None", "q1 = 42", path.read_text(), flags=re.M))
    proc = subprocess.run([sys.executable, "-m", "pytest", "tests/quizzes/framework.yml::q1", "--answers", str(sheets),
                           "-q", "-rN"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 1
    failure = proc.stdout.split("FAILURES")[1]
    assert "invalid 0/" in failure and "Traceback" not in failure and "def " not in failure


def _hostile_sheets(tmp_path, token: Path) -> Path:
    """The reference kyc sheet, plus a line that writes ``token`` on the host if it runs outside a sandbox."""
    sheets = tmp_path / "someone-elses"
    sheets.mkdir()
    text = (ROOT / "solutions" / "kyc.py").read_text(encoding="utf-8")
    (sheets / "kyc.py").write_text(text + f"\nopen({str(token)!r}, 'w').write('ran on the host')\n", encoding="utf-8")
    return sheets


def test_check_answers_runs_someone_elses_sheets_in_the_sandbox(tmp_path):
    from conftest import require_sandbox

    require_sandbox()
    token = tmp_path / "written-by-the-sheet"
    out = tmp_path / "result.json"
    proc = run_caselab("check", "kyc", "--answers", str(_hostile_sheets(tmp_path, token)), "--json", str(out))
    assert not token.exists(), "the sheet ran outside the sandbox"
    result = json.loads(out.read_text())
    assert result["score"] == result["max_score"], proc.stdout  # the answers still count
    # the pytest plugin, run directly, does the same
    proc = subprocess.run([sys.executable, "-m", "pytest", "tests/quizzes/kyc.yml", "-q", "--answers",
                           str(tmp_path / "someone-elses")], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0 and not token.exists(), proc.stdout


def test_without_a_sandbox_check_answers_stops_unless_told(tmp_path):
    import os

    token = tmp_path / "written-by-the-sheet"
    sheets = _hostile_sheets(tmp_path, token)
    no_sandbox = {"CASELAB_BWRAP": ""}
    proc = run_caselab("check", "kyc", "--answers", str(sheets), env=no_sandbox)
    assert proc.returncode == 2 and "without a sandbox" in proc.stderr and "--unsandboxed" in proc.stderr
    assert not token.exists() and "Traceback" not in proc.stderr
    env = {**os.environ, **no_sandbox}
    env.pop("CASELAB_UNSANDBOXED", None)
    plain = subprocess.run([sys.executable, "-m", "pytest", "tests/quizzes/kyc.yml", "-q", "--answers", str(sheets)],
                           cwd=ROOT, capture_output=True, text=True, env=env)
    assert plain.returncode == 4 and "--caselab-unsandboxed" in plain.stderr and not token.exists()
    # the opt-out: run, with a warning
    trusted = run_caselab("check", "kyc", "--answers", str(sheets), "--unsandboxed", env=no_sandbox)
    assert trusted.returncode == 0 and "without a sandbox" in trusted.stderr and token.exists()
    # a student's own exercises/ (no --answers) are checked directly, without a word about sandboxes
    own = run_caselab("check", "kyc", env=no_sandbox)
    assert "sandbox" not in own.stderr + own.stdout and own.returncode in (0, 1)
