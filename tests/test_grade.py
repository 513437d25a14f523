"""`caselab grade` end to end on a synthetic class (tests/class_fixture/class.yml).

Correct, partly correct, blank, broken (syntax error), nested, zipped, empty and
not-a-zip submissions; every output file; byte-identical reruns; resuming a stopped
run; the submissions folder left untouched.  The sheets run in the sandbox when
there is one; otherwise the runs say --unsandboxed explicitly.
"""
from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import os
import pty
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import ROOT, run_caselab

sys.path.insert(0, str(Path(__file__).parent))
from class_fixture.make_class import build_class, pick_modules, wrong_value  # noqa: E402


def _sandbox_args() -> list[str]:
    from caselab.grading.batch import sandbox_available

    return [] if sandbox_available()[0] else ["--unsandboxed"]


def tree_state(folder: Path, with_times: bool = True) -> dict[str, tuple]:
    """Every file and folder under ``folder``: a file's bytes' hash and, optionally, its modification time and mode."""
    state = {}
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder).as_posix()
        if p.is_dir():
            state[rel] = ("dir",)
            continue
        st = p.lstat()
        digest = hashlib.sha256(p.read_bytes()).hexdigest()
        state[rel] = (digest, st.st_mtime_ns, st.st_mode) if with_times else (digest,)
    return state


@pytest.fixture(scope="module")
def cls(tmp_path_factory):
    """The class, graded once; everything the tests compare against."""
    from caselab.quiz.model import load_quizzes

    modules = pick_modules(run_caselab)
    quizzes = load_quizzes(ROOT, modules)
    where = tmp_path_factory.mktemp("class")
    recipes = build_class(where / "submissions", quizzes)
    before = tree_state(where / "submissions")
    proc = grade(where / "submissions", where / "out", "--modules", ",".join(modules))
    assert proc.returncode == 0, proc.stderr
    return {"modules": modules, "quizzes": quizzes, "where": where, "subs": where / "submissions",
            "out": where / "out", "recipes": recipes, "before": before, "proc": proc}


