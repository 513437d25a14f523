"""The pytest plugin: each quiz question is a pytest item, checked against a folder of answer sheets.

Registered through the ``pytest11`` entry point.  Quizzes are collected only
when a folder of sheets is named, so a project's own test run never fails
because its sheets are blank:

    python -m pytest tests/quizzes --answers exercises      # or CASELAB_ANSWERS=exercises

A wrong answer reads as one sentence, ``-k``, ``-x``, markers and
``--junitxml`` work on questions, and the run ends with a score table.

The sheets that must run (computed answers, code tasks) run in the bubblewrap
sandbox of ``caselab.grading`` (each module's sheet copied into a private
folder first): a folder of sheets may be someone else's.  Where there is no
sandbox the run stops with a message, unless ``--caselab-unsandboxed`` (or
env ``CASELAB_UNSANDBOXED=1``) says the sheets are trusted; ``caselab check``
without ``--answers`` checks the student's own sheets and passes it.

With ``--caselab-student`` (what ``caselab check`` passes unless asked for
pytest's own output with ``-v`` or ``--pytest``; pytest's terminal is then
switched off with ``-p no:terminal``) the run prints only the student's view:
one line per question, a sheet's problem once, the score table and one plain
last line ("kyc: 25 of 25 points; nothing left to do").  Scores show at most 2
decimals.
"""
from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import pytest

from caselab.quiz.answers import SheetAnswers, collect
from caselab.quiz.checking import Outcome, check
from caselab.editions.keyhash import check_edition, feedback_mode, module_all_right, redact
from caselab.quiz.figures import find_project_root
from caselab.quiz.model import TYPES, QuizError, load_quiz
from caselab.quiz.sources import cite_names

ANSWERS_HELP = "folder of answer sheets <module>.py to check the quizzes in tests/quizzes/ against " \
               "(also: env CASELAB_ANSWERS, ini caselab_answers); without it quizzes are not collected"
JSON_HELP = "write the results as JSON to this file"
ANSWERS_KEY = pytest.StashKey[dict]()
OUTCOMES_KEY = pytest.StashKey[list]()
MODES_KEY = pytest.StashKey[dict]()  # module -> feedback mode of a student edition (full, score, none)
ALL_RIGHT_KEY = pytest.StashKey[dict]()  # module -> whether every answer is right (feedback score: one check)
PROBLEMS_KEY = pytest.StashKey[dict]()  # module -> the sheet's problem, said once
COLLECT_ERRORS_KEY = pytest.StashKey[list]()  # quiz files that could not be read (student view)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("caselab", "caselab quizzes")
    group.addoption("--answers", dest="caselab_answers", metavar="DIR", default=None, help=ANSWERS_HELP)
    group.addoption("--caselab-json", dest="caselab_json", metavar="FILE", default=None, help=JSON_HELP)
    group.addoption("--caselab-quiet-hints", dest="caselab_no_hints", action="store_true",
                    help="do not show hints for wrong answers")
    group.addoption("--caselab-unsandboxed", dest="caselab_unsandboxed", action="store_true",
                    help="run the sheets directly, without the sandbox (only sheets you trust: they can read "
                         "and change your files); also env CASELAB_UNSANDBOXED=1")
    group.addoption("--caselab-student", dest="caselab_student", action="store_true",
                    help="print only the student's view (use with -p no:terminal)")
    parser.addini("caselab_answers", ANSWERS_HELP, default="")


def answers_dir(config: pytest.Config) -> Path | None:
    """The sheets folder: command line, then CASELAB_ANSWERS, then the ini file."""
    value = config.getoption("caselab_answers") or os.environ.get("CASELAB_ANSWERS") or config.getini("caselab_answers")
    if not value:
        return None
    folder = Path(value)
    if not folder.is_absolute():
        folder = Path(config.invocation_params.dir) / folder
    if not folder.is_dir():
        raise pytest.UsageError(f"--answers: {value} is not a folder of answer sheets")
    return folder


def unsandboxed(config: pytest.Config) -> bool:
    return bool(config.getoption("caselab_unsandboxed")) or os.environ.get("CASELAB_UNSANDBOXED") == "1"


