"""Read a student's answers from an answer sheet.

Plain assignments (``q1 = "B"``) are read from the syntax tree without running
anything.  Only a sheet that computes its answers, or a code task that must be
called, is run, in a separate interpreter (``runner.py``), optionally inside a
sandbox; values come back as plain JSON.
"""
from __future__ import annotations

import ast
import json
import marshal
import os
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

from caselab.quiz import runner
from caselab.quiz.model import Quiz, case_args

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


def _literal(node: ast.expr) -> Any:
    """``ast.literal_eval(node)``, with the usual shapes of answers (a constant, a flat list or dict of
    constants) taken directly: same values, a fraction of the cost."""
    kind = type(node)
    if kind is ast.Constant:
        return node.value
    if kind is ast.List and all(type(e) is ast.Constant for e in node.elts):
        return [e.value for e in node.elts]
    if (kind is ast.Dict and all(type(k) is ast.Constant for k in node.keys)
            and all(type(v) is ast.Constant for v in node.values)):
        return {k.value: v.value for k, v in zip(node.keys, node.values)}
    return ast.literal_eval(node)


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
                literal = _literal(stmt.value)
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
        if encoded["ok"] is None:
            return Answer("unanswered")
        try:  # a value read from the syntax tree gets the same cleaning as one from a run (lone surrogates)
            return Answer("value", _plain_json(encoded["ok"]))
        except (ValueError, RecursionError):
            return Answer("invalid", message="not a plain value")
    return Answer("invalid", message=encoded.get("invalid") or encoded.get("error", "not a plain value"))


# --- running -------------------------------------------------------------------------------

RunFn = Callable[[dict, float], tuple[list[dict], str]]


def run_subprocess(request: dict, timeout: float, prefix: Sequence[str] = ()) -> tuple[list[dict], str]:
    """Run ``runner.py`` on ``request`` in a fresh interpreter; return its records and a problem, if any.

    ``prefix`` wraps the interpreter (a sandbox command).  Output beyond 4 MB is
    cut off; a run that exceeds ``timeout`` is killed with its whole process group.
    The request goes in as ``marshal`` (it is ours); what comes back is JSON,
    checked record by record (``parse_records``).
    """
    cmd = [*prefix, sys.executable, "-I", "-S", str(RUNNER), "--marshal"]
    try:
        proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError as exc:
        return [], f"could not start Python to run the sheet: {exc}"
    try:
        out, _ = proc.communicate(marshal.dumps(request), timeout=timeout)
        problem = ""
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        out, _ = proc.communicate()
        problem = f"the sheet ran for more than {timeout:g} s and was stopped"
    finally:
        _kill_group(proc)
    records = parse_records(out[: 4 * 1024 * 1024])
    if not problem and not any(r.get("done") for r in records):
        problem = f"the sheet stopped the checker (exit status {proc.returncode})"
    return records, problem


# --- what comes back: JSON lines, each checked before it is believed ---------------------

MAX_MESSAGE = 500


def _no_constant(name: str):
    raise ValueError(f"{name} is not plain data")


def _text(value: Any, limit: int = MAX_MESSAGE) -> str | None:
    """A string from the runner, cut to ``limit`` and with lone surrogates replaced; None if not a string."""
    if type(value) is not str:
        return None
    if len(value) <= limit and value.isascii():
        return value
    value = value[:limit]
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            value = "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in value)
    return value


_SCALARS = (type(None), bool, int, float)