def grade(subs: Path, out: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return run_caselab("grade", str(subs), "--out", str(out), *args, *_sandbox_args(), env=env)


def read_csv(path: Path) -> list[dict]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_gradebook_has_a_row_for_every_submission(cls):
    rows = {r["student"]: r for r in read_csv(cls["out"] / "gradebook.csv")}
    modules, quizzes = cls["modules"], cls["quizzes"]
    header = (cls["out"] / "gradebook.csv").read_text().splitlines()[0]
    assert header == ",".join(["student", *modules, "total", "max", "percent", "pending", "status"])
    assert sorted(rows) == sorted(cls["recipes"])
    top = sum(q.max_score for q in quizzes.values())
    memo = sum(q.points for quiz in quizzes.values() for q in quiz.questions if q.type == "memo")
    total = {s: float(r["total"]) for s, r in rows.items()}
    for s, r in rows.items():
        assert float(r["max"]) + float(r["pending"]) == top, "the max leaves out the points still to be graded"
        assert abs(sum(float(r[m]) for m in modules) - total[s]) < 0.02
        assert r["percent"] == f"{100 * total[s] / float(r['max']):.1f}"
    assert float(rows["ada"]["pending"]) == memo and float(rows["cai"]["pending"]) == 0, \
        "an answered memo's points wait for the instructor; a blank one scores 0"
    assert total["ada"] == total["eve"] == top - memo == float(rows["ada"]["max"]), \
        "correct, in a folder and in a nested zip: full marks of what a machine grades"
    top = top - memo
    assert 0 < total["ben"] < top and total["ben"] == total["fay"], "partly correct, in a folder and in a zip"
    assert total["cai"] == 0 and rows["cai"]["status"] == "ok", "blank sheets"
    first, second = modules
    auto = {m: sum(q.points for q in quizzes[m].questions if q.type != "memo") for m in modules}
    assert float(rows["dee"][first]) == auto[first] and rows["dee"]["status"] == "sheet-error", \
        "a syntax error outside the answers costs no answer, and is reported"
    assert float(rows["dee"][second]) == auto[second]
    assert total["hal"] == 0 and rows["hal"]["status"] == "ok", "all wrong, under exercises/"
    assert rows["gus"]["status"] not in ("ok", "") and total["gus"] == 0, "an empty folder"
    assert rows["ivy"]["status"] not in ("ok", "") and total["ivy"] == 0, "a file that is not a zip"
    assert rows["gus"]["status"] != rows["ivy"]["status"]
    assert rows["kim"]["status"] == "timeout" and total["kim"] == top, \
        "an endless loop after the answers: stopped, reported, and the answers still count"


def test_results_are_gradescope_results_json(cls):
    rows = {r["student"]: r for r in read_csv(cls["out"] / "gradebook.csv")}
    names = [f"{m}/{q.id}" for m, quiz in cls["quizzes"].items() for q in quiz.questions]
    assert sorted(p.stem for p in (cls["out"] / "results").glob("*.json")) == sorted(rows)
    for student, row in rows.items():
        data = json.loads((cls["out"] / "results" / f"{student}.json").read_text())
        assert abs(data["score"] - float(row["total"])) < 0.01
        assert isinstance(data["output"], str) and data["output"]
        assert [t["name"] for t in data["tests"]] == names
        assert abs(sum(t["score"] for t in data["tests"]) - data["score"]) < 1e-6
        for t in data["tests"]:
            assert set(t) >= {"name", "score", "max_score", "output"}
            assert 0 <= t["score"] <= t["max_score"]
            if "status" not in t:  # a memo to be graded by hand: neither passed nor failed yet
                assert "to be graded by your instructor" in t["output"] and t["max_score"] == 0
                assert "well formed" in t["output"] and "right" not in t["output"]
            else:
                assert t["status"] in ("passed", "failed")
    ada = json.loads((cls["out"] / "results" / "ada.json").read_text())
    assert all(t.get("status", "passed") == "passed" for t in ada["tests"])
    dee = json.loads((cls["out"] / "results" / "dee.json").read_text())
    assert "Python cannot read this" in json.dumps(dee), "the syntax error is reported, in plain words"


def test_feedback_says_right_or_wrong_with_explanations(cls, tmp_path):
    quizzes = cls["quizzes"]
    assert sorted(p.stem for p in (cls["out"] / "feedback").glob("*.md")) == sorted(cls["recipes"])
    ben = (cls["out"] / "feedback" / "ben.md").read_text()
    qs = [q for quiz in quizzes.values() for q in quiz.questions]
    for quiz in quizzes.values():
        for i, q in enumerate(quiz.questions):
            heading = re.search(rf"^### {q.id} · {re.escape(q.title)}: (.+) \(", ben, re.M)
            assert heading, q.nodeid
            expected = "to be graded by your instructor" if q.type == "memo" else "right" if i % 2 == 0 else "wrong"
            assert heading.group(1) == expected, q.nodeid
    plain = next(q for q in qs if "{{" not in q.explanation)
    first_line = plain.explanation.splitlines()[0]
    assert first_line in ben and ben.count("**Explanation.**") == len(qs)
    assert "{{" not in ben, "figures in explanations are printed as values"
    gus = (cls["out"] / "feedback" / "gus.md").read_text()
    assert "could not be graded" in gus


def test_report_is_self_contained_with_plots(cls):
    report = (cls["out"] / "report.html").read_text()
    assert "<script" not in report and "<link" not in report and not re.search(r"""(src|href)=["']?https?:""", report)
    images = re.findall(r'<img src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"', report)
    assert len(images) >= 3
    for data in images:
        svg = ET.fromstring(base64.b64decode(data))
        assert svg.tag.endswith("svg")
    for m, quiz in cls["quizzes"].items():
        for q in quiz.questions:
            assert f"<b>{m}/{q.id}</b>" in report
    assert "facility" in report and "point-biserial" in report and "upper–lower 27 %" in report
    # the most common wrong answers: ben, fay and hal answered the second question of the first module wrong
    quiz = next(iter(cls["quizzes"].values()))
    q = next(q for i, q in enumerate(quiz.questions) if i % 2 == 1 and q.type == "choice")
    row = report.split(f"<b>{quiz.module}/{q.id}</b>", 1)[1].split("</tr>", 1)[0]
    assert f"<code>{wrong_value(q).upper()}</code> × 3" in row
    limits = report.split('id="limits"', 1)[1]
    assert ">gus<" in limits and ">ivy<" in limits and ">ada<" not in limits
    assert "<td>kim</td><td>timeout</td><td>call_seconds</td>" in limits


def test_canvas_import_csv(cls, tmp_path):
    rows = list(csv.reader(io.StringIO((cls["out"] / "canvas.csv").read_text())))
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "caselab"]
    top = sum(q.max_score for q in cls["quizzes"].values())
    assert rows[1][0].strip() == "Points Possible" and float(rows[1][5]) == top
    book = {r["student"]: r["total"] for r in read_csv(cls["out"] / "gradebook.csv")}
    assert {r[3]: r[5] for r in rows[2:]} == book


