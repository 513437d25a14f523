"""Run answer sheets and report their values as plain JSON.

This file is executed as a script in a separate interpreter (``python -I -S
runner.py``), inside the sandbox when grading: it imports nothing from caselab
and only the standard library, and it never sees a key.  It reads a request
from stdin::

    {"sheets": [{"module": "kyc", "path": "/sub/kyc.py", "names": ["q1", ...],
                 "calls": {"q9": [[150, 13], ...]}}],
     "call_seconds": 2.0}

and writes one JSON line per result to the file descriptor it was given
(``--out FD``; stdout by default), so that what finished is kept if the process
is stopped::

    {"module": "kyc", "error": "syntax", "message": "line 4: invalid syntax"}
    {"module": "kyc", "name": "q1", "value": {"ok": "B"}}
    {"module": "kyc", "name": "q9", "case": 0, "value": {"ok": 8.67}}
    {"done": true}

A value is ``{"ok": plain}`` where plain is built only from exact str, int,
float, bool, None, list and dict (str keys) — subclasses, NaN, infinities and
every other object become ``{"invalid": reason}``.
"""
import json
import math
import os
import signal
import sys

MAX_DEPTH = 32
MAX_ITEMS = 10_000
MAX_STR = 100_000


class Invalid(Exception):
    pass


def plain(value, depth=0, budget=None):
    """``value`` as JSON-plain data, or raise Invalid saying why it is not an answer."""
    budget = budget if budget is not None else [MAX_ITEMS]
    budget[0] -= 1
    if budget[0] < 0:
        raise Invalid("the answer is too large")
    if depth > MAX_DEPTH:
        raise Invalid("the answer is nested too deeply")
    kind = type(value)
    if value is None or kind is bool or kind is int:
        if kind is int and abs(value) > 10**18:
            raise Invalid("the number is too large")
        return value
    if kind is float:
        if not math.isfinite(value):
            raise Invalid("NaN and infinities are never a right answer")
        return value
    if kind is str:
        if len(value) > MAX_STR:
            raise Invalid("the text is too long")
        return value
    if kind in (list, tuple):
        return [plain(v, depth + 1, budget) for v in value]
    if kind in (set, frozenset):
        items = [plain(v, depth + 1, budget) for v in value]
        try:
            return sorted(items)
        except TypeError:
            raise Invalid("a set of mixed values") from None
    if kind is dict:
        out = {}
        for k, v in value.items():
            if type(k) not in (str, int):
                raise Invalid("dictionary keys must be text or whole numbers")
            out[str(k)] = plain(v, depth + 1, budget)
        return out
    raise Invalid(f"a {kind.__name__!s} object is not a plain value (use str, int, float, list or dict)")


def encode(value):
    try:
        return {"ok": plain(value)}
    except Invalid as exc:
        return {"invalid": str(exc)}
    except RecursionError:
        return {"invalid": "the answer is nested too deeply"}


class CallTimeout(BaseException):
    pass


def _alarm(signum, frame):
    raise CallTimeout()


def describe(exc, path):
    """One plain line: the exception and the sheet's line it came from."""
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == path:
            line = tb.tb_lineno
        tb = tb.tb_next
    where = f" (line {line})" if line else ""
    text = str(exc)[:200]
    return f"{type(exc).__name__}{where}: {text}" if text else f"{type(exc).__name__}{where}"


def run_sheet(sheet, emit, call_seconds):
    module, path = sheet["module"], sheet["path"]
    try:
        with open(path, "rb") as f:
            source = f.read()
        code = compile(source, path, "exec", dont_inherit=True)
    except SyntaxError as exc:
        emit({"module": module, "error": "syntax", "message": f"line {exc.lineno}: {exc.msg}"})
        return
    except (ValueError, UnicodeDecodeError) as exc:
        emit({"module": module, "error": "syntax", "message": f"the sheet cannot be read: {exc}"})
        return
    except OSError as exc:
        emit({"module": module, "error": "missing", "message": f"cannot open the sheet: {exc.strerror}"})
        return
    namespace = {"__name__": "__sheet__", "__file__": path, "__builtins__": __builtins__}
    signal.signal(signal.SIGALRM, _alarm)
    try:
        signal.setitimer(signal.ITIMER_REAL, call_seconds)
        exec(code, namespace)
    except CallTimeout:
        emit({"module": module, "error": "timeout", "message": f"the sheet ran for more than {call_seconds:g} s"})
    except BaseException as exc:  # the sheet may raise anything, SystemExit included
        emit({"module": module, "error": "runtime", "message": describe(exc, path)})
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    for name in sheet.get("names", []):
        if name in namespace:
            emit({"module": module, "name": name, "value": encode(namespace[name])})
    for name, cases in sheet.get("calls", {}).items():
        fn = namespace.get(name)
        if not callable(fn):
            continue
        for i, args in enumerate(cases):
            try:
                signal.setitimer(signal.ITIMER_REAL, call_seconds)
                result = encode(fn(*args))
            except CallTimeout:
                result = {"error": f"the call took more than {call_seconds:g} s"}
            except BaseException as exc:
                result = {"error": describe(exc, path)}
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
            emit({"module": module, "name": name, "case": i, "value": result})


def main(argv):
    out_fd = int(argv[argv.index("--out") + 1]) if "--out" in argv else 1
    out = os.fdopen(os.dup(out_fd), "w", encoding="utf-8")
    request = json.loads(sys.stdin.read())
    sys.stdin = open(os.devnull)
    # The sheets' own output goes nowhere: only the results line protocol is read.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    if out_fd not in (1, 2):
        os.close(out_fd)
    sys.setrecursionlimit(2000)

    def emit(record):
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        out.flush()

    for sheet in request["sheets"]:
        run_sheet(sheet, emit, float(request.get("call_seconds", 2.0)))
    emit({"done": True})
    out.flush()
    os._exit(0)  # skip atexit handlers and threads the sheets may have started


if __name__ == "__main__":
    main(sys.argv)