def _plain_json(value: Any, depth: int = 0, budget: list | None = None) -> Any:
    """``value`` if it is plain data as the runner defines it (bounded depth and size), else raise ValueError."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is str:
        if len(value) > runner.MAX_STR:
            raise ValueError("text too long")
        return _text(value, runner.MAX_STR)
    budget = budget if budget is not None else [runner.MAX_ITEMS]
    budget[0] -= 1
    if budget[0] < 0 or depth > runner.MAX_DEPTH + 1:
        raise ValueError("too large or too deep")
    if kind is list:
        return [_plain_json(v, depth + 1, budget) for v in value]
    if kind is dict:
        return {_text(k, runner.MAX_STR): _plain_json(v, depth + 1, budget) for k, v in value.items()}
    raise ValueError("not plain data")


_VALUE_KEYS = ({"ok"}, {"invalid"}, {"error"}, {"ok", "limit"}, {"invalid", "limit"}, {"error", "limit"})


def _value(value: Any) -> dict | None:
    """A result ``{"ok": plain}``, ``{"invalid": text}`` or ``{"error": text}`` (optionally with ``limit``)."""
    if type(value) is not dict or value.keys() not in _VALUE_KEYS:
        return None
    out: dict = {}
    if "ok" in value:
        try:
            out["ok"] = _plain_json(value["ok"])
        except (ValueError, RecursionError):
            return {"invalid": "not a plain value"}
    else:
        kind = "error" if "error" in value else "invalid"
        text = _text(value[kind])
        if text is None:
            return None
        out[kind] = text
    if "limit" in value:
        limit = _text(value["limit"], 40)
        if limit:
            out["limit"] = limit
    return out


def _record(rec: Any) -> dict | None:
    """A runner record with exactly the expected fields and types, or None."""
    if type(rec) is not dict:
        return None
    if rec.get("done") is True:
        return {"done": True}
    module = _text(rec.get("module"), 200)
    if not module:
        return None
    if "name" in rec:
        name, value = _text(rec["name"], 200), _value(rec.get("value"))
        if not name or value is None:
            return None
        out = {"module": module, "name": name, "value": value}
        if "case" in rec:
            case = rec["case"]
            if type(case) is not int or not 0 <= case < 100_000:
                return None
            out["case"] = case
        return out
    error, message = _text(rec.get("error"), 40), _text(rec.get("message", ""))
    if not error or message is None:
        return None
    out = {"module": module, "error": error, "message": message}
    limit = _text(rec.get("limit"), 40)
    if limit:
        out["limit"] = limit
    return out


def parse_records(data: bytes) -> list[dict]:
    """The well-formed records in the runner's output; anything else (a sheet may write there) is dropped.

    Only JSON is parsed (never pickle or eval); NaN and infinities, over-deep
    nesting and fields of the wrong type are refused.
    """
    lines = data.splitlines()
    try:  # the usual case: every line is a record; one parse is much cheaper than one per line
        parsed = json.loads(b"[" + b",".join(lines) + b"]", parse_constant=_no_constant)
    except (ValueError, RecursionError, MemoryError):
        parsed = []
        for line in lines:
            try:
                parsed.append(json.loads(line, parse_constant=_no_constant))
            except (ValueError, RecursionError, MemoryError):
                continue
    records = []
    for raw in parsed:
        try:
            rec = _record(raw)
        except RecursionError:
            continue
        if rec is not None:
            records.append(rec)
    return records


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, 9)
    except (ProcessLookupError, PermissionError):
        pass


# --- putting it together ------------------------------------------------------------------

def prepare(quiz: Quiz, path: Path) -> tuple[SheetAnswers | None, dict | None, _Reading | None]:
    """Read ``path`` without running it.

    Returns finished answers (nothing to run), or the runner request for the
    parts that must run together with what was read.
    """
    qids = [q.id for q in quiz.questions]
    try:  # one open for the size and the bytes; never blocks on a pipe named like a sheet
        with open(os.open(path, os.O_RDONLY | os.O_NONBLOCK), "rb") as f:
            st = os.fstat(f.fileno())
            if not stat.S_ISREG(st.st_mode):
                raise IsADirectoryError(path)
            size = st.st_size
            raw = f.read(MAX_SHEET_BYTES + 1) if size <= MAX_SHEET_BYTES else b""
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        blank = {qid: Answer("unanswered") for qid in qids}
        return SheetAnswers(quiz.module, blank, f"no answer sheet {path.name}"), None, None
    if size > MAX_SHEET_BYTES or len(raw) > MAX_SHEET_BYTES:
        errors = {qid: Answer("error", message="sheet too large") for qid in qids}
        return SheetAnswers(quiz.module, errors, f"{path.name} is {size:,} bytes; a sheet may hold at most {MAX_SHEET_BYTES:,}"), None, None
    try:
        tree = ast.parse(raw, filename=path.name)
    except SyntaxError as exc:
        where = f" line {exc.lineno}" if exc.lineno else ""
        msg = f"{path.name}{where}: {exc.msg}; fix it and check again"
        return SheetAnswers(quiz.module, {qid: Answer("error", message=msg) for qid in qids}, msg), None, None
    except (ValueError, UnicodeDecodeError, RecursionError, MemoryError) as exc:
        msg = f"{path.name} cannot be read as Python: {type(exc).__name__}"
        return SheetAnswers(quiz.module, {qid: Answer("error", message=msg) for qid in qids}, msg), None, None
    reading = read_plain(tree, set(qids))
    calls = {
        q.id: [case_args(c) for c in q.spec["cases"]] for q in quiz.questions
        if q.type == "code" and reading.functions.get(q.id) is False
    }
    if not reading.needs_run and not calls:
        return _assemble(quiz, reading, [], ""), None, reading
    names = [q.id for q in quiz.questions if q.type != "code"] if reading.needs_run else []
    request = {"module": quiz.module, "path": os.path.abspath(path), "names": names, "calls": calls}
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