def test_other_options_roster_and_no_explanations(cls, tmp_path):
    roster = tmp_path / "export.csv"
    roster.write_text("Student,ID,SIS User ID,SIS Login ID,Section,Quiz 1 (77)\n"
                      "    Points Possible,,,,,10\n"
                      "\"Lovelace, Ada\",101,s-ada,ada,Section A,9\n", encoding="utf-8")
    proc = grade(cls["subs"], tmp_path / "out", "--no-explanations", "--canvas-roster", str(roster),
                 "--canvas-assignment", "4242", "--workers", "2")
    assert proc.returncode == 0, proc.stderr
    assert "\r" not in proc.stderr, "no progress bar when stderr is not a terminal"
    assert f"grading {', '.join(cls['modules'])}" in proc.stderr, "the modules found in the submissions"
    rows = list(csv.reader(io.StringIO((tmp_path / "out" / "canvas.csv").read_text())))
    assert rows[0][5] == "caselab (4242)"
    assert ["Lovelace, Ada", "101", "s-ada", "ada", "Section A"] == rows[2][:5]
    assert "**Explanation.**" not in (tmp_path / "out" / "feedback" / "ben.md").read_text()
    assert (tmp_path / "out" / "gradebook.csv").read_bytes() == (cls["out"] / "gradebook.csv").read_bytes()


def test_same_inputs_give_byte_identical_outputs(cls, tmp_path):
    proc = grade(cls["subs"], tmp_path / "again", "--modules", ",".join(cls["modules"]), "--quiet")
    assert proc.returncode == 0 and proc.stdout == "" and proc.stderr == "", proc.stderr
    first = tree_state(cls["out"], with_times=False)
    second = tree_state(tmp_path / "again", with_times=False)
    assert sorted(k for k in first.keys() | second.keys() if first.get(k) != second.get(k)) == []
    assert {"gradebook.csv", "canvas.csv", "report.html", "results", "feedback", ".caselab"} <= set(first)


def test_a_stopped_run_resumes_without_regrading(cls, tmp_path):
    out = tmp_path / "out"
    args = ("--modules", ",".join(cls["modules"]))
    stopped = grade(cls["subs"], out, *args, env={"CASELAB_GRADE_STOP_AFTER": "3"})
    assert stopped.returncode == 130 and "run the same command again" in stopped.stderr
    states = [json.loads(p.read_text()) for p in (out / ".caselab").glob("*.json")]
    assert len(states) == 3
    assert not (out / "gradebook.csv").exists() and not (out / "report.html").exists()
    assert not [p for p in out.rglob("*") if p.name.endswith(".part")], "no half-written file"

    # a timeout (kim) is kept in the state but never reused: under load, a rerun could end differently
    kept = sum(state.get("reusable", True) for state in states)
    done = grade(cls["subs"], out, *args)
    assert done.returncode == 0, done.stderr
    assert f"graded {len(cls['recipes']) - kept} submission(s), {kept} unchanged" in done.stdout
    assert tree_state(out, with_times=False) == tree_state(cls["out"], with_times=False)
    assert json.loads((out / ".caselab" / "kim.json").read_text())["reusable"] is False

    # lose one student's results file and another's graded state: only those come back
    before = tree_state(out)
    (out / "results" / "ada.json").unlink()
    (out / ".caselab" / "ben.json").unlink()
    time.sleep(0.05)
    again = grade(cls["subs"], out, *args)
    assert again.returncode == 0 and "graded 2 submission(s)" in again.stdout, again.stdout + again.stderr  # ben, kim
    after = tree_state(out)
    changed = sorted(k for k in after if after[k] != before.get(k))
    assert changed == [".caselab/ben.json", "results/ada.json"]
    assert after["results/ada.json"][0] == before["results/ada.json"][0]

    # a changed submission is graded again; the others are kept
    sheet = cls["where"] / "changed"
    import shutil

    shutil.copytree(cls["subs"], sheet)
    (sheet / "cai" / f"{cls['modules'][0]}.py").write_text((sheet / "ada" / f"{cls['modules'][0]}.py").read_text())
    shutil.rmtree(sheet / "hal")
    changed_run = grade(sheet, out, *args)
    assert "graded 2 submission(s)" in changed_run.stdout  # cai, and kim's timeout again
    book = {r["student"]: r for r in read_csv(out / "gradebook.csv")}
    assert float(book["cai"]["total"]) == cls["quizzes"][cls["modules"][0]].max_score
    assert "hal" not in book and not (out / "results" / "hal.json").exists() \
        and not (out / "feedback" / "hal.md").exists(), "a student no longer in the folder leaves no files"


