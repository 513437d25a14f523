"""Grade a class: one command from a folder of submissions to a gradebook, feedback and a class report.

    caselab grade SUBMISSIONS --out DIR [--modules kyc,mining] [--no-explanations] [--workers N] [--unsandboxed]

SUBMISSIONS holds one folder or one .zip per student (its name, without .zip, is
the student id; a name that is not UTF-8 is decoded by ``intake.student_id``).  The
submissions are read, never changed; the sheets are run by ``caselab.grading`` (in a
sandbox unless ``--unsandboxed``).  DIR receives (``<id>``: the id, or for an id that
is long or not a plain file name a shortened one with a hash, ``file_stem``):

- ``gradebook.csv``       student, one column of points per module, total, max, percent, status;
- ``canvas.csv``          the totals in the CSV that Canvas's gradebook import accepts;
- ``results/<id>.json``   each student's results in Gradescope's results.json format;
- ``feedback/<id>.md``    each student's feedback: per question right or wrong, and the explanation;
- ``report.html``         the class report (``report.py``), self-contained;
- ``.caselab/<id>.json``  each student's graded result with the fingerprint of the submission and
                          of the quizzes it was graded against.

Every file is written whole (``atomic.py``) and only when its bytes change; the same
inputs give byte-identical outputs.  A run that is stopped (Ctrl-C, a crash, a
killed machine) keeps every student already graded in ``.caselab/``; running the same
command again grades only the rest.  A result a rerun could change for reasons outside
the submission (``timeout``, ``internal-error``, ``unsandboxed``, a time limit hit: a
loaded machine, the grader, the sandbox) is kept there too but graded again.

Whatever a student controls (names, answers, messages) is written inert: CSV cells never
start a formula (``csv_cell``), Markdown escapes markup on one capped line (``md_text``),
results.json asks Gradescope to show plain text, and text that cannot be encoded as UTF-8
(lone surrogates) never reaches a writer (``batch.clean_text``).
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
import stat
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Sequence

from caselab import __version__
from caselab.atomic import write_bytes
from caselab.quiz.checking import Outcome
from caselab.quiz.model import Quiz, load_quizzes
from caselab.grading.batch import StudentResult, discover_submissions, grade_many, sandbox_available
from caselab.grading.intake import unique_ids, zip_names

STATE_DIR = ".caselab"
STOP_AFTER_ENV = "CASELAB_GRADE_STOP_AFTER"  # testing: stop after this many newly graded students
STATUS_WORDS = {
    "correct": "right", "partial": "partly right", "wrong": "wrong", "unanswered": "not answered",
    "invalid": "not in the form asked", "error": "could not be checked",
}


class GradeError(Exception):
    """The class cannot be graded as asked; the message says why."""


class GradeStopped(Exception):
    """The run was stopped before every student was graded; what was graded is kept."""


@dataclass
class GradeRun:
    out: Path
    modules: tuple[str, ...]
    results: list[StudentResult] = field(default_factory=list)
    graded: int = 0  # graded in this run
    reused: int = 0  # kept from an earlier run
    written: list[Path] = field(default_factory=list)


# --- the grader: caselab.grading.batch (the sandbox, the limits, the statuses) ----------------------

def grade_stream(submissions: list[tuple[str, Path]], quizzes: Sequence[Quiz], *, sandbox: bool, limits,
                 workers: int | None, workdir: Path) -> Iterator[StudentResult]:
    """Each submission's result as it finishes (grade_many runs them in parallel)."""
    yield from grade_many(submissions, list(quizzes), sandbox=sandbox, limits=limits, workers=workers,
                          workdir=workdir)


# --- fingerprints ---------------------------------------------------------------------------------

