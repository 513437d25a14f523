"""Read a student's answers from an answer sheet.

Plain assignments (``q1 = "B"``) are read from the syntax tree without running
anything.  Only a sheet that computes its answers, or a code task that must be
called, is run, in a separate interpreter (``runner.py``), optionally inside a
sandbox; values come back as plain JSON.
"""
from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from . import runner
from .quiz import Question, Quiz

RUNNER = Path(runner.__file__).resolve()
MAX_SHEET_BYTES = 512 * 1024


@dataclass(frozen=True)
class Answer:
    """What the sheet holds for one question.

    kind: ``value`` (a plain value in ``value``), ``outputs`` (a code task's
    per-case results: ``{"ok": v}`` or ``{"error": msg}``), ``unanswered``,
    ``invalid`` (``message`` says why) or ``error`` (the sheet could not be read
    or run; ``message`` says why).
    """

    kind: str
    value: Any = None
    message: str = ""


@dataclass(frozen=True)
class SheetAnswers:
    module: str
    answers: dict[str, Answer]
    problem: str = ""  # one plain sentence about the sheet as a whole (syntax error, timeout...)


# --- reading without running -------------------------------------------------------------

def _is_stub(fn: ast.FunctionDef) -> bool:
    """A function whose body does nothing yet: docstring, ``pass``, ``...`` or ``raise NotImplementedError``."""
    for stmt in fn.body:
        if isinstance(stmt, ast.Pass):
            continue
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            continue  # docstring or ...
        if isinstance(stmt, ast.Raise) and stmt.exc is not None:
            exc = stmt.exc.func if isinstance(stmt.exc, ast.Call) else stmt.exc
            if isinstance(exc, ast.Name) and exc.id == "NotImplementedError":
                continue
        return False
    return True


@dataclass
class _Reading:
    values: dict[str, Answer]
    functions: dict[str, bool]  # name -> is a stub
    needs_run: bool


def read_plain(tree: ast.Module, names: set[str]) -> _Reading:
    """Values of plain top-level assignments; whether anything else makes a run necessary."""
    values: dict[str, Answer] = {}
    functions: dict[str, bool] = {}
    needs_run = False
    for stmt in tree.body:
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            continue
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            functions[stmt.name] = _is_stub(stmt)
            values.pop(stmt.name, None)
            if stmt.decorator_list:
                needs_run = True
            continue
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [getattr(stmt, "target", None)]
        if (isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None
                and len(targets) == 1 and isinstance(targets[0], ast.Name)):
            name = targets[0].id
            try:
                literal = ast.literal_eval(stmt.value)
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                needs_run = True
                continue
            functions.pop(name, None)
            if literal is None:
                values.pop(name, None)
            else:
                values[name] = _from_runner(runner.encode(literal))
            continue
        needs_run = True  # imports, loops, calls, ...: only running tells the values
    return _Reading(values, functions, needs_run)


def _from_runner(encoded: dict) -> Answer:
    if "ok" in encoded:
        return Answer("unanswered") if encoded["ok"] is None else Answer("value", encoded["ok"])
    return Answer("invalid", message=encoded.get("invalid") or encoded.get("error", "not a plain value"))


# --- running -------------------------------------------------------------------------------

RunFn = Callable[[dict, float], tuple[list[dict], str]]


def run_subprocess(request: dict, timeout: float, prefix: Sequence[str] = ()) -> tuple[list[dict], str]:
    """Run ``runner.py`` on ``request`` in a fresh interpreter; return its records and a problem, if any.

    ``prefix`` wraps the interpreter (a sandbox command).  Output beyond 4 MB is
    cut off; a run that exceeds ``timeout`` is killed with its whole process group.
    """
    cmd = [*prefix, sys.executable, "-I", "-S", str(RUNNER)]
    try:
        proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError as exc:
        return [], f"could not start Python to run the sheet: {exc}"
    try:
        out, _ = proc.communicate(json.dumps(request).encode(), timeout=timeout)
        problem = ""
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        out, _ = proc.communicate()
        problem = f"the sheet ran for more than {timeout:g} s and was stopped"
    finally:
        _kill_group(proc)
    records = []
    for line in out[: 4 * 1024 * 1024].splitlines():
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if isinstance(rec, dict):
            records.append(rec)
    if not problem and not any(r.get("done") for r in records):
        problem = f"the sheet stopped the checker (exit status {proc.returncode})"
    return records, problem


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, 9)
    except (ProcessLookupError, PermissionError):
        pass


def _code_args(q: Question) -> list[list]:
    return [list(c["args"]) if isinstance(c["args"], list) else [c["args"]] for c in q.spec["cases"]]


# --- putting it together ------------------------------------------------------------------

