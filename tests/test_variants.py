"""Per-student variants (issue 14): release with a roster, each student's sheet and lock, grading and solutions."""
from __future__ import annotations

import csv
import io
import json
import re
import shutil
import sys
from pathlib import Path

import pytest

from caselab.editions.variants import scan
from caselab.quiz.figures import load_figures, with_overrides
from caselab.quiz.variants import (OWN_FIGURES, SHUFFLED, _to_generic, draw, entry_quiz, load_lock, parameterised, read_stamp,
                                   stamped_sheet, variant_quiz)
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
    varied = numbers = 0
    for module, quiz in quizzes.items():
        ana, bo = lock["students"]["ana"]["modules"][module], lock["students"]["bo"]["modules"][module]
        a, b = entry_quiz(quiz, ana), entry_quiz(quiz, bo)
        for q, qa, qb in zip(quiz.questions, a.questions, b.questions):
            if parameterised(q):  # their own figures: the prompt shows them, the key follows them
                assert set(ana["params"][q.id]) == set(q.spec["parameters"])
                for mine, qm in ((ana, qa), (bo, qb)):
                    assert qm.prompt.startswith(OWN_FIGURES + " Suppose") and OWN_FIGURES not in q.prompt
                    figs = with_overrides(load_figures(ROOT), mine["params"][q.id])
                    for name in q.spec["parameters"]:
                        assert figs[name].formatted() in qm.prompt
                    assert mine["params"][q.id] != q.spec["article_values"]  # never the article's own figures
                if ana["params"][q.id] != bo["params"][q.id]:
                    numbers += 1
                    assert qa.prompt != qb.prompt
                    if round(qa.key, int(q.spec["decimals"])) != round(qb.key, int(q.spec["decimals"])):
                        assert question_block(qa, True) != question_block(qb, True)
                assert (qa.title, qa.points, qa.hints, qa.explanation) == (q.title, q.points, q.hints, q.explanation)
                assert {k: v for k, v in qa.spec.items() if k != "values"} == q.spec
                continue
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
    assert numbers >= 2  # and so do the figures of the parameterised ones (4 questions; a tie is rare)
    text = (released / "ed" / "students" / "ana" / "exercises" / "kyc.py").read_text(encoding="utf-8")
    variant = lock["students"]["ana"]["modules"]["kyc"]["variant"]
    assert read_stamp(text) == ("ana", variant)
    assert text == stamped_sheet(entry_quiz(quizzes["kyc"], lock["students"]["ana"]["modules"]["kyc"]), "ana", variant)
    generic = (released / "ed" / "exercises" / "kyc.py").read_text(encoding="utf-8")
    assert "Suppose, hypothetically" in text and "Suppose, hypothetically" not in generic
    own = sum(parameterised(q) for q in quizzes["kyc"].questions)
    assert text.count(OWN_FIGURES) == own + 1 and OWN_FIGURES not in generic  # each such question, and the header


def test_the_key_of_a_parameterised_question_is_figures_computation_with_the_students_figures(released):
    """The lock's key = figures.py's derived figure computed from the raw values with the student's overrides."""
    from caselab.quiz.sheets import reference_value

    quizzes = load_quizzes(ROOT, MODULES)
    _, lock = load_lock(released / "ed-instructor")
    base = load_figures(ROOT)
    checked = 0
    for sid, entry in lock["students"].items():
        for module, mine in entry["modules"].items():
            vq = entry_quiz(quizzes[module], mine)
            for q, own in zip(quizzes[module].questions, vq.questions):
                if not parameterised(q):
                    continue
                name = q.spec["key_figure"]
                expected = with_overrides(base, mine["params"][q.id])[name].value
                assert mine["keys"][q.id] == expected == own.key
                assert q.key == base[name].value  # the generic question keeps the article's figure
                assert reference_value(own) != reference_value(q)  # never the article's answer
                checked += 1
    assert checked == 4 * len(ROSTER)


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
        stamped_sheet(variant_quiz(quizzes["kyc"], orders), "bo", "x", solution=True), encoding="utf-8")  # letters only
    (leaked / "notes.txt").write_text(f"secret: {secret}\n", encoding="utf-8")
    hits = scan(leaked, lock, secret, quizzes)
    assert any("students/bo/solution.py: the key of kyc/" in h for h in hits)
    assert any("notes.txt: holds the course secret" in h for h in hits)