def submission_fingerprint(path: Path) -> str:
    """sha256 of the submission: a zip's bytes, or a folder's relative paths and file contents.

    Only regular files are read, each through one non-blocking open that follows no link:
    a named pipe, a socket or a device (which intake refuses) adds its name and kind, never
    its contents, so nothing here can block or read without end.
    """
    h = hashlib.sha256()
    path = Path(path)
    try:
        top = os.lstat(path)
    except OSError as exc:
        return hashlib.sha256(f"unreadable {exc.errno}".encode()).hexdigest()
    if stat.S_ISLNK(top.st_mode):
        h.update(b"link\0" + os.fsencode(os.readlink(path)))
        return h.hexdigest()
    if not stat.S_ISDIR(top.st_mode):
        h.update(b"zip\0")
        _hash_file(h, path)
        return h.hexdigest()
    h.update(b"dir\0")
    for dirpath, dirnames, filenames in os.walk(path, followlinks=False):
        dirnames.sort()
        rel = Path(dirpath).relative_to(path).as_posix()
        for name in sorted(filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]):
            full = os.path.join(dirpath, name)
            h.update(os.fsencode(f"{rel}/{name}") + b"\0")
            if os.path.islink(full):
                h.update(b"link\0" + os.fsencode(os.readlink(full)))
            else:
                _hash_file(h, full)
            h.update(b"\0")
    return h.hexdigest()


def _hash_file(h, full) -> None:
    """Add a regular file's bytes to ``h``; for anything else, only what it is."""
    try:
        fd = os.open(full, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        h.update(f"unreadable {exc.errno}".encode())
        return
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode):
            h.update(f"special {stat.S_IFMT(st.st_mode)}".encode())
            return
        try:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        except OSError as exc:
            h.update(f"unreadable {exc.errno}".encode())


def quizset_fingerprint(quizzes: Sequence[Quiz], root: Path, options: dict) -> str:
    """sha256 of what a grade depends on besides the submission: quizzes, data, grader code, options."""
    h = hashlib.sha256(f"caselab {__version__}\0".encode())
    for quiz in quizzes:
        h.update(f"quiz {quiz.module}\0".encode() + quiz.path.read_bytes() + b"\0")
    for name in ("case.yml", "sources.yml"):
        p = Path(root) / "data" / name
        h.update(name.encode() + b"\0" + (p.read_bytes() if p.is_file() else b"") + b"\0")
    package = Path(__file__).resolve().parent.parent  # every module of the engine can change a grade
    for p in sorted(package.rglob("*.py")):
        h.update(p.relative_to(package).as_posix().encode() + b"\0" + p.read_bytes() + b"\0")
    h.update(json.dumps(options, sort_keys=True, default=str).encode())
    return h.hexdigest()


# --- output files ---------------------------------------------------------------------------------

def fmt(x: float) -> str:
    """Points as the gradebook prints them: at most two decimals, no trailing zeros."""
    text = f"{round(x, 2):.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def percent(score: float, top: float) -> str:
    return f"{100 * score / top:.1f}" if top else "0.0"


def write_if_changed(path: Path, data: bytes | str, written: list[Path] | None = None, *,
                     durable: bool = True) -> bool:
    """Write ``path`` whole, only if its bytes differ (so untouched files keep their times)."""
    if isinstance(data, str):  # results are cleaned where they are made; a stray lone surrogate never stops a write
        data = data.encode("utf-8", "replace")
    path = Path(path)
    try:
        if path.read_bytes() == data:
            return False
    except OSError:
        pass
    write_bytes(path, data, durable=durable)
    if written is not None:
        written.append(path)
    return True


FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_NUMBER = re.compile(r"-?[0-9]{1,15}(\.[0-9]{1,15})?\Z")


def csv_cell(value) -> str:
    """A cell a spreadsheet shows as text: a cell that would start a formula (``=``, ``+``, ``-``, ``@``,
    a tab or a line break, or their full-width forms) gets a leading ``'``, as spreadsheet programs
    require; plain numbers are left as they are."""
    text = str(value)
    if text.startswith(FORMULA_START) and not _NUMBER.match(text):
        return "'" + text
    return text