def pytest_configure(config: pytest.Config) -> None:
    if answers_dir(config) is not None and not unsandboxed(config):
        from caselab.grading.batch import sandbox_available

        ok, why = sandbox_available()
        if not ok:
            raise pytest.UsageError(
                f"the answer sheets would run without a sandbox ({why}): a sheet can read and change your "
                "files. Install bubblewrap, or grade with `caselab grade`; if you wrote the sheets yourself "
                "and trust them, add --caselab-unsandboxed (caselab check: --unsandboxed)")
    config.stash[ANSWERS_KEY] = {}
    config.stash[OUTCOMES_KEY] = []
    config.stash[MODES_KEY] = {}
    config.stash[ALL_RIGHT_KEY] = {}
    config.stash[PROBLEMS_KEY] = {}
    config.stash[COLLECT_ERRORS_KEY] = []
    config.addinivalue_line("markers", "caselab_type(name): the question's type (choice, numeric, code, ...)")
    for name in TYPES:
        config.addinivalue_line("markers", f"{name}: a {name} question of a caselab quiz")


def pytest_collect_file(file_path: Path, parent: pytest.Collector):
    if file_path.suffix in (".yml", ".yaml") and file_path.parent.name == "quizzes":
        if answers_dir(parent.config) is not None:
            return QuizFile.from_parent(parent, path=file_path)
    return None


class QuizFile(pytest.File):
    def collect(self):
        try:
            quiz = load_quiz(self.path)
        except QuizError as exc:
            raise self.CollectError(str(exc)) from None
        self.quiz = quiz
        for q in quiz.questions:
            item = QuestionItem.from_parent(self, name=q.id, question=q)
            item.add_marker(pytest.mark.caselab_type(q.type))
            item.add_marker(getattr(pytest.mark, q.type))
            yield item

    def sheet_answers(self) -> SheetAnswers:
        cache = self.config.stash[ANSWERS_KEY]
        if self.quiz.module not in cache:
            folder = answers_dir(self.config)
            if unsandboxed(self.config):
                cache[self.quiz.module] = collect([self.quiz], folder)[self.quiz.module]
            else:
                cache[self.quiz.module] = sandboxed_answers(self.quiz, folder)
        return cache[self.quiz.module]

    def all_right(self) -> bool:
        """Feedback score: every keyed answer of the module right (one check of the whole module)."""
        cache = self.config.stash[ALL_RIGHT_KEY]
        if self.quiz.module not in cache:
            cache[self.quiz.module] = module_all_right(self.quiz.questions, self.sheet_answers().answers)
        return cache[self.quiz.module]


def sandboxed_answers(quiz, folder: Path) -> SheetAnswers:
    """The answers of ``folder/<module>.py``, read or run in the sandbox from a private copy of the sheet."""
    import stat
    import tempfile

    from caselab.grading.batch import Limits, sandboxed_run

    limits = Limits()
    with tempfile.TemporaryDirectory(prefix="caselab-check-") as tmp:
        private = Path(tmp) / "sheets"
        private.mkdir()
        os.chmod(private, 0o755)  # the sandbox's unprivileged user reads it as "other"
        try:  # only a regular file is copied (never blocks on a pipe); a missing sheet stays missing
            with open(os.open(folder / f"{quiz.module}.py", os.O_RDONLY | os.O_NONBLOCK), "rb") as f:
                if stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                    copy = private / f"{quiz.module}.py"
                    copy.write_bytes(f.read(limits.sheet_kb * 1024 + 1))
                    os.chmod(copy, 0o644)
        except OSError:
            pass
        return collect([quiz], private, timeout=limits.seconds, call_seconds=limits.call_seconds,
                       run=sandboxed_run(private, limits))[quiz.module]


class QuestionFailed(Exception):
    def __init__(self, outcome: Outcome):
        super().__init__(outcome.status)
        self.outcome = outcome


