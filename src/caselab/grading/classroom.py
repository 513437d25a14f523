"""GitHub Classroom: turn a folder of cloned student repositories into a submissions folder.

    caselab classroom CLONES --out SUBMISSIONS [--prefix ASSIGNMENT-]

CLONES is what GitHub Classroom's tools leave (``gh classroom clone student-repos`` or the
Classroom Assistant): one repository per student, named ``<assignment>-<github user>``.
``collect(clones, out)`` writes ``out/<github user>/exercises/<sheet>.py`` for every student,
copying only the sheets (regular ``.py`` files directly in ``exercises/``, at most
``MAX_SHEET`` bytes each; links are never followed), and returns the students and the
repositories skipped with why.  ``--prefix`` is stripped from the repositories' names;
without it the longest common prefix ending in ``-`` is (when there are two or more).

``out`` must be new, empty, or a folder this command wrote before (it holds ``MARKER``);
it is built beside itself and moved into place whole, so it never holds half a class.
The clones are only read.
"""
from __future__ import annotations

import os
import shutil
import stat
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from caselab.atomic import swap_in

MARKER = ".caselab-classroom"
MAX_SHEET = 1 << 20


class ClassroomError(Exception):
    pass


@dataclass
class Collected:
    out: Path
    students: dict[str, str] = field(default_factory=dict)  # student id -> repository name
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (repository or file, why)


def common_prefix(names: list[str]) -> str:
    """The longest prefix ending in ``-`` shared by every name (two or more), else ""."""
    if len(names) < 2:
        return ""
    prefix = os.path.commonprefix(names)
    cut = prefix.rfind("-")
    prefix = prefix[:cut + 1] if cut >= 0 else ""
    return prefix if all(len(n) > len(prefix) for n in names) else ""


def collect(clones: Path, out: Path, prefix: str | None = None) -> Collected:
    clones, out = Path(clones).resolve(), Path(out).resolve()
    if not clones.is_dir():
        raise ClassroomError(f"{clones} is not a folder of cloned repositories")
    if out == clones or clones in out.parents:
        raise ClassroomError("--out must not be inside the folder of clones")
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MARKER).is_file())):
        raise ClassroomError(f"{out} exists and was not written by caselab classroom; choose a new folder")
    repos = sorted(e.name for e in os.scandir(clones)
                   if e.is_dir(follow_symlinks=False) and not e.name.startswith("."))
    result = Collected(out)
    for e in sorted(os.scandir(clones), key=lambda e: e.name):
        if e.name.startswith(".") or not e.is_dir(follow_symlinks=False):
            result.skipped.append((e.name, "not a repository folder"))
    cut = prefix if prefix is not None else common_prefix(repos)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent))
    try:
        (tmp / MARKER).write_text("written by caselab classroom; rerun it to refresh\n", encoding="utf-8")
        for repo in repos:
            student = repo[len(cut):] if cut and repo.startswith(cut) else repo
            exercises = clones / repo / "exercises"
            if exercises.is_symlink() or not exercises.is_dir():
                result.skipped.append((repo, "no exercises/ folder (the student may not have pushed yet)"))
                continue
            if student in result.students:
                result.skipped.append((repo, f"its student id {student} is taken by {result.students[student]}"))
                continue
            dest = tmp / student / "exercises"
            dest.mkdir(parents=True)
            copied = 0
            for f in sorted(os.scandir(exercises), key=lambda f: f.name):
                if not f.name.endswith(".py") or f.name.startswith("."):
                    continue
                st = os.lstat(f.path)
                if not stat.S_ISREG(st.st_mode):
                    result.skipped.append((f"{repo}/exercises/{f.name}", "not a regular file (a link?)"))
                    continue
                if st.st_size > MAX_SHEET:
                    result.skipped.append((f"{repo}/exercises/{f.name}", f"larger than {MAX_SHEET >> 20} MB"))
                    continue
                fd = os.open(f.path, os.O_RDONLY | os.O_NOFOLLOW)
                with os.fdopen(fd, "rb") as src:
                    (dest / f.name).write_bytes(src.read(MAX_SHEET + 1))
                copied += 1
            result.students[student] = repo
            if not copied:
                result.skipped.append((repo, "exercises/ holds no .py sheet (graded as empty)"))
        swap_in(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return result
