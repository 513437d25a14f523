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

``--out`` must be new, empty, or an earlier edition whose files are unchanged (its
``.git`` is carried over, so an edition can live in a repository such as a GitHub
Classroom template); anything else is refused and left untouched.  When the modules
differ from the earlier edition's, the release says so (``Release.warnings``).

Before anything is moved into place, every file of the edition is scanned for
every key of the assigned modules (``find_leaks``); a hit stops the release.
"""
from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path


from caselab import __version__
from caselab.atomic import swap_in
from caselab.quiz.figures import load_figures
from caselab.editions.keyhash import FEEDBACK_MODES
from caselab.quiz.model import load_quizzes
from caselab.quiz.sheets import render_sheet
from caselab.editions.gradescope import write_autograder
from caselab.editions.leaks import find_leaks, student_material
from caselab.editions.project import GITIGNORE, WORKFLOW, copy_data, copy_engine, pyproject, readme
from caselab.editions.quizfile import ReleaseError, edition_quiz
from caselab.editions.site import build_site

EDITION_FILE = "caselab-edition.json"


@dataclass(frozen=True)
class Release:
    edition: Path
    modules: tuple[str, ...]
    feedback: str
    autograder: Path | None = None
    warnings: tuple[str, ...] = ()


# --- putting it together -----------------------------------------------------------------------

def release(root: Path, modules: list[str], out: Path, *, feedback: str = "full", gradescope: bool = False,
            github_actions: bool = False, salt: str | None = None, roster: Path | None = None,
            reissue: str | None = None) -> Release:
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
    warnings = _check_out(out, list(quizzes))
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
                edition_quiz(quiz, feedback, salt, figures, variants=bool(roster)), encoding="utf-8")
            (tmp / "exercises").mkdir(exist_ok=True)
            (tmp / "exercises" / f"{module}.py").write_text(render_sheet(quiz), encoding="utf-8")
        (tmp / "pyproject.toml").write_text(pyproject(root), encoding="utf-8")
        (tmp / "README.md").write_text(readme(quizzes, feedback), encoding="utf-8")
        (tmp / ".gitignore").write_text(GITIGNORE, encoding="utf-8")
        if github_actions:
            (tmp / ".github" / "workflows").mkdir(parents=True)
            (tmp / ".github" / "workflows" / "check.yml").write_text(WORKFLOW, encoding="utf-8")
        if roster:  # per-student variants (issue 14): DIR/students/, the lock beside the edition (variants.py)
            from caselab.editions.variants import VariantError, release_variants
            try:
                instr, secret, lock = release_variants(tmp, out, Path(roster), quizzes, (feedback, salt, figures), reissue)
            except VariantError as exc:
                raise ReleaseError(str(exc)) from None
        elif reissue:
            raise ReleaseError("--reissue draws a new variant for one student of a --roster release; add --roster")
        (tmp / EDITION_FILE).write_text(json.dumps(
            {"caselab": __version__, "modules": list(quizzes), "feedback": feedback, "files": _manifest(tmp)},
            indent=2) + "\n", encoding="utf-8")
        leaks = find_leaks(tmp, quizzes, student_material(root, quizzes))
        if leaks:
            raise ReleaseError("the edition would show answers; nothing was written:\n  " + "\n  ".join(leaks[:20]))
        if out.exists() and (out / ".git").is_dir() and not (out / ".git").is_symlink():
            os.replace(out / ".git", tmp / ".git")  # the edition's repository (e.g. a Classroom template) is kept
        swap_in(tmp, out)
    except BaseException:
        if (tmp / ".git").is_dir() and out.is_dir() and not (out / ".git").exists():
            os.replace(tmp / ".git", out / ".git")
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if roster:
        from caselab.editions.variants import write_lock
        write_lock(instr, secret, lock)
    autograder = None
    if gradescope:
        autograder = write_autograder(root, out.with_name(f"{out.name}-autograder.zip"), quizzes, feedback)
    return Release(out, tuple(quizzes), feedback, autograder, tuple(warnings))


def _manifest(folder: Path) -> dict[str, str]:
    """sha256 of every file of the edition, by relative path (``.git`` and the edition file left out)."""
    out = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if rel == EDITION_FILE or rel == ".git" or rel.startswith(".git/") or not path.is_file():
            continue
        out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def _check_out(out: Path, modules: list[str]) -> list[str]:
    """Refuse an ``out`` that would lose anything; return the warnings for one that is an earlier edition.

    ``out`` may be missing, empty, or an edition written by ``caselab release`` whose files are as
    written (its ``.git`` is kept).  A folder holding anything else (``.git`` alone included), or an
    edition with files added or changed since, is refused and left as it is.
    """
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise ReleaseError(f"{out} is not a folder; choose a new folder for the edition")
    if not out.exists() or not any(out.iterdir()):
        return []
    try:
        previous = json.loads((out / EDITION_FILE).read_text(encoding="utf-8"))
        if not isinstance(previous, dict):
            raise ValueError
    except (OSError, ValueError):
        held = sorted(p.name for p in out.iterdir())
        shown = ", ".join(held[:5]) + (f" and {len(held) - 5} more" if len(held) > 5 else "")
        raise ReleaseError(f"{out} is not an edition written by caselab release and is not empty (it holds "
                           f"{shown}); nothing was changed. Choose a new or empty folder") from None
    files = previous.get("files")
    if isinstance(files, dict):
        now = _manifest(out)
        added = sorted(set(now) - set(files))
        changed = sorted(rel for rel in set(now) & set(files) if now[rel] != files[rel])
        if added or changed:
            names = [f"{rel} (added)" for rel in added] + [f"{rel} (changed)" for rel in changed]
            raise ReleaseError(f"{out} is an earlier edition, but files in it were added or changed since it was "
                               "written: " + ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8
                                                                     else "")
                               + ". Nothing was changed; copy them elsewhere (or delete them) and run again, "
                               "or choose a new folder")
    warnings = []
    before = previous.get("modules")
    if isinstance(before, list) and before != modules:
        warnings.append(f"{out} held an edition of {', '.join(map(str, before)) or 'no module'}; it now holds "
                        f"{', '.join(modules)} (students who cloned the earlier one see different modules)")
    return warnings
