"""Release a student edition: the case, the assigned modules and their self-check, without a single answer.

    caselab release --modules kyc,mining --out DIR [--feedback full|score|none] [--gradescope] [--github-actions]

The edition is a small project of its own (``python -m pip install -e .`` then
``caselab check``, ``python -m pytest`` or ``mkdocs build --strict`` inside it):

- ``docs/`` the case pages and the assigned modules' pages only, with a generated
  ``mkdocs.yml`` whose nav lists just those; no teaching notes, no instructor guide;
  figures are printed as values and links to pages left out become plain text;
- ``exercises/<module>.py`` the answer sheets; ``tests/quizzes/<module>.yml`` the
  quizzes with every key replaced by salted scrypt hashes (``keyhash.py``), or
  with no check data at all for ``--feedback none``; no explanation, no solution;
  hints only with ``--feedback full``;
- ``data/`` the case's raw data; ``src/caselab/`` the engine, without the formulas
  of the derived figures (they compute answers);
- ``README.md`` with the students' two commands; optionally
  ``.github/workflows/check.yml``.

``--gradescope`` also writes ``<DIR>-autograder.zip`` beside the edition: the
autograder for Gradescope (setup.sh, run_autograder and the grader with the real
keys). It is for the instructor's Gradescope account only, never for students.

Before anything is moved into place, every file of the edition is scanned for
every key of the assigned modules (``find_leaks``); a hit stops the release.
"""
from __future__ import annotations

import ast
import io
import json
import os
import re
import secrets
import shutil
import stat
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from . import __version__
from .figures import load_figures
from .keyhash import FEEDBACK_MODES, KDF, hashed_check
from .quiz import Question, Quiz, load_quizzes
from .sheets import render_sheet, reference_value

EDITION_FILE = "caselab-edition.json"
DATA_FILES = ("case.yml", "sources.yml", "glossary.yml", "timeline.yml")
SPEC_FIELDS = ("options", "items", "left", "right", "unit", "decimals", "tolerance", "percent",
               "signature", "cases", "sections", "min_words", "max_words", "cite")
LEFT_OUT = ("instructor/", "instructors.md")
FIG = re.compile(r"\{\{\s*fig\s+([\w.]+)\s*\}\}")
LINK = re.compile(r"(?<!!)\[([^\]\n]+)\]\(([^)\s]+)(\s+\"[^\"]*\")?\)")
EXERCISES = re.compile(r"<!--\s*caselab:exercises\s*([\w-]*)\s*-->")
EXPLANATIONS = re.compile(r"<!--\s*caselab:explanations")
REFERENCE = re.compile(r"""(?:\]\(|src=["'])([^)"'\s#?]+)""")


class ReleaseError(Exception):
    """The edition cannot be written as asked; the message says why."""


@dataclass(frozen=True)
class Release:
    edition: Path
    modules: tuple[str, ...]
    feedback: str
    autograder: Path | None = None


# --- YAML with block strings and unknown tags kept ------------------------------------------

class _Tagged:
    def __init__(self, tag: str, value: Any):
        self.tag, self.value = tag, value


class _Loader(yaml.SafeLoader):
    pass


def _unknown(loader, suffix, node):
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return _Tagged(suffix, value)


_Loader.add_multi_constructor("", lambda loader, suffix, node: _unknown(loader, suffix, node))


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _tagged(dumper, value: _Tagged):
    if isinstance(value.value, list):
        return dumper.represent_sequence(value.tag, value.value)
    if isinstance(value.value, dict):
        return dumper.represent_mapping(value.tag, value.value)
    return dumper.represent_scalar(value.tag, value.value)


_Dumper.add_representer(str, _str)
_Dumper.add_representer(_Tagged, _tagged)


def dump_yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


# --- the edition's quizzes ----------------------------------------------------------------------

def _render_figs(value: Any, figures: dict) -> Any:
    """``{{ fig name }}`` markers replaced by the formatted figure (the edition keeps no derived figures)."""
    if isinstance(value, str):
        def fig(m):
            if m.group(1) not in figures:
                raise ReleaseError(f"unknown figure {m.group(1)!r}")
            return figures[m.group(1)].formatted()
        return FIG.sub(fig, value)
    if isinstance(value, list):
        return [_render_figs(v, figures) for v in value]
    if isinstance(value, dict):
        return {k: _render_figs(v, figures) for k, v in value.items()}
    return value


