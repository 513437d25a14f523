"""Grade a class's submissions safely: intake, a sandboxed run, checking in the parent, one result each.

    results = grade_many(discover_submissions(folder), quizzes, workdir=out / "work")

One submission is one folder or one ``.zip`` (the student id is its name
without ``.zip``).  Its sheets ``<module>.py`` sit directly inside it, under
``exercises/``, or either of those inside one top folder (``exercises/`` wins
when both hold a sheet).  For each submission:

1. **Intake.**  The submission is read, never changed.  Symbolic links and
   special files (in a folder or a zip), zip entries that climb out of the
   archive (``..``, absolute paths, drive letters) or appear twice, more than
   ``Limits.members`` entries, more than ``Limits.archive_mb`` uncompressed, or
   an entry compressed more than 100:1 refuse the whole submission.  Only the
   sheets of the graded modules are copied, each at most ``Limits.sheet_kb``,
   into a private folder made inside ``workdir`` and removed afterwards.
2. **Reading.**  Sheets that hold only plain assignments are read from their
   syntax tree without running anything (``answers.py``).
3. **Running.**  What must run (computed answers, code tasks) runs in one
   sandboxed interpreter per submission (``sandbox.py``), which gets the
   sheets, the answer names and the code tasks' inputs — never a key — and
   answers with JSON lines.
4. **Checking.**  The answers are compared with the keys here, in the parent
   (``checking.py``).

Statuses (``StudentResult.status``; ``STATUSES`` maps each to a short gloss).  A
refusal at intake (``empty``, ``unsafe-archive``, ``broken-archive``, ``too-large``
for an archive) ends grading there; otherwise the first that applies, in the
order of the table from ``unsandboxed`` down, is the status:

=================  ===========================================================================
``ok``             every sheet found was read or ran to the end (answers may still be wrong)
``empty``          no answer sheet of a graded module in the submission
``unsafe-archive`` a symbolic link, a special file, or a zip entry that would land outside it
``broken-archive`` not a readable zip (corrupt, truncated, encrypted sheet, unknown compression)
``too-large``      a zip bomb or too many entries (refused); or, after ``crashed`` below, a
                   sheet above ``Limits.sheet_kb`` (its questions are errors, the others graded)
``unsandboxed``    code had to run and no sandbox is available; plain answers were still read
``internal-error`` the grader itself failed on this submission (a bug; the batch goes on)
``output-limit``   the run wrote more than ``Limits.output_kb`` of results and was stopped
``timeout``        the run passed ``Limits.seconds`` (stopped), or a sheet or call passed ``call_seconds``
``memory``         the run ran out of its ``Limits.memory_mb``
``processes``      the run tried to start a process, or more than ``Limits.processes`` threads
``file-limit``     the run wrote a file above ``Limits.file_mb`` or filled its private /tmp
``crashed``        the interpreter ended before finishing (os._exit, a segfault, a signal)
``sheet-error``    a sheet has a syntax error or raised an exception (sys.exit included)
=================  ===========================================================================

``limits_hit`` names the ``Limits`` fields a submission ran into (``seconds``,
``call_seconds``, ``memory_mb``, ``processes``, ``file_mb``, ``output_kb``,
``sheet_kb``, ``archive_mb``, ``members``).  Questions that could not be read
get an ``error`` outcome (``unanswered`` for an empty submission), so every
result has an outcome for every question of every graded module, in order.

Without a sandbox (``sandbox_available()`` says why), ``grade_*`` with
``sandbox=True`` still reads plain sheets but runs nothing: a submission that
needs a run gets ``unsandboxed``.  ``sandbox=False`` runs the sheets directly
(only for submissions you trust).
"""
from __future__ import annotations

import os
import shutil
import signal
import stat
import tempfile
import time
import zipfile
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator, Mapping, Sequence

from . import sandbox as _sandbox
from .answers import Answer, SheetAnswers, collect, parse_records
from .checking import Outcome, check
from .quiz import Quiz
from .sandbox import Limits

__all__ = ["Limits", "StudentResult", "STATUSES", "discover_submissions", "grade_submission", "grade_many",
           "sandbox_available"]

