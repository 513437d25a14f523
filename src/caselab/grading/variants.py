"""Grading with ``--variants``: each submission regraded against the submitter's own variant (issue 14).

The core (the lock, a student's quiz, ``remap``) is ``caselab.quiz.variants``; this module adds what only
grading needs: reading the stamps of a submission's sheets through intake's checks.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from caselab.quiz.model import Quiz
from caselab.quiz.variants import read_stamp, remap


def read_stamps(path: Path, modules: Sequence[str]) -> dict[str, tuple[str, str] | None]:
    """module -> the stamp of the submission's sheet (through intake's checks); modules without a sheet are left out."""
    import shutil
    import tempfile

    from caselab.grading.intake import intake

    work = Path(tempfile.mkdtemp(prefix="caselab-stamps-"))
    try:
        found = intake(path, list(modules), work).found
        return {m: read_stamp((work / f"{m}.py").read_text(encoding="utf-8", errors="replace")) for m in found}
    except Exception:  # noqa: BLE001 (grading reports the submission's own problem)
        return {}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def grade_own_variant(result, path: Path, lock: dict, quizzes: Sequence[Quiz]):
    """``result`` regraded against the submitter's own variant, flagged when the sheet's stamp is not theirs."""
    return remap(result, lock, quizzes, read_stamps(path, [q.module for q in quizzes]))