def _number(x: float):
    return int(x) if float(x).is_integer() else x


def edition_question(q: Question, feedback: str, salt: str, figures: dict) -> dict:
    """One question as a student edition holds it: what to ask and how to check the form; keys only hashed."""
    d: dict[str, Any] = {"id": q.id, "type": q.type, "points": _number(q.points),
                         "title": _render_figs(q.title, figures), "prompt": _render_figs(q.prompt, figures)}
    for name in SPEC_FIELDS:
        if name not in q.spec:
            continue
        value = q.spec[name]
        if name == "cases":
            value = [{"args": c["args"]} for c in value]
        d[name] = _render_figs(value, figures) if name not in ("cases", "cite") else value
    if feedback == "full" and q.hints:
        d["hints"] = [_render_figs(h, figures) for h in q.hints]
    d["sources"] = list(q.sources)
    if feedback != "none":
        check = hashed_check(q, salt)
        if check:
            d["check"] = check
    return d


def edition_quiz(quiz: Quiz, feedback: str, salt: str, figures: dict) -> str:
    edition = {"feedback": feedback}
    if feedback != "none":
        edition.update(salt=salt, kdf=dict(KDF))
    data = {"module": quiz.module, "title": quiz.title, "edition": edition,
            "questions": [edition_question(q, feedback, salt, figures) for q in quiz.questions]}
    head = (f"# The {quiz.module} quiz of a caselab student edition (feedback: {feedback}).\n"
            "# Generated by `caselab release`; answers are stored only as salted, slow hashes, or not at all.\n")
    return head + dump_yaml(data)


# --- the site --------------------------------------------------------------------------------

def _left_out(path: str) -> bool:
    return path.startswith(LEFT_OUT[0]) or path == LEFT_OUT[1]


def _module_page(path: str) -> str | None:
    m = re.fullmatch(r"modules/([\w-]+)\.md", path)
    return m.group(1) if m else None


def filter_nav(nav: list, keep) -> list:
    """The nav with only the pages ``keep(path)`` accepts; empty sections dropped."""
    out = []
    for entry in nav or []:
        if isinstance(entry, str):
            if keep(entry):
                out.append(entry)
            continue
        (title, value), = entry.items()
        if isinstance(value, list):
            kept = filter_nav(value, keep)
            if kept:
                out.append({title: kept})
        elif isinstance(value, str) and (re.match(r"^[a-z]+://", value) or keep(value)):
            out.append(entry)
    return out


def nav_pages(nav: list) -> list[str]:
    pages = []
    for entry in nav or []:
        if isinstance(entry, str):
            pages.append(entry)
            continue
        (_, value), = entry.items()
        if isinstance(value, list):
            pages += nav_pages(value)
        elif isinstance(value, str) and not re.match(r"^[a-z]+://", value):
            pages.append(value)
    return pages


def _resolve_link(page: str, target: str) -> str | None:
    """The docs-relative path a relative link on ``page`` points to, or None for anchors and URLs."""
    if re.match(r"^([a-z][a-z0-9+.-]*:|/|#)", target, flags=re.I):
        return None
    path = target.split("#", 1)[0].split("?", 1)[0]
    if not path:
        return None
    parts: list[str] = []
    for part in (PurePosixPath(page).parent / path).parts:
        if part == "..":
            if parts:
                parts.pop()
        elif part != ".":
            parts.append(part)
    resolved = "/".join(parts)
    if path.endswith("/"):
        resolved += "/index.md"
    return resolved


def transform_page(text: str, page: str, pages: set[str], modules: list[str], figures: dict) -> str:
    """A page as the edition prints it: figures as values, links to pages left out as plain text."""
    if EXPLANATIONS.search(text):
        raise ReleaseError(f"docs/{page} shows explanations; it cannot go into a student edition")

    def link(m):
        target = _resolve_link(page, m.group(2))
        if target is None or not target.endswith(".md") or target in pages:
            return m.group(0)
        return m.group(1)

    def exercises(m):
        if m.group(1) in modules:
            return m.group(0)
        return f"*(The exercises of module {m.group(1)} are not part of this edition.)*"

    return EXERCISES.sub(exercises, LINK.sub(link, _render_figs(text, figures)))