class QuestionItem(pytest.Item):
    def __init__(self, *, question, **kwargs):
        super().__init__(**kwargs)
        self.question = question

    def runtest(self) -> None:
        sheet = self.parent.sheet_answers()
        root = find_project_root(self.path.parent)
        checker = check_edition if self.question.edition is not None else check  # an edition holds hashes, not keys
        outcome = checker(self.question, sheet.answers[self.question.id], cite_names(root))
        mode = feedback_mode(self.question)
        if mode == "score" and self.question.type != "memo" and outcome.status == "answered":
            # no question is checked on its own: its points come only with the whole module right
            outcome = replace(outcome, points=self.question.points if self.parent.all_right() else 0.0)
        if mode != "full":  # a student edition that shows only module scores, or only the form of answers
            outcome = redact(outcome, mode)
            self.config.stash[MODES_KEY][self.question.module] = mode
        self.outcome = outcome
        self.sheet_problem = sheet.problem
        if sheet.problem:
            self.config.stash[PROBLEMS_KEY].setdefault(self.question.module, sheet.problem)
        if outcome.status == "unanswered":
            pytest.skip("not answered yet")
        if outcome.status not in ("correct", "answered"):
            raise QuestionFailed(outcome)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, QuestionFailed):
            return describe(excinfo.value.outcome, hints=not self.config.getoption("caselab_no_hints"))
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.path, None, f"{self.question.nodeid}: {self.question.title}"


def num(x: float) -> str:
    """A score as a student reads it: at most 2 decimals, no trailing zeros."""
    return f"{round(x, 2):g}"


def describe(o: Outcome, hints: bool = True) -> str:
    """One plain line for a student: status, points, what is wrong, and a hint."""
    if o.status == "answered":  # feedback score/none: no word on right or wrong
        return f"answered: {o.message}" if o.message else "answered"
    text = f"{o.status} {num(o.points)}/{num(o.max_points)}"
    if o.message:
        text += f": {o.message}"
    if hints and o.hint:
        text += f" (hint: {o.hint})"
    return text


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    report = (yield).get_result()
    outcome = getattr(item, "outcome", None)
    if isinstance(item, QuestionItem) and outcome is not None and call.when == "call" or (
            isinstance(item, QuestionItem) and outcome is not None and report.skipped):
        report.caselab = outcome.as_dict()
        report.caselab_line = describe(outcome, hints=not item.config.getoption("caselab_no_hints"))
        item.config.stash[OUTCOMES_KEY].append(outcome)
        if item.sheet_problem and not any(
                o.module == outcome.module for o in item.config.stash[OUTCOMES_KEY][:-1]):
            report.caselab_line += f"\n    {item.question.module} sheet: {item.sheet_problem}"  # once per module


def pytest_report_teststatus(report, config):
    line = getattr(report, "caselab_line", None)
    if line is None or report.when not in ("call", "setup"):
        return None
    status = report.caselab["status"]
    letter = {"correct": ".", "partial": "p", "wrong": "F", "unanswered": "s", "invalid": "I", "error": "E",
              "answered": "."}[status]
    category = {"correct": "passed", "answered": "passed", "unanswered": "skipped"}.get(status, "failed")
    return category, letter, line


def instructor_graded(o: Outcome) -> bool:
    """An answered memo: the check says whether it is well formed; its points are the instructor's."""
    return o.type == "memo" and o.status in ("correct", "partial", "wrong", "answered")


