"""Read a student's answers from an answer sheet.

Plain assignments (``q1 = "B"``) are read from the syntax tree without running
anything.  Only a sheet that computes its answers, or a code task that must be
called, is run, in a separate interpreter (``runner.py``), optionally inside a
sandbox; values come back as plain JSON.

A slip costs only its own question.  A sheet that does not parse is read
statement by statement (``salvage``): each top-level statement that cannot be
read is blanked, the question it answers gets one plain message naming the line
and what to type (``put the letter in quotes: q1 = "B"``), and every other answer
is read and run as usual.  The runner runs the top level statement by statement
too, so a statement that raises costs only the question it assigns.  A problem
that belongs to no question is the sheet's ``problem``, said once.
"""
from __future__ import annotations

import ast
import json
import marshal
import os
import re
import stat
import subprocess
import sys
from dataclasses import dataclass, field
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
    targets: dict[int, str] = field(default_factory=dict)  # first line of a top-level statement -> name it binds
    last: dict[str, ast.stmt] = field(default_factory=dict)  # name -> the last top-level statement binding it
    broken: dict[str, Answer] = field(default_factory=dict)  # question -> why its statement cannot be read
    problems: list[str] = field(default_factory=list)  # slips that belong to no question
    tree: ast.Module | None = None  # the sheet's own tree (not a salvaged one), for readers after grading


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
    bound_at: dict[int, str] = {}
    last: dict[str, ast.stmt] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            continue
        bound = _bound_name(stmt)
        if bound:
            bound_at[stmt.lineno] = bound
            last[bound] = stmt
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
    return _Reading(values, functions, needs_run, bound_at, last)


def _bound_name(stmt: ast.stmt) -> str:
    """The one name a top-level statement binds (``q1 = ...``, ``q1: int = ...``, ``def q1``), or ""."""
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return stmt.name
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
        return stmt.targets[0].id
    if isinstance(stmt, (ast.AnnAssign, ast.AugAssign)) and isinstance(stmt.target, ast.Name):
        return stmt.target.id
    return ""


def _from_runner(encoded: dict) -> Answer:
    if "ok" in encoded:
        if encoded["ok"] is None:
            return Answer("unanswered")
        try:  # a value read from the syntax tree gets the same cleaning as one from a run (lone surrogates)
            return Answer("value", _plain_json(encoded["ok"]))
        except (ValueError, RecursionError):
            return Answer("invalid", message="not a plain value")
    return Answer("invalid", message=encoded.get("invalid") or encoded.get("error", "not a plain value"))


# --- a sheet with slips: read the rest, and say in plain words what to type -----------------

# A line that may start a top-level statement: not indented, not a comment, not the rest of one.
_NOT_START = re.compile(r"[\s#)\]}]|(?:else|elif|except|finally)\b|$")
# A line that clearly starts a new statement of its own (an answer, a function, an import...).
_NEW_STATEMENT = re.compile(
    r"(?:async\s+def|def|class)\s+\w|(?:import|from|if|for|while|with|try)\b|@|[A-Za-z_]\w*\s*(?::[^=]*)?=(?!=)")
_NEXT_PART = re.compile(r"(?:async\s+def|def|class)\s+\w|(?:import|from)\b|@")
_BINDS = re.compile(r"(?:async\s+)?(?:def|class)\s+([A-Za-z_]\w*)|([A-Za-z_]\w*)\s*(?::[^=\n]*)?=(?!=)")
MAX_SLIPS = 30
_CLOSING = {"(": ")", "[": "]", "{": "}"}
_NUMBERS = "use a dot for decimals and no thousands separator: {id} = 12.5 or {id} = 12500 (not 12,5 or 12,500 or 12 500)"


def _parses(text: str) -> SyntaxError | None:
    """None if ``text`` parses, else its SyntaxError.  A sheet past Python's own limits (nesting,
    memory) is no slip to salvage: OverflowError, and the whole sheet is one problem."""
    try:
        ast.parse(text)
    except SyntaxError as exc:
        if "too many" in (exc.msg or "") or "too deep" in (exc.msg or ""):
            raise OverflowError from None
        return exc
    except (ValueError, MemoryError, RecursionError):
        raise OverflowError from None
    return None


def _needs_more(exc: SyntaxError, first_line: str) -> bool:
    """Whether the statement may simply go on past the next unindented line (an open bracket or quote, a body)."""
    msg = exc.msg or ""
    return (first_line.startswith("@") or "never closed" in msg or "triple-quoted" in msg
            or "expected an indented block" in msg or "unexpected EOF" in msg or "incomplete input" in msg)