def _default_index(quizzes: dict[str, Quiz]) -> str:
    lines = ["# Student edition", "", "The modules of this edition:", ""]
    lines += [f"- [{q.title}](modules/{m}.md)" for m, q in quizzes.items()]
    return "\n".join(lines) + "\n"


def _default_module_page(quiz: Quiz) -> str:
    return f"# {quiz.title}\n\n## Exercises\n\n<!-- caselab:exercises {quiz.module} -->\n"


def _edition_note(quizzes: dict[str, Quiz], feedback: str) -> str:
    what = {"full": "says for each question whether your answer is right",
            "score": "shows your score for each module (not which questions are right)",
            "none": "checks only that each answer is well-formed; your instructor grades them"}[feedback]
    names = ", ".join(q.title for q in quizzes.values())
    return (f'!!! info "This edition"\n    Assigned modules: {names}. '
            f"Answer in `exercises/<module>.py`; `caselab check` {what}.\n\n")


def _config_files(value: Any, root: Path) -> set[str]:
    """Files of the project that mkdocs.yml names by a relative path (a search dictionary, say).

    Nothing under tests/, solutions/ or the teaching notes: they hold answers.
    """
    found: set[str] = set()
    if isinstance(value, _Tagged):
        return _config_files(value.value, root)
    if isinstance(value, dict):
        for v in value.values():
            found |= _config_files(v, root)
    elif isinstance(value, list):
        for v in value:
            found |= _config_files(v, root)
    elif isinstance(value, str) and "/" in value and "\n" not in value and not re.match(r"^[a-z]+:", value):
        path = (root / value).resolve()
        if root in path.parents and path.is_file():
            rel = path.relative_to(root).as_posix()
            if not rel.startswith(("tests/", "solutions/", "docs/instructor/", ".git/")):
                found.add(rel)
    return found


def build_site(root: Path, dest: Path, quizzes: dict[str, Quiz], feedback: str, figures: dict) -> list[str]:
    """Write the edition's docs/ and mkdocs.yml; return the pages it holds."""
    config_path = root / "mkdocs.yml"
    config = yaml.load(config_path.read_text(encoding="utf-8"), Loader=_Loader) if config_path.is_file() else {}
    docs = root / config.get("docs_dir", "docs")
    modules = list(quizzes)

    def keep(path: str) -> bool:
        if _left_out(path):
            return False
        module = _module_page(path)
        if module is not None:
            return module in modules
        return (docs / path).is_file()

    nav = filter_nav(config.get("nav") or [], keep)
    listed = nav_pages(nav)
    # every assigned module is in the nav, even one the main nav does not list yet
    missing = [f"modules/{m}.md" for m in modules if f"modules/{m}.md" not in listed]
    if missing:
        nav.append({"Modules": missing})
        listed += missing
    if "index.md" not in listed:
        nav.insert(0, {"Home": "index.md"})
        listed.insert(0, "index.md")
    if (docs / "checking.md").is_file() and "checking.md" not in listed:
        nav.append({"How answers are checked": "checking.md"})
        listed.append("checking.md")
    pages = set(listed)

    referenced: set[str] = set()
    for page in listed:
        src = docs / page
        if src.is_file():
            text = src.read_text(encoding="utf-8")
        elif page == "index.md":
            text = _default_index(quizzes)
        elif _module_page(page) in quizzes:
            text = _default_module_page(quizzes[_module_page(page)])
        else:
            continue
        if page == "index.md":
            lines = text.split("\n")
            at = next((i + 1 for i, line in enumerate(lines) if line.startswith("# ")), 0)
            text = "\n".join(lines[:at] + ["", _edition_note(quizzes, feedback).rstrip("\n")] + lines[at:])
        out = transform_page(text, page, pages, modules, figures)
        (dest / "docs" / page).parent.mkdir(parents=True, exist_ok=True)
        (dest / "docs" / page).write_text(out, encoding="utf-8")
        for ref in REFERENCE.findall(out):
            target = _resolve_link(page, ref)
            if target and not target.endswith(".md"):
                referenced.add(target)
    theme = config.get("theme") if isinstance(config.get("theme"), dict) else {}
    for name in [*(config.get("extra_css") or []), *(config.get("extra_javascript") or []),
                 theme.get("logo"), theme.get("favicon")]:
        if isinstance(name, str) and not re.match(r"^[a-z]+://", name):
            referenced.add(name)
    for ref in sorted(referenced):
        src = docs / ref
        if src.is_file() and not _left_out(ref):
            (dest / "docs" / ref).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dest / "docs" / ref)
    if isinstance(theme.get("custom_dir"), str) and (root / theme["custom_dir"]).is_dir():
        shutil.copytree(root / theme["custom_dir"], dest / theme["custom_dir"])

    for name in sorted(_config_files(config, root)):
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        if not (dest / name).exists():
            shutil.copyfile(root / name, dest / name)

    config = dict(config)
    config["site_name"] = f"{config.get('site_name', 'caselab')} (student edition)"
    config.pop("site_url", None)
    config["docs_dir"] = "docs"
    config["strict"] = True
    config["nav"] = nav
    (dest / "mkdocs.yml").write_text(
        "# The site of a caselab student edition, generated by `caselab release`.\n" + dump_yaml(config),
        encoding="utf-8")
    return listed


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
    package = Path(__file__).resolve().parent
    target = dest / "src" / "caselab"
    for src in sorted(package.rglob("*")):
        rel = src.relative_to(package)
        if "__pycache__" in rel.parts or src.suffix in (".pyc", ".pyo") or not src.is_file():
            continue
        out = target / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        if rel.as_posix() == "figures.py":
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