def test_no_file_holds_any_students_numeric_key(released):
    """Every file of the edition and the students' folders, read for each student's numeric keys as a sheet
    writes them; the scan finds one planted."""
    from caselab.quiz.sheets import reference_value

    quizzes = load_quizzes(ROOT, MODULES)
    secret, lock = load_lock(released / "ed-instructor")
    ed = released / "ed"
    needles = []
    for sid, entry in lock["students"].items():
        for module, mine in entry["modules"].items():
            for q in entry_quiz(quizzes[module], mine).questions:
                if parameterised(q):
                    needles += [(sid, f"{q.id} = {reference_value(q)!r}"), (sid, f"{q.id} = {json.dumps(reference_value(q))}")]
    assert len(needles) == 2 * 4 * len(ROSTER)
    files = [p for p in ed.rglob("*") if p.is_file()]
    assert any(p.parts[-4:-2] == ("students", "bo") for p in files if p.suffix == ".py")  # the students' folders too
    for p in files:
        text = p.read_bytes().decode("utf-8", "replace")
        assert not [n for _, n in needles if re.search(re.escape(n) + r"(?![\d_]|\.\d)", text)], p
    # one student's numeric key planted in another's folder: the scan names it
    leaked = released / "leaky-numbers"
    shutil.copytree(ed, leaked)
    q4 = entry_quiz(quizzes["kyc"], lock["students"]["bo"]["modules"]["kyc"]).question("q4")
    (leaked / "students" / "ana" / "from-bo.py").write_text(f"q4 = {reference_value(q4)!r}\n", encoding="utf-8")
    hits = scan(leaked, lock, secret, quizzes)
    # named as bo's key, or as the key of a student who drew the same number (the scan names the first)
    same = {sid for sid, entry in lock["students"].items()
            if entry_quiz(quizzes["kyc"], entry["modules"]["kyc"]).question("q4").key == q4.key}
    assert any(h.startswith(f"students/ana/from-bo.py: the key of kyc/q4 of {sid}") for h in hits for sid in same), hits


def test_the_lock_stores_orders_and_keys_and_a_second_release_keeps_them(released, tmp_path):
    quizzes = load_quizzes(ROOT, MODULES)
    _, lock = load_lock(released / "ed-instructor")
    for sid, entry in lock["students"].items():
        for module, mine in entry["modules"].items():
            vq = entry_quiz(quizzes[module], mine)
            assert mine["keys"] == {q.id: q.key for q in vq.questions if q.id in mine["orders"] or parameterised(q)}
            assert set(mine["params"]) == {q.id for q in vq.questions if parameterised(q)}
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
    # the sheet handed in by another loses the varied numeric questions where the two keys differ
    _, lock = load_lock(inst)
    quizzes = load_quizzes(ROOT, MODULES)
    state = json.loads((tmp_path / "out" / ".caselab" / "=cmd.json").read_text(encoding="utf-8"))["result"]
    outcome = {(o["module"], o["id"]): o for o in state["outcomes"]}
    lost = 0
    for module in MODULES:
        mine = entry_quiz(quizzes[module], lock["students"]["=cmd"]["modules"][module])
        theirs = entry_quiz(quizzes[module], lock["students"]["ana"]["modules"][module])
        for q, qt in zip(mine.questions, theirs.questions):
            if parameterised(q) and reference_value(q) != reference_value(qt):
                assert outcome[(module, q.id)]["status"] == "wrong" and outcome[(module, q.id)]["points"] == 0
                assert "your own version of the question" in outcome[(module, q.id)]["message"]
                lost += 1
    assert lost >= 2
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
        assert new["params"] != old["params"] and set(new["params"]) == set(old["params"])  # figures drawn again
        assert new["keys"] != old["keys"]
    for rel, data in sheets.items():
        now = (tmp_path / "ed" / rel).read_bytes()
        assert (now != data) if rel.startswith("students/bo/") else (now == data), rel
    bad = run_caselab("release", "--modules", "kyc", "--roster", str(roster), "--out", str(tmp_path / "ed"),
                      "--reissue", "nobody")
    assert bad.returncode == 2 and "no such student" in bad.stderr


