"""Run answer sheets and report their values as plain JSON.

This file is executed as a script in a separate interpreter (``python -I -S
runner.py``), or as code compiled once by the grader and sent on stdin: with
the request, run directly (``sandbox.BOOTSTRAP`` calls ``main(argv, request)``),
or alone, inside the sandbox, where ``serve`` forks a fresh process for each
run and that process reads its own request.  It imports nothing from caselab and only the standard
library, and it never sees a key.  As a script it reads the request from stdin
(JSON, or ``marshal`` with ``--marshal``, which starts faster)::

    {"sheets": [{"module": "kyc", "path": "/sub/kyc.py", "names": ["q1", ...],
                 "calls": {"q9": [[150, 13], ...]}}],
     "call_seconds": 2.0,
     "limits": {"as": 536870912, "nproc": 64, "fsize": 16777216, "cpu": 11},   # optional
     "uid": 1900000001, "gid": 999, "seccomp": b"..."}                          # optional

``limits`` are set on this process before any sheet runs (address space,
processes and threads, file size, CPU seconds); ``uid``, when the runner starts
as root inside the sandbox, is the unprivileged user it becomes before reading
the sheets' code (``nobody`` where that id is not mapped).  With ``gid`` (a named
user, run without bubblewrap) it becomes exactly that user or stops, and
``seccomp`` (a classic BPF program) is then loaded with ``no_new_privs`` before
any sheet runs; a runner that cannot load it stops.  It writes one JSON line per result to the file descriptor it
was given (``--out FD``; stdout by default), so that what finished is kept if
the process is stopped.  The sheet's top level runs statement by statement: a
statement that raises is reported with its first ``line`` and the rest still
runs.  A sheet may carry its text in ``"source"`` (the grader blanked what it
could not read); otherwise it is read from ``path``.  A sheet may also carry
``"code"``: the grader's own compilation of that text (from the syntax tree it
parsed anyway), which the runner then runs whole instead of compiling the sheet
again (compiling cost more than the rest of a run); the text is still read, for
the statement-by-statement path::

    {"module": "kyc", "error": "syntax", "message": "line 4: invalid syntax"}
    {"module": "kyc", "error": "runtime", "message": "NameError (line 9): ...", "line": 9}
    {"module": "kyc", "name": "q1", "value": {"ok": "B"}}
    {"module": "kyc", "name": "q9", "case": 0, "value": {"ok": 12.5}}
    {"done": true}

A value is ``{"ok": plain}`` where plain is built only from exact str, int,
float, bool, None, list and dict (str keys) — subclasses, NaN, infinities and
every other object become ``{"invalid": reason}``.  A record or a call result
that stopped at a limit says which in ``"limit"`` (``call_seconds``,
``memory_mb``, ``processes``, ``file_mb``).

Start-up cost matters (an interpreter per run where no sandbox serves runs): the runner
imports only modules built into the interpreter (``posix`` rather than ``os``; no json, re,
enum or signal wrappers; no ``_ast``) and ``resource``, and runs a sheet whole when that
gives the records of running it statement by statement (``_whole``, ``_raised_at``).
"""
import _signal
import io
import marshal
import posix as os  # os itself costs an import (posixpath, stat, ...); posix is built in and loaded
import sys

MAX_DEPTH = 32
MAX_ITEMS = 10_000
MAX_STR = 100_000
_INF = float("inf")
_ONLY_AST = 0x400  # ast.PyCF_ONLY_AST, without importing ast
# The sheets share this interpreter's builtins; keep our own references to the ones plain() relies on.
_type, _str, _sorted, _abs, _compile, _exec = type, str, sorted, abs, compile, exec


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
    kind = _type(value)
    if value is None or kind is bool or kind is int:
        if kind is int and _abs(value) > 10**18:
            raise Invalid("the number is too large")
        return value
    if kind is float:
        if value != value or value == _INF or value == -_INF:
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
            return _sorted(items)
        except TypeError:
            raise Invalid("a set of mixed values") from None
    if kind is dict:
        out = {}
        for k, v in value.items():
            if _type(k) not in (str, int):
                raise Invalid("dictionary keys must be text or whole numbers")
            out[_str(k)] = plain(v, depth + 1, budget)
        return out
    raise Invalid(f"a {kind.__name__!s} object is not a plain value (use str, int, float, list or dict)")


def encode(value):
    try:
        return {"ok": plain(value)}
    except Invalid as exc:
        return {"invalid": str(exc)}
    except RecursionError:
        return {"invalid": "the answer is nested too deeply"}


