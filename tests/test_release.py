"""`caselab release`: a student edition that builds, checks sheets, and holds no answer, in every feedback mode.

The leak scan here is written independently of release.py's own: it reads the quiz
files and the reference sheets and looks for every key in every file of each edition.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, run_caselab

sys.path.insert(0, str(Path(__file__).parent))
from class_fixture.make_class import pick_modules, sheet  # noqa: E402

MODES = ("full", "score", "none")


@pytest.fixture(scope="module")
def modules() -> list[str]:
    return pick_modules(run_caselab)


@pytest.fixture(scope="module")
def quizzes(modules):
    from caselab.quiz.model import load_quizzes

    return load_quizzes(ROOT, modules)


@pytest.fixture(scope="module")
def editions(tmp_path_factory, modules) -> dict[str, Path]:
    where = tmp_path_factory.mktemp("editions")
    out = {}
    for mode in MODES:
        extra = ["--gradescope", "--github-actions"] if mode == "full" else []
        proc = run_caselab("release", "--modules", ",".join(modules), "--out", str(where / mode),
                           "--feedback", mode, *extra)
        assert proc.returncode == 0, proc.stderr
        out[mode] = where / mode
    return out


def _env_without_caselab() -> dict:
    return {k: v for k, v in os.environ.items() if not k.startswith("CASELAB_")}


def edition_check(edition: Path, answers: Path, *extra: str) -> tuple[subprocess.CompletedProcess, dict]:
    """`caselab check` run inside the edition, as a student runs it."""
    out = answers.parent / f"{answers.name}-{edition.name}-result.json"
    proc = subprocess.run([sys.executable, "-m", "caselab.cli", "check", "--answers", str(answers),
                           "--json", str(out), *extra], cwd=edition, env=_env_without_caselab(),
                          capture_output=True, text=True, timeout=600)
    return proc, json.loads(out.read_text()) if out.is_file() else {}


# --- the leak scan ---------------------------------------------------------------------------

def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _student_material(quizzes) -> str:
    """What students read anyway: published pages, data files, blank sheets (text answers the reading teaches)."""
    from caselab.quiz.sheets import render_sheet

    docs = ROOT / "docs"
    parts = [p.read_text(encoding="utf-8") for p in sorted(docs.rglob("*.md"))
             if not p.relative_to(docs).as_posix().startswith("instructor") ]
    parts += [p.read_text(encoding="utf-8") for p in sorted((ROOT / "data").glob("*.yml"))]
    parts += [render_sheet(q) for q in quizzes.values()]
    return "\n".join(parts)


def _significant(number: str) -> int:
    return len(number.replace("-", "").replace(".", "").replace(",", "").lstrip("0"))


def needles(quizzes) -> list[tuple[str, str, str]]:
    """(question, kind, text): every form a key takes in the project's sheets and quiz files."""
    from caselab.quiz.sheets import render_sheet

    material = _student_material(quizzes)
    flat_material = _squash(material)  # what a page prints anyway is no leak (a sentence, a term it teaches)
    found = []
    for module, quiz in quizzes.items():
        raw = yaml.safe_load(quiz.path.read_text(encoding="utf-8"))
        reference = render_sheet(quiz, solution=True)
        for line in reference.splitlines():  # `q3 = 8.67`, `q1 = 'B'`, ...
            m = re.match(r"^(q\d+) = (.+)$", line)
            if m and m.group(2) not in ('"""', "None"):
                found.append((f"{module}/{m.group(1)}", "sheet answer", line))
        for q, rq in zip(quiz.questions, raw["questions"]):
            where = f"{module}/{q.id}"
            if q.type == "code":
                body = _squash(rq["solution"].strip().split("\n", 1)[1])
                found.append((where, "reference code", body))
                for case in q.spec["cases"]:
                    e = case["expected"]
                    if type(e) is float and _significant(repr(e)) >= 4:
                        found.append((where, "expected output", repr(e)))
            if q.type == "memo" and rq.get("solution"):
                for para in re.split(r"\n\s*\n", rq["solution"]):
                    if len(_squash(para)) >= 40 and not para.strip().startswith("#"):
                        found.append((where, "memo solution", _squash(para)[:100]))
            if q.type == "text":
                for form in q.key:
                    for quoted in (f'"{form}"', f"'{form}'"):
                        if quoted not in material:
                            found.append((where, "text key", quoted))
            if q.type == "numeric":
                d = int(q.spec.get("decimals", 2))
                bare = f"{round(float(q.key), d):.{d}f}"
                if ("." in bare and _significant(bare) >= 3) or _significant(bare) >= 4:
                    found.append((where, "numeric key", bare))
                    found.append((where, "numeric key", f"{round(float(q.key), d):,.{d}f}"))
            for sentence in re.split(r"(?<=[.!?])\s+", _squash(rq["explanation"])):
                if len(sentence) >= 50 and "{{" not in sentence and sentence[:100] not in flat_material:
                    found.append((where, "explanation", sentence[:100]))
    return found


