"""The edition's project files: the engine (without the derived figures' formulas), the data, pyproject.toml, README and the GitHub workflow."""
from __future__ import annotations

import ast
import shutil
from pathlib import Path

import yaml

from caselab import __version__
from caselab.quiz.model import Quiz
from caselab.editions.quizfile import dump_yaml

DATA_FILES = ("case.yml", "sources.yml", "glossary.yml", "timeline.yml", "article_facts.yml")


# --- the engine, the data, the project files ------------------------------------------------------

def _strip_derived(source: str) -> str:
    """figures.py without the formulas of the derived figures: run, they would print the answers.

    The ``DERIVED`` table becomes empty, and the module's helper functions that only it
    used go too.
    """
    tree = ast.parse(source)
    lines = source.split("\n")
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        if any(isinstance(t, ast.Name) and t.id == "DERIVED" for t in targets):
            replacement = ["# The derived figures are left out of a student edition: they are the answers.",
                           "DERIVED: dict = {}"]
            lines = lines[: node.lineno - 1] + replacement + lines[node.end_lineno:]
            break
    else:
        return source
    while True:  # drop helpers nobody calls any more
        source = "\n".join(lines)
        tree = ast.parse(source)
        used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        unused = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("_")
                  and n.name not in used]
        if not unused:
            return source
        node = unused[-1]
        start = min([node.lineno] + [d.lineno for d in node.decorator_list])
        lines = lines[: start - 1] + lines[node.end_lineno:]


def copy_engine(dest: Path) -> None:
    package = Path(__file__).resolve().parent.parent
    target = dest / "src" / "caselab"
    for src in sorted(package.rglob("*")):
        rel = src.relative_to(package)
        if "__pycache__" in rel.parts or src.suffix in (".pyc", ".pyo") or not src.is_file():
            continue
        out = target / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        if rel.as_posix() == "quiz/figures.py":
            out.write_text(_strip_derived(src.read_text(encoding="utf-8")), encoding="utf-8")
        else:
            shutil.copyfile(src, out)


def copy_data(root: Path, dest: Path, modules: list[str]) -> None:
    (dest / "data").mkdir(parents=True, exist_ok=True)
    for name in DATA_FILES:
        if (root / "data" / name).is_file():
            shutil.copyfile(root / "data" / name, dest / "data" / name)
    manifest = root / "data" / "modules.yml"
    entries = yaml.safe_load(manifest.read_text(encoding="utf-8")) if manifest.is_file() else []
    kept = [e for e in entries or [] if e.get("id") in modules]
    (dest / "data" / "modules.yml").write_text(
        "# The modules of this student edition, in course order.\n" + dump_yaml(kept), encoding="utf-8")


def _dependencies(root: Path) -> list[str]:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        return ["mkdocs>=1.6,<1.7", "mkdocs-material>=9.5,<10", "pyyaml>=6", "pytest>=8"]
    data = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    return list(data["project"]["dependencies"])


def pyproject(root: Path) -> str:
    deps = "".join(f'    "{d}",\n' for d in _dependencies(root))
    return f'''[build-system]
requires = ["setuptools>=64"]
build-backend = "setuptools.build_meta"

[project]
name = "caselab"
version = "{__version__}"
description = "Student edition of a caselab case study: the case, the assigned modules and their self-check."
readme = "README.md"
requires-python = ">=3.10"
dependencies = [
{deps}]

[project.scripts]
caselab = "caselab.cli:main"

[project.entry-points.pytest11]
caselab = "caselab.plugin"

[tool.setuptools.packages.find]
where = ["src"]

[tool.setuptools.package-data]
caselab = ["site/*.js"]

[tool.pytest.ini_options]
testpaths = ["tests"]
addopts = "-p no:cacheprovider"
caselab_answers = "exercises"
'''


