"""Grade a class's submissions safely: intake, a sandboxed run, checking in the parent, one result each.

    results = grade_many(discover_submissions(folder), quizzes, workdir=out / "work")

One submission is one folder or one ``.zip`` (the student id is its name
without ``.zip``; ``intake.scan_submissions`` also reads Moodle and Canvas
exports).  Its sheets ``<module>.py`` sit at any depth up to ``intake.MAX_DEPTH``
folders (a sheet in an ``exercises`` folder wins, then the shallowest).  For each submission:

1. **Intake.**  The submission is read, never changed.  Symbolic links and
   special files (in a folder or a zip), zip entries that climb out of the
   archive (``..``, absolute paths, drive letters) or appear twice, more than
   ``Limits.members`` entries, more than ``Limits.archive_mb`` uncompressed,
   an entry compressed more than 100:1, or a central directory larger than 4 KB for each
   entry its end record declares (checked before it is parsed) refuse the whole submission.  Only the
   sheets of the graded modules are copied, each at most ``Limits.sheet_kb``,
   into a private folder made inside ``workdir`` and removed afterwards.
2. **Reading.**  Sheets that hold only plain assignments are read from their
   syntax tree without running anything (``answers.py``).
3. **Running.**  What must run (computed answers, code tasks) runs in one
   sandboxed process per submission, fresh from a sandbox its worker keeps
   (``sandbox.py``), which gets the sheets, the answer names and the code
   tasks' inputs — never a key — and answers with JSON lines.
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

``missing`` names the graded modules whose sheet the submission does not hold (their
questions are ``unanswered``; ``caselab grade`` turns an ``ok`` with a missing sheet into
``missing-module``).  ``limits_hit`` names the ``Limits`` fields a submission ran into (``seconds``,
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
import tempfile
import time
import multiprocessing
import sys
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, ThreadPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Callable, Iterable, Iterator, Mapping, Sequence

from caselab.grading import sandbox as _sandbox
from caselab.quiz.answers import Answer, SheetAnswers, collect, no_surrogates, parse_records
from caselab.quiz.checking import Outcome, check
from caselab.quiz.model import Quiz
from caselab.grading.sandbox import Limits
from caselab.grading.intake import Intake, Refused, discover_submissions, intake

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


@dataclass(frozen=True)
class StudentResult:
    student: str
    status: str  # one of STATUSES
    message: str  # one plain sentence, "" when ok
    outcomes: tuple  # caselab.checking.Outcome for every question of every graded module, in order
    limits_hit: tuple[str, ...] = ()  # Limits fields the submission ran into
    problems: tuple[tuple[str, str], ...] = ()  # (module, sentence) for each sheet that could not be read or run
    seconds: float = 0.0  # wall clock spent on this submission
    missing: tuple[str, ...] = ()  # graded modules whose sheet is not in the submission (status may still be ok)
    # (module, question) -> code fingerprint or memo sentences (``integrity.texts_of_sheet``), kept by
    # ``grade_many(texts=True)`` while the sheets are at hand; None when not kept (never saved by to_json)
    texts: dict | None = field(default=None, compare=False, repr=False)
    # ``grade_many(fingerprint=f)``: f(the submission's path), taken just before it was read; else None
    fingerprint: str | None = field(default=None, compare=False, repr=False)

    @cached_property  # the report asks for it once per question; the outcomes never change
    def score(self) -> float:
        return round(sum(o.points for o in self.outcomes), 4)

    @cached_property
    def max_score(self) -> float:
        return round(sum(o.max_points for o in self.outcomes), 4)

    def module_score(self, module: str) -> float:
        return round(sum(o.points for o in self.outcomes if o.module == module), 4)

    @cached_property
    def module_sums(self) -> dict[str, tuple[float, float]]:
        """module -> (points, points to be had), unrounded, added in the order of the outcomes (as
        ``module_score`` adds them), in one pass."""
        points: dict[str, list] = {}
        tops: dict[str, list] = {}
        for o in self.outcomes:
            if o.module not in points:
                points[o.module], tops[o.module] = [], []
            points[o.module].append(o.points)
            tops[o.module].append(o.max_points)
        return {m: (sum(points[m]), sum(tops[m])) for m in points}

    def to_json(self) -> dict:
        """What the gradebook keeps between runs (``seconds`` is left out: outputs stay byte-identical)."""
        return {"student": self.student, "status": self.status, "message": self.message,
                "limits_hit": list(self.limits_hit), "problems": [list(p) for p in self.problems],
                "outcomes": [dict(vars(o)) for o in self.outcomes],  # = asdict: an Outcome holds no containers
                **({"missing": list(self.missing)} if self.missing else {})}

    @classmethod
    def from_json(cls, data: dict) -> "StudentResult":
        return cls(data["student"], data["status"], data["message"],
                   tuple(Outcome(**o) for o in data["outcomes"]), tuple(data.get("limits_hit", ())),
                   tuple(tuple(p) for p in data.get("problems", ())), missing=tuple(data.get("missing", ())))


def sandbox_available() -> tuple[bool, str]:
    """(True, "") when sheets can run in the bubblewrap sandbox here; else (False, why)."""
    return _sandbox.available()


# --- grading one submission ------------------------------------------------------------------

def _quiz_list(quizzes: Mapping[str, Quiz] | Iterable[Quiz]) -> list[Quiz]:
    return list(quizzes.values()) if isinstance(quizzes, Mapping) else list(quizzes)


@lru_cache(maxsize=8)
def _cite_names_for(path: Path):
    from caselab.quiz.figures import find_project_root
    from caselab.quiz.sources import cite_names

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


def sandboxed_run(sheets_dir: Path, limits: Limits = Limits()):
    """A run function for ``caselab.quiz.answers.collect`` that runs the sheets copied into ``sheets_dir``
    in the sandbox (``caselab check`` on sheets one did not write).  Without a sandbox it runs nothing
    and says why."""
    return _run_function(_RunState(), Path(sheets_dir), limits, True)


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


MAX_GIVEN = 500  # characters of an answer kept in a result (the report shows 60, the feedback 200)


def clean_text(text: str, limit: int | None = None) -> str:
    """``text`` that every writer can encode: lone surrogates (from a sheet's strings, a dict key, a
    folder name that is not UTF-8) become U+FFFD; cut to ``limit`` characters."""
    text = str(text)
    if limit is not None and len(text) > limit:
        text = text[: limit - 3] + "..."
    return no_surrogates(text)


def _cleaned(result: StudentResult, seconds: float) -> StudentResult:
    """The result with every string cleaned (``clean_text``): whatever a submission holds, it can be written.
    The student id is the caller's and kept as given (``caselab grade`` makes ids with ``intake.unique_ids``)."""
    outcomes = tuple(o if (o.message + o.hint + o.given).isascii() and len(o.given) <= MAX_GIVEN else
                     replace(o, message=clean_text(o.message), hint=clean_text(o.hint),
                             given=clean_text(o.given, MAX_GIVEN)) for o in result.outcomes)
    return StudentResult(result.student, result.status, clean_text(result.message), outcomes,
                         result.limits_hit, tuple((clean_text(m), clean_text(t)) for m, t in result.problems),
                         round(seconds, 4), result.missing, result.texts)


