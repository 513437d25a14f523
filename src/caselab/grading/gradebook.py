"""Grade a class: one command from a folder of submissions to a gradebook, feedback and a class report.

    caselab grade SUBMISSIONS --out DIR [--modules kyc,mining] [--no-explanations] [--workers N] [--unsandboxed]

SUBMISSIONS holds one folder or one .zip per student (its name, without .zip, is
the student id; a name that is not UTF-8 is decoded by ``intake.student_id``), Moodle folders
(``Full Name_12345_assignsubmission_file_`` is the student ``Full Name_12345``) or Canvas
flat-export files (``name_12345_67890_kyc.py`` is the student ``name_12345``);
``intake.scan_submissions`` has the rules, and every other entry is listed as skipped.  The
submissions are read, never changed; the sheets are run by ``caselab.grading`` (in a sandbox
unless ``--unsandboxed``).  DIR receives (``<id>``: the id, or for an id that is long or not a
plain file name a shortened one with a hash, ``file_stem``):

- ``gradebook.csv``       student, one column of points per module, total, max, percent, pending, status;
- ``canvas.csv``          the totals in the CSV that Canvas's gradebook import accepts;
- ``results/<id>.json``   each student's results in Gradescope's results.json format;
- ``feedback/<id>.md``    each student's feedback: per question right or wrong, what the student
                          typed, and the explanation of each question answered;
- ``report.html``         the class report (``report.py``), self-contained;
- ``manual.csv``          points the instructor gives by hand (student, module, question, points,
                          reason); prefilled with a row per answered memo, points blank;
- ``.caselab/<id>.json``  each student's graded result with the fingerprint of the submission and
                          of the quizzes it was graded against; ``.caselab/last-run.json`` the
                          statuses and points of the last run, to say what changed.

Memo points are the instructor's (``INSTRUCTOR_GRADED``): the machine only says whether a memo
is well formed.  Until manual.csv gives them, they are ``pending``: left out of the score and
its maximum and shown apart, so a complete set of automatic answers reads as full marks of what
a machine grades.  manual.csv is read before grading and merged into every output on every run
(``apply_marks``): a row with a question sets that question's points (0 to its points); a row
with a module and no question adds its points (negative to take off) to the module.  caselab
only ever appends rows to manual.csv; a row it cannot use is named with its line number in the
run's summary and kept.  A manual.csv without its columns stops the run before anything is written.

Each run ends with a summary (``GradeRun.summary``): every student who is not ``ok``, every
skipped entry, roster students without a submission and submissions matching no roster row
(``match_roster``), manual.csv's problems, and who changed since the last run, from what to what.

Every file is written whole (``atomic.py``) and only when its bytes change; the same
inputs give byte-identical outputs.  A run that is stopped (Ctrl-C, a crash, a
killed machine) keeps every student already graded in ``.caselab/``; running the same
command again grades only the rest.  A result a rerun could change for reasons outside
the submission (``timeout``, ``internal-error``, ``unsandboxed``, ``crashed``, a time limit
hit: a loaded machine, the grader, the sandbox, the host's out-of-memory killer) is kept
there too but graded again.

Whatever a student controls (names, answers, messages) is written inert: CSV cells never
start a formula (``csv_cell``), Markdown escapes markup on one capped line (``md_text``),
results.json asks Gradescope to show plain text, and text that cannot be encoded as UTF-8
(lone surrogates) never reaches a writer (``batch.clean_text``).
"""
from __future__ import annotations

import csv
import functools
import hashlib
import io
import json
import os
import re
import shutil
import stat
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterator, Sequence

from caselab import __version__
from caselab.atomic import write_bytes
from caselab.quiz.checking import Outcome
from caselab.quiz.model import Quiz, load_quizzes
from caselab.grading.batch import StudentResult, grade_many, sandbox_available, scratch_folder
from caselab.grading.intake import MAX_DEPTH, canvas_original_name, printable, scan_submissions, unique_ids, zip_names