def _csv(rows: list[list[str]]) -> str:
    """CSV text; every cell goes through ``csv_cell`` (names come from students and rosters)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerows([[csv_cell(c) for c in row] for row in rows])
    return buf.getvalue()


def gradebook_csv(results: list[StudentResult], quizzes: Sequence[Quiz]) -> str:
    rows = [["student", *[q.module for q in quizzes], "total", "max", "percent", "status"]]
    for r in results:
        rows.append([r.student, *[fmt(r.module_score(q.module)) for q in quizzes], fmt(r.score), fmt(r.max_score),
                     percent(r.score, r.max_score), r.status])
    return _csv(rows)


CANVAS_FIELDS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")


def read_roster(path: Path) -> list[dict]:
    """A Canvas gradebook export (or any CSV with Canvas's student columns)."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    return [r for r in rows if (r.get("Student") or "").strip() and "Points Possible" not in (r.get("Student") or "")]


def canvas_csv(results: list[StudentResult], max_score: float, assignment: str | None = None,
               roster: list[dict] | None = None) -> str:
    """Canvas's gradebook import: the student columns, a Points Possible row, one assignment column.

    Canvas matches a row to a student by ID, SIS User ID or SIS Login ID.  With a roster
    (a gradebook export from the course) the submission name is looked up in its SIS Login
    ID, SIS User ID, ID and Student columns; without one it is written as the SIS Login ID.
    A column named ``caselab (<assignment id>)`` updates that assignment; without an id,
    Canvas creates an assignment named ``caselab``.
    """
    column = f"caselab ({assignment})" if assignment else "caselab"
    index: dict[str, dict] = {}
    for row in roster or []:
        for name in ("SIS Login ID", "SIS User ID", "ID", "Student"):
            value = (row.get(name) or "").strip()
            if value:
                index.setdefault(value.casefold(), row)
    rows = [[*CANVAS_FIELDS, column], ["    Points Possible", "", "", "", "", fmt(max_score)]]
    for r in results:
        match = index.get(r.student.casefold())
        if match:
            rows.append([*[(match.get(f) or "").strip() for f in CANVAS_FIELDS], fmt(r.score)])
        else:
            rows.append([r.student, "", "", r.student, "", fmt(r.score)])
    return _csv(rows)


MAX_SHOWN = 300  # characters of a message or a name that can carry a student's text


def plain_line(text: str, limit: int = MAX_SHOWN) -> str:
    """One line of at most ``limit`` characters: line breaks and control characters become spaces."""
    text = " ".join("".join(c if c.isprintable() else " " for c in str(text)).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


_MD_ESCAPES = str.maketrans({c: "\\" + c for c in "\\`*_[]{}()#+!|~"} | {"<": "&lt;", ">": "&gt;", "&": "&amp;"})


def md_text(text: str, limit: int = MAX_SHOWN) -> str:
    """Text that may come from a student, made inert in Markdown: one line, capped, and every character
    that could start markup (HTML, a link or an image, emphasis, code, a table cell) escaped."""
    return plain_line(text, limit).translate(_MD_ESCAPES)


def _test_output(o: Outcome) -> str:
    parts = [STATUS_WORDS.get(o.status, o.status)]
    if o.message:
        parts.append(plain_line(o.message))
    if o.hint:
        parts.append(f"Hint: {o.hint}")
    return ". ".join(p.rstrip(".") for p in parts) + "."


def results_json(r: StudentResult, quizzes: Sequence[Quiz]) -> str:
    """Gradescope's results.json: the score, and one test per question named <module>/<question id>."""
    titles = {(quiz.module, q.id): q.title for quiz in quizzes for q in quiz.questions}
    per_module = ", ".join(f"{quiz.module} {fmt(r.module_score(quiz.module))}/{fmt(quiz.max_score)}" for quiz in quizzes)
    output = f"caselab: {fmt(r.score)} / {fmt(r.max_score)} points ({per_module})."
    if r.status != "ok":
        output += f" Submission {r.status}: {plain_line(r.message)}".rstrip(": ") + "."
    elif r.message:
        output += f" {plain_line(r.message)}"
    tests = []
    for n, o in enumerate(r.outcomes, 1):
        tests.append({"name": f"{o.module}/{o.id}", "number": f"{n}", "score": round(o.points, 4),
                      "max_score": round(o.max_points, 4),
                      "status": "passed" if o.status == "correct" else "failed",
                      "output": f"{titles.get((o.module, o.id), '')}: {_test_output(o)}".lstrip(": ")})
    # "text": Gradescope shows every output as it is, never as HTML or Markdown (messages can hold a student's text)
    data = {"score": r.score, "output": output, "output_format": "text", "test_output_format": "text", "tests": tests}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


FIG = re.compile(r"\{\{\s*fig\s+([\w.]+)\s*\}\}")


def _figs(text: str, figures: dict) -> str:
    return FIG.sub(lambda m: figures[m.group(1)].formatted() if m.group(1) in figures else m.group(0), text)


def feedback_md(r: StudentResult, quizzes: Sequence[Quiz], *, explanations: bool, figures: dict) -> str:
    lines = [f"# Feedback: {md_text(r.student)}", "",
             f"**{fmt(r.score)} / {fmt(r.max_score)} points ({percent(r.score, r.max_score)} %)**", ""]
    if r.status != "ok":
        lines += [f"Your submission could not be graded as handed in ({r.status}): {md_text(r.message)}", ""]
    elif r.message:
        lines += [f"Note: {md_text(r.message)}", ""]
    lines += ["| module | points | of |", "| --- | ---: | ---: |"]
    lines += [f"| {quiz.title} | {fmt(r.module_score(quiz.module))} | {fmt(quiz.max_score)} |" for quiz in quizzes]
    lines.append("")
    outcomes = {(o.module, o.id): o for o in r.outcomes}
    for quiz in quizzes:
        lines += [f"## {quiz.title} ({fmt(r.module_score(quiz.module))} / {fmt(quiz.max_score)})", ""]
        for q in quiz.questions:
            o = outcomes[(quiz.module, q.id)]
            lines += [f"### {q.id} · {q.title}: {STATUS_WORDS.get(o.status, o.status)} "
                      f"({fmt(o.points)} / {fmt(o.max_points)})", ""]
            if o.given:
                given = plain_line(o.given).replace("`", "'")
                lines += [f"Your answer: `{given}`" if "\n" not in o.given and len(given) < 200 else "Your answer: see your sheet.", ""]
            if o.message:
                lines += [md_text(o.message), ""]
            if o.hint and o.status != "correct":
                lines += [f"Hint: {o.hint}", ""]
            if explanations and q.explanation:
                text = "**Explanation.** " + _figs(q.explanation, figures)
                lines += ["\n".join("> " + line if line else ">" for line in text.split("\n")), ""]
    return "\n".join(lines).rstrip("\n") + "\n"


# --- modules to grade -------------------------------------------------------------------------------

def _names_in(path: Path) -> set[str]:
    """File names in a submission (folder or zip), without reading or changing anything else.

    A zip goes through intake's checks (``zip_names``); anything unreadable gives no names
    (grading then reports that submission's own status)."""
    try:
        st = os.lstat(path)
        if stat.S_ISREG(st.st_mode):
            return zip_names(path)
        if not stat.S_ISDIR(st.st_mode):
            return set()
        names = set()
        for dirpath, dirnames, filenames in os.walk(path, followlinks=False):
            if len(Path(dirpath).relative_to(path).parts) >= 3:
                dirnames.clear()
            names.update(f for f in filenames if f.endswith(".py"))
        return names
    except Exception:  # noqa: BLE001 (module detection must never stop a class)
        return set()


def modules_in(submissions: list[tuple[str, Path]], available: Sequence[str]) -> list[str]:
    names = set()
    for _, path in submissions:
        names |= _names_in(path)
    return [m for m in available if f"{m}.py" in names]


# --- the batch --------------------------------------------------------------------------------------

class Progress:
    """A one-line progress bar on stderr, drawn only on a terminal.

    Written here rather than taken from tqdm or rich (issue 13 asked for the comparison): tqdm 4.70
    drew nothing on the pseudo-terminal of our end-to-end test, its import cost 85 ms (rich more),
    and the bar needs twenty lines.
    """

    def __init__(self, total: int, enabled: bool, stream=None):
        self.stream = stream or sys.stderr
        self.total = total
        self.enabled = enabled and hasattr(self.stream, "isatty") and self.stream.isatty()
        self.done = 0

    def update(self, label: str = "", step: int = 1) -> None:
        self.done += step
        if not self.enabled:
            return
        width = 30
        filled = int(width * self.done / self.total) if self.total else width
        bar = "#" * filled + "-" * (width - filled)
        self.stream.write(f"\rcaselab grade [{bar}] {self.done}/{self.total} {label[:30]:<30}")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()


MAX_STEM_BYTES = 120  # a student's file names stay far below the 255 bytes a file name may have


def file_stem(student: str) -> str:
    """The name of a student's files (``results/<stem>.json``, ``feedback/<stem>.md``, ``.caselab/<stem>.json``).

    The id itself when it is a plain, short file name; otherwise the id with ``/``, ``\\``, control
    characters and a leading ``.`` replaced by ``_``, cut to ``MAX_STEM_BYTES``, and a short hash of
    the whole id added so that two ids never share files.
    """
    safe = "".join("_" if c in "/\\\0" or not c.isprintable() else c for c in student)
    safe = safe.encode("utf-8", "replace").decode("utf-8")
    if safe.startswith("."):
        safe = "_" + safe[1:]
    if safe == student and safe and len(safe.encode("utf-8")) <= MAX_STEM_BYTES:
        return student
    digest = hashlib.sha256(student.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    cut = safe.encode("utf-8")[: MAX_STEM_BYTES - 11].decode("utf-8", "ignore")
    return f"{cut}-{digest}"


# Statuses a rerun could change for reasons outside the submission (a loaded machine, the grader
# itself, the sandbox missing this time): such a result is written but never reused.
TRANSIENT_STATUSES = ("timeout", "internal-error", "unsandboxed")
TRANSIENT_LIMITS = ("seconds", "call_seconds")


def reusable(result: StudentResult) -> bool:
    """Whether a later run may keep ``result`` instead of grading the submission again."""
    return result.status not in TRANSIENT_STATUSES and not set(result.limits_hit) & set(TRANSIENT_LIMITS)


def grade_class(submissions: Path, out: Path, *, root: Path, modules: list[str] | None = None,
                explanations: bool = True, workers: int | None = None, sandbox: bool = True,
                quiet: bool = False, canvas_assignment: str | None = None, roster: Path | None = None,
                progress_stream=None) -> GradeRun:
    """Grade every submission in ``submissions`` and write the class's files to ``out`` (see the module docstring)."""
    submissions, out, root = Path(submissions).resolve(), Path(out).resolve(), Path(root).resolve()
    if not submissions.is_dir():
        raise GradeError(f"{submissions} is not a folder of submissions")
    if out.exists() and not out.is_dir():
        raise GradeError(f"--out {out} is a file; name a folder")
    if out == submissions or submissions in out.parents:
        raise GradeError("--out must not be inside the submissions folder (it is never changed)")
    found = unique_ids(discover_submissions(submissions))
    try:  # read before grading: a roster that cannot be read must not cost a graded class its outputs
        roster_rows = read_roster(roster) if roster else None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise GradeError(f"the roster {roster} cannot be read as a CSV export ({exc})") from None
    every = load_quizzes(root)
    if modules:
        quizzes = load_quizzes(root, modules)
    else:
        chosen = modules_in(found, list(every))
        quizzes = {m: every[m] for m in (chosen or list(every))}
        if not quiet:
            print(f"caselab grade: grading {', '.join(quizzes)} (the modules found in the submissions; "
                  "name them with --modules)", file=sys.stderr)
    quiz_list = list(quizzes.values())
    if sandbox:
        ok, why = sandbox_available()
        if not ok:
            raise GradeError(f"no sandbox to run the sheets in ({why}); install bubblewrap, or pass "
                             "--unsandboxed to run them without one (only for submissions you trust)")
    from caselab.grading.batch import Limits

    limits = Limits()
    options = {"sandbox": sandbox, "limits": repr(limits)}
    quizset = quizset_fingerprint(quiz_list, root, options)
    state = out / STATE_DIR
    run = GradeRun(out, tuple(quizzes))

    cached: dict[str, StudentResult] = {}
    todo: list[tuple[str, Path]] = []
    prints: dict[str, str] = {}
    for student, path in found:
        prints[student] = hashlib.sha256(f"{quizset}\0{submission_fingerprint(path)}".encode()).hexdigest()
        try:
            data = json.loads((state / f"{file_stem(student)}.json").read_text(encoding="utf-8"))
            if data.get("fingerprint") == prints[student] and data.get("reusable", True):
                cached[student] = StudentResult.from_json(data["result"])
                continue
        except (OSError, ValueError, KeyError, TypeError):
            pass
        todo.append((student, path))
    run.reused = len(cached)

    progress = Progress(len(found), enabled=not quiet, stream=progress_stream)
    if cached:
        progress.update("", step=len(cached))
    stop_after = int(os.environ.get(STOP_AFTER_ENV, "0") or 0)
    if todo:
        workdir = Path(tempfile.mkdtemp(prefix="caselab-grade-"))
        stream = grade_stream(todo, quiz_list, sandbox=sandbox, limits=limits, workers=workers, workdir=workdir)
        try:
            for result in stream:
                payload = {"fingerprint": prints[result.student], "result": result.to_json()}
                if not reusable(result):
                    payload["reusable"] = False
                write_if_changed(state / f"{file_stem(result.student)}.json",
                                 json.dumps(payload, ensure_ascii=False, sort_keys=True) + "\n", durable=False)
                cached[result.student] = result
                run.graded += 1
                progress.update(result.student)
                if stop_after and run.graded >= stop_after and len(cached) < len(found):
                    raise GradeStopped(f"stopped after {run.graded} students ({STOP_AFTER_ENV})")
        finally:
            close = getattr(stream, "close", None)
            if close:
                close()
            shutil.rmtree(workdir, ignore_errors=True)
            progress.close()
    else:
        progress.close()

    run.results = [cached[s] for s, _ in found]
    write_outputs(run, quiz_list, root=root, explanations=explanations, canvas_assignment=canvas_assignment,
                  roster=roster_rows, students={file_stem(s) for s, _ in found})
    return run


def write_outputs(run: GradeRun, quizzes: Sequence[Quiz], *, root: Path, explanations: bool,
                  canvas_assignment: str | None, roster: list[dict] | None, students: set[str]) -> None:
    from caselab.quiz.figures import load_figures
    from caselab.grading.report import render_report

    out, written = run.out, run.written
    figures = load_figures(root)
    for r in run.results:
        write_if_changed(out / "results" / f"{file_stem(r.student)}.json", results_json(r, quizzes), written,
                         durable=False)
        write_if_changed(out / "feedback" / f"{file_stem(r.student)}.md",
                         feedback_md(r, quizzes, explanations=explanations, figures=figures), written, durable=False)
    # the files of students graded before but no longer in the submissions folder would make the
    # outputs depend on history; files caselab did not write (no graded state) are left alone
    for state in sorted((out / STATE_DIR).glob("*.json")):
        if state.stem not in students:
            for p in (out / "results" / f"{state.stem}.json", out / "feedback" / f"{state.stem}.md", state):
                p.unlink(missing_ok=True)
    max_score = sum(q.max_score for q in quizzes)
    write_if_changed(out / "gradebook.csv", gradebook_csv(run.results, quizzes), written)
    write_if_changed(out / "canvas.csv", canvas_csv(run.results, max_score, canvas_assignment, roster), written)
    write_if_changed(out / "report.html", render_report(run.results, quizzes), written)