def _graded(student: str, path: Path, quiz_list: list[Quiz], sandbox: bool, limits: Limits,
            workdir: Path, texts: bool = False) -> StudentResult:
    start = time.monotonic()
    try:
        result = _grade(student, path, quiz_list, sandbox, limits, workdir, texts)
    except Exception as exc:  # a bug here must not stop a class
        message = f"the grader failed on this submission ({type(exc).__name__}: {str(exc)[:200]})"
        result = StudentResult(student, "internal-error", message, _outcomes_all(quiz_list, "internal-error", message))
    return _cleaned(result, time.monotonic() - start)


def _grade(student: str, path: Path, quizzes: list[Quiz], sandbox: bool, limits: Limits,
           workdir: Path, keep_texts: bool = False) -> StudentResult:
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
        trees: dict = {}
        sheets = collect(quizzes, sheets_dir, timeout=limits.seconds, call_seconds=limits.call_seconds,
                         run=_run_function(state, sheets_dir, limits, sandbox), trees=trees)
        for module, why in found.too_large.items():
            sheets[module] = SheetAnswers(module, {q.id: Answer("error", message=why)
                                                   for q in quizzes[modules.index(module)].questions}, why)
        cite = _cite_names_for(quizzes[0].path.parent) if quizzes else None
        outcomes = tuple(_check(q, sheets[quiz.module].answers[q.id], cite) for quiz in quizzes for q in quiz.questions)
        problems = tuple((m, _strip_prefix(sheets[m].problem, m)) for m in modules
                         if sheets[m].problem and (m in found.found or m in found.too_large))
        status, message, limits_hit = _verdict(state, found, problems, limits)
        missing = tuple(m for m in modules if m not in found.found and m not in found.too_large)
        texts = _texts(quizzes, sheets_dir, found.found, trees) if keep_texts else None
        return StudentResult(student, status, message, outcomes, limits_hit, problems, missing=missing, texts=texts)
    finally:
        shutil.rmtree(private, ignore_errors=True)