def summary(outcomes: list[Outcome], modes: dict[str, str] | None = None) -> dict:
    """Score and per-question results; ``modes`` (module -> feedback mode) hides what a student edition hides.

    A memo that was answered is graded by the instructor: its points are left out of ``score`` and
    ``max_score`` and shown apart in ``pending`` (the check only says whether it is well formed).
    """
    modes = modes or {}
    waiting = {id(o) for o in outcomes if instructor_graded(o)}
    pending = round(sum(o.max_points for o in outcomes if id(o) in waiting), 4)

    def as_dict(o: Outcome) -> dict:
        d = o.as_dict()
        if id(o) in waiting:
            d.update(points=0.0, max_points=0.0, pending=o.max_points, well_formed=o.status == "correct")
        return d

    auto = [o for o in outcomes if id(o) not in waiting]
    if not any(m != "full" for m in modes.values()):
        return {
            "score": round(sum(o.points for o in auto), 4),
            "max_score": round(sum(o.max_points for o in auto), 4),
            "pending": pending,
            "questions": [as_dict(o) for o in outcomes],
        }
    scored = [o for o in auto if modes.get(o.module, "full") != "none"]
    modules: dict[str, dict] = {}
    for o in outcomes:
        entry = modules.setdefault(o.module, {"answered": 0, "questions": 0})
        entry["questions"] += 1
        entry["answered"] += o.status not in ("unanswered", "invalid", "error")
        if modes.get(o.module, "full") != "none" and id(o) not in waiting:
            entry["score"] = round(entry.get("score", 0) + o.points, 4)
            entry["max_score"] = round(entry.get("max_score", 0) + o.max_points, 4)
        if modes.get(o.module, "full") == "score":  # the score is known only when the module is all right
            entry["all_right"] = entry.get("all_right", True) and (o.type == "memo" or o.points == o.max_points)
    questions = []
    for o in outcomes:
        d = as_dict(o)
        if modes.get(o.module, "full") != "full":
            del d["points"]
        questions.append(d)
    return {"score": round(sum(o.points for o in scored), 4), "max_score": round(sum(o.max_points for o in scored), 4),
            "pending": pending, "modules": modules, "questions": questions}


def _all_right(items: list[Outcome]) -> bool:
    """Whether a module's every automatically checked answer is right (a score-mode edition says only this)."""
    return all(o.type == "memo" or o.points == o.max_points for o in items)


def score_table(outcomes: list[Outcome], modes: dict[str, str] | None = None) -> list[str]:
    modes = modes or {}
    modules: dict[str, list[Outcome]] = {}
    for o in outcomes:
        modules.setdefault(o.module, []).append(o)
    done = ("correct", "answered")
    rows = [("module", "score", "max", "correct", "to do")]
    for module, items in modules.items():
        mode = modes.get(module, "full")
        todo = sum(o.status not in done for o in items)
        counted = [o for o in items if not instructor_graded(o)]  # memo points: pending, shown apart
        score = num(sum(o.points for o in counted)) if mode != "none" else "-"
        if mode == "score" and not _all_right(items):
            score = "not all right yet"
        top = num(sum(o.max_points for o in counted)) if mode != "none" else "-"
        right = f"{sum(o.status == 'correct' for o in items)}/{len(items)}" if mode == "full" else "-"
        rows.append((module, score, top, right, str(todo)))
    total = summary(outcomes, modes)
    all_full = all(modes.get(m, "full") == "full" for m in modules)
    any_scored = any(modes.get(m, "full") != "none" for m in modules)
    rows.append(("total", num(total['score']) if any_scored else "-", num(total['max_score']) if any_scored else "-",
                 f"{sum(o.status == 'correct' for o in outcomes)}/{len(outcomes)}" if all_full else "-",
                 str(sum(o.status not in done for o in outcomes))))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    return ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))) for r in rows]


def edition_note(modes: dict[str, str]) -> str:
    if not any(m != "full" for m in modes.values()):
        return ""
    return "(this edition shows " + (
        "a module's score only once every answer in it is right" if "score" in modes.values()
        else "only whether answers are well-formed") \
        + "; your instructor grades the answers)"


def pending_note(outcomes: list[Outcome]) -> str:
    """The line under the score table when memo points wait for the instructor ("" when none do)."""
    pending = sum(o.max_points for o in outcomes if instructor_graded(o))
    if not pending:
        return ""
    return (f"(and {num(pending)} points for memos, which your instructor grades; "
            "the check only says whether a memo is well formed)")