def test_feedback_on_a_varied_number_compares_with_the_students_own_key(released, tmp_path):
    """Rounding and units messages are computed against the student's key, never the generic one."""
    from caselab.grading.batch import grade_submission
    from caselab.grading.variants import grade_own_variant
    from caselab.quiz.sheets import reference_value

    quizzes = load_quizzes(ROOT, ["kyc"])
    _, lock = load_lock(released / "ed-instructor")
    mine = lock["students"]["bo"]["modules"]["kyc"]
    own = entry_quiz(quizzes["kyc"], mine)
    q4, q7 = own.question("q4"), own.question("q7")
    sheet = stamped_sheet(own, "bo", mine["variant"], solution=True)
    lines = sheet.split("\n")
    unrounded = f"{round(float(q4.key), 2) + 0.001:.3f}"  # bo's key with more decimals than asked
    fraction = round(float(q7.key) / 100, 6)  # bo's key written as a fraction of 1
    lines = [f"q4 = {unrounded}" if line.startswith("q4 = ") else
             f"q7 = {fraction!r}" if line.startswith("q7 = ") else line for line in lines]
    sub = tmp_path / "subs" / "bo"
    sub.mkdir(parents=True)
    (sub / "kyc.py").write_text("\n".join(lines), encoding="utf-8")
    generic = grade_submission("bo", sub, quizzes, sandbox=False, workdir=tmp_path / "work")
    before = {o.id: o for o in generic.outcomes}
    assert "more decimals" not in before["q4"].message and "percentage" not in before["q7"].message
    result = grade_own_variant(generic, sub, lock, list(quizzes.values()))
    after = {o.id: o for o in result.outcomes}
    assert after["q4"].status == "wrong" and "has more decimals than asked" in after["q4"].message
    assert after["q7"].status == "wrong" and "asks for a percentage" in after["q7"].message
    for qid in ("q4", "q7"):
        assert "your own version of the question" in after[qid].message
        for value in mine["params"][qid].values():
            assert f"{value:,}" in after[qid].message  # the figures named as their sheet printed them
        # never the key, in any form (8, 8.0, 8.00): a number of the message, leaving out the units
        # message's own example, which is the same for everyone
        message = after[qid].message.replace("write 12.5 for 12.5 %", "")
        said = {float(n.replace(",", "")) for n in re.findall(r"\d[\d,]*(?:\.\d+)?", message)}
        assert float(reference_value(own.question(qid))) not in said, message
    assert result.status == "ok"
    # the same sheet with the rounded keys is right
    (sub / "kyc.py").write_text(sheet, encoding="utf-8")
    generic = grade_submission("bo", sub, quizzes, sandbox=False, workdir=tmp_path / "work")
    result = grade_own_variant(generic, sub, lock, list(quizzes.values()))
    assert {o.id: o.status for o in result.outcomes}["q4"] == "correct" and result.score == result.max_score


def test_lint_checks_each_parameter_range():
    from dataclasses import replace

    from caselab.quiz.lint import lint_quizzes, parameter_problems

    quizzes = load_quizzes(ROOT, MODULES)
    figures = load_figures(ROOT)
    assert not [f for f in lint_quizzes(quizzes, ROOT).findings if f.rule == "parameters"]
    q4 = quizzes["kyc"].question("q4")
    assert parameter_problems(q4, figures) == []

    def with_params(q, **params):
        return replace(q, spec=dict(q.spec, parameters=dict(q.spec["parameters"], **params)))
    # none opened of zero applied: the key cannot be computed
    assert any("cannot be computed" in p for p in parameter_problems(
        with_params(q4, **{"kyc.accounts_applied": [0, 150]}), figures))
    # 26 of 300 is the article's 13 of 150: a student could copy the site's answer
    assert any("rounds to the article's own" in p for p in parameter_problems(
        with_params(q4, **{"kyc.accounts_applied": [150, 300], "kyc.accounts_opened": [13, 26]}), figures))
    # fractional or negative counts
    problems = parameter_problems(with_params(q4, **{"kyc.accounts_opened": [12.5, -1, 13]}), figures)
    assert any("whole number" in p for p in problems) and any("above 0" in p for p in problems)
    # a scenario that does not say it is hypothetical
    plain = replace(q4, spec=dict(q4.spec, scenario="The trader applied for {{ fig kyc.accounts_applied }} accounts."))
    assert any("hypothetical" in p for p in parameter_problems(plain, figures))