# --- a small JSON writer (json itself costs more to import than the rest of the run) ------

_ESCAPES = {i: f"\\u{i:04x}" for i in range(32)}
_ESCAPES.update({ord('"'): '\\"', ord("\\"): "\\\\", 8: "\\b", 9: "\\t", 10: "\\n", 12: "\\f", 13: "\\r"})


def _json_str(s):
    if s.isascii() and s.isprintable() and '"' not in s and "\\" not in s:
        return f'"{s}"'
    s = s.translate(_ESCAPES)
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: write them as escapes
        s = "".join(f"\\u{ord(c):04x}" if "\ud800" <= c <= "\udfff" else c for c in s)
    return f'"{s}"'


def to_json(value):
    """JSON text of a plain value (what ``plain`` returns, and the records around it)."""
    kind = _type(value)
    if kind is str:
        return _json_str(value)
    if kind is dict:
        return "{" + ",".join([_json_str(k if _type(k) is str else _str(k)) + ":" + to_json(v)
                               for k, v in value.items()]) + "}"
    if kind is int:
        return _str(value)
    if kind is float:
        if value != value or value == _INF or value == -_INF:
            raise ValueError("not a finite number")
        return repr(value)
    if kind is list:
        return "[" + ",".join([to_json(v) for v in value]) + "]"
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    raise TypeError(f"{kind.__name__} is not plain data")


class CallTimeout(BaseException):
    pass


def _alarm(signum, frame):
    raise CallTimeout()


def _limit(exc):
    """The limit an exception shows the sheet ran into, if any."""
    if isinstance(exc, MemoryError):
        return "memory_mb"
    if isinstance(exc, BlockingIOError) or (isinstance(exc, RuntimeError) and "can't start new thread" in str(exc)):
        return "processes"
    if isinstance(exc, OSError) and exc.errno in (27, 28, 122):  # EFBIG, ENOSPC, EDQUOT
        return "file_mb"
    return ""


def describe(exc, path):
    """One plain line: the exception and the sheet's line it came from."""
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == path:
            line = tb.tb_lineno
        tb = tb.tb_next
    where = f" (line {line})" if line else ""
    try:
        text = str(exc)[:200]
    except BaseException:  # an exception whose __str__ fails or lies
        text = ""
    return f"{type(exc).__name__}{where}: {text}" if text else f"{type(exc).__name__}{where}"


def _with_limit(record, exc):
    limit = _limit(exc)
    if limit:
        record["limit"] = limit
    return record


# Words of a sheet that can tell running it whole from running it statement by statement: a
# ``__future__`` import (it reaches every later statement only when compiled together), and whatever
# looks at the sheet's own namespace, where ``__doc__`` differs (each lone string statement compiled
# apart sets it).
_APART = ("__future__", "__doc__", "globals", "locals", "vars", "dir(", "dir (", "_getframe", "currentframe")
_APART_BYTES = tuple(w.encode() for w in _APART)


def runs_whole(source):
    """Whether the sheet may be run whole: it holds none of the words of ``_APART`` (the grader asks
    too, before it compiles a sheet for the runner)."""
    for word in _APART_BYTES if _type(source) is bytes else _APART:
        if word in source:
            return False
    return True


def _whole(source, path):
    """The sheet compiled whole, or None where running it whole could differ from running it statement
    by statement: it does not compile whole (a statement that fails only when compiled), or it holds
    one of the words of ``_APART``."""
    if not runs_whole(source):
        return None
    try:
        return _compile(source, path, "exec", dont_inherit=True)
    except BaseException:  # noqa: BLE001  (the statement-by-statement path reports it)
        return None


_code_type = _type(runs_whole.__code__)


def _named(code, path):
    """``code`` with ``path`` as the file name of it and of every function in it: tracebacks are matched
    on it (``describe``), and the grader compiled the sheet under the name it has outside the sandbox."""
    if code.co_filename == path:
        return code
    consts = tuple([_named(c, path) if _type(c) is _code_type else c for c in code.co_consts])
    return code.replace(co_filename=path, co_consts=consts)