def test_a_rerun_grades_a_crashed_submission_again(cls, tmp_path):
    """A SIGKILL may come from the host (its out-of-memory killer), not the student: a ``crashed``
    result is written, kept in the state, and graded again by the next run; an ok one is reused."""
    module = cls["modules"][0]
    subs = tmp_path / "subs"
    for student in ("ada", "zed"):
        (subs / student).mkdir(parents=True)
        (subs / student / f"{module}.py").write_text((cls["subs"] / "ada" / f"{module}.py").read_text())
    with open(subs / "zed" / f"{module}.py", "a") as f:
        f.write("\nimport os\nos.kill(os.getpid(), 9)\n")
    out = tmp_path / "out"
    first = grade(subs, out, "--modules", module)
    assert first.returncode == 0, first.stderr
    book = {r["student"]: r["status"] for r in read_csv(out / "gradebook.csv")}
    assert book == {"ada": "ok", "zed": "crashed"}
    assert json.loads((out / ".caselab" / "zed.json").read_text())["reusable"] is False
    again = grade(subs, out, "--modules", module)
    assert again.returncode == 0 and "graded 1 submission(s), 1 unchanged" in again.stdout, again.stdout
    assert {r["student"]: r["status"] for r in read_csv(out / "gradebook.csv")} == book


def test_report_lists_the_limits_hit():
    from caselab.quiz.checking import Outcome
    from caselab.grading.batch import StudentResult
    from caselab.quiz.model import load_quizzes
    from caselab.grading.report import render_report

    quizzes = list(load_quizzes(ROOT, pick_modules(run_caselab)[:1]).values())
    outcomes = lambda status: tuple(Outcome(q.module, q.id, q.type, status, 0.0, q.points, "", "", "")  # noqa: E731
                                    for q in quizzes[0].questions)
    results = [StudentResult("slow", "ok", "", outcomes("error"), ("timeout",)),
               StudentResult("hog", "memory", "the sheets used more than 256 MB", outcomes("error"), ("memory",)),
               StudentResult("fine", "ok", "", outcomes("unanswered"))]
    report = render_report(results, quizzes)
    limits = report.split('id="limits"', 1)[1]
    assert "<td>slow</td><td>ok</td><td>timeout</td>" in limits
    assert "<td>hog</td><td>memory</td><td>memory</td>" in limits and "fine" not in limits
    assert render_report(results, quizzes) == report


def test_progress_bar_on_a_terminal(cls, tmp_path):
    master, slave = pty.openpty()
    cmd = [sys.executable, "-m", "caselab.cli", "grade", str(cls["subs"]), "--out", str(tmp_path / "out"),
           "--modules", ",".join(cls["modules"]), *_sandbox_args()]
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASELAB_")}
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=slave, env=env)
    os.close(slave)
    seen = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    proc.communicate(timeout=600)
    os.close(master)
    text = seen.decode(errors="replace")
    n = len(cls["recipes"])
    assert proc.returncode == 0 and "\rcaselab grade [" in text and f"] {n}/{n}" in text, text


def test_without_a_sandbox_grading_refuses_unless_told(cls, tmp_path):
    from caselab.grading.batch import sandbox_available

    if sandbox_available()[0]:
        pytest.skip("a sandbox is available here; the class was graded in it")
    proc = run_caselab("grade", str(cls["subs"]), "--out", str(tmp_path / "out"))
    assert proc.returncode == 2 and "--unsandboxed" in proc.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_the_submissions_were_never_changed(cls):
    assert tree_state(cls["subs"]) == cls["before"]