def _texts(quizzes: list[Quiz], sheets_dir: Path, found: set[str], trees: dict) -> dict:
    """What the integrity report compares, read from the sheets while they are here (the trees grading
    parsed are reused; ``integrity.read_texts`` would give the same)."""
    from caselab.grading.integrity import text_kinds, texts_of_sheet

    out = {}
    for module, kinds in text_kinds(quizzes).items():
        if not kinds or module not in found:
            continue
        try:
            raw = (sheets_dir / f"{module}.py").read_bytes()
            for qid, value in texts_of_sheet(raw, kinds, trees.get(module)).items():
                out[(module, qid)] = value
        except Exception:  # noqa: BLE001 (as read_texts: a sheet that cannot be read gives nothing)
            pass
    return out


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

SCRATCH_FREE_MB = 256  # /dev/shm is used only with this much room (a container's may hold 64 MB)


def scratch_folder() -> str | None:
    """Where a class's private sheet copies are best made: /dev/shm (in memory) when it is a writable
    folder with ``SCRATCH_FREE_MB`` free, else None (the system's temporary folder).  Each submission
    makes a folder, writes its sheets and removes them: on a journalled disk that waited and cost more
    than checking the answers."""
    shm = "/dev/shm"
    try:
        if os.path.isdir(shm) and not os.path.islink(shm) and os.access(shm, os.W_OK | os.X_OK):
            st = os.statvfs(shm)
            if st.f_bavail * st.f_frsize >= SCRATCH_FREE_MB << 20:
                return shm
    except OSError:
        pass
    return None


def default_workers() -> int:
    """Runs at once: a run is mostly one process on one core, with some waiting; one more than the cores."""
    return (os.cpu_count() or 1) + 1


def grade_many(submissions: Iterable[tuple[str, Path]], quizzes: Mapping[str, Quiz] | Sequence[Quiz], *,
               sandbox: bool = True, limits: Limits = Limits(), workers: int | None = None,
               workdir: Path, texts: bool = False,
               fingerprint: Callable[[Path], str] | None = None) -> Iterator[StudentResult]:
    """Grade ``submissions`` in parallel and yield each result as it finishes (not in input order).

    A broken or hostile submission gives its own status and never stops the
    batch.  Stopping the iteration early cancels what has not started.  ``texts=True`` keeps
    what the integrity report compares on each result (``StudentResult.texts``); ``fingerprint``
    (a module-level function of the submission's path) is called on each submission just before it
    is read, and its value kept as ``StudentResult.fingerprint``.

    In the sandbox, submissions are graded in ``workers`` processes (``in_processes``): reading,
    parsing and checking a student's sheets is Python work that threads of one process would take
    turns at.  Without the sandbox they are graded in threads of this process: a run as the
    ``CASELAB_RUN_AS`` user must be one at a time (``sandbox.run``), and a trusted run is rare.  A
    worker process that dies (the host's OOM killer) breaks the pool: every student it had not returned
    is graded again in threads here, and the private folder it was using may be left in ``workdir``
    (``caselab grade`` removes its whole work folder).
    """
    quiz_list = _quiz_list(quizzes)
    real = Path(os.path.realpath(workdir))
    if sandbox:
        _sandbox.available()  # try the sandbox once, before the workers start (they inherit the answer)
    workers = max(1, workers or default_workers())
    work = _Work(quiz_list, sandbox, limits, real, texts, fingerprint)
    todo = iter(submissions)
    if sandbox and workers > 1 and in_processes():
        broken: list[tuple[str, Path]] = []
        yield from _stream(todo, work, workers, broken)
        todo = iter(broken)  # a worker process died (the host's OOM killer?): its students, again, here
    yield from _stream(todo, work, workers, None)