def test_quiz_files_with_bad_parameters_are_refused(tmp_path):
    import yaml

    from caselab.quiz.model import QuizError, _question

    figures = load_figures(ROOT)
    base = yaml.safe_load((ROOT / "tests" / "quizzes" / "kyc.yml").read_text(encoding="utf-8"))
    raw = next(q for q in base["questions"] if q["id"] == "q4")
    objectives = {o: o for o in base["objectives"]}

    def refused(**change) -> str:
        with pytest.raises(QuizError) as exc:
            _question("kyc", {**raw, **change}, figures, "kyc.yml", objectives=objectives, require=True)
        return str(exc.value)
    assert "not a raw figure" in refused(parameters={"kyc.success_rate_pct": [1, 2]})
    assert "{min, max, step}" in refused(parameters={"kyc.accounts_applied": {"min": 1}})
    assert "must show each parameter" in refused(scenario="Suppose, hypothetically, {{ fig kyc.accounts_applied }}.")
    assert "raw figures only" in refused(scenario=raw["scenario"] + " {{ fig kyc.success_rate_pct }}")
    assert "key as {figure: name}" in refused(key=8.67)
    assert "unknown figure 'kyc.nope'" in refused(prompt="Using {{ fig kyc.nope }} applications ...")
    code = next(q for q in base["questions"] if q["type"] == "code")
    with pytest.raises(QuizError, match="numeric questions only"):
        _question("kyc", {**code, "parameters": raw["parameters"], "scenario": raw["scenario"]}, figures, "kyc.yml",
                  objectives=objectives, require=True)
    ok = _question("kyc", raw, figures, "kyc.yml", objectives=objectives, require=True)
    assert ok.spec["parameters"]["kyc.accounts_applied"] == list(range(120, 201, 10))


def test_letters_named_in_a_prompt_hint_or_option_follow_the_students_order():
    """A hint that names an option by its letter reads in the student's letters on their sheet, in their
    edition's quiz file and in their feedback; a lone letter that cannot be mapped is said to be the common one."""
    from dataclasses import replace

    from caselab.editions.quizfile import edition_question
    from caselab.grading.batch import StudentResult
    from caselab.quiz.answers import Answer
    from caselab.quiz.checking import check
    from caselab.quiz.sheets import question_block
    from caselab.quiz.variants import remap, variant_question

    quiz = load_quizzes(ROOT, ["kyc"])["kyc"]
    q = next(q for q in quiz.questions if q.type == "choice" and len(q.spec["options"]) == 4)
    q = replace(q, prompt=q.prompt + "\n\n(Options A and B are both about the documents.)",
                hints=("Option B misreads the figure; compare (C) with the notice.", "D is a trap."),
                spec=dict(q.spec, options=dict(q.spec["options"], D="Neither A nor C.")))
    quiz = replace(quiz, questions=(q,))
    order = ["C", "D", "A", "B"]  # shown A is the common C, B the common D, C the common A, D the common B
    own = variant_question(q, order)
    assert own.hints[0] == "Option D misreads the figure; compare (A) with the notice."
    assert own.hints[1] == "D (in the common lettering) is a trap."  # a lone letter: said to be the common one
    assert "(Options C and D are both about the documents.)" in own.prompt
    assert own.spec["options"]["B"] == "Neither C nor A."  # the common D, naming the common A and C
    assert "Option D misreads" in "\n".join(own.hints)
    block = question_block(own, False)
    assert "Options C and D are both" in block and "B. Neither C nor A." in block
    assert edition_question(own, "full", "ab" * 16, {})["hints"][0] == own.hints[0]
    # in the feedback: a wrong answer's hint is in the student's letters
    wrong = next(label for label in own.spec["options"] if label != own.key)
    generic = check(q, Answer("value", wrong))
    lock = {"students": {"ana": {"modules": {"kyc": {"variant": "0" * 12, "orders": {q.id: order},
                                                      "keys": {q.id: own.key}}}}}}
    result = remap(StudentResult("ana", "ok", "", (generic,)), lock, [quiz], {"kyc": ("ana", "0" * 12)})
    (o,) = result.outcomes
    assert o.status == "wrong" and o.hint == own.hints[0]
    assert "the explanation uses the common lettering" in o.message


NOTICE = "Your personal sheet comes first"