def _example(node: ast.expr | None, names: dict[str, str]) -> str | None:
    """Python text of ``node`` with bare names written as the quoted text they stand for, or None."""
    if isinstance(node, ast.Name):
        return json.dumps(names.get(node.id, node.id), ensure_ascii=False)
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, int, float)):
        return json.dumps(node.value, ensure_ascii=False)
    if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
        parts = [_example(e, names) for e in node.elts]
        return None if None in parts else "[" + ", ".join(parts) + "]"
    if isinstance(node, ast.Dict) and None not in node.keys:
        parts = [(_example(k, names), _example(v, names)) for k, v in zip(node.keys, node.values)]
        if any(k is None or v is None for k, v in parts):
            return None
        return "{" + ", ".join(f"{k}: {v}" for k, v in parts) + "}"
    return None


def plain_syntax(qid: str, text: str, exc: SyntaxError, is_function: bool) -> str:
    """What to type instead of a statement Python cannot read, in plain words (never Python's)."""
    msg = exc.msg or ""
    first = text.lstrip().splitlines()[0] if text.strip() else ""
    value = first.split("=", 1)[1].strip() if "=" in first and not is_function else ""
    name = qid or "the answer"
    if "indent" in msg or (is_function and "expected" in msg):
        if is_function:
            return "start each line inside the function with 4 spaces (and the def line with none)"
        return f"start the line with {name} at the left edge, with no spaces before it"
    if "triple-quoted" in msg:
        return 'the closing """ of the text is missing; end the text with """ on a line of its own'
    if "unterminated string" in msg or "EOL while scanning" in msg:
        return f'a closing quote is missing: {name} = "..." (the same quote mark at both ends)'
    if "%" in value and re.search(r"\d\s*%", value):
        number = re.search(r"-?\d[\d.,]*", value).group(0)
        return f"leave out the % sign: {name} = {number}"
    if re.fullmatch(r"-?\d[\d.,' _]*", value) and re.search(r"\d[ ',]\d", value):
        return _NUMBERS.format(id=name)
    if "never closed" in msg:
        opening = msg[1:2]
        return f"a closing {_CLOSING.get(opening, 'bracket')} is missing (every {opening} needs its {_CLOSING.get(opening, '')})"
    if "unmatched" in msg:
        return f"there is a {msg[-2:-1] or 'bracket'} too many; check the brackets on this line"
    if re.fullmatch(r"[^\W\d][\w' -]*", value):
        return f'put the text in quotes: {name} = "{value}"'
    if is_function:
        return f"Python cannot read this part of {name}; compare it with the def line the sheet gave you"
    if not qid:
        return "Python cannot read this line; write it like the example in the comment above it"
    return f"Python cannot read this line; write it like the example just above it ({name} = ...)"


def plain_runtime(qid: str, stmt: ast.stmt | None, message: str, options: dict[str, str]) -> str:
    """A statement that stopped with ``message`` (the runner's "NameError (line 3): ..."), in plain words."""
    m = re.match(r"NameError(?: \(line \d+\))?: name '(\w+)' is not defined", message)
    value = getattr(stmt, "value", None)
    if m and qid and value is not None:
        example = _example(value, {})
        if example is not None:
            if isinstance(value, ast.Name) and value.id.upper() in options:
                return f"put the letter in quotes: {qid} = {example}"
            if isinstance(value, ast.Name):
                return f"put the text in quotes: {qid} = {example}"
            return f"put each letter or text in quotes: {qid} = {example}"
    if m:
        return f"{m.group(1)} is not defined above this line; put text in quotes, or define {m.group(1)} first"
    m = re.match(r"(\w+)(?: \(line \d+\))?(?:: (.*))?", message)
    kind, detail = (m.group(1), m.group(2) or "") if m else ("", message)
    words = {"ZeroDivisionError": "this line divides by zero",
             "ModuleNotFoundError": "this line imports a module that is not installed",
             "ImportError": "this line imports something that is not available",
             "TypeError": "this line combines values that do not go together",
             "ValueError": "this line uses a value that does not fit",
             "KeyError": "this line looks up a key that is not there",
             "IndexError": "this line looks up a position past the end of a list"}.get(kind)
    if words:
        return f"{words} ({detail})" if detail else words
    return f"this line stops the sheet: {message}" if message else "this line stops the sheet"


def _bound(line: str) -> str:
    m = _BINDS.match(line)
    return (m.group(1) or m.group(2)) if m else ""