def test_student_text_is_written_inert():
    """Issue 9, findings 8-10 and 12, on the writers themselves (the class in test_hostile.py goes end to end)."""
    from caselab.grading.batch import StudentResult
    from caselab.grading.gradebook import csv_cell, file_stem, md_text, reusable
    from caselab.grading.intake import student_id, unique_ids

    # 9: a cell that would start a formula is text; numbers stay numbers
    assert [csv_cell(c) for c in ("=1+1", "+A1", "-A1", "@SUM(A1)", "\tx", "＝1", "-2", "12.5", "ada")] == \
        ["'=1+1", "'+A1", "'-A1", "'@SUM(A1)", "'\tx", "'＝1", "-2", "12.5", "ada"]
    # 10: one line, no markup, capped
    text = md_text("<b>x</b> [a](javascript:1)\n# Heading\n" + "y" * 1000)
    assert "\n" not in text and "<b>" not in text and "](" not in text and len(text) < 400
    # 8: any name gives a short, distinct file name; plain names are kept
    assert file_stem("ada") == "ada"
    stems = {file_stem(s) for s in ("长" * 79, "长" * 80, "a\\b", "a_b", ".hidden", "x\udcff")}
    assert len(stems) == 6 and all(len(s.encode()) <= 120 and "\\" not in s and not s.startswith(".") for s in stems)
    assert student_id("\udcd5\udcc5\udcc8\udcfd") == "张三" and student_id("Jos\udce9") == "José"
    assert student_id("a\nb\x1b[31m") == "a_b_[31m"
    assert [s for s, _ in unique_ids([("a\n", None), ("a\r", None), ("a_", None)])] == ["a_", "a_~2", "a_~3"]
    # 12: only results that do not depend on the machine are reused
    assert reusable(StudentResult("s", "ok", "", ())) and reusable(StudentResult("s", "memory", "m", ()))
    assert not reusable(StudentResult("s", "timeout", "t", ()))
    assert not reusable(StudentResult("s", "ok", "", (), ("call_seconds",)))
    assert not reusable(StudentResult("s", "internal-error", "bug", ()))
    assert not reusable(StudentResult("s", "crashed", "killed", ()))  # the host's OOM killer, maybe
# --- a real class's layouts, the roster both ways, manual points that survive reruns -----------------

@pytest.fixture(scope="module")
def layouts(tmp_path_factory):
    """A class as LMS exports hand it over: deep folders, Canvas flat files, Moodle folders, stray files."""
    from caselab.quiz.model import load_quizzes
    from class_fixture.make_class import sheet

    modules = pick_modules(run_caselab)
    quizzes = load_quizzes(ROOT, modules)
    first, second = modules
    right = {m: sheet(quizzes[m], "correct") for m in modules}
    text_q = next((q for q in quizzes[first].questions if q.type == "text"), None)
    where = tmp_path_factory.mktemp("layouts")
    subs = where / "subs"
    deep = subs / "cai" / "Assignment 2" / "kyc-mining" / "exercises"
    deep.mkdir(parents=True)
    for m in modules:
        (deep / f"{m}.py").write_text(right[m], encoding="utf-8")
    (subs / "dan").mkdir()
    typed = right[first]
    if text_q is not None:  # an answer typed with capitals and spaces, echoed as typed
        typed = re.sub(rf"^{text_q.id} = .*$", f'{text_q.id} = "Virtual  Gold Bar"', typed, count=1, flags=re.M)
    (subs / "dan" / f"{first}.py").write_text(typed, encoding="utf-8")  # hands in one module of two
    (subs / "eli.rar").write_bytes(b"Rar!\x1a\x07\x00 not really")
    (subs / "loose.py").write_text(right[first], encoding="utf-8")
    (subs / "notes.txt").write_text("grading notes\n", encoding="utf-8")
    (subs / f"smithjane_12345_67890_{first}.py").write_text(right[first], encoding="utf-8")
    (subs / f"smithjane_12345_67880_{second}.py").write_text(sheet(quizzes[second], "wrong"), encoding="utf-8")
    (subs / f"smithjane_LATE_12345_67899_{second}-1.py").write_text(right[second], encoding="utf-8")
    moodle = subs / "Jane Doe_555_assignsubmission_file_" / "work"
    moodle.mkdir(parents=True)
    for m in modules:
        (moodle / f"{m}.py").write_text(right[m], encoding="utf-8")
    (subs / "Jane Doe_555_assignsubmission_onlinetext_").mkdir()
    (subs / "Jane Doe_555_assignsubmission_onlinetext_" / "onlinetext.html").write_text("<p>hi</p>")
    roster = where / "roster.csv"
    roster.write_text("Student,ID,SIS User ID,SIS Login ID,Section\n"
                      "    Points Possible,,,,\n"
                      "\"Smith, Jane\",12345,s-1,jsmith,A\n"
                      "\"Doe, Jane\",555,s-2,jdoe,A\n"
                      "\"Absent, Al\",777,s-3,aabsent,A\n"
                      "\"Dan, Dee\",888,s-4,dan,A\n", encoding="utf-8")
    out = where / "out"
    proc = grade(subs, out, "--modules", ",".join(modules), "--canvas-roster", str(roster))
    assert proc.returncode == 0, proc.stderr
    return {"modules": modules, "quizzes": quizzes, "subs": subs, "out": out, "proc": proc, "roster": roster,
            "text_q": text_q}


