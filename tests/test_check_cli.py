"""`caselab check` and `caselab list` end to end, as a student and an instructor run them."""
from __future__ import annotations

import json
import os
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


def test_a_syntax_error_costs_only_its_question_and_other_modules_are_still_checked(quizzes, tmp_path):
    sheets = tmp_path / "sheets"
    shutil.copytree(ROOT / "solutions", sheets)
    path = sheets / "framework.py"
    text = path.read_text()
    line = next(i for i, t in enumerate(text.splitlines(), 1) if t.startswith("q2 = "))
    path.write_text(re.sub(r"^q2 = .*$", 'q2 = ["A",', text, flags=re.M))
    out = tmp_path / "r.json"
    proc = run_caselab("check", "--answers", str(sheets), "--json", str(out))
    assert proc.returncode == 1
    message = f"line {line}: a closing ] is missing"
    assert proc.stdout.count(message) == 1, proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr and "sheet: " not in proc.stdout
    result = json.loads(out.read_text())
    wrong = [(r["module"], r["id"], r["status"]) for r in result["questions"] if r["status"] != "correct"]
    assert wrong == [("framework", "q2", "invalid")]


# A kyc sheet with the four slips of issue 12, each in its own question; every other answer is right.
SLIPS = {
    "q1": ("q1 = B", 'put the letter in quotes: q1 = "B"'),
    "q4": ("q4 = 8.67%", "leave out the % sign: q4 = 8.67"),
    "q6": ("q6 = 44,4", "use a dot for decimals and no thousands separator: q6 = 12.5"),
    "q14": (None, "start each line inside the function with 4 spaces"),
}
PYTEST_WORDS = re.compile(r"test session starts|collected|\d+ (?:failed|passed|skipped)|warnings|Warning|Traceback")


def slipped_kyc(folder):
    folder.mkdir(parents=True, exist_ok=True)
    text = (ROOT / "solutions" / "kyc.py").read_text()
    for qid, (line, _) in SLIPS.items():
        if line:
            text = re.sub(rf"^{qid} = .*$", line, text, count=1, flags=re.M)
    # the function body's first line loses its indentation
    text = re.sub(r"^(def q14\(.*\):\n)    ", r"\1", text, count=1, flags=re.M)
    (folder / "kyc.py").write_text(text)
    return folder


def test_one_slip_per_question_costs_only_those_questions_in_plain_words(quizzes, tmp_path):
    sheets = slipped_kyc(tmp_path / "sheets")
    out = tmp_path / "r.json"
    proc = run_caselab("check", "kyc", "--answers", str(sheets), "--json", str(out))
    assert proc.returncode == 1 and proc.stderr == ""
    result = json.loads(out.read_text())
    statuses = {r["id"]: r["status"] for r in result["questions"]}
    assert {q: s for q, s in statuses.items() if s != "correct"} == {q: "invalid" for q in SLIPS}
    lost = sum(q.points for q in quizzes["kyc"].questions if q.id in SLIPS)
    assert result["score"] == result["max_score"] - lost
    lines = proc.stdout.splitlines()
    for qid, (_, message) in SLIPS.items():
        mine = [t for t in lines if t.strip().startswith(f"{qid} ")]
        assert len(mine) == 1 and message in mine[0], (qid, mine)
        assert sum(message in t for t in lines) == 1, f"{qid}'s message is said once"
    for python_word in ("NameError", "invalid syntax", "SyntaxError", "IndentationError", "unindent",
                        "literal", "int or float", "kyc sheet: kyc sheet"):
        assert python_word not in proc.stdout
    assert not PYTEST_WORDS.search(proc.stdout), proc.stdout
    assert lines[-1] == f"kyc: {result['score']:g} of {result['max_score']:g} points; 4 questions to do: q1, q4, q6, q14"


def test_grading_the_same_sheet_gives_the_same_result_per_question(quizzes, tmp_path):
    from caselab.grading.batch import sandbox_available

    slipped_kyc(tmp_path / "subs" / "sam")
    check = json.loads((lambda out: (run_caselab("check", "kyc", "--answers", str(tmp_path / "subs" / "sam"),
                                                 "--json", str(out)), out.read_text())[1])(tmp_path / "c.json"))
    sandbox = [] if sandbox_available()[0] else ["--unsandboxed"]
    proc = run_caselab("grade", str(tmp_path / "subs"), "--out", str(tmp_path / "out"), "--modules", "kyc",
                       "--quiet", *sandbox)
    assert proc.returncode == 0, proc.stderr
    graded = json.loads((tmp_path / "out" / "results" / "sam.json").read_text())
    assert {t["name"]: t["score"] for t in graded["tests"]} == \
        {f"kyc/{r['id']}": r["points"] for r in check["questions"]}
    by_name = {t["name"]: t["output"] for t in graded["tests"]}
    for qid, (_, message) in SLIPS.items():
        assert message in by_name[f"kyc/{qid}"], by_name[f"kyc/{qid}"]


