"""Per-student variants (issue 14): release with a roster, each student's sheet and lock, grading and solutions."""
from __future__ import annotations

import csv
import io
import json
import shutil
import sys
from pathlib import Path

import pytest

from caselab.editions.variants import scan
from caselab.quiz.variants import (SHUFFLED, _to_generic, draw, load_lock, read_stamp, remap, stamped_sheet,
                                   variant_quiz)
from caselab.quiz.model import load_quizzes
from caselab.quiz.sheets import question_block, reference_value

from conftest import ROOT, run_caselab

MODULES = ["kyc", "mining"]
ROSTER = [("ana", "Ana"), ("bo", "Bo"), ("../up", "path"), ("=cmd", "formula")]


def _sandbox_args() -> list[str]:
    from caselab.grading.batch import sandbox_available

    return [] if sandbox_available()[0] else ["--unsandboxed"]


def write_roster(path: Path, rows) -> Path:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["student", "name"])
    w.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    where = tmp_path_factory.mktemp("variants")
    roster = write_roster(where / "roster.csv", ROSTER)
    proc = run_caselab("release", "--modules", ",".join(MODULES), "--roster", str(roster), "--out", str(where / "ed"))
    assert proc.returncode == 0, proc.stderr
    return where


def test_two_students_differ_only_where_the_data_says(released):
    quizzes = load_quizzes(ROOT, MODULES)
    _, lock = load_lock(released / "ed-instructor")
    varied = 0
    for module, quiz in quizzes.items():
        a = variant_quiz(quiz, lock["students"]["ana"]["modules"][module]["orders"])
        b = variant_quiz(quiz, lock["students"]["bo"]["modules"][module]["orders"])
        for q, qa, qb in zip(quiz.questions, a.questions, b.questions):
            if q.type not in SHUFFLED:
                assert qa == qb == q and question_block(qa, False) == question_block(q, False)
                continue
            field = SHUFFLED[q.type]
            assert list(qa.spec[field]) == list(q.spec[field])  # the same labels, in place
            assert sorted(qa.spec[field].values()) == sorted(q.spec[field].values())  # the same texts
            varied += qa.spec[field] != qb.spec[field]
            assert {k: v for k, v in qa.spec.items() if k != field} == {k: v for k, v in q.spec.items() if k != field}
            assert (qa.prompt, qa.points, qa.hints) == (q.prompt, q.points, q.hints)
    assert varied >= 5  # the shuffled questions really differ between the two
    text = (released / "ed" / "students" / "ana" / "exercises" / "kyc.py").read_text(encoding="utf-8")
    variant = lock["students"]["ana"]["modules"]["kyc"]["variant"]
    assert read_stamp(text) == ("ana", variant)
    assert text == stamped_sheet(variant_quiz(quizzes["kyc"], lock["students"]["ana"]["modules"]["kyc"]["orders"]),
                                 "ana", variant)


def test_hostile_roster_ids_stay_inside_students(released):
    students = released / "ed" / "students"
    assert not (released / "ed" / "up").exists() and not (released / "up").exists()
    names = sorted(p.name for p in students.iterdir())
    assert len(names) == len(ROSTER) and all("/" not in n and not n.startswith(".") for n in names)
    assert (students / "=cmd" / "exercises" / "kyc.py").is_file()


def test_no_file_of_the_edition_holds_a_key_of_any_variant_or_the_lock(released):
    quizzes = load_quizzes(ROOT, MODULES)
    secret, lock = load_lock(released / "ed-instructor")
    ed = released / "ed"
    assert scan(ed, lock, secret, quizzes) == []
    for p in ed.rglob("*"):
        if p.is_file():
            assert p.name not in ("lock.json", "secret.txt")
            assert secret not in p.read_bytes().decode("utf-8", "replace")
    assert (released / "ed-instructor").parent == ed.parent  # beside, never inside
    # the scan finds a planted key: one student's reference sheet copied into the students' folder
    leaked = released / "leaky"
    shutil.copytree(ed, leaked)
    orders = lock["students"]["bo"]["modules"]["kyc"]["orders"]
    (leaked / "students" / "bo" / "solution.py").write_text(
        stamped_sheet(variant_quiz(quizzes["kyc"], orders), "bo", "x", solution=True), encoding="utf-8")
    (leaked / "notes.txt").write_text(f"secret: {secret}\n", encoding="utf-8")
    hits = scan(leaked, lock, secret, quizzes)
    assert any("students/bo/solution.py: the key of kyc/" in h for h in hits)
    assert any("notes.txt: holds the course secret" in h for h in hits)