def test_every_layout_is_found_or_reported_by_name(layouts):
    out, proc = layouts["out"], layouts["proc"]
    first, second = layouts["modules"]
    quizzes = layouts["quizzes"]
    auto = sum(q.points for quiz in quizzes.values() for q in quiz.questions if q.type != "memo")
    rows = {r["student"]: r for r in read_csv(out / "gradebook.csv")}
    assert sorted(rows) == ["Jane Doe_555", "cai", "dan", "smithjane_12345"]
    for student in ("Jane Doe_555", "cai", "smithjane_12345"):
        assert rows[student]["status"] == "ok" and float(rows[student]["total"]) == auto, student
    assert rows["dan"]["status"] == "missing-module" and float(rows["dan"][second]) == 0
    assert float(rows["dan"][first]) > 0, "the sheet handed in is graded"
    text = proc.stdout
    assert "dan: missing-module" in text and f"no sheet for {second}" in text
    for name in ("eli.rar", "loose.py", "notes.txt", "Jane Doe_555_assignsubmission_onlinetext_",
                 f"smithjane_12345_67880_{second}.py"):
        assert f"  {name}: " in text, name
    assert "rar archive" in text and "Canvas export" in text
    # the roster both ways: Al has no submission; cai matches nobody; Canvas and Moodle ids match by number
    assert "roster: Absent, Al (aabsent) has no submission" in text
    assert "the submission cai matches no student of the roster" in text
    assert "roster: Smith, Jane" not in text and "roster: Doe, Jane" not in text, "matched by their numbers"
    canvas = {r[3]: r for r in csv.reader(io.StringIO((out / "canvas.csv").read_text()))}
    assert canvas["jsmith"][0] == "Smith, Jane" and canvas["jdoe"][0] == "Doe, Jane" and canvas["dan"][1] == "888"


def test_feedback_echoes_the_answer_as_typed(layouts):
    q = layouts["text_q"]
    if q is None:
        pytest.skip("no text question in the modules under test")
    dan = (layouts["out"] / "feedback" / "dan.md").read_text()
    assert "Your answer: `Virtual  Gold Bar`" in dan or "Your answer: `Virtual Gold Bar`" in dan
    assert "virtualgoldbar" not in dan


def test_manual_points_and_adjustments_survive_reruns(layouts, tmp_path):
    import shutil

    first, second = layouts["modules"]
    quizzes = layouts["quizzes"]
    memos = [(quiz.module, q) for quiz in quizzes.values() for q in quiz.questions if q.type == "memo"]
    if not memos:
        pytest.skip("no memo in the modules under test")
    module, memo = memos[0]
    out = tmp_path / "out"
    shutil.copytree(layouts["out"], out)
    manual = out / "manual.csv"
    rows = read_csv(manual)
    assert {(r["student"], r["module"], r["question"]) for r in rows} >= {
        ("cai", module, memo.id), ("Jane Doe_555", module, memo.id), ("smithjane_12345", module, memo.id)}
    assert all(r["points"] == "" for r in rows), "prefilled with the memos to grade, points left blank"
    before = {r["student"]: r for r in read_csv(out / "gradebook.csv")}
    assert float(before["cai"]["pending"]) == sum(q.points for _, q in memos)
    # the instructor grades cai's memo, takes a point off dan for lateness and mistypes one row
    text = manual.read_text(encoding="utf-8")
    text = text.replace(f"cai,{module},{memo.id},,,", f"cai,{module},{memo.id},2,clear but thin options,", 1)
    text += f"dan,{first},,-1,handed in late\nJane Doe_555,{module},{memo.id},two,typo\n"
    manual.write_text(text, encoding="utf-8")
    mine = manual.read_bytes()
    proc = grade(layouts["subs"], out, "--modules", ",".join(layouts["modules"]))
    assert proc.returncode == 0, proc.stderr
    assert manual.read_bytes().startswith(mine), "the instructor's rows are kept byte for byte"
    after = {r["student"]: r for r in read_csv(out / "gradebook.csv")}
    assert float(after["cai"]["total"]) == float(before["cai"]["total"]) + 2
    assert float(after["cai"]["max"]) == float(before["cai"]["max"]) + memo.points
    assert float(after["cai"]["pending"]) == float(before["cai"]["pending"]) - memo.points
    assert float(after["dan"]["total"]) == float(before["dan"]["total"]) - 1
    assert "points 'two' is not a number" in proc.stdout and "manual.csv line" in proc.stdout
    assert "changes since the last run:" in proc.stdout
    assert f"cai: ok {before['cai']['total']}/{before['cai']['max']}" in proc.stdout, "what changed, from what to what"
    feedback = (out / "feedback" / "cai.md").read_text().replace("\\", "")  # as rendered: escapes gone
    assert f"graded by the instructor: 2 of {memo.points:g} (clear but thin options)" in feedback
    assert f"### {memo.id} · {memo.title}: graded by your instructor (2 / {memo.points:g})" in feedback
    assert "handed in late" in (out / "feedback" / "dan.md").read_text()
    report = (out / "report.html").read_text()
    assert "clear but thin options" in report and "handed in late" in report
    results = json.loads((out / "results" / "cai.json").read_text())
    test = next(t for t in results["tests"] if t["name"] == f"{module}/{memo.id}")
    assert test["score"] == 2 and test["max_score"] == memo.points
    # a third run, nothing changed: the merged points are still there and nothing is rewritten
    state = tree_state(out)
    again = grade(layouts["subs"], out, "--modules", ",".join(layouts["modules"]))
    assert again.returncode == 0 and "graded 0 submission(s)" in again.stdout
    assert "changes since the last run:" not in again.stdout, again.stdout
    assert tree_state(out) == state