def salvage(text: str, names: Sequence[str] = ()) -> tuple[str, list[tuple[int, str, str]]] | None:
    """Read a sheet that does not parse, statement by statement.

    ``names`` are the sheet's questions.  Returns the sheet with every unreadable top-level statement blanked (line
    numbers kept) and, per blanked statement, (first line, the name it binds or "",
    plain message).  None when nothing can be salvaged within bounds (then the
    whole sheet is one problem, as before).
    """
    lines = text.splitlines(keepends=True)
    n = len(lines)
    starts = [i for i, line in enumerate(lines) if not _NOT_START.match(line)]
    budget = [max(8 * len(text), 400_000)]  # characters parsed, at most
    extents: dict[int, tuple[int | None, SyntaxError | None]] = {}

    def extent(i: int) -> tuple[int | None, SyntaxError | None]:
        """The fewest following starts that make the statement at starts[i] readable (its end index)."""
        if i not in extents:
            first = None
            found = None
            for j in range(i + 1, min(len(starts), i + 60) + 1):
                chunk = "".join(lines[starts[i]:starts[j] if j < len(starts) else n])
                budget[0] -= len(chunk)
                if budget[0] < 0:
                    raise OverflowError
                exc = _parses(chunk)
                if exc is None:
                    found = j
                    break
                first = first or exc
                if not _needs_more(first, lines[starts[i]]):
                    break  # the slip is inside the statement: more lines cannot mend it
            extents[i] = (found, first)
        return extents[i]

    keep = [True] * n
    slips: list[tuple[int, str, str]] = []
    try:
        i = 0
        while i < len(starts):
            end, exc = extent(i)
            if end is not None:
                i = end
                continue
            s = starts[i]
            if exc is not None and "triple-quoted" in (exc.msg or ""):
                k = len(starts)  # an open triple quote takes the rest of the sheet, as Python reads it
            else:
                # the function body or text the broken statement spilled over; a function's body
                # goes on to the next answer, function or import
                in_function = bool(re.match(r"(?:async\s+)?def\s", lines[s]))
                k = i + 1
                while k < len(starts) and not (
                        _NEW_STATEMENT.match(lines[starts[k]]) if not in_function
                        else _NEXT_PART.match(lines[starts[k]]) or _bound(lines[starts[k]]) in names):
                    k += 1
            e = starts[k] if k < len(starts) else n
            if (exc is not None and exc.msg == "unexpected indent" and (exc.lineno or 1) > 1
                    and not re.match(r"(?:async\s+)?def\s", lines[s])
                    and _parses("".join(lines[s:s + exc.lineno - 1])) is None):
                s += exc.lineno - 1  # a good statement, then an indented line of its own: blank only that
                exc = SyntaxError("unexpected indent")
            for line in range(s, e):
                keep[line] = False
            first = lines[s].lstrip()
            m = _BINDS.match(first)
            name = _bound(first)
            is_function = bool(m and m.group(1))
            chunk = "".join(lines[s:e])
            where = s + exc.lineno if exc is not None and exc.lineno else s + 1
            slips.append((min(where, e) if e > s else s + 1, name,
                          plain_syntax(name, chunk, exc or SyntaxError(""), is_function)))
            if len(slips) > MAX_SLIPS:
                return None
            i = k
    except (OverflowError, RecursionError, MemoryError):
        return None
    repaired = "".join(line if keep[i] else ("\n" if line.endswith(("\n", "\r")) else "") for i, line in enumerate(lines))
    try:
        compile(repaired, "<sheet>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None
    return repaired, slips


def _numbers_with_commas(stmt: ast.stmt | None) -> bool:
    """``q5 = 12,500`` or ``q6 = 12,5``: a bare tuple of numbers where one number was meant."""
    value = getattr(stmt, "value", None)
    return (isinstance(value, ast.Tuple) and len(value.elts) > 1
            and all(isinstance(e, ast.Constant) and type(e.value) in (int, float) for e in value.elts))


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
    return no_surrogates(value[:limit])


def no_surrogates(text: str) -> str:
    """``text`` with lone surrogates (a sheet's strings, a folder name that is not UTF-8) replaced by
    U+FFFD, so that every writer can encode it."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in text)
    return text


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
    line = rec.get("line")
    if type(line) is int and 0 < line < 10_000_000:
        out["line"] = line
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
    source, slips = None, []
    try:
        tree = ast.parse(raw, filename=path.name)
    except SyntaxError as exc:
        saved = _salvaged(raw, qids)
        if saved is None:
            where = f" line {exc.lineno}" if exc.lineno else ""
            plain = ("the file holds NUL bytes, so it is not plain text; save it again as plain text"
                     if b"\0" in raw else plain_syntax("", "", exc, False))
            msg = f"{path.name}{where}: {plain}; fix it and check again"
            return SheetAnswers(quiz.module, {qid: Answer("error", message=msg) for qid in qids}, msg), None, None
        source, slips = saved
        tree = ast.parse(source, filename=path.name)
    except (ValueError, UnicodeDecodeError, RecursionError, MemoryError) as exc:
        msg = f"{path.name} cannot be read as Python: {type(exc).__name__}"
        return SheetAnswers(quiz.module, {qid: Answer("error", message=msg) for qid in qids}, msg), None, None
    reading = read_plain(tree, set(qids))
    if source is None:
        reading.tree = tree
    _note_slips(quiz, reading, slips)
    calls = {
        q.id: [case_args(c) for c in q.spec["cases"]] for q in quiz.questions
        if q.type == "code" and reading.functions.get(q.id) is False
    }
    if not reading.needs_run and not calls:
        return _assemble(quiz, reading, [], ""), None, reading
    names = [q.id for q in quiz.questions if q.type != "code"] if reading.needs_run else []
    request = {"module": quiz.module, "path": os.path.abspath(path), "names": names, "calls": calls}
    if source is not None:
        request["source"] = source  # the sheet with its unreadable statements blanked
    else:
        code = _compiled(tree, raw, request["path"])
        if code is not None:
            request["code"] = code
    return None, request, reading


def _compiled(tree: ast.Module, raw: bytes, path: str):
    """The sheet compiled whole for the runner, from the tree read here (cheaper than the runner
    compiling the text again), or None where the runner must decide itself: it may not run the sheet
    whole (``runner.runs_whole``), or compiling fails (the runner then reports it as before).
    ``optimize=0``: the runner's own interpreter (``-I``, never ``-O``) compiles without optimising."""
    if not runner.runs_whole(raw) or not _compiles_quietly(tree):
        return None
    try:
        return compile(tree, path, "exec", dont_inherit=True, optimize=0)
    except (SyntaxError, ValueError, TypeError, RecursionError, MemoryError, OverflowError):
        return None


# What compiling can warn about (SyntaxWarning: "is" with a literal, a call or subscript of a literal,
# an assert of a tuple): here the warning would reach the grader's own stderr, where the runner's
# compiling sent it nowhere; and warnings.catch_warnings is not safe in grading threads.  So a sheet
# holding any of these (or anything that might be one) is left for the runner to compile, as before.
_QUIET_CALLEES = (ast.Name, ast.Attribute, ast.Call, ast.Subscript)
_PLAIN_VALUES = (ast.Constant, ast.List, ast.Tuple, ast.Dict, ast.Set)


def _compiles_quietly(tree: ast.Module) -> bool:
    """Whether compiling ``tree`` surely warns about nothing (see above)."""
    stack = []
    for stmt in tree.body:  # plain answers (a constant, a flat list or dict of constants) hold nothing to warn about
        value = getattr(stmt, "value", None)
        if type(stmt) in (ast.Assign, ast.AnnAssign, ast.Expr) and (
                type(value) is ast.Constant or type(value) in _PLAIN_VALUES
                and all(type(e) is ast.Constant for e in ast.iter_child_nodes(value))):
            continue
        stack.append(stmt)
    while stack:
        node = stack.pop()
        kind = type(node)
        if kind is ast.Assert:
            return False
        if kind is ast.Compare and any(type(op) in (ast.Is, ast.IsNot) for op in node.ops):
            return False
        if kind is ast.Call and type(node.func) not in _QUIET_CALLEES:
            return False
        if kind is ast.Subscript and type(node.value) not in _QUIET_CALLEES:
            return False
        fields = _CHILD_FIELDS.get(kind)
        if fields is None:
            fields = _CHILD_FIELDS[kind] = tuple(f for f in kind._fields if f not in _NO_CHILDREN)
        for name in fields:
            value = getattr(node, name, None)
            if type(value) is list:
                stack.extend([v for v in value if isinstance(v, ast.AST)])
            elif isinstance(value, ast.AST):
                stack.append(value)
    return True


_NO_CHILDREN = ("ctx", "op", "ops", "type_comment", "id", "arg", "attr", "kind", "conversion")  # nothing to warn in
_CHILD_FIELDS: dict = {}  # node class -> its fields that may hold nodes (a Constant's value never does)
_CHILD_FIELDS[ast.Constant] = _CHILD_FIELDS[ast.Name] = ()


def _salvaged(raw: bytes, names: Sequence[str]) -> tuple[str, list[tuple[int, str, str]]] | None:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if "\0" in text:
        return None  # a damaged file, not a slip: the whole sheet is one problem
    if text.startswith("\ufeff"):
        text = text[1:]
    return salvage(text, names)


def _note_slips(quiz: Quiz, reading: _Reading, slips: list[tuple[int, str, str]]) -> None:
    """Give each unreadable statement to the question it answers; numbers written with commas too."""
    qids = {q.id for q in quiz.questions}
    for line, name, message in slips:
        later = reading.last.get(name)
        if name in qids and (later is None or later.lineno < line):
            reading.broken[name] = Answer("invalid", message=f"line {line}: {message}")
            reading.values.pop(name, None)
            reading.functions.pop(name, None)
        elif name not in qids:
            reading.problems.append(f"line {line}: {message}")
    for q in quiz.questions:
        stmt = reading.last.get(q.id)
        if q.type == "numeric" and q.id not in reading.broken and _numbers_with_commas(stmt):
            reading.broken[q.id] = Answer("invalid", message=f"line {stmt.lineno}: {_NUMBERS.format(id=q.id)}")


def _options_of(q) -> dict[str, str]:
    for field_name in ("options", "right", "items"):
        if isinstance(q.spec.get(field_name), dict):
            return {str(k).upper(): str(k) for k in q.spec[field_name]}
    return {}


def _assemble(quiz: Quiz, reading: _Reading, records: list[dict], problem: str) -> SheetAnswers:
    answers: dict[str, Answer] = {}
    qids = {q.id for q in quiz.questions}
    errors = [r for r in records if "error" in r and "name" not in r]
    fatal = next((r for r in errors if "line" not in r), None)
    placed: dict[str, tuple[int, str]] = {}  # question -> (line, the runner's message) of the statement that raised
    problems = list(reading.problems)
    for r in errors:
        if "line" not in r:
            continue
        target = reading.targets.get(r["line"], "")
        if target in qids:
            placed[target] = (r["line"], r["message"])
        else:
            problems.append(f"line {r['line']}: {plain_runtime('', None, r['message'], {})}")
    ran = {r["name"]: r["value"] for r in records if "name" in r and "case" not in r}
    outputs: dict[str, dict[int, dict]] = {}
    for r in records:
        if "case" in r:
            outputs.setdefault(r["name"], {})[int(r["case"])] = r["value"]
    stopped_by = (fatal or {}).get("message") or problem

    def raised(q) -> Answer | None:
        """The error of the statement that last binds ``q``, if that statement raised."""
        if q.id not in placed:
            return None
        line, message = placed[q.id]
        stmt = reading.last.get(q.id)
        if stmt is not None and stmt.lineno != line:
            return None  # a later statement binds it again
        kind = "invalid" if message.startswith("NameError") else "error"  # a slip in how it is written
        return Answer(kind, message=f"line {line}: {plain_runtime(q.id, stmt, message, _options_of(q))}")

    for q in quiz.questions:
        if q.id in reading.broken:
            answers[q.id] = reading.broken[q.id]
        elif q.type == "code":
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
                answers[q.id] = raised(q) or Answer("error", message=stopped_by or f"{q.id} could not be called")
        elif not reading.needs_run:
            answers[q.id] = reading.values.get(q.id, Answer("unanswered"))
        elif raised(q) is not None:
            answers[q.id] = raised(q)
        elif q.id in ran:
            answers[q.id] = _from_runner(ran[q.id])
        elif stopped_by:
            answers[q.id] = reading.values.get(q.id) or Answer("error", message=stopped_by)
        else:
            answers[q.id] = Answer("unanswered")
    if fatal:
        problems.append(fatal["message"])
    elif problem:
        problems.append(problem)
    return SheetAnswers(quiz.module, answers, "; ".join(problems))


def collect(quizzes: Sequence[Quiz], folder: Path, *, timeout: float = 10.0, call_seconds: float = 2.0,
            run: RunFn | None = None, trees: dict | None = None) -> dict[str, SheetAnswers]:
    """Answers of every quiz's sheet ``folder/<module>.py``, running at most one interpreter.

    ``trees``, if given, receives module -> the syntax tree parsed from the sheet's own bytes (modules
    whose sheet did not parse as it is are left out), so that a later reader need not parse it again."""
    results: dict[str, SheetAnswers] = {}
    pending: dict[str, tuple[Quiz, _Reading]] = {}
    requests = []
    for quiz in quizzes:
        done, request, reading = prepare(quiz, Path(folder) / f"{quiz.module}.py")
        if trees is not None and reading is not None and reading.tree is not None:
            trees[quiz.module] = reading.tree
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