def _raised_at(exc, code, body):
    """The index in ``body`` of the top-level statement that raised ``exc`` while ``code`` (the whole
    sheet) ran, from the position of the module frame's last instruction; None if it cannot be told."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code is not code:
        tb = tb.tb_next
    if tb is None:
        return None
    try:
        line, _end, col, _end_col = list(code.co_positions())[tb.tb_lasti // 2]
    except (IndexError, ValueError):
        line, col = tb.tb_lineno, None
    if line is None:
        line = tb.tb_lineno
    if line is None:
        return None
    where = (line, col if col is not None else 0)
    found = None
    for i, stmt in enumerate(body):
        first = min([(stmt.lineno, stmt.col_offset)]
                    + [(d.lineno, d.col_offset - 1) for d in getattr(stmt, "decorator_list", ())])
        if first > where:
            break
        found = i
    return found


def _report(exc, stmt, module, path, emit):
    """Emit the record of ``stmt`` raising ``exc``; True when the sheet's top level must stop there."""
    if isinstance(exc, SyntaxError):  # found only when compiled ('return' outside a function...)
        emit({"module": module, "error": "syntax", "message": f"line {exc.lineno}: {exc.msg}",
              "line": stmt.lineno})
        return False
    emit(_with_limit({"module": module, "error": "runtime", "message": describe(exc, path),
                      "line": stmt.lineno}, exc))
    return bool(_limit(exc))  # out of memory or processes: what follows would only fail the same way


def run_sheet(sheet, emit, call_seconds, source=None, flush=None):
    """Run one sheet: its top level, then its names, then each code task's calls.

    ``flush`` (if given) is called once what is emitted must survive a crash:
    after the names, and after each code task's cases (one write per step rather
    than one per record; a run that dies loses at most the task it died in).
    """
    flush = flush or (lambda: None)
    module, path = sheet["module"], sheet["path"]
    code = tree = None
    try:
        if sheet.get("source") is not None:  # the grader blanked statements it could not read
            source = sheet["source"]
        if source is None:
            with open(path, "rb") as f:
                source = f.read()
        if _type(sheet.get("code")) is _code_type:  # compiled whole by the grader (``runs_whole`` said yes)
            code = _named(sheet["code"], path)
        else:
            code = _whole(source, path)
        if code is None:
            tree = _compile(source, path, "exec", _ONLY_AST, dont_inherit=True)
    except SyntaxError as exc:
        emit({"module": module, "error": "syntax", "message": f"line {exc.lineno}: {exc.msg}"})
        return
    except (ValueError, UnicodeDecodeError) as exc:
        emit({"module": module, "error": "syntax", "message": f"the sheet cannot be read: {exc}"})
        return
    except OSError as exc:
        emit({"module": module, "error": "missing", "message": f"cannot open the sheet: {exc.strerror}"})
        return
    except (MemoryError, RecursionError) as exc:
        message = f"the sheet cannot be compiled: {type(exc).__name__}"
        emit(_with_limit({"module": module, "error": "syntax", "message": message}, exc))
        return
    namespace = {"__name__": "__sheet__", "__file__": path, "__builtins__": __builtins__}
    _signal.signal(_signal.SIGALRM, _alarm)
    # Statement by statement: one that raises costs only what it binds; the others still run.
    # The sheet is first run whole (compiling each statement apart costs more than the rest of a run);
    # if a statement raises, it is reported as the loop below would, and the loop runs the rest.
    try:
        _signal.setitimer(_signal.ITIMER_REAL, call_seconds)
        start = 0
        if code is not None:
            failed = None
            try:
                _exec(code, namespace)
            except CallTimeout:
                raise
            except BaseException as exc:
                failed = exc
            if failed is not None:
                try:
                    tree = _compile(source, path, "exec", _ONLY_AST, dont_inherit=True)
                except CallTimeout:
                    raise
                except BaseException:  # out of memory: say what the sheet raised, and stop its top level
                    emit(_with_limit({"module": module, "error": "runtime", "message": describe(failed, path)},
                                     failed))
                if tree is not None:
                    start = _raised_at(failed, code, tree.body)
                    stop = start is None
                    start = start or 0
                    stop = _report(failed, tree.body[start], module, path, emit) or stop
                    start = len(tree.body) if stop else start + 1
                failed = None
        if tree is not None:
            module_type = _type(tree)  # _ast.Module, without importing _ast (its import costs more than a run)
            for stmt in tree.body[start:]:
                try:
                    _exec(_compile(module_type([stmt], []), path, "exec", dont_inherit=True), namespace)
                except CallTimeout:
                    raise
                except BaseException as exc:  # the sheet may raise anything, SystemExit included
                    if _report(exc, stmt, module, path, emit):
                        break  # out of memory or processes: what follows would only fail the same way
    except CallTimeout:
        emit({"module": module, "error": "timeout", "message": f"the sheet ran for more than {call_seconds:g} s",
              "limit": "call_seconds"})
    finally:
        _signal.setitimer(_signal.ITIMER_REAL, 0)
    for name in sheet.get("names", []):
        if name in namespace:
            emit({"module": module, "name": name, "value": encode(namespace[name])})
    flush()
    for name, cases in sheet.get("calls", {}).items():
        fn = namespace.get(name)
        if not callable(fn):
            continue
        for i, args in enumerate(cases):
            try:
                _signal.setitimer(_signal.ITIMER_REAL, call_seconds)
                result = encode(fn(*args))
            except CallTimeout:
                result = {"error": f"the call took more than {call_seconds:g} s", "limit": "call_seconds"}
            except BaseException as exc:
                result = _with_limit({"error": describe(exc, path)}, exc)
            finally:
                _signal.setitimer(_signal.ITIMER_REAL, 0)
            emit({"module": module, "name": name, "case": i, "value": result})
            if "error" in result:  # the slow, rare path: keep it even if a later case kills the run
                flush()
        flush()