def test_a_broken_manual_sheet_stops_the_run_and_is_left_alone(layouts, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "manual.csv").write_text("who,what\nada,3\n", encoding="utf-8")
    proc = grade(layouts["subs"], out, "--modules", ",".join(layouts["modules"]))
    assert proc.returncode == 2 and "manual.csv needs the columns" in proc.stderr
    assert (out / "manual.csv").read_text() == "who,what\nada,3\n" and not (out / "gradebook.csv").exists()


def test_report_has_a_student_table_option_text_and_a_small_class_caution(cls):
    report = (cls["out"] / "report.html").read_text()
    students = report.split('id="students"', 1)[1].split("</table>", 1)[0]
    for student in cls["recipes"]:
        assert f"<tr><td>{student}</td>" in students
    assert "Caution: only" in report and "fewer than 30" in report
    quiz = next(iter(cls["quizzes"].values()))
    q = next(q for i, q in enumerate(quiz.questions) if i % 2 == 1 and q.type == "choice")
    letter = wrong_value(q).upper()
    option = str(q.spec["options"][letter])[:40]
    row = report.split(f"<b>{quiz.module}/{q.id}</b>", 1)[1].split("</tr>", 1)[0]
    assert f"({letter}: " in row and option.replace("'", "&#x27;").replace('"', "&quot;")[:20] in row


def test_feedback_names_no_internal_figure_and_explains_only_what_was_answered():
    from caselab.grading.batch import StudentResult
    from caselab.grading.gradebook import feedback_md
    from caselab.quiz.checking import Outcome
    from caselab.quiz.figures import load_figures
    from caselab.quiz.model import load_quizzes

    quiz = load_quizzes(ROOT, ["mining"])["mining"]
    named = [q for q in quiz.questions if "the figure mining." in q.explanation]
    if not named:
        pytest.skip("no explanation names a figure")
    outcomes = tuple(Outcome(q.module, q.id, q.type, "wrong" if q in named else "unanswered", 0.0, q.points)
                     for q in quiz.questions)
    text = feedback_md(StudentResult("x", "ok", "", outcomes), [quiz], explanations=True,
                       figures=load_figures(ROOT))
    assert "the figure" not in text and "mining.machine" not in text
    assert text.count("**Explanation.**") == len(named) < len(quiz.questions)


def test_blank_sheets_get_no_explanations(cls):
    assert "**Explanation.**" not in (cls["out"] / "feedback" / "cai.md").read_text()


