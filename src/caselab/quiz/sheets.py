"""Generate the answer sheets (exercises/) and the reference sheets (solutions/) from the quizzes.

The quiz file is the one place for a question's text; the sheets are derived
from it and a test fails when they drift (``caselab sheets --check``).
"""
from __future__ import annotations

import textwrap
from pathlib import Path

from caselab.quiz.model import Question, Quiz, call_text

WIDTH = 88

FORMS = {
    "choice": 'one letter in quotes, e.g. {id} = "A"',
    "multi": 'a list of every letter that applies, e.g. {id} = ["A", "C"]',
    "numeric": "a number{unit}, e.g. {id} = {example}{rounding}",
    "ordering": 'every letter once, in order, e.g. {id} = ["C", "A", "B"]',
    "matching": 'a dictionary pairing each number with a letter, e.g. {id} = {{1: "B", 2: "A"}}',
    "text": 'a short text in quotes, e.g. {id} = "..."; case and spacing do not matter',
    "code": "complete the function {id} below; it is called with the inputs listed",
    "memo": 'a memo as text in triple quotes, with "## " section headings',
}


def answer_form(q: Question) -> str:
    """How to write the answer to ``q``, in one line (shared by the sheets and the site)."""
    unit = f" in {q.spec['unit']}" if q.spec.get("unit") else ""
    if "decimals" in q.spec:  # the tolerance, stated: what the checker accepts
        d = int(q.spec["decimals"])
        places = "a whole number" if d == 0 else f"{d} decimal place{'s' if d != 1 else ''}"
        rounding = (f", rounded to {places} (right within ±{0.5 * 10 ** -d:g} of the exact value; "
                    "more decimals, or fewer, do not count)")
    elif "tolerance" in q.spec:
        rounding = f" (within ±{q.spec['tolerance']:g})"
    else:
        rounding = ""
    return FORMS[q.type].format(id=q.id, unit=unit, rounding=rounding, example=numeric_example(q))


def numeric_example(q: Question) -> str:
    """The number a sheet shows as an example of how to write a numeric answer (the same for every
    student, so that per-student figures are drawn never to have it as their key)."""
    return "125" if q.spec.get("decimals") == 0 else "12.5"


def choices(q: Question) -> list[tuple[str, str]]:
    """The labelled lines a question offers (options, items, or both sides of a matching)."""
    if q.type in ("choice", "multi"):
        return [(str(k), str(v)) for k, v in q.spec["options"].items()]
    if q.type == "ordering":
        return [(str(k), str(v)) for k, v in q.spec["items"].items()]
    if q.type == "matching":
        return [(str(k), str(v)) for k, v in q.spec["left"].items()] + [
            (str(k), str(v)) for k, v in q.spec["right"].items()]
    return []


def example_calls(q: Question) -> list[str]:
    return [call_text(q, case["args"]) for case in q.spec["cases"][:3]]


def _comment(text: str, indent: str = "") -> list[str]:
    lines = []
    for para in text.strip().splitlines():
        wrapped = textwrap.wrap(para, WIDTH - 2 - len(indent)) or [""]
        lines += [f"# {indent}{w}".rstrip() for w in wrapped]
    return lines


def _points(q: Question) -> str:
    p = f"{q.points:g}"
    return f"{p} point" if p == "1" else f"{p} points"


def _literal(value) -> str:
    if isinstance(value, str) and "\n" in value and '"""' not in value and not value.endswith("\\"):
        return '"""\n' + value.strip("\n") + '\n"""'
    return repr(value)


def reference_value(q: Question):
    if q.type == "numeric":
        value = float(q.key)
        if "decimals" in q.spec:
            value = round(value, int(q.spec["decimals"]))
        return int(value) if value.is_integer() else value
    if q.type == "text":
        return q.key[0]
    if q.type == "memo":
        return q.spec.get("solution", "")
    return q.key


def question_block(q: Question, solution: bool) -> str:
    lines = ["# " + "-" * (WIDTH - 2), f"# {q.id} · {q.type} · {_points(q)} · {q.title}", "#"]
    lines += _comment(q.prompt)
    if choices(q):
        lines.append("#")
        lines += [line for label, text in choices(q) for line in _comment(f"{label}. {text}", "  ")]
    lines += ["#"] + _comment("Answer: " + answer_form(q))
    if q.type == "code":
        lines += _comment("Example calls: " + "; ".join(example_calls(q)))
        body = q.spec["solution"].strip() if solution else (
            f"{q.spec['signature'].strip()}\n    raise NotImplementedError")
        lines.append(body)
    else:
        lines.append(f"{q.id} = {_literal(reference_value(q)) if solution else 'None'}")
    return "\n".join(lines)


def render_sheet(quiz: Quiz, solution: bool = False) -> str:
    kind = "Reference answers (instructor's copy)" if solution else "Answer sheet"
    header = f'''"""{quiz.module}: {quiz.title}

{kind}. Replace each None with your answer, save, then run:

    caselab check {quiz.module}

Generated from tests/quizzes/{quiz.module}.yml by `caselab sheets`; edit only the answers.
"""
'''
    return header + "\n\n" + "\n\n\n".join(question_block(q, solution) for q in quiz.questions) + "\n"


def sheet_paths(root: Path, module: str) -> dict[str, Path]:
    return {"exercises": root / "exercises" / f"{module}.py", "solutions": root / "solutions" / f"{module}.py"}


def write_sheets(root: Path, quizzes: dict[str, Quiz], check_only: bool = False,
                 exercises: bool = True, solutions: bool = True) -> list[Path]:
    """Write (or, with ``check_only``, only compare) the generated sheets; return the paths that differ."""
    from caselab.atomic import write_text

    differ = []
    for module, quiz in quizzes.items():
        for kind, path in sheet_paths(root, module).items():
            if (kind == "exercises" and not exercises) or (kind == "solutions" and not solutions):
                continue
            text = render_sheet(quiz, solution=(kind == "solutions"))
            current = path.read_text(encoding="utf-8") if path.is_file() else None
            if current == text:
                continue
            differ.append(path)
            if not check_only:
                write_text(path, text)
    return differ