def _read_request(argv):
    data = sys.stdin.buffer.read()
    if "--marshal" in argv:
        return marshal.loads(data)
    import json

    return json.loads(data)


def _confine(request):
    """Set the resource limits, then give up root if the sandbox started us as root."""
    limits = request.get("limits") or {}
    if limits:
        import resource

        for name, key in (("RLIMIT_AS", "as"), ("RLIMIT_NPROC", "nproc"), ("RLIMIT_FSIZE", "fsize"),
                          ("RLIMIT_CPU", "cpu"), ("RLIMIT_NOFILE", "nofile"), ("RLIMIT_CORE", "core")):
            if key in limits:
                value = int(limits[key])
                hard = value + 1 if key == "cpu" else value  # SIGXCPU at the soft limit, SIGKILL one second later
                resource.setrlimit(getattr(resource, name), (value, hard))
    if request.get("seccomp"):
        import ctypes  # noqa: F401  (imported while the standard library is surely readable)
    uid = request.get("uid")
    if uid is not None and os.getuid() == 0:
        os.setgroups([])
        # nobody, where ids that high are not mapped (some containers); a named user (gid given): that user only
        ids = [(uid, request["gid"])] if "gid" in request else [(uid, uid), (65534, 65534)]
        for user, group in ids:
            try:
                os.setresgid(group, group, group)
                os.setresuid(user, user, user)
                break
            except OSError:
                continue
        if os.getuid() == 0 or os.geteuid() == 0 or os.getuid() != ids[0][0] and "gid" in request:
            raise SystemExit("could not give up root")
    if request.get("seccomp"):
        _load_seccomp(request["seccomp"])