def test_the_sites_notice_only_in_an_edition_released_with_variants(released, tmp_path):
    """The edition's site says once per module (exercises and answer page) that a personal sheet's numbers
    and letters come first; the course's own site and an edition without --roster never say it."""
    import os
    import subprocess

    from caselab.quiz.model import load_quiz
    from caselab.site.answer_page import page_markdown
    from caselab.site.hook import render_exercises

    for quiz in load_quizzes(ROOT, MODULES).values():  # the course's own (instructor's) site
        assert NOTICE not in render_exercises(quiz) and NOTICE not in page_markdown(quiz)
    plain = tmp_path / "plain"
    proc = run_caselab("release", "--modules", "kyc", "--feedback", "none", "--out", str(plain))
    assert proc.returncode == 0, proc.stderr
    quiz = load_quiz(plain / "tests" / "quizzes" / "kyc.yml", plain)
    assert NOTICE not in render_exercises(quiz) and NOTICE not in page_markdown(quiz)
    # the edition released with --roster, built as its students build it
    edition = released / "ed"
    for module in MODULES:
        quiz = load_quiz(edition / "tests" / "quizzes" / f"{module}.yml", edition)
        assert render_exercises(quiz).count(NOTICE) == 1 and page_markdown(quiz).count(NOTICE) == 1
    site = tmp_path / "site"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASELAB_")}
    env.update(PYTHONPATH=str(edition / "src"), NO_MKDOCS_2_WARNING="1")
    proc = subprocess.run(["mkdocs", "build", "--strict", "-q", "-d", str(site)], cwd=edition, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    for module in MODULES:
        page = (site / "modules" / module / "index.html").read_text(encoding="utf-8")
        answers = (site / "answers" / module / "index.html").read_text(encoding="utf-8")
        assert page.count(NOTICE) == 1 and answers.count(NOTICE) == 1
        assert 'class="admonition warning"' in page and f"students/&lt;your id&gt;/exercises/{module}.py" in page
    assert NOTICE not in (site / "index.html").read_text(encoding="utf-8")


def test_the_instructors_explanations_name_the_per_student_figures():
    from caselab.site.hook import render_explanations

    quiz = load_quizzes(ROOT, ["kyc"])["kyc"]
    text = render_explanations(quiz, ROOT)
    blocks = {b.split(" ·")[0]: b for b in text.split("### ")[1:]}
    for q in quiz.questions:
        assert ("**Per-student figures**" in blocks[q.id]) == parameterised(q), q.id
    assert "`kyc.accounts_applied` 120, 130, 140 … 200 (9 values)" in blocks["q4"]
    assert "⟨kyc.accounts_opened⟩" in blocks["q4"]  # the students' prompt, with no figure filled in


def test_no_student_draws_the_sheets_example_answer_as_their_key():
    """Every sheet shows ``q4 = 12.5`` as an example of how to write a number: a student whose own key
    were 12.5 would find it printed on their sheet (and the release scan would refuse the edition)."""
    import random
    from dataclasses import replace

    from caselab.quiz.figures import load_figures, with_overrides
    from caselab.quiz.variants import draw_values

    q4 = load_quizzes(ROOT, ["kyc"])["kyc"].question("q4")
    # the article's 150/13, and three others: 120/15 gives exactly 12.5 %, the sheets' example
    q = replace(q4, spec={**q4.spec, "parameters": {"kyc.accounts_applied": [120, 150], "kyc.accounts_opened": [13, 15]}})
    figures = load_figures(ROOT)
    rng = random.Random(7)
    keys = set()
    for _ in range(200):
        values = draw_values(q, rng, figures)
        keys.add(round(with_overrides(figures, values)[q.spec["key_figure"]].value, 2))
    assert keys == {10.0, round(100 * 13 / 120, 2)}, keys


def test_no_text_an_edition_ships_reads_as_any_drawable_key():
    """Every key any student could draw, as a sheet writes it (``q14 = 1``), is absent from the text an
    edition ships (the package, the pages, the sheets): else the release scan refuses the whole edition
    for the unlucky draw (a docstring once held ``"q14 = 1"``)."""
    import itertools

    from caselab.editions.variants import _whole
    from caselab.quiz.figures import load_figures
    from caselab.quiz.sheets import numeric_example, reference_value
    from caselab.quiz.variants import parameterised, scenario_question

    figures = load_figures(ROOT)
    needles = set()
    for quiz in load_quizzes(ROOT, MODULES).values():
        for q in quiz.questions:
            if not parameterised(q):
                continue
            names = list(q.spec["parameters"])
            for combo in itertools.product(*(q.spec["parameters"][n] for n in names)):
                value = reference_value(scenario_question(q, dict(zip(names, combo)), figures))
                if round(float(value), int(q.spec.get("decimals", 6))) == float(numeric_example(q)):
                    continue  # never drawn (test_no_student_draws_the_sheets_example_answer_as_their_key)
                needles |= {f"{q.id} = {value!r}", f"{q.id} = {json.dumps(value)}"}
    assert len(needles) > 100
    texts = [p for folder in ("src", "docs", "exercises") for p in (ROOT / folder).rglob("*")
             if p.is_file() and p.suffix in (".py", ".md", ".yml", ".js", ".html", ".txt")]
    found = [(p.relative_to(ROOT).as_posix(), n) for p in texts for n in needles
             if n in (text := p.read_text(encoding="utf-8", errors="replace")) and _whole(n, text)]
    assert not found, found