STATUSES = {
    "ok": "graded",
    "empty": "no answer sheet found",
    "unsafe-archive": "refused: a link, a special file or a path outside the submission",
    "broken-archive": "refused: not a readable zip",
    "too-large": "refused or partly graded: too large",
    "unsandboxed": "not run: no sandbox available",
    "output-limit": "stopped: too much output",
    "timeout": "stopped: too long",
    "memory": "ran out of memory",
    "processes": "tried to start a process or too many threads",
    "file-limit": "wrote too large a file",
    "crashed": "the interpreter crashed",
    "sheet-error": "a sheet could not be read or raised an error",
    "internal-error": "the grader failed",
}
LIMIT_NAMES = ("seconds", "call_seconds", "memory_mb", "processes", "file_mb", "output_kb", "sheet_kb",
               "archive_mb", "members")
# the status a limit gives, in order of seriousness
_LIMIT_STATUS = (("output_kb", "output-limit"), ("seconds", "timeout"), ("call_seconds", "timeout"),
                 ("memory_mb", "memory"), ("processes", "processes"), ("file_mb", "file-limit"))
MAX_RATIO = 100  # an entry compressed more than this (and over 1 MB unpacked) is a zip bomb
_IGNORED_TOP = ("__MACOSX",)


@dataclass(frozen=True)
class StudentResult:
    student: str
    status: str  # one of STATUSES
    message: str  # one plain sentence, "" when ok
    outcomes: tuple  # caselab.checking.Outcome for every question of every graded module, in order
    limits_hit: tuple[str, ...] = ()  # Limits fields the submission ran into
    problems: tuple[tuple[str, str], ...] = ()  # (module, sentence) for each sheet that could not be read or run
    seconds: float = 0.0  # wall clock spent on this submission

    @property
    def score(self) -> float:
        return round(sum(o.points for o in self.outcomes), 4)

    @property
    def max_score(self) -> float:
        return round(sum(o.max_points for o in self.outcomes), 4)


def sandbox_available() -> tuple[bool, str]:
    """(True, "") when sheets can run in the bubblewrap sandbox here; else (False, why)."""
    return _sandbox.available()


# --- finding submissions -----------------------------------------------------------------------

def discover_submissions(folder: Path) -> list[tuple[str, Path]]:
    """One ``(student id, path)`` per folder or ``.zip`` in ``folder``, sorted by id.

    Hidden entries, ``__MACOSX`` and other files are skipped.  Symbolic links
    are listed (grading refuses them, so the report shows them).  If both
    ``alice/`` and ``alice.zip`` exist, the zip's id is ``alice.zip``.
    """
    found: dict[str, Path] = {}
    zips = []
    with os.scandir(folder) as entries:
        for e in sorted(entries, key=lambda e: e.name):
            if e.name.startswith(".") or e.name in ("__MACOSX", "__pycache__"):
                continue
            if e.name.lower().endswith(".zip") and (e.is_symlink() or e.is_file(follow_symlinks=False)):
                zips.append(e)
            elif e.is_symlink() or e.is_dir(follow_symlinks=False):
                found[e.name] = Path(e.path)
    for e in zips:
        sid = e.name[:-4]
        found[sid if sid and sid not in found else e.name] = Path(e.path)
    return sorted(found.items())


# --- intake: refuse what is unsafe, copy the sheets that matter ---------------------------------

class Refused(Exception):
    def __init__(self, status: str, message: str, limit: str = ""):
        super().__init__(message)
        self.status, self.message, self.limit = status, message, limit


@dataclass
class Intake:
    found: set[str]  # modules whose sheet was copied
    too_large: dict[str, str]  # module -> sentence


def _mb(n: int) -> str:
    return f"{n / 2**20:,.1f} MB" if n >= 2**20 else f"{n / 1024:,.0f} KB"