def _load_seccomp(program):
    """Load a classic BPF seccomp filter on this process (no_new_privs first); stop if it cannot be loaded."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    filters = ctypes.create_string_buffer(bytes(program), len(program))

    class Prog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    prog = Prog(len(program) // 8, ctypes.addressof(filters))
    ul = ctypes.c_ulong
    libc.prctl.argtypes = [ctypes.c_int, ul, ul, ul, ul]
    # PR_SET_NO_NEW_PRIVS = 38; PR_SET_SECCOMP = 22 with SECCOMP_MODE_FILTER = 2
    if libc.prctl(38, 1, 0, 0, 0) != 0 or libc.prctl(22, 2, ctypes.addressof(prog), 0, 0) != 0:
        raise SystemExit(f"could not load the system call filter (errno {ctypes.get_errno()})")


def main(argv, request=None):
    """Run the request (read from stdin unless given: the sandbox sends this code and the request together)."""
    out_fd = int(argv[argv.index("--out") + 1]) if "--out" in argv else 1
    out = io.open(os.dup(out_fd), "w", encoding="utf-8")
    if request is None:
        request = _read_request(argv)
    sheets = request["sheets"]
    # Read the sheets before giving up root: the sandbox's copy may be readable by its owner only.
    sources = {}
    for sheet in sheets:
        if sheet.get("source") is not None:  # sent with the request (the sandbox sends every sheet's text)
            continue
        try:
            with open(sheet["path"], "rb") as f:
                sources[sheet["path"]] = f.read()
        except OSError:
            pass  # run_sheet reports it
    _confine(request)
    sys.stdin = open("/dev/null", encoding="utf-8")
    # The sheets' own output goes nowhere: only the results line protocol is read.
    os.dup2(os.open("/dev/null", os.O_RDONLY), 0)
    devnull = os.open("/dev/null", os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    if out_fd not in (0, 1, 2):
        os.close(out_fd)
    sys.setrecursionlimit(2000)

    def emit(record):
        try:
            line = to_json(record)
        except Exception:
            # something pretended to be plain (a sheet may patch this module); say so instead
            line = to_json({k: record[k] for k in ("module", "name", "case") if k in record}
                           | {"value": {"invalid": "not a plain value"}})
        out.write(line + "\n")

    call_seconds = float(request.get("call_seconds", 2.0))
    for sheet in sheets:
        run_sheet(sheet, emit, call_seconds, sources.get(sheet["path"]), out.flush)
    emit({"done": True})
    out.flush()
    os._exit(0)  # skip atexit handlers and threads the sheets may have started


def serve(argv):
    """Inside the sandbox: start each run as a fresh process forked from this one (``sandbox.Session``).

    This process runs only this file's code: it never reads a request, so no student's sheet is ever
    in the memory a later run is forked from.  For each byte ``r`` on stdin it forks; the child reads
    its own request (a 4-byte little-endian length, then ``marshal`` data) from stdin and runs ``main``
    (rlimits, its own user id, the seccomp filter, then the sheets), writing its results to stdout.
    When the child has ended, this process writes 8 bytes on the ``--status`` descriptor: the child's
    exit status (``128 + N`` for signal N, as bubblewrap reports one) and 1 when /tmp is no longer empty
    or anything else the run could leave is not as it was (``_left_state``), else 0.  After a run that
    did not exit with 0 or left anything, it ends (the grader ends the sandbox then and starts a fresh
    one for the next run; and a run that ended before reading all its request left the rest on stdin,
    never to be read as a command).  Anything but ``r`` (or the end of stdin) ends it too.
    """
    status_fd = int(argv[argv.index("--status") + 1])
    import resource  # noqa: F401  (imported once here rather than in every run)
    import ctypes  # noqa: F401  (each run loads the seccomp filter itself: this process must still fork)
    import fcntl

    fresh = _left_state(fcntl)
    while os.read(0, 1) == b"r":
        pid = os.fork()
        if pid == 0:
            _serve_one(status_fd, argv)
        code = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
        code = 128 - code if code < 0 else code
        try:
            with os.scandir("/tmp") as entries:
                dirty = next(entries, None) is not None or _left_state(fcntl) != fresh
        except BaseException:  # whatever makes the check fail, the sandbox is not used again
            dirty = True
        os.write(status_fd, code.to_bytes(4, "little") + int(dirty).to_bytes(4, "little"))
        if code or dirty:  # the grader ends this sandbox now; and what is left on stdin may be a request's rest
            break
    os._exit(0)


def _left_state(fcntl):
    """What a run could leave behind for the next beyond files in /tmp, compared after each run.

    The results pipe's open file, which the next run's results descriptor shares: its flags
    (O_NONBLOCK, O_ASYNC), its signal owner (F_GETOWN_EX, 16: F_GETOWN cannot tell a process group
    from an error) and its signal (F_GETSIG, 11).  And /tmp's free blocks and inodes: a file unlinked
    but kept open, in flight in a unix socket that holds itself, outlives the run's process.
    """
    tmp = os.statvfs("/tmp")
    return (fcntl.fcntl(1, fcntl.F_GETFL), fcntl.fcntl(1, 16, bytes(8)), fcntl.fcntl(1, 11),
            tmp.f_bfree, tmp.f_ffree)


def _serve_one(status_fd, argv):
    """A forked run: read this run's request, run it (``main`` ends the process), never return."""
    code = 1
    try:
        os.close(status_fd)  # only the parent reports how a run ended
        size = int.from_bytes(_read_exactly(0, 4), "little")
        main(argv, marshal.loads(_read_exactly(0, size)))
    except SystemExit as exc:
        code = exc.code if type(exc.code) is int else 1
        if type(exc.code) is not int and exc.code is not None:
            os.write(2, (_str(exc.code) + "\n").encode("utf-8", "replace"))
    except BaseException as exc:
        os.write(2, f"caselab runner: {_type(exc).__name__}: {exc}\n".encode("utf-8", "replace"))
    finally:
        os._exit(code)


def _read_exactly(fd, size):
    chunks, left = [], size
    while left:
        chunk = os.read(fd, left)
        if not chunk:
            raise EOFError("the request ended early")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


if __name__ == "__main__":
    main(sys.argv)