def test_github_classroom_clones_become_a_submissions_folder(layouts, tmp_path):
    from class_fixture.make_class import sheet

    quizzes, modules = layouts["quizzes"], layouts["modules"]
    clones = tmp_path / "kyc-mining-submissions"
    for user in ("alice", "bob", "carl"):
        (clones / f"kyc-mining-{user}" / ".git").mkdir(parents=True)
        (clones / f"kyc-mining-{user}" / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    for m in modules:
        (clones / "kyc-mining-alice" / "exercises").mkdir(exist_ok=True)
        (clones / "kyc-mining-alice" / "exercises" / f"{m}.py").write_text(sheet(quizzes[m], "correct"))
    (clones / "kyc-mining-carl" / "exercises").mkdir()
    (clones / "kyc-mining-carl" / "exercises" / f"{modules[0]}.py").symlink_to("/etc/passwd")
    subs = tmp_path / "subs"
    proc = run_caselab("classroom", str(clones), "--out", str(subs))
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in subs.iterdir() if not p.name.startswith(".")) == ["alice", "carl"]
    assert "skipped kyc-mining-bob: no exercises/ folder" in proc.stdout
    assert f"skipped kyc-mining-carl/exercises/{modules[0]}.py: not a regular file" in proc.stdout
    assert not (subs / "alice" / ".git").exists()
    again = run_caselab("classroom", str(clones), "--out", str(subs))
    assert again.returncode == 0, "a folder it wrote can be written again"
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "keep.txt").write_text("keep")
    refused = run_caselab("classroom", str(clones), "--out", str(tmp_path / "mine"))
    assert refused.returncode == 2 and (tmp_path / "mine" / "keep.txt").read_text() == "keep"
    graded = grade(subs, tmp_path / "out", "--modules", ",".join(modules))
    assert graded.returncode == 0, graded.stderr
    rows = {r["student"]: r for r in read_csv(tmp_path / "out" / "gradebook.csv")}
    assert rows["alice"]["status"] == "ok" and rows["carl"]["status"] == "empty"
    assert "not graded" not in graded.stdout, "the folder holds nothing to skip"


def test_sheets_are_found_at_any_depth_and_a_tie_is_named(tmp_path):
    from caselab.grading.intake import Refused, intake

    deep = tmp_path / "s" / "cai" / "Assignment 2" / "kyc-mining" / "exercises"
    deep.mkdir(parents=True)
    (deep / "kyc.py").write_text("q1 = None\n")
    (tmp_path / "s" / "cai" / "old" / "kyc.py").parent.mkdir(parents=True)
    (tmp_path / "s" / "cai" / "old" / "kyc.py").write_text("q1 = None\n")
    (tmp_path / "d1").mkdir()
    found = intake(tmp_path / "s", ["kyc", "mining"], tmp_path / "d1")
    assert found.found == {"kyc"} and found.paths["kyc"] == "cai/Assignment 2/kyc-mining/exercises/kyc.py"
    tie = tmp_path / "t"
    for top in ("one", "two"):
        (tie / top).mkdir(parents=True)
        (tie / top / "kyc.py").write_text("q1 = None\n")
    (tmp_path / "d2").mkdir()
    with pytest.raises(Refused) as refused:
        intake(tie, ["kyc"], tmp_path / "d2")
    assert refused.value.status == "empty" and "kyc.py is in 2 places (one/kyc.py, two/kyc.py)" in refused.value.message


def test_results_json_is_written_as_json_dumps_with_indent_writes_it():
    """results.json is written by a faster encoder that must give json.dumps(indent=2)'s exact bytes."""
    import random

    from caselab.grading.gradebook import _json_indented

    rng = random.Random(13)
    leaves = [1, 0, -3, 2.5, -0.0, 1e-7, 1e20, 10**30, 0.1 + 0.2, True, False, None, "", "plain",
              'a"b\\c\n\t\x00\u2028é中\ud800', float("nan"), float("inf"), float("-inf")]

    def value(depth=0):
        roll = rng.random()
        if depth > 3 or roll < 0.4:
            return rng.choice(leaves)
        if roll < 0.7:
            return [value(depth + 1) for _ in range(rng.randint(0, 4))]
        return {rng.choice(["a", "é\n", 'x"y', ""]) + str(i): value(depth + 1) for i in range(rng.randint(0, 4))}

    for _ in range(3000):
        v = value()
        assert _json_indented(v) == json.dumps(v, indent=2, ensure_ascii=False)


def test_private_sheet_copies_go_to_memory_only_with_room(monkeypatch):
    """/dev/shm holds the per-submission sheet copies only when it has room; else the temporary folder."""
    import os
    from types import SimpleNamespace

    from caselab.grading import batch

    if not (os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK | os.X_OK)):
        assert batch.scratch_folder() is None
        return
    room = lambda mb: lambda path: SimpleNamespace(f_bavail=mb << 8, f_frsize=4096)  # noqa: E731 (mb MB)
    monkeypatch.setattr(batch.os, "statvfs", room(batch.SCRATCH_FREE_MB))
    assert batch.scratch_folder() == "/dev/shm"
    monkeypatch.setattr(batch.os, "statvfs", room(64))  # a container's default
    assert batch.scratch_folder() is None