STATE_DIR = ".caselab"
STOP_AFTER_ENV = "CASELAB_GRADE_STOP_AFTER"  # testing: stop after this many newly graded students
STATUS_WORDS = {
    "correct": "right", "partial": "partly right", "wrong": "wrong", "unanswered": "not answered",
    "invalid": "not in the form asked", "error": "could not be checked",
    "pending": "to be graded by the instructor",
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
    submissions: list = field(default_factory=list)  # (student, path) as found: integrity.py reads code and memos
    marked: list[StudentResult] = field(default_factory=list)  # with pending memos and manual.csv merged
    pending: dict[str, dict] = field(default_factory=dict)  # student -> {(module, question): points}
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (entry, why) not graded
    layouts: dict[str, str] = field(default_factory=dict)  # student -> folder, zip, moodle, canvas
    warnings: list[str] = field(default_factory=list)  # roster, manual.csv
    changes: list[str] = field(default_factory=list)  # since the last run into the same --out

    def summary(self) -> list[str]:
        """The lines a run ends with: every student not ``ok``, what was skipped, warnings, what changed."""
        lines = []
        trouble = [r for r in self.marked if r.status != "ok"]
        if trouble:
            lines.append(f"{len(trouble)} submission(s) not ok:")
            lines += [f"  {r.student}: {r.status}" + (f" - {r.message}" if r.message else "") for r in trouble]
        else:
            lines.append("every submission is ok")
        if self.skipped:
            lines.append(f"{len(self.skipped)} entr{'y' if len(self.skipped) == 1 else 'ies'} of the submissions "
                         "folder not graded:")
            lines += [f"  {printable(name)}: {why}" for name, why in self.skipped]
        waiting = {s: sum(v.values()) for s, v in self.pending.items() if v}
        if waiting:
            lines.append(f"{len(waiting)} student(s) have memo points to grade by hand: fill in the points "
                         f"in {self.out / MANUAL_FILE} and run the same command again")
        lines += self.warnings
        if self.changes:
            lines.append("changes since the last run:")
            lines += [f"  {c}" for c in self.changes]
        return lines


# --- the grader: caselab.grading.batch (the sandbox, the limits, the statuses) ----------------------

def grade_stream(submissions: list[tuple[str, Path]], quizzes: Sequence[Quiz], *, sandbox: bool, limits,
                 workers: int | None, workdir: Path) -> Iterator[StudentResult]:
    """Each submission's result as it finishes (grade_many runs them in parallel), with the integrity
    report's texts and the submission's fingerprint (``submission_fingerprint``), both taken by the worker."""
    yield from grade_many(submissions, list(quizzes), sandbox=sandbox, limits=limits, workers=workers,
                          workdir=workdir, texts=True, fingerprint=submission_fingerprint)


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


# --- instructor-graded points: pending memos and manual.csv -------------------------------------

MANUAL_FILE = "manual.csv"
MANUAL_FIELDS = ("student", "module", "question", "points", "reason", "rubric")
LAST_RUN = "last-run.json"
PENDING = "pending"  # the status of a memo's points until the instructor grades them
INSTRUCTOR_GRADED = ("memo",)  # question types whose points only the instructor gives
ADJUSTMENT = "adjustment"  # the outcome id of a module-level adjustment from manual.csv


class ManualError(GradeError):
    pass


@dataclass
class Manual:
    """manual.csv as read: instructor points per question, adjustments per module, and what was wrong."""
    text: str = ""  # the file as it was (kept byte for byte; new rows are only ever appended)
    points: dict = field(default_factory=dict)  # (student, module, question) -> (points, reason, line)
    adjust: dict = field(default_factory=dict)  # (student, module) -> [(points, reason, line)]
    keys: set = field(default_factory=set)  # (student, module, question) of every row, filled in or not
    problems: list[str] = field(default_factory=list)


def read_manual(path: Path) -> Manual:
    """Read ``path`` (missing is empty); a file without the needed columns is a ManualError (nothing is touched)."""
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        return Manual()
    except OSError as exc:
        raise ManualError(f"{path} cannot be read ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ManualError(f"{path} is not UTF-8 text; save it as CSV UTF-8 and run again") from None
    manual = Manual(text=text)
    reader = csv.DictReader(io.StringIO(text))
    need = {"student", "module", "question", "points"}
    if not text.strip():
        return manual
    if not need <= set(reader.fieldnames or ()):
        raise ManualError(f"{path} needs the columns {', '.join(MANUAL_FIELDS[:5])} in its first line; "
                          "it was left as it is (fix it, or move it away to get a fresh one)")
    for row in reader:
        line = reader.line_num
        student, module = (row.get("student") or "").strip(), (row.get("module") or "").strip()
        question, value = (row.get("question") or "").strip(), (row.get("points") or "").strip()
        reason = (row.get("reason") or "").strip()
        if not student and not module and not question and not value:
            continue
        manual.keys.add((student, module, question))
        if not value:
            continue  # still to be graded
        try:
            points = float(value.replace(",", "."))
            if points != points or points in (float("inf"), float("-inf")):
                raise ValueError
        except ValueError:
            manual.problems.append(f"{MANUAL_FILE} line {line}: points {value!r} is not a number "
                                   "(write e.g. 2 or 1.5); the row was left out")
            continue
        if question in ("", "*"):
            manual.adjust.setdefault((student, module), []).append((points, reason, line))
        else:
            if (student, module, question) in manual.points:
                manual.problems.append(f"{MANUAL_FILE} line {line}: a second row for {student} {module} "
                                       f"{question}; the last one counts")
            manual.points[(student, module, question)] = (points, reason, line)
    return manual


def rubric_text(q) -> str:
    rubric = (getattr(q, "spec", None) or {}).get("rubric") or []
    parts = []
    for item in rubric:
        if isinstance(item, dict) and item.get("criterion"):
            parts.append(f"{str(item['criterion']).strip()} ({fmt(float(item.get('points', 0)))})")
    return "; ".join(parts)


def _verdict_word(fraction: float) -> str:
    return "correct" if fraction >= 1 else "partial" if fraction > 0 else "wrong"


def apply_marks(r: StudentResult, quizzes: Sequence[Quiz], manual: Manual) -> StudentResult:
    """``r`` as the gradebook shows it: memo points pending until graded, manual points and adjustments merged.

    - an answered memo (not blank, not invalid) becomes ``pending``: 0 of 0 points until manual.csv
      gives its points; its message keeps the automatic check (well formed or not, and why);
    - a manual.csv row for a question replaces its points (0 to the question's points) and says so;
    - a row with a module and no question adds its points (maybe negative) to that module.
    """
    out = []
    for o in r.outcomes:
        row = manual.points.get((r.student, o.module, o.id))
        if row is not None:
            points, reason, _line = row
            if not 0 <= points <= o.max_points:
                manual.problems.append(f"{MANUAL_FILE} line {_line}: {r.student} {o.module} {o.id} is worth "
                                       f"0 to {fmt(o.max_points)} points, not {fmt(points)}; the row was left out")
            else:
                note = f"graded by the instructor: {fmt(points)} of {fmt(o.max_points)}"
                note += f" ({reason})" if reason else ""
                auto = _memo_form(o) if o.type in INSTRUCTOR_GRADED else ""
                message = "; ".join(x for x in (note, auto) if x)
                out.append(replace(o, status=_verdict_word(points / o.max_points if o.max_points else 1),
                                   points=round(points, 4), message=message, hint=""))
                continue
        if o.type in INSTRUCTOR_GRADED and o.status in ("correct", "partial", "wrong"):
            out.append(replace(o, status=PENDING, points=0.0, max_points=0.0, message=_memo_form(o), hint=""))
            continue
        out.append(o)
    for quiz in quizzes:
        for points, reason, _line in manual.adjust.get((r.student, quiz.module), []):
            out.append(Outcome(quiz.module, ADJUSTMENT, ADJUSTMENT, "correct" if points >= 0 else "wrong",
                               round(points, 4), 0.0, f"adjusted by the instructor: {'+' if points >= 0 else ''}"
                               f"{fmt(points)} points" + (f" ({reason})" if reason else "")))
    return replace(r, outcomes=tuple(out))


def _memo_form(o: Outcome) -> str:
    if o.status == "correct":
        return "automatic check: well formed (the sections, length and citations asked for)"
    return "automatic check: not yet well formed" + (f" ({o.message})" if o.message else "")


def pending_points(raw: StudentResult, marked: StudentResult) -> dict[tuple[str, str], float]:
    """(module, question) -> the points still to be graded by the instructor."""
    maxima = {(o.module, o.id): o.max_points for o in raw.outcomes}
    return {(o.module, o.id): maxima[(o.module, o.id)] for o in marked.outcomes if o.status == PENDING}


def manual_rows_to_add(raw: dict[str, StudentResult], quizzes: Sequence[Quiz], manual: Manual) -> list[list[str]]:
    """A row for each answered memo that manual.csv does not list yet (points left blank)."""
    questions = {(quiz.module, q.id): q for quiz in quizzes for q in quiz.questions}
    rows = []
    for student in sorted(raw):
        for o in raw[student].outcomes:
            if o.type in INSTRUCTOR_GRADED and o.status in ("correct", "partial", "wrong") \
                    and (student, o.module, o.id) not in manual.keys:
                q = questions.get((o.module, o.id))
                rubric = rubric_text(q) if q is not None else ""
                rows.append([student, o.module, o.id, "", "",
                             f"0 to {fmt(o.max_points)} points" + (f"; rubric: {rubric}" if rubric else "")])
    return rows


def update_manual(path: Path, manual: Manual, rows: list[list[str]], written: list[Path]) -> None:
    """Append ``rows`` to manual.csv (created with its header when missing); the instructor's rows are never changed."""
    if not rows and manual.text:
        return
    text = manual.text
    if not text.strip():
        text = _csv([list(MANUAL_FIELDS)])
    elif not text.endswith("\n"):
        text += "\n"
    write_if_changed(path, text + _csv(rows), written)


# --- output files ---------------------------------------------------------------------------------

@functools.lru_cache(maxsize=4096)  # a class's points are a few hundred values, printed many times each
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


def gradebook_csv(results: list[StudentResult], quizzes: Sequence[Quiz],
                  pending: dict[str, dict] | None = None) -> str:
    """One row per student; ``max`` leaves out the points still to be graded, shown apart in ``pending``."""
    pending = pending or {}
    rows = [["student", *[q.module for q in quizzes], "total", "max", "percent", "pending", "status"]]
    for r in results:
        rows.append([r.student, *[fmt(r.module_score(q.module)) for q in quizzes], fmt(r.score), fmt(r.max_score),
                     percent(r.score, r.max_score), fmt(sum(pending.get(r.student, {}).values())), r.status])
    return _csv(rows)


CANVAS_FIELDS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")


def read_roster(path: Path) -> list[dict]:
    """A Canvas gradebook export (or any CSV with Canvas's student columns)."""
    with open(path, encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    return [r for r in rows if (r.get("Student") or "").strip() and "Points Possible" not in (r.get("Student") or "")]


def _name_key(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold())


def match_roster(students: Sequence[str], roster: list[dict]) -> tuple[dict[str, dict], list[str], list[dict]]:
    """(student id -> roster row, ids matching no row, rows matching no id).

    A submission's id matches a roster row when, ignoring case, it equals the row's SIS Login ID,
    SIS User ID, ID or Student; else when it ends in ``_<number>`` (Canvas ``name_12345``, Moodle
    ``Full Name_12345``) and the number is the row's ID or SIS User ID; else when its letters
    (spaces, commas and underscores dropped) equal the Student column's letters ("Jane Smith",
    "Smith, Jane" and Canvas's "smithjane" all match).  A row matched twice keeps its first id.
    """
    exact: dict[str, dict] = {}
    numbers: dict[str, dict] = {}
    names: dict[str, dict] = {}
    for row in roster:
        for col in ("SIS Login ID", "SIS User ID", "ID", "Student"):
            value = (row.get(col) or "").strip()
            if value:
                exact.setdefault(value.casefold(), row)
        for col in ("ID", "SIS User ID"):
            value = (row.get(col) or "").strip()
            if value.isdigit():
                numbers.setdefault(value, row)
        student = (row.get("Student") or "").strip()
        if student:
            names.setdefault(_name_key(student), row)
            if "," in student:  # Canvas writes "Smith, Jane"; exports name files smithjane or janesmith
                last, first = student.split(",", 1)
                names.setdefault(_name_key(first + last), row)
    matched: dict[str, dict] = {}
    unmatched = []
    for sid in students:
        row = exact.get(sid.casefold())
        m = re.match(r"^(.*?)_(?:late_)?(\d+)$", sid, re.I)
        if row is None and m:
            row = numbers.get(m.group(2)) or names.get(_name_key(m.group(1)))
        if row is None:
            row = names.get(_name_key(sid))
        if row is None or any(row is other for other in matched.values()):
            unmatched.append(sid)
        else:
            matched[sid] = row
    missing = [row for row in roster if not any(row is other for other in matched.values())]
    return matched, unmatched, missing


def canvas_csv(results: list[StudentResult], max_score: float, assignment: str | None = None,
               roster: list[dict] | None = None) -> str:
    """Canvas's gradebook import: the student columns, a Points Possible row, one assignment column.

    Canvas matches a row to a student by ID, SIS User ID or SIS Login ID.  With a roster
    (a gradebook export from the course) the submission is matched to its row by
    ``match_roster``; without one (or unmatched) its id is written as the SIS Login ID.
    A column named ``caselab (<assignment id>)`` updates that assignment; without an id,
    Canvas creates an assignment named ``caselab``.
    """
    column = f"caselab ({assignment})" if assignment else "caselab"
    matched = match_roster([r.student for r in results], roster)[0] if roster else {}
    rows = [[*CANVAS_FIELDS, column], ["    Points Possible", "", "", "", "", fmt(max_score)]]
    for r in results:
        match = matched.get(r.student)
        if match:
            rows.append([*[(match.get(f) or "").strip() for f in CANVAS_FIELDS], fmt(r.score)])
        else:
            rows.append([r.student, "", "", r.student, "", fmt(r.score)])
    return _csv(rows)


MAX_SHOWN = 300  # characters of a message or a name that can carry a student's text


@functools.lru_cache(maxsize=8192)  # messages repeat across a class (pure function of its arguments)
def plain_line(text: str, limit: int = MAX_SHOWN) -> str:
    """One line of at most ``limit`` characters: line breaks and control characters become spaces."""
    text = " ".join("".join(c if c.isprintable() else " " for c in str(text)).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


_MD_ESCAPES = str.maketrans({c: "\\" + c for c in "\\`*_[]{}()#+!|~"} | {"<": "&lt;", ">": "&gt;", "&": "&amp;"})


@functools.lru_cache(maxsize=8192)
def md_text(text: str, limit: int = MAX_SHOWN) -> str:
    """Text that may come from a student, made inert in Markdown: one line, capped, and every character
    that could start markup (HTML, a link or an image, emphasis, code, a table cell) escaped."""
    return plain_line(text, limit).translate(_MD_ESCAPES)


_FIGURE_NAME = re.compile(r"(?:;\s*|,\s*)?\bthe figure\s+[a-z_]+\.[\w.]*\w")


def plain(text: str) -> str:
    """Text for a student: no internal names (``the figure mining.machine_power_w``)."""
    if "the figure" not in text:  # nearly always: skip the regular expressions (a class has many messages)
        return text
    text = _FIGURE_NAME.sub("", text)
    return re.sub(r"\(\s*\)", "", text).replace("( ", "(").replace(" )", ")")


@functools.lru_cache(maxsize=8192)  # an Outcome is frozen plain data: most students share most of theirs
def _test_output(o: Outcome, pending: float = 0.0) -> str:
    if o.status == PENDING:
        return (f"{fmt(pending)} points to be graded by your instructor; " + plain_line(plain(o.message))).rstrip(".") + "."
    parts = [STATUS_WORDS.get(o.status, o.status)]
    if o.message:
        parts.append(plain_line(plain(o.message)))
    if o.hint:
        parts.append(f"Hint: {plain(o.hint)}")
    return ". ".join(p.rstrip(".") for p in parts) + "."


def _pending_sentence(pending: dict) -> str:
    total = sum(pending.values())
    return f"{fmt(total)} more points (memos) are to be graded by your instructor" if total else ""


def results_json(r: StudentResult, quizzes: Sequence[Quiz], pending: dict | None = None) -> str:
    """Gradescope's results.json: the score, and one test per question named <module>/<question id>.

    A memo still to be graded scores 0 of 0 (its points are in ``extra_data.pending``); a
    manual adjustment is a test of its own named <module>/adjustment.
    """
    pending = pending or {}
    titles = _titles(quizzes)
    sums = _module_sums(r)
    per_module = ", ".join(f"{quiz.module} {fmt(sums.get(quiz.module, (0, 0))[0])}/"
                           f"{fmt(sums.get(quiz.module, (0, 0))[1])}" for quiz in quizzes)
    output = f"caselab: {fmt(r.score)} / {fmt(r.max_score)} points ({per_module})."
    if pending:
        output += f" {_pending_sentence(pending)}."
    if r.status != "ok":
        output += f" Submission {r.status}: {plain_line(r.message)}".rstrip(": ") + "."
    elif r.message:
        output += f" {plain_line(r.message)}"
    tests = []
    for n, o in enumerate(r.outcomes, 1):
        test = {"name": f"{o.module}/{o.id}", "number": f"{n}", "score": round(o.points, 4),
                "max_score": round(o.max_points, 4),
                "status": "passed" if o.status == "correct" else "failed",
                "output": f"{titles.get((o.module, o.id), '')}: "
                          f"{_test_output(o, pending.get((o.module, o.id), 0.0))}".lstrip(": ")}
        if o.status == PENDING:
            del test["status"]
        tests.append(test)
    # "text": Gradescope shows every output as it is, never as HTML or Markdown (messages can hold a student's text)
    data = {"score": r.score, "output": output, "output_format": "text", "test_output_format": "text", "tests": tests}
    if pending:
        data["extra_data"] = {"pending": round(sum(pending.values()), 4),
                              "pending_questions": [f"{m}/{q}" for m, q in pending]}
    return _json_indented(data) + "\n"


_json_str = json.encoder.encode_basestring  # what json.dumps(ensure_ascii=False) writes for a string (C)


def _json_indented(value, indent: str = "\n") -> str:
    """``json.dumps(value, indent=2, ensure_ascii=False)``, the same bytes, without json's pure-Python
    indenting encoder (a class's results.json files were a large part of a run's time).  Keys are text."""
    kind = type(value)
    if kind is str:
        return _json_str(value)
    if kind is dict:
        if not value:
            return "{}"
        inner = indent + "  "
        return "{" + ",".join([inner + _json_str(k) + ": " + (_json_str(v) if type(v) is str else _json_indented(v, inner))
                               for k, v in value.items()]) + indent + "}"
    if kind is list:
        if not value:
            return "[]"
        inner = indent + "  "
        return "[" + ",".join([inner + _json_indented(v, inner) for v in value]) + indent + "]"
    if kind is float and value - value == 0.0:  # finite: json writes float.__repr__
        return float.__repr__(value)
    if kind is int:
        return int.__repr__(value)
    return json.dumps(value)  # true/false, null, NaN and infinities: as json writes them


def _titles(quizzes: Sequence[Quiz]) -> dict:
    key = tuple(map(id, quizzes))
    hit = _TITLES.get(key)
    if hit is None or any(a is not b for a, b in zip(hit[0], quizzes)):
        hit = (tuple(quizzes), {(quiz.module, q.id): q.title for quiz in quizzes for q in quiz.questions})
        _TITLES.clear()
        _TITLES[key] = hit
    return hit[1]


_TITLES: dict = {}


def _module_sums(r: StudentResult) -> dict[str, tuple[float, float]]:
    """module -> (points, max points), each as ``module_score`` computes it (same order of addition)."""
    return {m: (round(points, 4), round(top, 4)) for m, (points, top) in r.module_sums.items()}


def _module_max(r: StudentResult, module: str) -> float:
    return round(sum(o.max_points for o in r.outcomes if o.module == module), 4)


FIG = re.compile(r"\{\{\s*fig\s+([\w.]+)\s*\}\}")


def _figs(text: str, figures: dict) -> str:
    return FIG.sub(lambda m: figures[m.group(1)].formatted() if m.group(1) in figures else m.group(0), text)


ANSWERED = ("correct", "partial", "wrong", PENDING)
_EXPLAINED: dict = {}  # (id(figures), explanation) -> (figures, the quoted block): the same for every student


def _explanation(explanation: str, figures: dict) -> str:
    key = (id(figures), explanation)
    hit = _EXPLAINED.get(key)
    if hit is None or hit[0] is not figures:
        text = "**Explanation.** " + plain(_figs(explanation, figures))
        hit = (figures, "\n".join("> " + line if line else ">" for line in text.split("\n")))
        if len(_EXPLAINED) > 4096:
            _EXPLAINED.clear()
        _EXPLAINED[key] = hit
    return hit[1]


def feedback_md(r: StudentResult, quizzes: Sequence[Quiz], *, explanations: bool, figures: dict,
                pending: dict | None = None) -> str:
    pending = pending or {}
    lines = [f"# Feedback: {md_text(r.student)}", "",
             f"**{fmt(r.score)} / {fmt(r.max_score)} points ({percent(r.score, r.max_score)} %)**", ""]
    if pending:
        lines += [f"{_pending_sentence(pending)}; the score above leaves them out until then.", ""]
    if r.status != "ok":
        lines += [f"Your submission could not be graded as handed in ({r.status}): {md_text(r.message)}", ""]
    elif r.message:
        lines += [f"Note: {md_text(r.message)}", ""]
    lines += ["| module | points | of | to be graded |", "| --- | ---: | ---: | ---: |"]
    sums = _module_sums(r)
    for quiz in quizzes:
        waiting = sum(v for (m, _), v in pending.items() if m == quiz.module)
        score, top = sums.get(quiz.module, (0, 0))
        lines.append(f"| {quiz.title} | {fmt(score)} | {fmt(top)} "
                     f"| {fmt(waiting) if waiting else '–'} |")
    lines.append("")
    outcomes = {(o.module, o.id): o for o in r.outcomes}
    for quiz in quizzes:
        score, top = sums.get(quiz.module, (0, 0))
        lines += [f"## {quiz.title} ({fmt(score)} / {fmt(top)})", ""]
        for q in quiz.questions:
            o = outcomes[(quiz.module, q.id)]
            if o.status == PENDING:
                lines += [f"### {q.id} · {q.title}: to be graded by your instructor "
                          f"({fmt(pending.get((o.module, o.id), q.points))} points)", ""]
                rubric = rubric_text(q)
                if rubric:
                    lines += [f"Rubric: {rubric}.", ""]
            else:
                word = STATUS_WORDS.get(o.status, o.status)
                if q.type in INSTRUCTOR_GRADED and o.message.startswith("graded by the instructor"):
                    word = "graded by your instructor"  # never "right": the machine checked only the form
                lines += [f"### {q.id} · {q.title}: {word} ({fmt(o.points)} / {fmt(o.max_points)})", ""]
            if o.given and q.type not in INSTRUCTOR_GRADED:
                given = plain_line(o.given).replace("`", "'")
                lines += [f"Your answer: `{given}`" if "\n" not in o.given and len(given) < 200
                          else "Your answer: see your sheet.", ""]
            if o.message:
                lines += [md_text(plain(o.message)), ""]
            if o.hint and o.status != "correct":
                lines += [f"Hint: {plain(o.hint)}", ""]
            if explanations and q.explanation and o.status in ANSWERED:
                lines += [_explanation(q.explanation, figures), ""]
        for o in r.outcomes:
            if o.module == quiz.module and o.id == ADJUSTMENT:
                lines += [f"**Adjustment** ({'+' if o.points >= 0 else ''}{fmt(o.points)}): {o.message}", ""]
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
            if len(Path(dirpath).relative_to(path).parts) >= MAX_DEPTH:  # as deep as intake looks
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
# itself, the sandbox missing this time, a SIGKILL from the host's out-of-memory killer rather than
# the student): such a result is written but never reused.
TRANSIENT_STATUSES = ("timeout", "internal-error", "unsandboxed", "crashed")
TRANSIENT_LIMITS = ("seconds", "call_seconds")


def reusable(result: StudentResult) -> bool:
    """Whether a later run may keep ``result`` instead of grading the submission again."""
    return result.status not in TRANSIENT_STATUSES and not set(result.limits_hit) & set(TRANSIENT_LIMITS)


def _stage_canvas(files: list[tuple[str, Path]], dest: Path, cap: int) -> list[tuple[str, str]]:
    """Copy a Canvas flat export's sheets into ``dest`` under their uploaded names; return what was skipped.

    A resubmission ``kyc-1.py`` (the highest number wins) replaces ``kyc.py``.  Links are never
    followed; at most ``cap`` + 1 bytes are copied (intake then reports a sheet that is too large).
    """
    dest.mkdir(parents=True)
    latest: dict[str, tuple[tuple, Path]] = {}
    skipped = []
    for uploaded, path in files:
        original = canvas_original_name(uploaded)
        if not original.lower().endswith(".py") or "/" in original or original.startswith("."):
            skipped.append((path.name, "a Canvas export file that is not a .py sheet"))
            continue
        m = re.search(r"-(\d+)\.[^.]+$", uploaded)
        rank = (int(m.group(1)) if m else 0, path.name)
        if original in latest:
            older = min(latest[original], (rank, path))
            skipped.append((older[1].name, f"an earlier Canvas upload of {original}"))
        if original not in latest or rank > latest[original][0]:
            latest[original] = (rank, path)
    for original, (_, path) in latest.items():
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError as exc:
            skipped.append((path.name, f"cannot be read ({exc.strerror})"))
            continue
        with os.fdopen(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                skipped.append((path.name, "not a regular file"))
                continue
            data = f.read(cap + 1)
        (dest / original).write_bytes(data)
    return skipped


def _missing_module(r: StudentResult) -> StudentResult:
    """An ``ok`` submission without the sheet of an assigned module is ``missing-module``, never a silent ``ok``."""
    if r.status != "ok" or not r.missing:
        return r
    return replace(r, status="missing-module",
                   message=f"no sheet for {', '.join(r.missing)} (looked for "
                           f"{', '.join(m + '.py' for m in r.missing)} in every folder); the sheets handed in were graded")


def _changes(before: dict, now: dict) -> list[str]:
    """Who changed since the last run, from what to what (status and points)."""
    def show(v: dict) -> str:
        text = f"{v['status']} {v['total']}/{v['max']}"
        return text + (f" (+{v['pending']} to grade)" if v.get("pending") not in (None, "0") else "")
    out = []
    for student in sorted(set(before) | set(now)):
        a, b = before.get(student), now.get(student)
        if a == b:
            continue
        if a is None:
            out.append(f"{student}: new, {show(b)}")
        elif b is None:
            out.append(f"{student}: no longer in the submissions (was {show(a)})")
        else:
            out.append(f"{student}: {show(a)} -> {show(b)}")
    return out


def grade_class(submissions: Path, out: Path, *, root: Path, modules: list[str] | None = None,
                explanations: bool = True, workers: int | None = None, sandbox: bool = True,
                quiet: bool = False, canvas_assignment: str | None = None, roster: Path | None = None,
                progress_stream=None, variants: Path | None = None) -> GradeRun:
    """Grade every submission in ``submissions`` and write the class's files to ``out`` (see the module docstring)."""
    submissions, out, root = Path(submissions).resolve(), Path(out).resolve(), Path(root).resolve()
    if not submissions.is_dir():
        raise GradeError(f"{submissions} is not a folder of submissions")
    if out.exists() and not out.is_dir():
        raise GradeError(f"--out {out} is a file; name a folder")
    if out == submissions or submissions in out.parents:
        raise GradeError("--out must not be inside the submissions folder (it is never changed)")
    manual = read_manual(out / MANUAL_FILE)
    try:  # read before grading: a roster that cannot be read must not cost a graded class its outputs
        roster_rows = read_roster(roster) if roster else None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise GradeError(f"the roster {roster} cannot be read as a CSV export ({exc})") from None
    scan = scan_submissions(submissions)
    from caselab.grading.batch import Limits

    limits = Limits()
    stage = Path(tempfile.mkdtemp(prefix="caselab-canvas-")) if scan.canvas else None
    try:
        skipped = list(scan.skipped)
        found = list(unique_ids(scan.submissions))
        for student, files in sorted(scan.canvas.items()):
            skipped += _stage_canvas(files, stage / student, limits.sheet_kb * 1024)
            found.append((student, stage / student))
        found.sort()
        run = GradeRun(out, ())
        run.skipped = sorted(skipped)
        run.layouts = dict(scan.layouts)
        _grade_found(run, found, root=root, modules=modules, explanations=explanations, workers=workers,
                     sandbox=sandbox, quiet=quiet, canvas_assignment=canvas_assignment,
                     roster=roster_rows, progress_stream=progress_stream, limits=limits, manual=manual,
                     variants=variants)
    finally:
        if stage is not None:
            shutil.rmtree(stage, ignore_errors=True)
    return run


def _grade_found(run: GradeRun, found, *, root, modules, explanations, workers, sandbox, quiet, canvas_assignment,
                 roster, progress_stream, limits, manual, variants=None) -> None:
    out = run.out
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
    run.modules = tuple(quizzes)
    if sandbox:
        ok, why = sandbox_available()
        if not ok:
            raise GradeError(f"no sandbox to run the sheets in ({why}); install bubblewrap, or pass "
                             "--unsandboxed to run them without one (only for submissions you trust)")
    options = {"sandbox": sandbox, "limits": repr(limits)}
    if variants:  # each student against their own variant (issue 14; caselab.quiz.variants)
        from caselab.grading.variants import grade_own_variant
        from caselab.quiz.variants import VariantError, for_grading
        try:
            lock, options["variants"] = for_grading(variants)
        except VariantError as exc:
            raise GradeError(str(exc)) from None
    quizset = quizset_fingerprint(quiz_list, root, options)
    state = out / STATE_DIR

    cached: dict[str, StudentResult] = {}
    todo: list[tuple[str, Path]] = []
    prints: dict[str, str] = {}

    def fingerprint(path: Path, submission: str | None = None) -> str:
        submission = submission or submission_fingerprint(path)
        return hashlib.sha256(f"{quizset}\0{submission}".encode()).hexdigest()

    for student, path in found:
        try:  # a student without a graded state is fingerprinted when graded (while the sandbox runs others)
            data = json.loads((state / f"{file_stem(student)}.json").read_text(encoding="utf-8"))
            prints[student] = fingerprint(path)
            if data.get("fingerprint") == prints[student] and data.get("reusable", True):
                cached[student] = StudentResult.from_json(data["result"])
                continue
        except (OSError, ValueError, KeyError, TypeError):
            pass
        todo.append((student, path))
    run.reused = len(cached)
    paths = dict(todo)

    progress = Progress(len(found), enabled=not quiet, stream=progress_stream)
    if cached:
        progress.update("", step=len(cached))
    stop_after = int(os.environ.get(STOP_AFTER_ENV, "0") or 0)
    manual = manual if manual is not None else read_manual(out / MANUAL_FILE)
    from caselab.quiz.figures import load_figures

    figures = load_figures(root)
    rendered: dict[str, tuple[str, str]] = {}  # student -> their two files, made while the others are graded
    if todo:
        workdir = Path(tempfile.mkdtemp(prefix="caselab-grade-", dir=scratch_folder()))
        stream = grade_stream(todo, quiz_list, sandbox=sandbox, limits=limits, workers=workers, workdir=workdir)
        try:
            for result in stream:
                if variants:
                    result = grade_own_variant(result, dict(todo)[result.student], lock, quiz_list)
                if result.student not in prints:
                    prints[result.student] = fingerprint(paths[result.student], result.fingerprint)
                payload = {"fingerprint": prints[result.student], "result": result.to_json()}
                if not reusable(result):
                    payload["reusable"] = False
                write_if_changed(state / f"{file_stem(result.student)}.json",
                                 json.dumps(payload, ensure_ascii=False, sort_keys=True) + "\n", durable=False)
                cached[result.student] = result
                rendered[result.student] = student_files(_missing_module(result), quiz_list, manual,
                                                         explanations=explanations, figures=figures)
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

    run.results = [_missing_module(cached[s]) for s, _ in found]
    if roster is not None:
        _, unmatched, missing = match_roster([s for s, _ in found], roster)
        for row in missing:
            who = (row.get("Student") or "").strip()
            ident = (row.get("SIS Login ID") or row.get("SIS User ID") or row.get("ID") or "").strip()
            run.warnings.append(f"roster: {who}" + (f" ({ident})" if ident else "") + " has no submission")
        for sid in unmatched:
            run.warnings.append(f"roster: the submission {printable(sid)} matches no student of the roster "
                                "(canvas.csv lists it under its own name)")
    run.submissions = found
    write_outputs(run, quiz_list, figures=figures, explanations=explanations, canvas_assignment=canvas_assignment,
                  roster=roster, students={s for s, _ in found}, manual=manual, rendered=rendered)


def student_files(r: StudentResult, quizzes: Sequence[Quiz], manual: Manual, *, explanations: bool,
                  figures: dict) -> tuple[str, str]:
    """A student's results.json and feedback.md, the one place they are rendered: ``caselab grade`` renders
    them as each result arrives, while the workers grade the rest, and ``write_outputs`` those of the
    students whose result was reused from an earlier run; ``manual``'s problems are left to
    ``write_outputs``, which finds them in the order of the class."""
    marked = apply_marks(r, quizzes, replace(manual, problems=[]))
    pend = pending_points(r, marked)
    return (results_json(marked, quizzes, pend),
            feedback_md(marked, quizzes, explanations=explanations, figures=figures, pending=pend))


def write_outputs(run: GradeRun, quizzes: Sequence[Quiz], *, figures: dict, explanations: bool,
                  canvas_assignment: str | None, roster: list[dict] | None, students: set[str],
                  manual: Manual | None = None, rendered: dict[str, tuple[str, str]] | None = None) -> None:
    """Write the class's files.  ``rendered`` maps a student to their ``student_files``, made while the
    class was graded (their result must be the one in ``run.results``); the others are rendered here."""
    out, written = run.out, run.written
    manual = manual if manual is not None else read_manual(out / MANUAL_FILE)
    known = {(r.student, o.module, o.id) for r in run.results for o in r.outcomes}
    graded_modules = {quiz.module for quiz in quizzes}
    run.marked = [apply_marks(r, quizzes, manual) for r in run.results]
    run.pending = {r.student: pending_points(r, m) for r, m in zip(run.results, run.marked)}
    for (student, module, question), (_, _, line) in sorted(manual.points.items(), key=lambda kv: kv[1][2]):
        if (student, module, question) not in known:
            manual.problems.append(f"{MANUAL_FILE} line {line}: no graded question {module} {question} for "
                                   f"{printable(student)}; the row is kept but counts for nothing")
    for (student, module), rows in manual.adjust.items():
        if student not in students or module not in graded_modules:
            manual.problems.append(f"{MANUAL_FILE} line {rows[0][2]}: no graded module {module} for "
                                   f"{printable(student)}; the row is kept but counts for nothing")
    run.warnings += sorted(set(manual.problems), key=manual.problems.index)
    rendered = rendered or {}
    files = []
    for r in run.results:
        results, feedback = rendered.get(r.student) or student_files(r, quizzes, manual, explanations=explanations,
                                                                     figures=figures)
        files += [(out / "results" / f"{file_stem(r.student)}.json", results),
                  (out / "feedback" / f"{file_stem(r.student)}.md", feedback)]
    # The students' files are written in a thread while the class's files are made here: creating a few
    # thousand files is mostly the kernel's work, which then runs beside the report's Python.
    at = len(written)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="caselab-write") as pool:
        writing = pool.submit(lambda: [write_if_changed(path, data, durable=False) for path, data in files])
        _write_class_files(run, quizzes, manual, students, canvas_assignment, roster)
        written[at:at] = [path for (path, _), changed in zip(files, writing.result()) if changed]


def _write_class_files(run: GradeRun, quizzes: Sequence[Quiz], manual: Manual, students: set[str],
                       canvas_assignment: str | None, roster: list[dict] | None) -> None:
    """gradebook.csv, canvas.csv, report.html, integrity.csv, manual.csv and the run's summary state."""
    from caselab.grading.report import render_report
    from caselab.grading.integrity import write_integrity

    out, written = run.out, run.written
    # the files of students graded before but no longer in the submissions folder would make the
    # outputs depend on history; files caselab did not write (no graded state) are left alone
    stems = {file_stem(s) for s in students}
    for state in sorted((out / STATE_DIR).glob("*.json")):
        if state.stem not in stems and state.name != LAST_RUN:
            for p in (out / "results" / f"{state.stem}.json", out / "feedback" / f"{state.stem}.md", state):
                p.unlink(missing_ok=True)
    max_score = sum(q.max_score for q in quizzes)
    write_if_changed(out / "gradebook.csv", gradebook_csv(run.marked, quizzes, run.pending), written)
    write_if_changed(out / "canvas.csv", canvas_csv(run.marked, max_score, canvas_assignment, roster), written)
    report = render_report(run.marked, quizzes, run.pending)
    report = write_integrity(run, quizzes, report, written)  # integrity.csv + its report.html section (issue 14)
    write_if_changed(out / "report.html", report, written)
    update_manual(out / MANUAL_FILE, manual, manual_rows_to_add({r.student: r for r in run.results}, quizzes, manual),
                  written)
    now = {m.student: {"status": m.status, "total": fmt(m.score), "max": fmt(m.max_score),
                       "pending": fmt(sum(run.pending[m.student].values()))} for m in run.marked}
    last = out / STATE_DIR / LAST_RUN
    try:
        before = json.loads(last.read_text(encoding="utf-8"))
        before = before if isinstance(before, dict) else None
    except (OSError, ValueError):
        before = None
    run.changes = _changes(before, now) if before is not None else []
    write_if_changed(last, json.dumps(now, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
