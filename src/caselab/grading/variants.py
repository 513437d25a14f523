"""Grading with ``--variants``: each submission regraded against the submitter's own variant (issue 14).

The core (the lock, a student's quiz, ``remap``) is ``caselab.quiz.variants``; this module adds what only
grading needs: reading the stamps of a submission's sheets through intake's checks, and the exact numbers
they give for the parameterised questions.
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

from caselab.quiz.model import Quiz
from caselab.quiz.variants import read_stamp, remap


def read_submission(path: Path, quizzes: Sequence[Quiz]) -> tuple[dict[str, tuple[str, str] | None],
                                                                  dict[tuple[str, str], float | int]]:
    """(stamps, numbers) of a submission, through intake's checks: module -> the stamp of its sheet (modules
    without a sheet left out), and (module, question) -> the plain number the sheet assigns to each
    parameterised question (read from the syntax tree, never run; a computed answer is left out)."""
    import ast
    import shutil
    import tempfile

    from caselab.grading.intake import intake
    from caselab.quiz.answers import read_plain
    from caselab.quiz.variants import parameterised

    work = Path(tempfile.mkdtemp(prefix="caselab-stamps-"))
    stamps: dict[str, tuple[str, str] | None] = {}
    numbers: dict[tuple[str, str], float | int] = {}
    try:
        found = intake(path, [q.module for q in quizzes], work).found
        for quiz in quizzes:
            if quiz.module not in found:
                continue
            text = (work / f"{quiz.module}.py").read_text(encoding="utf-8", errors="replace")
            stamps[quiz.module] = read_stamp(text)
            wanted = {q.id for q in quiz.questions if parameterised(q)}
            if not wanted:
                continue
            try:
                values = read_plain(ast.parse(text), wanted).values
            except Exception:  # noqa: BLE001 (a sheet that does not parse: the given of each outcome serves)
                continue
            for qid in wanted:
                answer = values.get(qid)
                if answer is not None and answer.kind == "value" and type(answer.value) in (int, float):
                    numbers[(quiz.module, qid)] = answer.value
    except Exception:  # noqa: BLE001 (grading reports the submission's own problem)
        return stamps, numbers
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return stamps, numbers


def grade_own_variant(result, path: Path, lock: dict, quizzes: Sequence[Quiz]):
    """``result`` regraded against the submitter's own variant, flagged when the sheet's stamp is not theirs."""
    stamps, numbers = read_submission(path, quizzes)
    return remap(result, lock, quizzes, stamps, numbers)