def in_processes() -> bool:
    """Whether a class can be graded in worker processes here: they are forked (Linux, where the sandbox runs)."""
    return sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()


@dataclass(frozen=True)
class _Work:
    """What every submission of a class is graded with."""
    quizzes: list
    sandbox: bool
    limits: Limits
    workdir: Path
    texts: bool
    fingerprint: Callable[[Path], str] | None

    def grade(self, student: str, path: Path) -> StudentResult:
        """One submission, fingerprinted first (a change made while it is graded then shows on the next run)."""
        print_ = None
        if self.fingerprint is not None:
            try:
                print_ = self.fingerprint(path)
            except Exception:  # noqa: BLE001 (the caller fingerprints it again, and then says what failed)
                pass
        result = _graded(student, path, self.quizzes, self.sandbox, self.limits, self.workdir, self.texts)
        return replace(result, fingerprint=print_) if print_ is not None else result


_WORK: _Work | None = None  # in a worker process: the class's work, set once when the process starts


def _start_worker(work: _Work) -> None:
    global _WORK
    _WORK = work
    _sandbox.keep_sessions()  # one sandbox serves this worker's runs, each in a fresh process
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's: it stops the pool, then the workers
    _die_with_parent()


def _die_with_parent() -> None:
    """Have the kernel kill this worker when the grader is gone, even by SIGKILL (a forked worker holds both
    ends of the pool's pipes, so it would otherwise wait for work forever); its sandbox then goes with it
    (``bwrap --die-with-parent``)."""
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:  # the grader ended before the prctl: nobody is left to wait for
        os._exit(0)


def _grade_in_worker(student: str, path: Path) -> StudentResult:
    return _WORK.grade(student, path)


def _stream(todo: Iterator[tuple[str, Path]], work: _Work, workers: int,
            broken: list[tuple[str, Path]] | None) -> Iterator[StudentResult]:
    """Grade ``todo`` on a pool of ``workers``: processes when ``broken`` is a list (the students whose
    worker died are put there, ungraded), else threads."""
    if broken is None:
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="caselab-grade",
                                  initializer=_sandbox.keep_sessions)
        submit = work.grade
    else:  # forked: the quizzes are inherited, never pickled; only (student, path) and results travel
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"),
                                   initializer=_start_worker, initargs=(work,))
        submit = _grade_in_worker
    pending: dict[Future, tuple[str, Path]] = {}

    def fill() -> None:
        while len(pending) < 2 * workers:
            try:
                student, path = next(todo)
            except StopIteration:
                return
            _check_workdir(str(work.workdir), path)
            work.workdir.mkdir(parents=True, exist_ok=True)
            pending[pool.submit(submit, student, Path(path))] = (student, path)

    try:
        fill()
        while pending:
            done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
            for future in done:
                student, path = pending.pop(future)
                try:
                    yield future.result()
                except BrokenProcessPool:
                    broken.append((student, path))
                except Exception as exc:  # grade_submission does not raise; if it ever does, say so
                    message = f"the grader failed on this submission ({type(exc).__name__}: {exc})"
                    yield StudentResult(student, "internal-error", message,
                                        _outcomes_all(work.quizzes, "internal-error", message))
            if broken:  # the pool is gone: what was not handed out is graded on the way back
                broken.extend(pending.values())
                pending.clear()
                broken.extend(todo)
                return
            fill()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