@pytest.mark.slow  # several seconds: left out of the authors' quick run
def test_check_shows_the_students_view_and_pytest_only_when_asked(quizzes, tmp_path):
    proc = run_caselab("check", "kyc", "--answers", str(ROOT / "solutions"))
    assert proc.returncode == 0
    assert not PYTEST_WORDS.search(proc.stdout + proc.stderr), proc.stdout + proc.stderr
    top = sum(q.points for q in quizzes["kyc"].questions if q.type != "memo")  # memo points: the instructor's
    assert proc.stdout.splitlines()[-1] == f"kyc: {top:g} of {top:g} points; nothing left to do"
    assert "points for memos, which your instructor grades" in proc.stdout
    assert re.search(r"^  q1 +correct 1/1$", proc.stdout, flags=re.M)
    verbose = run_caselab("check", "kyc", "--pytest", "--answers", str(ROOT / "solutions"))
    assert "test session starts" in verbose.stdout and f"{len(quizzes['kyc'].questions)} passed" in verbose.stdout
    assert "Warning" not in verbose.stdout + verbose.stderr
    assert "test session starts" in run_caselab("check", "kyc", "-v", "--answers", str(ROOT / "solutions")).stdout
    xml = tmp_path / "j.xml"
    sheets = slipped_kyc(tmp_path / "s")
    proc = run_caselab("check", "kyc", "--answers", str(sheets), "-k", "q1 or q2", "-x", "--junitxml", str(xml))
    assert proc.returncode == 1
    assert xml.read_text().count("<testcase") == 1, "-x stops after q1, the first failure"
    assert proc.stdout.splitlines()[-1] == "kyc: 0 of 1 points; 1 question to do: q1"


def test_check_loads_no_installed_plugin_but_its_own(tmp_path):
    # a third-party plugin that pytest autoloads through its pytest11 entry point, and that says so
    (tmp_path / "noisy_plugin.py").write_text(
        "def pytest_sessionfinish(session):\n    print('noisy plugin was here')\n")
    dist = tmp_path / "noisy_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: noisy-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[pytest11]\nnoisy = noisy_plugin\n")
    env = {"PYTHONPATH": os.pathsep.join(filter(None, [str(tmp_path), os.environ.get("PYTHONPATH")]))}
    plain = subprocess.run([sys.executable, "-m", "pytest", "tests/quizzes/kyc.yml", "-q", "--co"], cwd=ROOT,
                           capture_output=True, text=True, env={**os.environ, **env})
    assert "noisy plugin was here" in plain.stdout, "the plugin is autoloaded where nothing stops it"
    proc = run_caselab("check", "kyc", env=env)
    assert proc.returncode == 0 and proc.stdout.splitlines()[-1].startswith("kyc: 0 of "), proc.stdout + proc.stderr
    assert "noisy" not in proc.stdout + proc.stderr


def test_a_sheet_that_cannot_be_read_at_all_is_said_once(quizzes, tmp_path):
    sheets = tmp_path / "s"
    sheets.mkdir()
    (sheets / "kyc.py").write_bytes(b'q1 = "B"\0\n')
    proc = run_caselab("check", "kyc", "--answers", str(sheets))
    assert proc.returncode == 1 and "Traceback" not in proc.stdout + proc.stderr
    first = [t for t in proc.stdout.splitlines() if t.startswith("  kyc sheet: ")]
    assert len(first) == 1 and "kyc.py" in first[0] and "NUL bytes" in first[0]
    assert proc.stdout.count("(the sheet's problem above)") == len(quizzes["kyc"].questions)


def test_scores_show_at_most_two_decimals(tmp_path):
    from caselab.plugin import describe, last_line, num, score_table
    from caselab.quiz.checking import Outcome

    third = Outcome("m", "q1", "multi", "partial", 2 / 3, 2.0)
    assert num(2 / 3) == "0.67" and num(25.0) == "25" and num(0.5) == "0.5"
    assert describe(third) == "partial 0.67/2"
    assert "0.67" in score_table([third])[1] and "0.666" not in "".join(score_table([third]))
    assert last_line([third]) == "m: 0.67 of 2 points; 1 question to do: q1"


@pytest.mark.parametrize("reader", ["head -1", "true"])
def test_list_into_a_closed_pipe_ends_quietly(reader):
    proc = subprocess.run(f"{sys.executable} -m caselab.cli list | {reader}", shell=True, cwd=ROOT,
                          capture_output=True, text=True)
    assert "Traceback" not in proc.stderr and "BrokenPipe" not in proc.stderr, proc.stderr


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


@pytest.mark.slow  # several seconds: left out of the authors' quick run
def test_quizzes_run_under_plain_pytest_with_k_and_junitxml(quizzes, tmp_path):
    xml = tmp_path / "junit.xml"
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/quizzes/framework.yml", "--answers", "solutions",
         "-k", "q3", f"--junitxml={xml}", "-q"],
        cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout
    selected = [q.id for q in quizzes["framework"].questions if "q3" in q.id]
    assert xml.read_text().count("<testcase") == len(selected)


@pytest.mark.slow  # several seconds: left out of the authors' quick run
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


@pytest.mark.slow  # several seconds: left out of the authors' quick run
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


@pytest.mark.slow  # several seconds: left out of the authors' quick run
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


def test_pytests_own_report_says_once_where_the_results_went(tmp_path):
    """With --pytest (pytest's report and the caselab score section) the results file is written and named once."""
    out = tmp_path / "r.json"
    proc = run_caselab("check", "kyc", "--answers", str(ROOT / "solutions"), "--pytest", "--json", str(out))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count(f"results written to {out}") == 1, proc.stdout
    assert proc.stdout.count("this edition shows") == 0
    assert json.loads(out.read_text())["score"] == json.loads(out.read_text())["max_score"]
