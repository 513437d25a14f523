"""The leak scan: every file of an edition searched for every key of the assigned modules before anything is moved into place."""
from __future__ import annotations

import json
import re
from pathlib import Path


from caselab.quiz.model import Quiz
from caselab.quiz.sheets import render_sheet, reference_value
from caselab.editions.site import left_out


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
             if not left_out(p.relative_to(docs).as_posix())]
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