def last_line(outcomes: list[Outcome], modes: dict[str, str] | None = None) -> str:
    """One plain sentence: the points and what is left to do ("kyc: 25 of 25 points; nothing left to do")."""
    modes = modes or {}
    modules = list(dict.fromkeys(o.module for o in outcomes))
    who = modules[0] if len(modules) == 1 else f"{len(modules)} modules"
    todo: dict[str, list[str]] = {}
    for o in outcomes:
        if o.status not in ("correct", "answered"):
            todo.setdefault(o.module, []).append(o.id)
    scored = [o for o in outcomes if modes.get(o.module, "full") != "none" and not instructor_graded(o)]
    hidden = [m for m in modules if modes.get(m) == "score" and not _all_right([o for o in outcomes if o.module == m])]
    if hidden:  # a score-mode edition tells points only once a module is all right
        head = f"{who}: not all right yet" if len(modules) == 1 else f"{who}: {', '.join(hidden)} not all right yet"
    elif scored:
        head = f"{who}: {num(sum(o.points for o in scored))} of {num(sum(o.max_points for o in scored))} points"
    else:
        answered = sum(o.status == "answered" for o in outcomes)
        head = f"{who}: {answered} of {len(outcomes)} questions answered"
    if not todo:
        return f"{head}; nothing left to do"
    n = sum(len(v) for v in todo.values())
    plural = "s" if n != 1 else ""
    if n > 10:  # too many to name: how many in each module
        counts = ", ".join(f"{m} {len(ids)}" for m, ids in todo.items()) if len(modules) > 1 else ""
        return f"{head}; {n} question{plural} to do" + (f" ({counts})" if counts else "")
    which = "; ".join(", ".join(ids) if len(modules) == 1 else f"{m} {', '.join(ids)}" for m, ids in todo.items())
    return f"{head}; {n} question{plural} to do: {which}"


def student_view(outcomes: list[Outcome], problems: dict[str, str], modes: dict[str, str], hints: bool) -> list[str]:
    """What ``caselab check`` prints: one line per question, each sheet's problem once, the table, one last line."""
    lines: list[str] = []
    module = None
    for o in outcomes:
        if o.module != module:
            module = o.module
            if lines:
                lines.append("")
            lines.append(module)
            if problems.get(module):
                lines.append(f"  {module} sheet: {problems[module]}")
        if o.status == "unanswered":
            text = "not answered yet"
        elif o.message and o.message in problems.get(module, ""):  # the sheet's problem: said once, above
            text = f"{o.status} {num(o.points)}/{num(o.max_points)} (the sheet's problem above)"
        else:
            text = describe(o, hints=hints)
        lines.append(f"  {o.id:<4} {text}")
    lines.append("")
    lines += score_table(outcomes, modes)
    memo_note = pending_note(outcomes)
    if memo_note:
        lines.append(memo_note)
    note = edition_note(modes)
    if note:
        lines.append(note)
    lines.append("")
    lines.append(last_line(outcomes, modes))
    return lines


def _write_json(config) -> str:
    path = config.getoption("caselab_json")
    outcomes = config.stash.get(OUTCOMES_KEY, [])
    if not path or not outcomes:
        return ""
    from caselab.atomic import write_text

    write_text(Path(path), json.dumps(summary(outcomes, config.stash.get(MODES_KEY, {})), indent=2) + "\n")
    return f"results written to {path}"


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    report = (yield).get_result()
    if report.failed and collector.config.getoption("caselab_student"):
        text = report.longreprtext.strip().splitlines()
        collector.config.stash[COLLECT_ERRORS_KEY].append(
            f"{collector.nodeid or 'caselab'}: {text[-1] if text else 'could not be read'}")


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    config = session.config
    if not config.getoption("caselab_student"):
        return
    import sys

    outcomes = config.stash.get(OUTCOMES_KEY, [])
    out = sys.stdout
    for report in config.stash.get(COLLECT_ERRORS_KEY, []):
        out.write(f"{report}\n")
    if outcomes:
        lines = student_view(outcomes, config.stash.get(PROBLEMS_KEY, {}), config.stash.get(MODES_KEY, {}),
                             hints=not config.getoption("caselab_no_hints"))
        written = _write_json(config)
        if written:
            lines.insert(-2, written)
        out.write("\n".join(lines) + "\n")
    out.flush()


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    outcomes = config.stash.get(OUTCOMES_KEY, [])
    if not outcomes:
        return
    terminalreporter.section("caselab score")
    modes = config.stash.get(MODES_KEY, {})
    for line in score_table(outcomes, modes):
        terminalreporter.write_line(line)
    memo_note = pending_note(outcomes)
    if memo_note:
        terminalreporter.write_line(memo_note)
    note = edition_note(modes)
    if note:
        terminalreporter.write_line(note)
    terminalreporter.write_line(last_line(outcomes, modes))
    written = _write_json(config)
    if written:
        terminalreporter.write_line(written)
