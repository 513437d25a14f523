"""Build the synthetic class of class.yml: one folder or .zip per student, from the quizzes' own keys.

Every sheet starts as the blank sheet students receive (``render_sheet``); answers are
written into it: the reference answer, or a wrong answer of the right form.
"""
from __future__ import annotations

import re
import zipfile
from pathlib import Path

import yaml

from caselab.quiz.model import Question, Quiz
from caselab.quiz.sheets import _literal, reference_value, render_sheet

RECIPES = Path(__file__).with_name("class.yml")


def wrong_value(q: Question):
    """An answer of the form asked that earns no point."""
    if q.type == "choice":
        return next(str(o) for o in q.spec["options"] if str(o).upper() != str(q.key).upper())
    if q.type == "multi":
        key = {str(k).upper() for k in q.key}
        return [str(o) for o in q.spec["options"] if str(o).upper() not in key] or []
    if q.type == "numeric":
        return float(q.key) * 2 + 7
    if q.type == "ordering":
        return list(reversed(q.key))
    if q.type == "matching":
        right = [str(r) for r in q.spec["right"]]
        return {str(k): next(r for r in right if r.upper() != str(v).upper()) for k, v in q.key.items()}
    if q.type == "text":
        return "no such answer"
    if q.type == "memo":
        return "## Notes\n\nToo short."
    raise ValueError(q.type)


def sheet(quiz: Quiz, answers: str) -> str:
    """The sheet of ``quiz`` filled in per ``answers`` (correct, partial, wrong, blank)."""
    text = render_sheet(quiz)
    if answers == "blank":
        return text
    for i, q in enumerate(quiz.questions):
        right = answers == "correct" or (answers == "partial" and i % 2 == 0)
        if q.type == "code":
            stub = f"{q.spec['signature'].strip()}\n    raise NotImplementedError"
            body = q.spec["solution"].strip() if right else f"{q.spec['signature'].strip()}\n    return \"not computed\""
            assert stub in text, q.nodeid
            text = text.replace(stub, body, 1)
        else:
            value = reference_value(q) if right else wrong_value(q)
            line = re.compile(rf"^{q.id} = None$", re.M)
            assert line.search(text), q.nodeid
            text = line.sub(lambda m: f"{q.id} = {_literal(value)}", text, count=1)
    return text


def _zip(path: Path, files: dict[str, str]) -> None:
    with zipfile.ZipFile(path, "w") as z:
        for name, text in sorted(files.items()):
            z.writestr(zipfile.ZipInfo(name, date_time=(2021, 9, 24, 0, 0, 0)), text)


def build_class(dest: Path, quizzes: dict[str, Quiz]) -> dict[str, dict]:
    """Write the class into ``dest``; return each student's recipe."""
    recipes = yaml.safe_load(RECIPES.read_text(encoding="utf-8"))["students"]
    dest.mkdir(parents=True, exist_ok=True)
    first = next(iter(quizzes))
    for r in recipes:
        layout = r["layout"]
        files = {}
        if layout not in ("empty", "not-a-zip"):
            for module, quiz in quizzes.items():
                text = sheet(quiz, r["answers"])
                if r.get("broken") == "first" and module == first:
                    text += "\ndef broken(:\n    pass\n"
                if r.get("loop") == "last" and module == list(quizzes)[-1]:
                    text += "\nwhile True:\n    pass\n"
                files[f"{module}.py"] = text
        if layout == "folder":
            for name, text in files.items():
                (dest / r["id"] / name).parent.mkdir(parents=True, exist_ok=True)
                (dest / r["id"] / name).write_text(text, encoding="utf-8")
        elif layout == "nested":
            for name, text in files.items():
                (dest / r["id"] / "exercises").mkdir(parents=True, exist_ok=True)
                (dest / r["id"] / "exercises" / name).write_text(text, encoding="utf-8")
            (dest / r["id"] / "README.md").write_text("my notes\n", encoding="utf-8")
        elif layout == "zip":
            _zip(dest / f"{r['id']}.zip", files)
        elif layout == "zip-nested":
            _zip(dest / f"{r['id']}.zip", {f"{r['id']}-work/exercises/{n}": t for n, t in files.items()}
                 | {f"{r['id']}-work/notes.txt": "draft\n"})
        elif layout == "empty":
            (dest / r["id"]).mkdir(parents=True, exist_ok=True)
        elif layout == "not-a-zip":
            (dest / f"{r['id']}.zip").write_bytes(b"this is not a zip archive\n")
        else:
            raise ValueError(layout)
    return {r["id"]: r for r in recipes}


def pick_modules(run_caselab, n: int = 2) -> list[str]:
    """The first ``n`` modules of the question bank (``caselab list --json``), as content authors leave it."""
    import json

    proc = run_caselab("list", "--json")
    assert proc.returncode == 0, f"caselab list --json failed; a quiz does not load:\n{proc.stderr}"
    modules = [m["id"] for m in json.loads(proc.stdout) if m["questions"]]
    assert len(modules) >= n, f"need {n} modules with questions, found {modules}"
    return modules[:n]
