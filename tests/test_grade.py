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
    assert header == ",".join(["student", *modules, "total", "max", "percent", "status"])
    assert sorted(rows) == sorted(cls["recipes"])
    top = sum(q.max_score for q in quizzes.values())
    total = {s: float(r["total"]) for s, r in rows.items()}
    assert {float(r["max"]) for r in rows.values()} == {top}
    for s, r in rows.items():
        assert abs(sum(float(r[m]) for m in modules) - total[s]) < 0.02
        assert r["percent"] == f"{100 * total[s] / top:.1f}"
    assert total["ada"] == total["eve"] == top, "correct, in a folder and in a nested zip"
    assert 0 < total["ben"] < top and total["ben"] == total["fay"], "partly correct, in a folder and in a zip"
    assert total["cai"] == 0 and rows["cai"]["status"] == "ok", "blank sheets"
    first, second = modules
    assert float(rows["dee"][first]) == quizzes[first].max_score and rows["dee"]["status"] == "sheet-error", \
        "a syntax error outside the answers costs no answer, and is reported"
    assert float(rows["dee"][second]) == quizzes[second].max_score
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
            assert set(t) >= {"name", "score", "max_score", "output", "status"}
            assert 0 <= t["score"] <= t["max_score"] and t["status"] in ("passed", "failed")
    ada = json.loads((cls["out"] / "results" / "ada.json").read_text())
    assert all(t["status"] == "passed" for t in ada["tests"])
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
            assert heading.group(1) == ("right" if i % 2 == 0 else "wrong" if q.type != "memo" else heading.group(1))
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