def _locate(files: set[str], dirs: set[str], modules: Sequence[str]) -> dict[str, str]:
    """module -> the sheet's relative path, by the rule in the module docstring."""
    def sheets_at(prefix: str) -> dict[str, str]:
        out = {}
        for m in modules:
            for rel in (f"{prefix}exercises/{m}.py", f"{prefix}{m}.py"):
                if rel in files:
                    out[m] = rel
                    break
        return out

    here = sheets_at("")
    if here:
        return here
    tops = {p.split("/", 1)[0] for p in files | dirs if "/" in p} | {d for d in dirs if "/" not in d}
    tops = {t for t in tops if not t.startswith(".") and t not in _IGNORED_TOP}
    if len(tops) == 1:
        return sheets_at(next(iter(tops)) + "/")
    return {}


def _write_sheet(dest: Path, module: str, data: bytes) -> None:
    fd = os.open(dest / f"{module}.py", os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(dest / f"{module}.py", 0o644)


def _intake_folder(root: Path, modules: Sequence[str], dest: Path, limits: Limits) -> Intake:
    files, dirs = set(), set()
    stack = [("", str(root))]
    count = 0
    while stack:
        rel_dir, full = stack.pop()
        try:
            entries = list(os.scandir(full))
        except OSError as exc:
            raise Refused("broken-archive", f"the folder {rel_dir or '.'} cannot be read ({exc.strerror})") from None
        for e in entries:
            count += 1
            if count > limits.members:
                raise Refused("too-large", f"the submission holds more than {limits.members:,} files and folders",
                              "members")
            rel = f"{rel_dir}{e.name}"
            if e.is_symlink():
                raise Refused("unsafe-archive", f"{rel} is a symbolic link; submit the files themselves")
            if e.is_dir(follow_symlinks=False):
                dirs.add(rel)
                stack.append((rel + "/", e.path))
            elif e.is_file(follow_symlinks=False):
                files.add(rel)
            else:
                raise Refused("unsafe-archive", f"{rel} is not a regular file (a pipe, a socket or a device)")
    intake = Intake(set(), {})
    cap = limits.sheet_kb * 1024
    for module, rel in _locate(files, dirs, modules).items():
        try:
            fd = os.open(root / rel, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError as exc:
            raise Refused("unsafe-archive" if exc.errno == 40 else "broken-archive",
                          f"{rel} cannot be opened ({exc.strerror})") from None
        with os.fdopen(fd, "rb") as f:
            st = os.fstat(f.fileno())
            if not stat.S_ISREG(st.st_mode):
                raise Refused("unsafe-archive", f"{rel} is not a regular file")
            if st.st_nlink > 1:
                raise Refused("unsafe-archive", f"{rel} is a hard link to another file; submit a copy of the file itself")
            if st.st_size > cap:
                intake.too_large[module] = f"{rel} is {_mb(st.st_size)}; a sheet may be at most {_mb(cap)}"
                continue
            data = f.read(cap + 1)
        if len(data) > cap:
            intake.too_large[module] = f"{rel} is larger than {_mb(cap)}, the most a sheet may be"
            continue
        _write_sheet(dest, module, data)
        intake.found.add(module)
    return intake


def _zip_entries_declared(f) -> int | None:
    """The entry count in the zip's end record, read before the central directory is parsed."""
    try:
        end = zipfile._EndRecData(f)  # noqa: SLF001 (stable since Python 2; avoids parsing a huge directory)
    except (OSError, AttributeError, ValueError, zipfile.BadZipFile):
        return None
    return None if end is None else end[zipfile._ECD_ENTRIES_TOTAL]  # noqa: SLF001


def _unsafe_name(name: str) -> bool:
    norm = name.replace("\\", "/")
    parts = norm.split("/")
    return (norm.startswith("/") or ".." in parts or "\x00" in name
            or (len(norm) >= 2 and norm[1] == ":" and norm[0].isalpha()))


def _intake_zip(path: Path, modules: Sequence[str], dest: Path, limits: Limits) -> Intake:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        raise Refused("broken-archive", f"the zip cannot be opened ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise Refused("unsafe-archive", "the zip is not a regular file")
        declared = _zip_entries_declared(f)
        if declared is not None and declared > limits.members:
            raise Refused("too-large", f"the zip holds {declared:,} entries; at most {limits.members:,} are accepted",
                          "members")
        f.seek(0)
        try:
            zf = zipfile.ZipFile(f)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, RuntimeError) as exc:
            raise Refused("broken-archive", f"not a readable zip ({exc})") from None
        with zf:
            return _zip_members(zf, modules, dest, limits)


def _zip_members(zf: zipfile.ZipFile, modules: Sequence[str], dest: Path, limits: Limits) -> Intake:
    infos = zf.infolist()
    if len(infos) > limits.members:
        raise Refused("too-large", f"the zip holds {len(infos):,} entries; at most {limits.members:,} are accepted",
                      "members")
    files: dict[str, zipfile.ZipInfo] = {}
    dirs: set[str] = set()
    seen: set[str] = set()
    total = 0
    for info in infos:
        name = info.filename
        if _unsafe_name(name):
            raise Refused("unsafe-archive", f"the zip entry {name!r} would be written outside the submission")
        kind = stat.S_IFMT(info.external_attr >> 16)
        if kind == stat.S_IFLNK:
            raise Refused("unsafe-archive", f"the zip entry {name!r} is a symbolic link; zip the files themselves")
        if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
            raise Refused("unsafe-archive", f"the zip entry {name!r} is not a regular file")
        key = name.replace("\\", "/")
        while key.startswith("./"):
            key = key[2:]
        key = key.rstrip("/")
        if not key:
            continue
        if key in seen:
            raise Refused("unsafe-archive", f"the zip holds {key!r} twice")
        seen.add(key)
        total += info.file_size
        if total > limits.archive_mb << 20:
            raise Refused("too-large", f"the zip unpacks to more than {limits.archive_mb:,} MB", "archive_mb")
        if info.file_size > 2**20 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise Refused("too-large", f"the zip entry {name!r} is compressed more than {MAX_RATIO}:1 "
                          "(a zip bomb)", "archive_mb")
        if name.endswith("/") or kind == stat.S_IFDIR:
            dirs.add(key)
        else:
            files[key] = info
            parent = key.rsplit("/", 1)[0] if "/" in key else ""
            while parent:
                dirs.add(parent)
                parent = parent.rsplit("/", 1)[0] if "/" in parent else ""
    intake = Intake(set(), {})
    cap = limits.sheet_kb * 1024
    for module, rel in _locate(set(files), dirs, modules).items():
        info = files[rel]
        if info.file_size > cap:
            intake.too_large[module] = f"{rel} is {_mb(info.file_size)}; a sheet may be at most {_mb(cap)}"
            continue
        if info.flag_bits & 0x1:
            raise Refused("broken-archive", f"{rel} is encrypted in the zip; zip it without a password")
        try:
            with zf.open(info) as src:
                data = src.read(cap + 1)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError, NotImplementedError) as exc:
            raise Refused("broken-archive", f"{rel} cannot be unpacked ({exc})") from None
        except Exception as exc:  # zlib.error, lzma.LZMAError, ... (a corrupt stream)
            raise Refused("broken-archive", f"{rel} cannot be unpacked ({type(exc).__name__})") from None
        if len(data) > cap:
            intake.too_large[module] = f"{rel} unpacks to more than {_mb(cap)}, the most a sheet may be"
            continue
        _write_sheet(dest, module, data)
        intake.found.add(module)
    return intake


def intake(path: Path, modules: Sequence[str], dest: Path, limits: Limits = Limits()) -> Intake:
    """Copy the sheets of ``modules`` from the submission at ``path`` into ``dest``, or raise Refused."""
    try:
        st = os.lstat(path)
    except OSError as exc:
        raise Refused("broken-archive", f"the submission cannot be read ({exc.strerror})") from None
    if stat.S_ISLNK(st.st_mode):
        raise Refused("unsafe-archive", "the submission is a symbolic link")
    if stat.S_ISDIR(st.st_mode):
        result = _intake_folder(Path(path), modules, dest, limits)
    elif stat.S_ISREG(st.st_mode):
        result = _intake_zip(Path(path), modules, dest, limits)
    else:
        raise Refused("unsafe-archive", "the submission is neither a folder nor a file")
    if not result.found and not result.too_large:
        raise Refused("empty", "no answer sheet was found (looked for " + ", ".join(f"{m}.py" for m in modules[:3])
                      + (", ..." if len(modules) > 3 else "") + " directly inside, under exercises/, or in one top folder)")
    return result


# --- grading one submission ------------------------------------------------------------------

def _quiz_list(quizzes: Mapping[str, Quiz] | Iterable[Quiz]) -> list[Quiz]:
    return list(quizzes.values()) if isinstance(quizzes, Mapping) else list(quizzes)


@lru_cache(maxsize=8)
def _cite_names_for(path: Path):
    from .figures import find_project_root
    from .sources import cite_names

    try:
        return cite_names(find_project_root(path))
    except (OSError, KeyError, TypeError, ValueError):
        return None


_CHECKED: dict[tuple, tuple] = {}  # (id(question), id(names), the answer's repr) -> (question, names, outcome)
_CHECKED_MAX = 100_000


def _check(q, answer: Answer, cite) -> Outcome:
    """``check``, remembered: in a class most answers to a question are the same few values.

    ``check`` depends only on the question and the answer (plain data); the
    entry keeps the question so that a reused id() can never match.
    """
    if q.type == "memo":  # every student's memo is their own: nothing to share
        return check(q, answer, cite)
    text = repr((answer.kind, answer.value, answer.message))
    if len(text) > 2000:  # long outputs: rarely shared, costly to key
        return check(q, answer, cite)
    key = (id(q), id(cite), text)
    hit = _CHECKED.get(key)
    if hit is not None and hit[0] is q and hit[1] is cite:
        return hit[2]
    outcome = check(q, answer, cite)
    if len(_CHECKED) >= _CHECKED_MAX:
        _CHECKED.clear()
    _CHECKED[key] = (q, cite, outcome)
    return outcome


def _outcomes_all(quizzes: Sequence[Quiz], status: str, message: str) -> tuple:
    kind = "unanswered" if status == "empty" else "error"
    text = "" if status == "empty" else message
    return tuple(Outcome(q.module, q.id, q.type, kind, 0.0, q.points, text) for quiz in quizzes for q in quiz.questions)


def _check_workdir(workdir_real: str, path: Path) -> None:
    """Refuse a work folder inside the folder that holds the submission (``workdir_real`` is resolved)."""
    folder = os.path.realpath(os.path.dirname(os.path.abspath(path)))
    if workdir_real == folder or workdir_real.startswith(folder.rstrip(os.sep) + os.sep):
        raise ValueError(f"the work folder {workdir_real} is inside the submissions folder {folder}; "
                         "choose one outside it (the submissions are never written to)")


def _signal_name(status: int | None) -> str:
    if status is None:
        return "an unknown status"
    number = -status if status < 0 else status - 128 if status > 128 else 0
    if number:
        try:
            return f"signal {signal.Signals(number).name}"
        except ValueError:
            return f"signal {number}"
    return f"exit status {status}"


class _RunState:
    def __init__(self):
        self.run: _sandbox.Run | None = None
        self.records: list[dict] = []
        self.refused = ""
        self.setup_error = ""


def _run_function(state: _RunState, sheets_dir: Path, limits: Limits, sandbox: bool):
    def run(request: dict, timeout: float) -> tuple[list[dict], str]:
        if sandbox:
            ok, why = _sandbox.available()
            if not ok:
                state.refused = why
                return [], f"not run: no sandbox is available ({why})"
        for attempt in range(2):
            result = _sandbox.run(request, sheets_dir, limits, sandboxed=sandbox)
            records = parse_records(result.output)
            setup_failed = result.start_error or (not records and result.stderr.startswith("bwrap:")
                                                  and not result.timed_out)
            if not setup_failed:
                break
            state.setup_error = result.start_error or result.stderr.strip().splitlines()[0]
        else:
            return [], f"the sandbox could not start ({state.setup_error})"
        state.setup_error = ""
        state.run, state.records = result, records
        if result.output_over:
            return records, f"the sheets wrote more than {limits.output_kb:,} KB of results and were stopped"
        if result.timed_out:
            return records, f"the sheets ran for more than {limits.seconds:g} s and were stopped"
        if not any(r.get("done") for r in records):
            if result.exit_status in (128 + signal.SIGXCPU, -signal.SIGXCPU):
                return records, f"the sheets used more than {limits.seconds:g} s of processor time and were stopped"
            return records, f"Python stopped before the sheets finished ({_signal_name(result.exit_status)})"
        return records, ""
    return run


def grade_submission(student: str, path: Path, quizzes: Mapping[str, Quiz] | Sequence[Quiz], *,
                     sandbox: bool = True, limits: Limits = Limits(), workdir: Path) -> StudentResult:
    """Grade one submission (a folder or a zip).  Never raises for anything in the submission.

    ``workdir`` is made if missing; a private folder is made in it for the run and removed
    after.  A ``workdir`` inside the folder that holds the submission is a ValueError.
    """
    real = os.path.realpath(workdir)
    _check_workdir(real, path)
    os.makedirs(real, exist_ok=True)
    return _graded(student, Path(path), _quiz_list(quizzes), sandbox, limits, Path(real))


def _graded(student: str, path: Path, quiz_list: list[Quiz], sandbox: bool, limits: Limits,
            workdir: Path) -> StudentResult:
    start = time.monotonic()
    try:
        result = _grade(student, path, quiz_list, sandbox, limits, workdir)
    except Exception as exc:  # a bug here must not stop a class
        message = f"the grader failed on this submission ({type(exc).__name__}: {str(exc)[:200]})"
        result = StudentResult(student, "internal-error", message, _outcomes_all(quiz_list, "internal-error", message))
    return StudentResult(result.student, result.status, result.message, result.outcomes, result.limits_hit,
                         result.problems, round(time.monotonic() - start, 4))


def _grade(student: str, path: Path, quizzes: list[Quiz], sandbox: bool, limits: Limits,
           workdir: Path) -> StudentResult:
    modules = [q.module for q in quizzes]
    private = Path(tempfile.mkdtemp(prefix="caselab-", dir=workdir))
    try:
        sheets_dir = private / "sheets"
        sheets_dir.mkdir()
        os.chmod(sheets_dir, 0o755)  # the sandbox's unprivileged user reads it as "other"
        try:
            found = intake(path, modules, sheets_dir, limits)
        except Refused as refusal:
            limits_hit = (refusal.limit,) if refusal.limit else ()
            return StudentResult(student, refusal.status, refusal.message,
                                 _outcomes_all(quizzes, refusal.status, refusal.message), limits_hit)
        state = _RunState()
        sheets = collect(quizzes, sheets_dir, timeout=limits.seconds, call_seconds=limits.call_seconds,
                         run=_run_function(state, sheets_dir, limits, sandbox))
        for module, why in found.too_large.items():
            sheets[module] = SheetAnswers(module, {q.id: Answer("error", message=why)
                                                   for q in quizzes[modules.index(module)].questions}, why)
        cite = _cite_names_for(quizzes[0].path.parent) if quizzes else None
        outcomes = tuple(_check(q, sheets[quiz.module].answers[q.id], cite) for quiz in quizzes for q in quiz.questions)
        problems = tuple((m, _strip_prefix(sheets[m].problem, m)) for m in modules
                         if sheets[m].problem and (m in found.found or m in found.too_large))
        status, message, limits_hit = _verdict(state, found, problems, limits)
        return StudentResult(student, status, message, outcomes, limits_hit, problems)
    finally:
        shutil.rmtree(private, ignore_errors=True)


def _strip_prefix(problem: str, module: str) -> str:
    prefix = f"{module} sheet: "
    return problem[len(prefix):] if problem.startswith(prefix) else problem


def _verdict(state: _RunState, found: Intake, problems: tuple, limits: Limits) -> tuple[str, str, tuple[str, ...]]:
    """The status, its sentence and the limits hit, from the run and the sheets' problems."""
    hit: set[str] = set()
    run = state.run
    if found.too_large:
        hit.add("sheet_kb")
    if run is not None:
        if run.timed_out:
            hit.add("seconds")
        if run.output_over:
            hit.add("output_kb")
        done = any(r.get("done") for r in state.records)
        if not done and run.exit_status in (128 + signal.SIGXCPU, -signal.SIGXCPU):
            hit.add("seconds")
        for r in state.records:
            for limit in (r.get("limit"), (r.get("value") or {}).get("limit")):
                if limit in LIMIT_NAMES:
                    hit.add(limit)
    limits_hit = tuple(n for n in LIMIT_NAMES if n in hit)
    first = ""
    if problems:
        module, text = problems[0]
        first = text if text.startswith(f"{module}.py") else f"{module}.py: {text}"
    more = f" (and {len(problems) - 1} more sheet{'s' if len(problems) > 2 else ''})" if len(problems) > 1 else ""
    if state.refused:
        return ("unsandboxed", f"the sheets must run and no sandbox is available ({state.refused}); "
                "grade with the sandbox off only if you trust the submission", limits_hit)
    if state.setup_error:
        return "internal-error", f"the sandbox could not start ({state.setup_error})", limits_hit
    for limit, status in _LIMIT_STATUS:
        if limit in hit:
            return status, _limit_sentence(limit, limits, first), limits_hit
    if run is not None and not any(r.get("done") for r in state.records):
        return "crashed", f"Python stopped before the sheets finished ({_signal_name(run.exit_status)})", limits_hit
    if found.too_large:
        module, why = next(iter(found.too_large.items()))
        return "too-large", why, limits_hit
    if problems:
        return "sheet-error", first + more, limits_hit
    return "ok", "", limits_hit


def _limit_sentence(limit: str, limits: Limits, detail: str) -> str:
    text = {
        "output_kb": f"the sheets wrote more than {limits.output_kb:,} KB of results and were stopped",
        "seconds": f"the sheets ran for more than {limits.seconds:g} s and were stopped",
        "call_seconds": f"a sheet or a call ran for more than {limits.call_seconds:g} s and was stopped",
        "memory_mb": f"the sheets ran out of memory (limit {limits.memory_mb:,} MB)",
        "processes": f"the sheets tried to start a process or more than {limits.processes} threads",
        "file_mb": f"the sheets wrote more than {limits.file_mb:,} MB to a file",
    }[limit]
    return f"{text}; {detail}" if detail and limit in ("memory_mb", "processes", "file_mb") else text


# --- grading a class -------------------------------------------------------------------------

def default_workers() -> int:
    """Runs at once: a run is mostly one process on one core, with some waiting; one more than the cores."""
    return (os.cpu_count() or 1) + 1


def grade_many(submissions: Iterable[tuple[str, Path]], quizzes: Mapping[str, Quiz] | Sequence[Quiz], *,
               sandbox: bool = True, limits: Limits = Limits(), workers: int | None = None,
               workdir: Path) -> Iterator[StudentResult]:
    """Grade ``submissions`` in parallel and yield each result as it finishes (not in input order).

    A broken or hostile submission gives its own status and never stops the
    batch.  Stopping the iteration early cancels what has not started.
    """
    quiz_list = _quiz_list(quizzes)
    real = Path(os.path.realpath(workdir))
    if sandbox:
        _sandbox.available()  # try the sandbox once, before the threads start
    workers = max(1, workers or default_workers())
    todo = iter(submissions)
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="caselab-grade")
    pending: dict[Future, tuple[str, Path]] = {}

    def fill() -> None:
        while len(pending) < 2 * workers:
            try:
                student, path = next(todo)
            except StopIteration:
                return
            _check_workdir(str(real), path)
            real.mkdir(parents=True, exist_ok=True)
            future = pool.submit(_graded, student, Path(path), quiz_list, sandbox, limits, real)
            pending[future] = (student, path)

    try:
        fill()
        while pending:
            done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
            for future in done:
                student, _path = pending.pop(future)
                try:
                    yield future.result()
                except Exception as exc:  # grade_submission does not raise; if it ever does, say so
                    message = f"the grader failed on this submission ({type(exc).__name__}: {exc})"
                    yield StudentResult(student, "internal-error", message,
                                        _outcomes_all(quiz_list, "internal-error", message))
            fill()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