def test_the_lock_stores_orders_and_keys_and_a_second_release_keeps_them(released, tmp_path):
    quizzes = load_quizzes(ROOT, MODULES)
    _, lock = load_lock(released / "ed-instructor")
    for sid, entry in lock["students"].items():
        for module, mine in entry["modules"].items():
            vq = variant_quiz(quizzes[module], mine["orders"])
            assert mine["keys"] == {q.id: q.key for q in vq.questions if q.id in mine["orders"]}
    assert lock["students"]["=cmd"]["roster"] == {"student": "=cmd", "name": "formula"}
    # a second release into the same place with one more student keeps everyone's version
    before = {p.relative_to(released / "ed").as_posix(): p.read_bytes() for p in (released / "ed" / "students").rglob("*.py")}
    shutil.copytree(released / "ed", tmp_path / "ed")
    shutil.copytree(released / "ed-instructor", tmp_path / "ed-instructor")
    roster = write_roster(tmp_path / "roster.csv", ROSTER + [("cy", "Cy")])
    proc = run_caselab("release", "--modules", "kyc", "--roster", str(roster), "--out", str(tmp_path / "ed"))
    assert proc.returncode == 0, proc.stderr
    _, again = load_lock(tmp_path / "ed-instructor")
    for sid in lock["students"]:
        assert again["students"][sid] == lock["students"][sid]
        kyc = f"students/{'ana' if sid == 'ana' else sid}/exercises/kyc.py"
        if kyc in before:
            assert (tmp_path / "ed" / kyc).read_bytes() == before[kyc]
    assert "kyc" in again["students"]["cy"]["modules"]


def test_a_roster_without_a_student_column_is_refused(tmp_path):
    bad = tmp_path / "roster.csv"
    bad.write_text("name,email\nAna,a@x\n", encoding="utf-8")
    proc = run_caselab("release", "--modules", "kyc", "--roster", str(bad), "--out", str(tmp_path / "ed"))
    assert proc.returncode == 2 and "column named 'student'" in proc.stderr
    assert not (tmp_path / "ed").exists() and not (tmp_path / "ed-instructor").exists()


def test_letters_map_back_to_the_generic_answer():
    from caselab.quiz.answers import Answer
    from caselab.quiz.checking import check

    for quiz in load_quizzes(ROOT, MODULES).values():
        orders = draw("s" * 64, "someone", quiz)["orders"]
        vq = variant_quiz(quiz, orders)
        for q, mine in zip(quiz.questions, vq.questions):
            if q.type not in SHUFFLED:
                continue
            own = check(mine, Answer("value", reference_value(mine)))
            generic = check(q, Answer("value", reference_value(q)))
            assert own.status == generic.status == "correct"
            assert _to_generic(q, orders[q.id], own.given) == generic.given


def test_grading_with_variants(released, tmp_path):
    """Own reference sheets score full marks; a sheet handed in by another loses points and is flagged."""
    inst = released / "ed-instructor"
    for sid in ("ana", "bo"):
        proc = run_caselab("solutions", "--variants", str(inst), "--student", sid, "--out", str(tmp_path / "sol" / sid))
        assert proc.returncode == 0, proc.stderr
    proc = run_caselab("solutions", "--variants", str(inst), "--student", "nobody", "--out", str(tmp_path / "x"))
    assert proc.returncode == 2 and "'nobody' is not in" in proc.stderr
    subs = tmp_path / "subs"
    for sid, source in (("ana", "ana"), ("bo", "bo"), ("=cmd", "ana")):
        (subs / sid).mkdir(parents=True)
        for m in MODULES:
            shutil.copy(tmp_path / "sol" / source / f"{m}.py", subs / sid / f"{m}.py")
    proc = run_caselab("grade", str(subs), "--out", str(tmp_path / "out"), "--variants", str(inst),
                       "--modules", ",".join(MODULES), "--quiet", *_sandbox_args())
    assert proc.returncode == 0, proc.stderr
    book = {r["student"]: r for r in csv.DictReader(io.StringIO((tmp_path / "out" / "gradebook.csv").read_text()))}
    full = book["ana"]["max"]
    assert book["ana"]["total"] == book["bo"]["total"] == full and book["ana"]["status"] == book["bo"]["status"] == "ok"
    assert book["'=cmd"]["status"] == "variant-mismatch" and float(book["'=cmd"]["total"]) < float(full)
    feedback = (tmp_path / "out" / "feedback" / "bo.md").read_text(encoding="utf-8")
    assert "On your sheet you answered" in feedback and "common lettering" in feedback
    report = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "variant-mismatch" in report and "the stamp of student" in report
    # without --variants, the generic key: own-letter sheets lose points where their letters differ
    proc = run_caselab("grade", str(subs), "--out", str(tmp_path / "plain"), "--modules", ",".join(MODULES),
                       "--quiet", *_sandbox_args())
    plain = {r["student"]: r for r in csv.DictReader(io.StringIO((tmp_path / "plain" / "gradebook.csv").read_text()))}
    assert float(plain["ana"]["total"]) < float(full) and plain["ana"]["status"] == "ok"