FEEDBACK_TEXT = {
    "full": "tells you, for each question, whether your answer is right (and gives a hint when it is not)",
    "score": "tells you a module's score once every answer in it is right, but never which questions are right",
    "none": "checks only that each answer is written in the form asked; your instructor grades the answers",
}


def readme(quizzes: dict[str, Quiz], feedback: str) -> str:
    """The edition's README, addressed to the student: only the assigned modules, set-up step by step."""
    rows = "\n".join(f"| `{m}` | {q.title} | {len(q.questions)} | {q.max_score:g} |" for m, q in quizzes.items())
    first = next(iter(quizzes), "MODULE")
    sheets = ", ".join(f"`exercises/{m}.py`" for m in quizzes)
    return f"""# caselab: student edition

The case study of China's 2021 virtual-currency crackdown, with the modules your
instructor assigned:

| module | title | questions | points |
| --- | --- | --- | --- |
{rows}

Your answer sheets: {sheets}. Replace each `None` with your answer; the comment
above it says what form the answer takes.

## Set up, once

You need Python 3.10 or newer (python.org). Open a terminal in this folder (on
Windows: PowerShell) and make a *virtual environment*: a private place for this
course's packages, inside the folder `.venv`.

macOS and Linux:

```bash
python3 -m venv .venv
source .venv/bin/activate
python -m pip install -e .
```

Windows (PowerShell):

```powershell
py -m venv .venv
.venv\\Scripts\\Activate.ps1
python -m pip install -e .
```

On Windows, if PowerShell says running scripts is disabled, run
`Set-ExecutionPolicy -Scope CurrentUser RemoteSigned` once and activate again; in the
older Command Prompt, activate with `.venv\\Scripts\\activate.bat`.

## Every time you open a new terminal

Activate the environment again, in this folder, before anything else:

- macOS and Linux: `source .venv/bin/activate`
- Windows: `.venv\\Scripts\\Activate.ps1`

The prompt then starts with `(.venv)`.

## Check your answers

```bash
caselab check
```

`caselab check {first}` checks one module. Run it as often as you like: you get one line per
question, your score and what is left to do. In this edition the check {FEEDBACK_TEXT[feedback]}.

**"command not found"** (macOS, Linux) or **"is not recognized as the name of a cmdlet"**
(Windows) for `caselab` means the environment is not active in this terminal: activate
it as above (or, the first time, install it). The same message for `python` means
Python is called `python3` (macOS, Linux) or `py` (Windows) on your computer.

To read the case and your modules as a web site: `mkdocs serve`, then open
http://127.0.0.1:8000/.

Hand in the `exercises/` folder (or a .zip of it) as your instructor asks.
"""


GITIGNORE = "__pycache__/\n*.egg-info/\n/site/\n.pytest_cache/\n.venv/\ncaselab-results.json\n"

WORKFLOW = """# Runs the self-check on every push and reports the points (caselab student edition).
name: caselab check
on: [push, workflow_dispatch]
jobs:
  check:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
      - name: Install
        run: python -m pip install -e .
      - name: Check the answer sheets
        run: caselab check --json caselab-results.json || true
      - name: Report the points
        run: |
          python - <<'EOF'
          import json, os
          r = json.load(open("caselab-results.json"))
          lines = ["## caselab check", ""]
          if "modules" in r:
              for m, e in r["modules"].items():
                  score = f"{e['score']:g} / {e['max_score']:g} points, " if "score" in e else ""
                  if e.get("all_right") is False:
                      score = "not all right yet, "
                  lines.append(f"- **{m}**: {score}{e['answered']} of {e['questions']} answered")
          else:
              lines.append(f"**{r['score']:g} / {r['max_score']:g} points**")
          if r.get("max_score"):
              print(f"::notice title=caselab::{r['score']:g} / {r['max_score']:g} points")
          with open(os.environ["GITHUB_STEP_SUMMARY"], "a", encoding="utf-8") as f:
              f.write("\\n".join(lines) + "\\n")
          print("\\n".join(lines))
          EOF
"""