def scan(folder: Path, quizzes) -> list[str]:
    hits = []
    all_needles = needles(quizzes)
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        text = path.read_bytes().decode("utf-8", errors="replace")
        flat = _squash(text)
        for where, kind, needle in all_needles:
            if kind == "numeric key" or kind == "expected output":
                if re.search(rf"(?<![\d.]){re.escape(needle)}(?![\d])", text):
                    hits.append(f"{rel}: {where} {kind} {needle!r}")
            elif needle in text or needle in flat:
                hits.append(f"{rel}: {where} {kind} {needle[:50]!r}")
        if path.suffix in (".yml", ".yaml") and re.search(r"^\s*-?\s*(key|explanation|solution|expected)\s*:", text, re.M):
            hits.append(f"{rel}: a key, explanation, solution or expected field")
    return hits


def test_the_needles_find_the_keys_in_the_project(quizzes):
    """The scan works: it finds keys in the reference sheets and the quiz files of the project itself."""
    hits = scan(ROOT / "solutions", quizzes) + scan(ROOT / "tests" / "quizzes", quizzes)
    for module in quizzes:
        assert any(h.startswith(f"{module}.py") for h in hits)
        assert any(h.startswith(f"{module}.yml") for h in hits)


@pytest.mark.parametrize("mode", MODES)
def test_no_file_of_an_edition_holds_an_answer(editions, quizzes, modules, mode, tmp_path):
    edition = editions[mode]
    assert not scan(edition, quizzes)
    # nor the site built from it
    site = tmp_path / "site"
    proc = subprocess.run(["mkdocs", "build", "--strict", "-q", "-d", str(site)], cwd=edition,
                          env={**_env_without_caselab(), "NO_MKDOCS_2_WARNING": "1"},
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert (site / "index.html").is_file()
    assert not [h for h in scan(site, quizzes) if not h.startswith("search/")], "the built site shows an answer"
    students = (site / "students" / "index.html").read_text(encoding="utf-8")
    listed = re.findall(r'href="\.\./modules/([\w-]+)/"', students)
    assert listed and set(listed) == set(modules), "the students' page lists other modules than the assigned ones"


@pytest.mark.parametrize("mode", MODES)
def test_edition_quizzes_keep_only_what_the_check_needs(editions, modules, mode):
    for module in modules:
        data = yaml.safe_load((editions[mode] / "tests" / "quizzes" / f"{module}.yml").read_text())
        assert data["edition"]["feedback"] == mode
        assert ("salt" in data["edition"]) == (mode != "none")
        for q in data["questions"]:
            assert not {"key", "explanation", "solution"} & set(q), q["id"]
            assert ("hints" in q) <= (mode == "full"), "hints only in full mode"
            assert ("check" in q) <= (mode != "none"), "no check data in none mode"
            if mode == "score":  # nothing per question that a key could be tested against
                assert set(q.get("check", {})) <= {"cell", "offset", "decimals"}, q["id"]
            for case in q.get("cases", []):
                assert set(case) == {"args"}
        if mode == "score":
            assert data["edition"]["all_right"]["hashes"] and data["edition"]["all_right"]["kdf"]["n"] >= 2**16
        else:
            assert "all_right" not in data["edition"]
    salts = {yaml.safe_load((editions[m] / "tests" / "quizzes" / f"{modules[0]}.yml").read_text())
             ["edition"].get("salt") for m in ("full", "score")}
    assert len(salts) == 2, "each edition has its own salt"


def test_edition_holds_the_assigned_modules_only(editions, modules):
    from caselab.quiz.model import load_quizzes

    edition = editions["full"]
    every = list(load_quizzes(ROOT))
    assert sorted(p.stem for p in (edition / "exercises").glob("*.py")) == sorted(modules)
    assert sorted(p.stem for p in (edition / "tests" / "quizzes").glob("*.yml")) == sorted(modules)
    assert sorted(p.stem for p in (edition / "docs" / "modules").glob("*.md")) == sorted(modules)
    assert not (edition / "docs" / "instructor").exists() and not (edition / "docs" / "instructors.md").exists()
    assert not (edition / "solutions").exists()
    config = (edition / "mkdocs.yml").read_text()
    for m in every:
        assert (f"modules/{m}.md" in config) == (m in modules)
    assert "instructor" not in config
    # the engine without the formulas that compute the answers
    figures = (edition / "src" / "caselab" / "quiz" / "figures.py").read_text()
    assert "DERIVED: dict = {}" in figures and "lambda r" not in figures and 'r["' not in figures
    # the README's two commands
    readme = (edition / "README.md").read_text()
    assert "python -m pip install -e ." in readme and "caselab check" in readme
    assert json.loads((edition / "caselab-edition.json").read_text())["modules"] == modules


def test_edition_pages_and_readme_speak_of_its_modules_only(editions, modules):
    from caselab.quiz.model import load_quizzes

    edition = editions["full"]
    every = load_quizzes(ROOT)
    others = [m for m in every if m not in modules]
    assert others, "the test needs a module that is not assigned"
    pages = {name: (edition / "docs" / name).read_text() for name in ("index.md", "students.md")}
    pages["README.md"] = (edition / "README.md").read_text()
    for name, text in pages.items():
        for m in others:
            for needle in (every[m].title, f"modules/{m}.md", f"exercises/{m}.py", f"caselab check {m}"):
                assert needle not in text, f"{name} mentions {needle!r}, a module this edition does not assign"
        assert ".[test]" not in text and "instructors.md" not in text and "For instructors" not in text, name
        assert "exercises/<module>" in text or any(f"exercises/{m}.py" in text for m in modules), name
    for m in modules:
        assert every[m].title in pages["index.md"] and f"modules/{m}.md" in pages["index.md"]
        assert f"exercises/{m}.py" in pages["README.md"]
    assert f"caselab check {modules[0]}" in pages["index.md"] + pages["students.md"]
    # the home page's numbered list of modules, numbered again
    assert re.search(r"^1\. \[", pages["index.md"], flags=re.M) and re.search(r"^2\. \[", pages["index.md"], flags=re.M)
    assert not re.search(r"^3\. \[.*\]\(modules/", pages["index.md"], flags=re.M)


def test_edition_readme_walks_through_a_virtual_environment_on_each_system(editions):
    readme = (editions["full"] / "README.md").read_text()
    for step in ("python3 -m venv .venv", "source .venv/bin/activate",  # macOS and Linux
                 "py -m venv .venv", ".venv\\Scripts\\Activate.ps1", ".venv\\Scripts\\activate.bat",  # Windows
                 "python -m pip install -e .", "Every time you open a new terminal", "command not found",
                 "is not recognized"):
        assert step in readme, step
    assert ".venv/" in (editions["full"] / ".gitignore").read_text()


def test_a_students_caselab_help_shows_the_students_commands_only(editions):
    def help_in(folder: Path) -> str:
        proc = subprocess.run([sys.executable, "-m", "caselab.cli", "--help"], cwd=folder, env=_env_without_caselab(),
                              capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    def commands(text: str) -> set[str]:
        return set(re.findall(r"^    (\w+) ", text, flags=re.M))

    student = help_in(editions["full"])
    assert "{check,list}" in student and commands(student) == {"check", "list"}
    assert "release" not in student and "grade" not in student
    assert commands(help_in(ROOT)) >= {"check", "list", "sheets", "release", "grade"}
    refused = subprocess.run([sys.executable, "-m", "caselab.cli", "grade", "x", "--out", "y"], cwd=editions["full"],
                             env=_env_without_caselab(), capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2 and "choose from 'check', 'list'" in refused.stderr


@pytest.mark.parametrize("mode", MODES)
def test_self_check_in_each_feedback_mode(editions, quizzes, modules, mode, tmp_path):
    from caselab.quiz.sheets import render_sheet

    right, partial = tmp_path / "right", tmp_path / "partial"
    for folder, kind in ((right, "correct"), (partial, "partial")):
        folder.mkdir()
        for module, quiz in quizzes.items():
            (folder / f"{module}.py").write_text(sheet(quiz, kind) if kind != "correct" else
                                                  render_sheet(quiz, solution=True))
    memos = sum(q.points for quiz in quizzes.values() for q in quiz.questions if q.type == "memo")
    full_marks = sum(q.max_score for q in quizzes.values()) - memos  # memo points are the instructor's

    proc, result = edition_check(editions[mode], right)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    proc2, result2 = edition_check(editions[mode], partial)
    n = sum(len(q.questions) for q in quizzes.values())
    if mode == "full":
        assert result["score"] == full_marks
        assert all(q["status"] == "correct" for q in result["questions"])
        assert proc2.returncode == 1 and 0 < result2["score"] < full_marks
        assert " wrong " in proc2.stdout or "wrong 0/" in proc2.stdout
    elif mode == "score":
        assert result["score"] == full_marks and result2["score"] < full_marks
        assert all(m["all_right"] for m in result["modules"].values())
        assert not any(m["all_right"] for m in result2["modules"].values())
        assert "not all right yet" in proc2.stdout and "not all right yet" not in proc.stdout
        for out, res in ((proc.stdout, result), (proc2.stdout, result2)):
            assert "correct" not in out.split("\nmodule ")[0] and " wrong" not in out
            assert {q["status"] for q in res["questions"]} == {"answered"}
            assert all("points" not in q for q in res["questions"])
        assert proc2.returncode == 0, "a wrong answer does not fail in score mode"
    else:
        for out, res in ((proc.stdout, result), (proc2.stdout, result2)):
            assert res["score"] == 0 and res["max_score"] == 0
            assert {q["status"] for q in res["questions"]} == {"answered"}
            assert sum(e["answered"] for e in res["modules"].values()) == n
        assert proc2.returncode == 0


def test_hashed_check_agrees_with_the_grader(editions, quizzes, tmp_path):
    """For every question: the edition's check of right, wrong and partly right answers equals the real check."""
    from caselab.quiz.answers import Answer
    from caselab.editions.keyhash import check_edition
    from caselab.quiz.checking import check
    from caselab.quiz.model import load_quiz
    from caselab.quiz.sheets import reference_value
    from class_fixture.make_class import wrong_value

    edition = editions["full"]
    compared = 0
    for module, quiz in quizzes.items():
        hashed = load_quiz(edition / "tests" / "quizzes" / f"{module}.yml", root=ROOT)
        for q, h in zip(quiz.questions, hashed.questions):
            assert h.key is None and h.edition["feedback"] == "full"
            if q.type == "memo":
                continue
            if q.type == "code":
                expected = [{"ok": c["expected"]} for c in q.spec["cases"]]
                variants = [expected, [{"ok": "nothing"}] * len(expected),
                            expected[:1] + [{"error": "ValueError (line 3): no"}] * (len(expected) - 1)]
                answers = [Answer("outputs", v) for v in variants]
            else:
                values = [reference_value(q), wrong_value(q)]
                if q.type == "multi":
                    values += [[q.key[0]], [q.key[0], wrong_value(q)[0]] if wrong_value(q) else [q.key[0]]]
                if q.type == "matching":
                    half = dict(wrong_value(q))
                    first = next(iter(q.key))
                    half[str(first)] = q.key[first]
                    values.append(half)
                if q.type == "numeric":
                    d = int(q.spec.get("decimals", 2))
                    values += [round(float(q.key), d) + 0.4 * 10 ** -d, float(q.key) + 3 * 10 ** -d]
                    if q.spec.get("percent"):
                        values.append(float(q.key) / 100)
                if q.type == "text":
                    values.append("  " + q.key[-1].upper() + ". ")
                answers = [Answer("value", v) for v in values] + [Answer("value", "zz")]
            for a in answers:
                real, mine = check(q, a), check_edition(h, a)
                assert (mine.status, mine.points, mine.message) == (real.status, real.points, real.message), \
                    f"{q.nodeid} {a}: {real} != {mine}"
                compared += 1
    assert compared > 20


def test_github_actions_workflow_reports_the_points(editions, tmp_path):
    workflow = editions["full"] / ".github" / "workflows" / "check.yml"
    data = yaml.safe_load(workflow.read_text())
    steps = data["jobs"]["check"]["steps"]
    runs = "\n".join(s.get("run", "") for s in steps)
    assert "python -m pip install -e ." in runs and "caselab check --json caselab-results.json" in runs
    report = next(s["run"] for s in steps if "GITHUB_STEP_SUMMARY" in s.get("run", ""))
    script = report.split("<<'EOF'\n", 1)[1].rsplit("EOF", 1)[0]
    for result in ({"score": 3, "max_score": 5, "questions": []},
                   {"score": 3, "max_score": 5, "modules": {"kyc": {"answered": 2, "questions": 4, "score": 3,
                                                                     "max_score": 5}}, "questions": []}):
        (tmp_path / "caselab-results.json").write_text(json.dumps(result))
        summary = tmp_path / "summary.md"
        proc = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True,
                              env={**os.environ, "GITHUB_STEP_SUMMARY": str(summary)})
        assert proc.returncode == 0, proc.stderr
        assert "3 / 5 points" in proc.stdout and "3 / 5 points" in summary.read_text()
    assert not (editions["score"] / ".github").exists(), "the workflow only when asked for"


def test_gradescope_autograder_bundle(editions, modules):
    """What the bundle holds (tests/test_gradescope.py runs it as Gradescope does)."""
    bundle = editions["full"].with_name("full-autograder.zip")
    with zipfile.ZipFile(bundle) as z:
        names = set(z.namelist())
        assert {"setup.sh", "run_autograder", "caselab/pyproject.toml"} <= names
        assert {f"caselab/tests/quizzes/{m}.yml" for m in modules} <= names
        assert z.getinfo("run_autograder").external_attr >> 16 & 0o111, "run_autograder is executable"
        setup = z.read("setup.sh").decode()
        run = z.read("run_autograder").decode()
    assert "pip install" in setup and "/autograder/source/caselab" in setup and "useradd" in setup
    assert "--unsandboxed" not in run and "chmod 700 /autograder/source /autograder/results" in run


def test_full_mode_gives_choice_keys_away_and_score_mode_does_not(editions, quizzes):
    """What --help and the instructors' page say: full-mode hashes yield each choice key to a few tries."""
    from caselab.editions.keyhash import digest
    from caselab.quiz.model import load_quiz

    tried = 0
    for module, quiz in quizzes.items():
        full = load_quiz(editions["full"] / "tests" / "quizzes" / f"{module}.yml", root=ROOT)
        score = load_quiz(editions["score"] / "tests" / "quizzes" / f"{module}.yml", root=ROOT)
        for q, h, s in zip(quiz.questions, full.questions, score.questions):
            if q.type != "choice":
                continue
            found = [o for o in h.spec["options"] if digest(str(o).upper(), h.edition["salt"], module, q.id,
                                                             h.edition["kdf"]) == h.spec["check"]["answer"]]
            assert found == [q.key], q.nodeid  # recovered offline by trying each letter
            assert "check" not in s.spec or "answer" not in s.spec["check"]
            tried += 1
            if tried >= 2:
                return
    assert tried, "no choice question to try"


def test_release_refuses_a_folder_that_is_not_an_edition(tmp_path, modules):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "thesis.tex").write_text("keep me")
    proc = run_caselab("release", "--modules", modules[0], "--out", str(tmp_path / "mine"))
    assert proc.returncode == 2 and "not an edition" in proc.stderr
    assert (tmp_path / "mine" / "thesis.tex").read_text() == "keep me"
    proc = run_caselab("release", "--modules", "no-such-module", "--out", str(tmp_path / "x"))
    assert proc.returncode == 2 and "unknown module" in proc.stderr and not (tmp_path / "x").exists()
    # an edition can be written again over itself
    for _ in range(2):
        proc = run_caselab("release", "--modules", modules[0], "--out", str(tmp_path / "ed"), "--feedback", "none")
        assert proc.returncode == 0, proc.stderr
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "no temporary folder left behind"


def test_edition_installs_and_checks_in_a_fresh_venv(editions, quizzes, tmp_path):
    """`python -m pip install -e .` then `caselab check` and `python -m pytest` inside the edition."""
    from caselab.quiz.sheets import render_sheet

    edition = tmp_path / "edition"
    shutil.copytree(editions["full"], edition)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CASELAB_", "PYTHON", "VIRTUAL_ENV"))}
    env["PATH"] = f"{venv / 'bin'}:{env['PATH']}"
    # the dependencies come from the system's site-packages; the build backend too when it can build
    # editables offline (setuptools >= 70.1, or older with wheel), else pip fetches it as usual
    for isolation in (["--no-build-isolation"], []):
        proc = subprocess.run(["python", "-m", "pip", "install", "-q", *isolation, "--no-deps", "-e", "."],
                              cwd=edition, env=env, capture_output=True, text=True, timeout=900)
        if proc.returncode == 0:
            break
    assert proc.returncode == 0, proc.stdout + proc.stderr
    where = subprocess.run(["python", "-c", "import caselab; print(caselab.__file__)"], cwd=tmp_path, env=env,
                           capture_output=True, text=True).stdout.strip()
    assert where.startswith(str(edition)), f"caselab comes from {where}, not the edition"
    blank = subprocess.run(["caselab", "check"], cwd=edition, env=env, capture_output=True, text=True, timeout=600)
    assert blank.returncode == 0 and "not answered yet" in blank.stdout, blank.stdout + blank.stderr
    for module, quiz in quizzes.items():
        (edition / "exercises" / f"{module}.py").write_text(render_sheet(quiz, solution=True))
    done = subprocess.run(["caselab", "check"], cwd=edition, env=env, capture_output=True, text=True, timeout=600)
    memos = sum(q.points for quiz in quizzes.values() for q in quiz.questions if q.type == "memo")
    total = sum(q.max_score for q in quizzes.values()) - memos  # memo points are the instructor's, shown apart
    assert done.returncode == 0 and re.search(rf"^total\s+{total:g}\s+{total:g}\s", done.stdout, re.M), done.stdout
    assert not memos or f"(and {memos:g} points for memos, which your instructor grades" in done.stdout
    tests = subprocess.run(["python", "-m", "pytest", "-q"], cwd=edition, env=env, capture_output=True, text=True,
                           timeout=600)
    assert tests.returncode == 0 and f"{sum(len(q.questions) for q in quizzes.values())} passed" in tests.stdout, \
        tests.stdout + tests.stderr


def test_release_never_loses_a_file_in_out(tmp_path, modules):
    """A folder holding only .git, an edition with a file added or changed: refused, untouched; .git is kept."""
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    proc = run_caselab("release", "--modules", modules[0], "--out", str(repo))
    assert proc.returncode == 2 and "not an edition" in proc.stderr and ".git" in proc.stderr
    assert sorted(p.name for p in repo.iterdir()) == [".git"]

    ed = tmp_path / "ed"
    assert run_caselab("release", "--modules", modules[0], "--out", str(ed)).returncode == 0
    (ed / ".git").mkdir()
    (ed / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    again = run_caselab("release", "--modules", modules[0], "--out", str(ed))
    assert again.returncode == 0 and "warning" not in again.stderr, again.stderr
    assert (ed / ".git" / "HEAD").read_text() == "ref: refs/heads/main\n", "the edition's repository is kept"

    (ed / "notes.md").write_text("my notes")
    sheet = ed / "exercises" / f"{modules[0]}.py"
    sheet.write_text(sheet.read_text() + "\n# my answers\n")
    refused = run_caselab("release", "--modules", modules[0], "--out", str(ed))
    assert refused.returncode == 2 and "notes.md (added)" in refused.stderr \
        and f"exercises/{modules[0]}.py (changed)" in refused.stderr
    assert (ed / "notes.md").read_text() == "my notes" and sheet.read_text().endswith("# my answers\n")
    (ed / "notes.md").unlink()
    sheet.unlink()

    both = run_caselab("release", "--modules", ",".join(modules), "--out", str(ed))
    assert both.returncode == 0 and "warning" in both.stderr and f"held an edition of {modules[0]};" in both.stderr
    assert (ed / ".git" / "HEAD").is_file()


def test_release_outside_the_project_says_where_to_run_it(tmp_path, modules):
    env = {k: v for k, v in os.environ.items() if k != "CASELAB_PROJECT"}
    proc = subprocess.run([sys.executable, "-m", "caselab.cli", "release", "--modules", modules[0], "--out",
                           str(tmp_path / "ed")], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert f"cd {ROOT.resolve()}" in proc.stderr and not (tmp_path / "ed").exists()