def prepare(quiz: Quiz, path: Path) -> tuple[SheetAnswers | None, dict | None, _Reading | None]:
    """Read ``path`` without running it.

    Returns finished answers (nothing to run), or the runner request for the
    parts that must run together with what was read.
    """
    qids = [q.id for q in quiz.questions]
    blank = {qid: Answer("unanswered") for qid in qids}
    if not path.is_file():
        return SheetAnswers(quiz.module, blank, f"no answer sheet {path.name}"), None, None
    size = path.stat().st_size
    if size > MAX_SHEET_BYTES:
        errors = {qid: Answer("error", message="sheet too large") for qid in qids}
        return SheetAnswers(quiz.module, errors, f"{path.name} is {size:,} bytes; a sheet may hold at most {MAX_SHEET_BYTES:,}"), None, None
    raw = path.read_bytes()
    try:
        tree = ast.parse(raw, filename=path.name)
    except SyntaxError as exc:
        msg = f"{path.name} line {exc.lineno}: {exc.msg}; fix it and check again"
        return SheetAnswers(quiz.module, {qid: Answer("error", message=msg) for qid in qids}, msg), None, None
    except (ValueError, UnicodeDecodeError, RecursionError, MemoryError) as exc:
        msg = f"{path.name} cannot be read as Python: {type(exc).__name__}"
        return SheetAnswers(quiz.module, {qid: Answer("error", message=msg) for qid in qids}, msg), None, None
    reading = read_plain(tree, set(qids))
    calls = {
        q.id: _code_args(q) for q in quiz.questions
        if q.type == "code" and reading.functions.get(q.id) is False
    }
    if not reading.needs_run and not calls:
        return _assemble(quiz, reading, [], ""), None, reading
    names = [q.id for q in quiz.questions if q.type != "code"] if reading.needs_run else []
    request = {"module": quiz.module, "path": str(path.resolve()), "names": names, "calls": calls}
    return None, request, reading


def _assemble(quiz: Quiz, reading: _Reading, records: list[dict], problem: str) -> SheetAnswers:
    answers: dict[str, Answer] = {}
    sheet_error = next((r for r in records if "error" in r and "name" not in r), None)
    ran = {r["name"]: r["value"] for r in records if "name" in r and "case" not in r}
    outputs: dict[str, dict[int, dict]] = {}
    for r in records:
        if "case" in r:
            outputs.setdefault(r["name"], {})[int(r["case"])] = r["value"]
    for q in quiz.questions:
        if q.type == "code":
            if q.id not in reading.functions:
                answers[q.id] = Answer("unanswered") if q.id not in ran else Answer(
                    "invalid", message=f"{q.id} should be a function (def {q.id}(...))")
            elif reading.functions[q.id]:
                answers[q.id] = Answer("unanswered")
            elif q.id in outputs:
                got = outputs[q.id]
                n = len(q.spec["cases"])
                stopped = problem or "the run stopped before this call"
                answers[q.id] = Answer("outputs", [got.get(i, {"error": stopped}) for i in range(n)])
            else:
                msg = (sheet_error or {}).get("message") or problem or f"{q.id} could not be called"
                answers[q.id] = Answer("error", message=msg)
        elif not reading.needs_run:
            answers[q.id] = reading.values.get(q.id, Answer("unanswered"))
        elif q.id in ran:
            answers[q.id] = _from_runner(ran[q.id])
        elif sheet_error or problem:
            fallback = reading.values.get(q.id)
            message = (sheet_error or {}).get("message") or problem
            answers[q.id] = fallback or Answer("error", message=message)
        else:
            answers[q.id] = Answer("unanswered")
    text = ""
    if sheet_error:
        text = f"{quiz.path.stem} sheet: {sheet_error['message']}"
    elif problem:
        text = problem
    return SheetAnswers(quiz.module, answers, text)


def collect(quizzes: Sequence[Quiz], folder: Path, *, timeout: float = 10.0, call_seconds: float = 2.0,
            run: RunFn | None = None) -> dict[str, SheetAnswers]:
    """Answers of every quiz's sheet ``folder/<module>.py``, running at most one interpreter."""
    results: dict[str, SheetAnswers] = {}
    pending: dict[str, tuple[Quiz, _Reading]] = {}
    requests = []
    for quiz in quizzes:
        done, request, reading = prepare(quiz, Path(folder) / f"{quiz.module}.py")
        if done is not None:
            results[quiz.module] = done
        else:
            pending[quiz.module] = (quiz, reading)
            requests.append(request)
    if requests:
        run = run or (lambda req, t: run_subprocess(req, t))
        records, problem = run({"sheets": requests, "call_seconds": call_seconds}, timeout)
        for module, (quiz, reading) in pending.items():
            mine = [r for r in records if r.get("module") == module]
            results[module] = _assemble(quiz, reading, mine, problem)
    return {q.module: results[q.module] for q in quizzes}