def _check_in_edition(edition: Path, student: str, sheets: Path, tmp_path: Path) -> tuple[int, dict]:
    """`caselab check` in a copy of the edition with ``student``'s folder copied over it, as that student runs it."""
    import os
    import subprocess

    mine = tmp_path / f"ed-{student}-{sheets.name}"
    shutil.copytree(edition, mine)
    shutil.copytree(edition / "students" / student, mine, dirs_exist_ok=True)
    out = tmp_path / f"{student}-{sheets.name}.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASELAB_")}
    env["PYTHONPATH"] = str(mine / "src")
    proc = subprocess.run([sys.executable, "-m", "caselab.cli", "check", "--answers", str(sheets), "--unsandboxed",
                           "--json", str(out)], cwd=mine, env=env, capture_output=True, text=True, timeout=600)
    return proc.returncode, json.loads(out.read_text()) if out.is_file() else {"stdout": proc.stdout + proc.stderr}


@pytest.mark.parametrize("mode", ["full", "score", "none"])
def test_the_self_check_works_on_a_students_own_sheet(released, tmp_path, mode):
    from caselab.editions.variants import write_solutions

    if mode == "full":
        edition, inst, modules = released / "ed", released / "ed-instructor", MODULES
    else:  # one student, one module: each feedback mode
        roster = write_roster(tmp_path / "roster.csv", [("ana", "Ana"), ("bo", "Bo")])
        edition, inst, modules = tmp_path / f"ed-{mode}", tmp_path / f"ed-{mode}-instructor", ["kyc"]
        proc = run_caselab("release", "--modules", "kyc", "--feedback", mode, "--roster", str(roster), "--out", str(edition))
        assert proc.returncode == 0, proc.stderr
    quizzes = load_quizzes(ROOT, modules)
    full = sum(q.points for quiz in quizzes.values() for q in quiz.questions if q.type != "memo")  # memos: by hand
    own, other = tmp_path / "own", tmp_path / "other"
    write_solutions(inst, "ana", own, quizzes)
    write_solutions(inst, "bo", other, quizzes)
    code, result = _check_in_edition(edition, "ana", own, tmp_path)
    assert code == 0, result
    if mode == "none":
        assert result["max_score"] == 0 and {q["status"] for q in result["questions"]} == {"answered"}
        return
    assert result["score"] == full
    _, result2 = _check_in_edition(edition, "ana", other, tmp_path)
    assert result2["score"] < full  # bo's letters are wrong on ana's version


def test_reissuing_one_student_changes_only_that_student(released, tmp_path):
    shutil.copytree(released / "ed", tmp_path / "ed")
    shutil.copytree(released / "ed-instructor", tmp_path / "ed-instructor")
    _, before = load_lock(tmp_path / "ed-instructor")
    sheets = {p.relative_to(tmp_path / "ed").as_posix(): p.read_bytes()
              for p in (tmp_path / "ed" / "students").rglob("exercises/*.py")}
    roster = write_roster(tmp_path / "roster.csv", ROSTER)
    proc = run_caselab("release", "--modules", ",".join(MODULES), "--roster", str(roster), "--out",
                       str(tmp_path / "ed"), "--reissue", "bo")
    assert proc.returncode == 0, proc.stderr
    _, after = load_lock(tmp_path / "ed-instructor")
    assert set(after["students"]) == set(before["students"])
    for sid in before["students"]:
        if sid != "bo":
            assert after["students"][sid] == before["students"][sid]
    for module in MODULES:
        new, old = after["students"]["bo"]["modules"][module], before["students"]["bo"]["modules"][module]
        assert new["variant"] != old["variant"] and new["reissued"] == [old["variant"]] and new["attempt"] == 1
        assert new["orders"] != old["orders"]
    for rel, data in sheets.items():
        now = (tmp_path / "ed" / rel).read_bytes()
        assert (now != data) if rel.startswith("students/bo/") else (now == data), rel
    bad = run_caselab("release", "--modules", "kyc", "--roster", str(roster), "--out", str(tmp_path / "ed"),
                      "--reissue", "nobody")
    assert bad.returncode == 2 and "no such student" in bad.stderr