[tool.pytest.ini_options]
testpaths = ["tests"]
addopts = "-p no:cacheprovider"
caselab_answers = "exercises"
'''


FEEDBACK_TEXT = {
    "full": "tells you, for each question, whether your answer is right (and gives a hint when it is not)",
    "score": "tells you your score in each module, but not which questions are right",
    "none": "checks only that each answer is written in the form asked; your instructor grades the answers",
}


def readme(quizzes: dict[str, Quiz], feedback: str) -> str:
    rows = "\n".join(f"| `{m}` | {q.title} | {len(q.questions)} | {q.max_score:g} |" for m, q in quizzes.items())
    return f"""# caselab: student edition

The case study of China's 2021 virtual-currency crackdown, with the modules your
instructor assigned:

| module | title | questions | points |
| --- | --- | --- | --- |
{rows}

Answer in `exercises/<module>.py` (replace each `None` with your answer; the comments
say what form each answer takes).

## Two commands

Install once, inside this folder (Python 3.10 or newer):

```bash
python -m pip install -e .
```

Check your answers, as often as you like:

```bash
caselab check
```

`caselab check {next(iter(quizzes), "MODULE")}` checks one module; `python -m pytest` does the same as
`caselab check`. In this edition the check {FEEDBACK_TEXT[feedback]}.

To read the case and the modules as a web site: `mkdocs serve`, then open
http://127.0.0.1:8000/.

Hand in the `exercises/` folder (or a .zip of it) as your instructor asks.
"""


GITIGNORE = "__pycache__/\n*.egg-info/\n/site/\n.pytest_cache/\ncaselab-results.json\n"

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


# --- the Gradescope autograder -----------------------------------------------------------------

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, when it builds the autograder image.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq python3 python3-pip python3-venv >/dev/null
apt-get install -y -qq bubblewrap >/dev/null || true   # the sandbox, where the image allows it
python3 -m venv /opt/caselab
/opt/caselab/bin/python -m pip install -q /autograder/source/caselab
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for each submission: grade /autograder/submission into /autograder/results/results.json.
set -uo pipefail
export CASELAB_PROJECT=/autograder/source/caselab
work=$(mktemp -d)
mkdir -p "$work/class/submission" /autograder/results
cp -r /autograder/submission/. "$work/class/submission/"
sandbox=--unsandboxed
if /opt/caselab/bin/python -c "import sys; from caselab.grading import sandbox_available; sys.exit(0 if sandbox_available()[0] else 1)" 2>/dev/null; then
  sandbox=
fi
/opt/caselab/bin/caselab grade "$work/class" --out "$work/out" --modules {modules} --quiet $sandbox
/opt/caselab/bin/python - "$work/out/results/submission.json" <<'EOF'
import json, sys
feedback = "{feedback}"
try:
    results = json.load(open(sys.argv[1], encoding="utf-8"))
except OSError:
    results = {{"score": 0, "output": "caselab could not grade this submission", "tests": []}}
if feedback != "full":  # the edition's feedback: only totals (score) or nothing (none) before grades are published
    for test in results.get("tests", []):
        test["visibility"] = "after_published"
if feedback == "none":
    results["visibility"] = "after_published"
json.dump(results, open("/autograder/results/results.json", "w", encoding="utf-8"), indent=2, ensure_ascii=False)
EOF
"""


def _zip_tree(files: dict[str, bytes], path: Path, executable: set[str]) -> None:
    """A zip with fixed timestamps and modes (the same inputs give the same bytes)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=(2021, 9, 24, 0, 0, 0))
            info.external_attr = ((0o755 if name in executable else 0o644) | stat.S_IFREG) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, files[name])
    from .atomic import write_bytes

    write_bytes(path, buf.getvalue())


def write_autograder(root: Path, path: Path, quizzes: dict[str, Quiz], feedback: str) -> Path:
    files: dict[str, bytes] = {
        "setup.sh": SETUP_SH.encode(),
        "run_autograder": RUN_AUTOGRADER.format(modules=",".join(quizzes), feedback=feedback).encode(),
    }
    package = Path(__file__).resolve().parent
    for src in sorted(package.rglob("*.py")):
        if "__pycache__" not in src.parts:
            files[f"caselab/src/caselab/{src.relative_to(package).as_posix()}"] = src.read_bytes()
    files["caselab/pyproject.toml"] = pyproject(root).replace('readme = "README.md"\n', "").encode()
    for name in DATA_FILES + ("modules.yml",):
        if (root / "data" / name).is_file():
            files[f"caselab/data/{name}"] = (root / "data" / name).read_bytes()
    for module, quiz in quizzes.items():
        files[f"caselab/tests/quizzes/{module}.yml"] = quiz.path.read_bytes()
    files["README.md"] = (
        "caselab autograder for Gradescope. It holds the answer keys: upload it to Gradescope "
        "(Autograder > Zip file upload); never give it to students.\n").encode()
    _zip_tree(files, path, {"setup.sh", "run_autograder"})
    return path


# --- the leak scan -----------------------------------------------------------------------------

def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def key_needles(quiz: Quiz) -> list[tuple[str, str, str]]:
    """(question, kind, text) that must appear in no file of an edition: the keys as a sheet or a page writes them."""
    needles: list[tuple[str, str, str]] = []
    for q in quiz.questions:
        where = q.nodeid
        if q.type == "code":
            body = q.spec["solution"].strip().split("\n", 1)
            if len(body) > 1 and len(_squash(body[1])) >= 12:
                needles.append((where, "code", _squash(body[1])))
        elif q.type == "memo":
            solution = str(q.spec.get("solution") or "")
            for para in re.split(r"\n\s*\n", solution):
                if len(_squash(para)) >= 40 and not para.lstrip().startswith("#"):
                    needles.append((where, "memo", _squash(para)[:120]))
        else:
            value = reference_value(q)
            needles.append((where, "sheet", f"{q.id} = {value!r}"))
            if q.type == "text":
                for form in q.key:
                    needles += [(where, "text", f'"{form}"'), (where, "text", f"'{form}'")]
            if q.type == "numeric":
                needles.append((where, "sheet", f"{q.id} = {json.dumps(value)}"))
        for sentence in re.split(r"(?<=[.!?])\s+", _squash(q.explanation)):
            if len(sentence) >= 50 and "{{" not in sentence:
                needles.append((where, "explanation", sentence[:100]))
    return needles


def student_material(root: Path, quizzes: dict[str, Quiz]) -> str:
    """What students read anyway: the published pages, the data files and the blank sheets.

    A text answer the reading itself teaches (a term in a table, a category named in a
    document's title), or a sentence of an explanation the page itself prints, is no
    leak; every other kind of key must appear nowhere.
    """
    docs = Path(root) / "docs"
    parts = [p.read_text(encoding="utf-8", errors="replace") for p in sorted(docs.rglob("*.md"))
             if not _left_out(p.relative_to(docs).as_posix())]
    parts += [p.read_text(encoding="utf-8", errors="replace") for p in sorted((Path(root) / "data").glob("*.yml"))]
    parts += [render_sheet(q) for q in quizzes.values()]
    return "\n".join(parts)


def find_leaks(edition: Path, quizzes: dict[str, Quiz], material: str = "") -> list[str]:
    """Every (file, question) where a key of ``quizzes`` appears in the edition at ``edition``.

    ``material`` is what students read anyway (``student_material``): a text answer found
    there is taught by the reading, not leaked by the edition.
    """
    needles = [(where, needle) for quiz in quizzes.values() for where, kind, needle in key_needles(quiz)
               if not (kind in ("text", "explanation") and needle in _squash(material))]
    hits = []
    for path in sorted(p for p in edition.rglob("*") if p.is_file()):
        rel = path.relative_to(edition).as_posix()
        text = path.read_bytes().decode("utf-8", errors="replace")
        squashed = _squash(text)
        for where, needle in needles:
            if needle in text or needle in squashed:
                hits.append(f"{rel}: {where} ({needle[:60]!r})")
        if rel.startswith("tests/quizzes/") and re.search(r"^\s*(key|explanation|solution|expected)\s*:", text, re.M):
            hits.append(f"{rel}: holds a key, expected output, solution or explanation field")
    return hits


# --- putting it together -----------------------------------------------------------------------

def release(root: Path, modules: list[str], out: Path, *, feedback: str = "full", gradescope: bool = False,
            github_actions: bool = False, salt: str | None = None) -> Release:
    """Write the student edition of ``modules`` to ``out`` (see the module docstring)."""
    if feedback not in FEEDBACK_MODES:
        raise ReleaseError(f"--feedback must be one of {', '.join(FEEDBACK_MODES)}")
    if not modules:
        raise ReleaseError("name the modules to assign, e.g. --modules kyc,mining (see `caselab list`)")
    root, out = Path(root).resolve(), Path(out).resolve()
    quizzes = load_quizzes(root, modules)
    if any(q.edition is not None for q in quizzes.values()):
        raise ReleaseError("this is a student edition (it holds no answers); release from the course project")
    if out == root or out in root.parents or (out.parent == root and (root / out.name).exists()
                                             and not (out / EDITION_FILE).is_file()):
        raise ReleaseError(f"{out} is the project or one of its folders; write the edition somewhere else")
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / EDITION_FILE).is_file())):
        raise ReleaseError(f"{out} exists and is not an edition written by caselab release; choose a new folder")
    salt = salt or secrets.token_hex(16)
    figures = load_figures(root)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent))
    umask = os.umask(0)
    os.umask(umask)
    tmp.chmod(0o777 & ~umask)
    try:
        build_site(root, tmp, quizzes, feedback, figures)
        copy_engine(tmp)
        copy_data(root, tmp, list(quizzes))
        for module, quiz in quizzes.items():
            (tmp / "tests" / "quizzes").mkdir(parents=True, exist_ok=True)
            (tmp / "tests" / "quizzes" / f"{module}.yml").write_text(
                edition_quiz(quiz, feedback, salt, figures), encoding="utf-8")
            (tmp / "exercises").mkdir(exist_ok=True)
            (tmp / "exercises" / f"{module}.py").write_text(render_sheet(quiz), encoding="utf-8")
        (tmp / "pyproject.toml").write_text(pyproject(root), encoding="utf-8")
        (tmp / "README.md").write_text(readme(quizzes, feedback), encoding="utf-8")
        (tmp / ".gitignore").write_text(GITIGNORE, encoding="utf-8")
        if github_actions:
            (tmp / ".github" / "workflows").mkdir(parents=True)
            (tmp / ".github" / "workflows" / "check.yml").write_text(WORKFLOW, encoding="utf-8")
        (tmp / EDITION_FILE).write_text(json.dumps(
            {"caselab": __version__, "modules": list(quizzes), "feedback": feedback}, indent=2) + "\n",
            encoding="utf-8")
        leaks = find_leaks(tmp, quizzes, student_material(root, quizzes))
        if leaks:
            raise ReleaseError("the edition would show answers; nothing was written:\n  " + "\n  ".join(leaks[:20]))
        if out.exists():
            old = out.with_name(f".{out.name}.old-{secrets.token_hex(4)}")
            os.replace(out, old)
            os.replace(tmp, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    autograder = None
    if gradescope:
        autograder = write_autograder(root, out.with_name(f"{out.name}-autograder.zip"), quizzes, feedback)
    return Release(out, tuple(quizzes), feedback, autograder)
