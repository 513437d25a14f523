"""The ``caselab`` command: a thin layer over the library.

    caselab check [MODULE...] [--answers DIR [--unsandboxed]] [--json FILE]
                                                                check answer sheets (runs the quizzes under pytest
                                                                with no plugin but caselab's, whatever is installed;
                                                                sheets named with --answers run in the sandbox)
    caselab list [--json]                                       the question bank, without answers
    caselab lint [MODULE...] [--json]                           the author's check of the items (exit 1 on a failed rule)
    caselab sheets [--check]                                    regenerate exercises/ and solutions/ from the quizzes
    caselab release --modules kyc,mining --out DIR [--feedback full|score|none] [--gradescope] [--github-actions]
                                                                a student edition without answers
                [--roster ROSTER.csv [--reissue ID]]            ... and each student's own variant (issue 14)
    caselab grade SUBMISSIONS --out DIR [--modules ...] [--variants DIR-instructor]
                                                                grade a class: gradebook, feedback, report
    caselab solutions --variants DIR-instructor --student ID --out FOLDER
                                                                one student's reference sheets
    caselab classroom CLONES --out DIR [--prefix P]             cloned GitHub Classroom repositories -> submissions
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from caselab.quiz.figures import find_project_root
from caselab.quiz.model import QuizError, load_quizzes


def _root() -> Path:
    try:
        return find_project_root()
    except FileNotFoundError as exc:
        import caselab

        installed = Path(caselab.__file__).resolve().parents[2]
        if (installed / "data" / "case.yml").is_file() and installed != Path.cwd().resolve():
            raise FileNotFoundError(f"{exc}. The installed caselab is the project at {installed}: "
                                    f"run `cd {installed}` first, then the same command") from None
        raise


def cmd_check(args) -> int:
    import pytest

    root = _root()
    quizzes = load_quizzes(root, args.modules or None)
    answers = Path(args.answers) if args.answers else root / "exercises"
    if not answers.is_dir():
        print(f"caselab check: {answers} is not a folder; name the folder of your sheets with --answers", file=sys.stderr)
        return 2
    # your own exercises/ run directly; a folder named with --answers may be anyone's: the sandbox,
    # or --unsandboxed said out loud (then a warning)
    trusted = not args.answers or args.unsandboxed
    if args.answers and not args.unsandboxed:
        from caselab.grading.batch import sandbox_available

        ok, why = sandbox_available()
        if not ok:
            print(f"caselab check: the sheets in {answers} would run without a sandbox ({why}), and a sheet "
                  "can read and change your files. Install bubblewrap, or grade them with `caselab grade`; "
                  "if you wrote them yourself, add --unsandboxed", file=sys.stderr)
            return 2
    elif args.answers:
        print(f"caselab check: running the sheets in {answers} without a sandbox (--unsandboxed): "
              "do this only with sheets you trust", file=sys.stderr)
    pytest_args = [str(q.path) for q in quizzes.values()] + [
        "--answers", str(answers.resolve()), "-p", "no:cacheprovider", "--rootdir", str(root), "-c", str(root / "pyproject.toml"),
        "--assert=plain",  # nothing to rewrite in a quiz, and no warning about caselab being imported first
    ]
    if args.verbose or args.pytest:
        pytest_args += ["-v", "--tb=no", "-rN", "--no-header"]  # pytest's own report, one line per question
    else:
        pytest_args += ["-p", "no:terminal", "--caselab-student"]  # the student's view only
    if args.json:
        pytest_args += ["--caselab-json", str(Path(args.json).resolve())]
    if args.no_hints:
        pytest_args.append("--caselab-quiet-hints")
    if trusted:
        pytest_args.append("--caselab-unsandboxed")
    pytest_args += args.pytest_args
    code = _pytest_main(pytest_args)
    if code == pytest.ExitCode.NO_TESTS_COLLECTED:
        print("caselab check: no questions were collected (check the module names and -k filters)", file=sys.stderr)
    return int(code)


def _pytest_main(args: list[str]) -> int:
    """pytest with caselab's plugin and no other: what a student sees must not depend on the plugins installed."""
    import os

    import pytest

    from caselab import plugin

    before = os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    try:
        return pytest.main(args, plugins=[plugin])
    finally:
        if before is None:
            del os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"]
        else:
            os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = before


def bank(root: Path, modules: list[str] | None = None) -> list[dict]:
    return [
        {"id": quiz.module, "title": quiz.title, "objectives": dict(quiz.objectives),
         "questions": [{"id": q.id, "type": q.type, "points": q.points, "title": q.title,
                        "level": q.level, "objective": q.objective} for q in quiz.questions]}
        for quiz in load_quizzes(root, modules).values()
    ]


def cmd_list(args) -> int:
    modules = bank(_root(), args.modules or None)
    if args.json:
        print(json.dumps(modules, ensure_ascii=False, indent=2))
        return 0
    for m in modules:
        points = sum(q["points"] for q in m["questions"])
        print(f"{m['id']:<10} {m['title']}  ({len(m['questions'])} questions, {points:g} points)")
        for oid, text in m["objectives"].items():
            print(f"    {oid:<4} {text}")
        for q in m["questions"]:
            print(f"    {q['id']:<4} {q['type']:<9} {q['points']:>3g}  {q['level'] or '-':<10} {q['objective'] or '-':<4} "
                  f"{q['title']}")
    return 0


def _refused_in_edition(quizzes, command: str, why: str) -> bool:
    """True (and says why) when an author's command is run inside a student edition."""
    if not any(q.edition is not None for q in quizzes.values()):
        return False
    print(f"caselab {command}: this is a student edition; {why}", file=sys.stderr)
    return True


def cmd_lint(args) -> int:
    from caselab.quiz.lint import format_report, lint_quizzes

    root = _root()
    quizzes = load_quizzes(root, args.modules or None)
    if _refused_in_edition(quizzes, "lint", "it holds no keys, so there is nothing to lint (run it in the "
                           "project the edition was released from)"):
        return 2
    report = lint_quizzes(quizzes, root)
    if args.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
    else:
        print(format_report(report))
    return 0 if report.ok else 1


def cmd_sheets(args) -> int:
    from caselab.quiz.sheets import write_sheets

    root = _root()
    quizzes = load_quizzes(root, args.modules or None)
    if _refused_in_edition(quizzes, "sheets", "its sheets in exercises/ are yours to fill in and are never "
                           "regenerated"):
        return 2
    differ = write_sheets(root, quizzes, check_only=args.check)
    for path in differ:
        verb = "out of date" if args.check else "written"
        print(f"{path.relative_to(root)}: {verb}")
    if args.check and differ:
        print("caselab sheets: the sheets differ from the quizzes; run `caselab sheets` to regenerate them", file=sys.stderr)
        return 1
    return 0


def _modules(values: list[str] | None) -> list[str]:
    """``--modules kyc,mining`` or ``--modules kyc --modules mining``."""
    return [m for v in values or [] for m in v.split(",") if m.strip()]


def cmd_release(args) -> int:
    from caselab.editions.release import ReleaseError, release

    try:
        done = release(_root(), _modules(args.modules), Path(args.out), feedback=args.feedback,
                       gradescope=args.gradescope, github_actions=args.github_actions,
                       roster=Path(args.roster) if args.roster else None, reissue=args.reissue)
    except ReleaseError as exc:
        print(f"caselab release: {exc}", file=sys.stderr)
        return 2
    for warning in done.warnings:
        print(f"caselab release: warning: {warning}", file=sys.stderr)
    print(f"student edition of {', '.join(done.modules)} (feedback: {done.feedback}) written to {done.edition}")
    if args.roster:
        from caselab.editions.variants import instructor_dir
        print(f"each student's sheet written to {done.edition / 'students'}; the secret and the lock "
              f"(keep them to yourself) to {instructor_dir(done.edition)}")
    if done.autograder:
        print(f"Gradescope autograder (holds the keys; for Gradescope only) written to {done.autograder}")
    return 0


def cmd_grade(args) -> int:
    from caselab.grading.gradebook import GradeError, GradeStopped, grade_class

    try:
        run = grade_class(Path(args.submissions), Path(args.out), root=_root(), modules=_modules(args.modules) or None,
                          explanations=not args.no_explanations, workers=args.workers,
                          sandbox=not args.unsandboxed, quiet=args.quiet, canvas_assignment=args.canvas_assignment,
                          roster=Path(args.canvas_roster) if args.canvas_roster else None,
                          variants=Path(args.variants) if args.variants else None)
    except GradeError as exc:
        print(f"caselab grade: {exc}", file=sys.stderr)
        return 2
    except (GradeStopped, KeyboardInterrupt) as exc:
        why = str(exc) or "interrupted"
        print(f"caselab grade: {why}; the students graded so far are kept in {Path(args.out) / '.caselab'}; "
              "run the same command again to finish", file=sys.stderr)
        return 130
    if not args.quiet:
        print(f"graded {run.graded} submission(s), {run.reused} unchanged since the last run; "
              f"{len(run.results)} in {run.out} (gradebook.csv, canvas.csv, report.html, results/, feedback/, "
              "manual.csv)")
        for line in run.summary():
            print(line)
    else:  # even a quiet run names what it did not grade and what needs a look
        for line in [f"skipped: {name}: {why}" for name, why in run.skipped] + run.warnings:
            print(f"caselab grade: {line}", file=sys.stderr)
    return 0


def cmd_classroom(args) -> int:
    from caselab.grading.classroom import ClassroomError, collect

    try:
        done = collect(Path(args.clones), Path(args.out), args.prefix)
    except (ClassroomError, OSError) as exc:
        print(f"caselab classroom: {exc}", file=sys.stderr)
        return 2
    print(f"{len(done.students)} student(s) written to {done.out}; grade them with "
          f"`caselab grade {args.out} --out grades`")
    for repo, why in done.skipped:
        print(f"  skipped {repo}: {why}")
    return 0


def cmd_solutions(args) -> int:
    from caselab.editions.variants import VariantError, write_solutions

    root = _root()
    quizzes = load_quizzes(root, _modules(args.modules) or None)
    try:
        written = write_solutions(Path(args.variants), args.student, Path(args.out), quizzes)
    except VariantError as exc:
        print(f"caselab solutions: {exc}", file=sys.stderr)
        return 2
    print(f"reference sheets of {args.student} written: {', '.join(str(p) for p in written)}")
    return 0


EDITION_FILE = "caselab-edition.json"  # written by `caselab release` at a student edition's root
STUDENT_COMMANDS = ("check", "list")


def in_student_edition() -> bool:
    """Whether the command runs inside a student edition (then only the student's commands are offered)."""
    try:
        return (find_project_root() / EDITION_FILE).is_file()
    except (FileNotFoundError, OSError):
        return False


def build_parser(student: bool | None = None) -> argparse.ArgumentParser:
    """The command line; in a student edition (``student``, found out when None) only check and list."""
    student = in_student_edition() if student is None else student
    if student:
        parser = argparse.ArgumentParser(
            prog="caselab", description="Check your answer sheets (caselab check) and list the questions (caselab list).")
        sub = parser.add_subparsers(dest="command", required=True, metavar="{check,list}")
    else:
        parser = argparse.ArgumentParser(prog="caselab", description="Case study exercises: check, list, release and grade.")
        sub = parser.add_subparsers(dest="command", required=True)
    _add_commands(sub, student)
    return parser


def _add_commands(sub, student: bool) -> None:

    p = sub.add_parser("check", help="check answer sheets and show the score")
    p.add_argument("modules", nargs="*", metavar="MODULE", help="modules to check (default: all)")
    p.add_argument("--answers", metavar="DIR", help="folder of answer sheets (default: exercises/)")
    p.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    p.add_argument("--no-hints", action="store_true", help="do not show hints")
    p.add_argument("--unsandboxed", action="store_true",
                   help="with --answers: run the sheets without the sandbox (only sheets you trust)")
    p.add_argument("-v", "--verbose", action="store_true", help="show pytest's own report")
    p.add_argument("--pytest", action="store_true", help="show pytest's own report (same as -v)")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("list", help="list the question bank (no answers)")
    p.add_argument("modules", nargs="*", metavar="MODULE")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_list)

    if student:
        return

    p = sub.add_parser("lint", help="the author's check of the items: key lengths, letters, levels, giveaways")
    p.add_argument("modules", nargs="*", metavar="MODULE", help="modules to lint as one bank (default: all)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_lint)

    p = sub.add_parser("sheets", help="regenerate exercises/ and solutions/ from the quizzes")
    p.add_argument("modules", nargs="*", metavar="MODULE")
    p.add_argument("--check", action="store_true", help="only report sheets that differ; exit 1 if any")
    p.set_defaults(func=cmd_sheets)

    p = sub.add_parser("release", help="write a student edition of some modules, without answers")
    p.add_argument("--modules", action="append", required=True, metavar="MODULES",
                   help="the modules to assign, e.g. --modules kyc,mining")
    p.add_argument("--out", required=True, metavar="DIR", help="the folder to write the edition to (new)")
    p.add_argument("--feedback", choices=("full", "score", "none"), default="full",
                   help="what the students' check shows, and what the edition gives away: full = right/wrong per "
                        "question, with a hash per question, so every choice, ordering and matching key can be "
                        "recovered offline by trying each letter; score = a module's score only once all of it is "
                        "right, with no hash per question (a guess must get the whole module right at once); "
                        "none = only whether answers are well-formed, no hashes at all; default full")
    p.add_argument("--gradescope", action="store_true",
                   help="also write DIR-autograder.zip, a Gradescope autograder (holds the keys); a student's code "
                        "runs in the bubblewrap sandbox where it can start, else as the unprivileged user "
                        "caselab-student who cannot read the keys or results (every process of it killed after), "
                        "else not at all (plain answers are still graded)")
    p.add_argument("--github-actions", action="store_true",
                   help="add a GitHub Actions workflow that runs the check on each push")
    p.add_argument("--roster", metavar="CSV",
                   help="a CSV with a 'student' column: write each student's own variant to DIR/students/ "
                        "and the secret and lock to DIR-instructor/")
    p.add_argument("--reissue", metavar="ID",
                   help="with --roster: draw a new variant for this one student (recorded in the lock); "
                        "every other student keeps theirs")
    p.set_defaults(func=cmd_release)

    p = sub.add_parser("grade", help="grade a folder of submissions: gradebook, feedback, report")
    p.add_argument("submissions", metavar="SUBMISSIONS", help="one folder or .zip per student (never changed)")
    p.add_argument("--out", required=True, metavar="DIR", help="the folder for the gradebook, feedback and report")
    p.add_argument("--modules", action="append", metavar="MODULES",
                   help="the modules to grade, e.g. --modules kyc,mining (default: those whose sheets appear in the submissions)")
    p.add_argument("--no-explanations", action="store_true", help="leave the explanations out of the feedback")
    p.add_argument("--workers", type=int, default=None, metavar="N", help="submissions graded at once")
    p.add_argument("--unsandboxed", action="store_true",
                   help="run the sheets without a sandbox (only for submissions you trust)")
    p.add_argument("--quiet", action="store_true", help="no progress bar and no summary")
    p.add_argument("--canvas-assignment", metavar="ID",
                   help="the Canvas assignment id for canvas.csv's column 'caselab (ID)'")
    p.add_argument("--canvas-roster", metavar="CSV",
                   help="a Canvas gradebook export, to fill in the students' names, ids and sections")
    p.add_argument("--variants", metavar="DIR-instructor",
                   help="grade each student against their own variant (the folder caselab release --roster wrote)")
    p.set_defaults(func=cmd_grade)

    p = sub.add_parser("solutions", help="write one student's reference sheets for their variant")
    p.add_argument("--variants", required=True, metavar="DIR-instructor", help="the folder caselab release --roster wrote")
    p.add_argument("--student", required=True, metavar="ID", help="the student's id as in the roster")
    p.add_argument("--out", required=True, metavar="FOLDER", help="where to write <module>.py")
    p.add_argument("--modules", action="append", metavar="MODULES", help="only these modules (default: all in the lock)")
    p.set_defaults(func=cmd_solutions)

    p = sub.add_parser("classroom", help="turn cloned GitHub Classroom repositories into a submissions folder")
    p.add_argument("clones", metavar="CLONES", help="the folder of cloned student repositories (only read)")
    p.add_argument("--out", required=True, metavar="DIR", help="the submissions folder to write (new, or written "
                   "by this command before)")
    p.add_argument("--prefix", default=None, metavar="TEXT",
                   help="strip this from the repositories' names to get the student ids (default: the common "
                        "prefix ending in '-', e.g. 'kyc-mining-')")
    p.set_defaults(func=cmd_classroom)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "check":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.pytest_args = extra  # check passes other options (-k, -x, --junitxml ...) on to pytest
    try:
        code = args.func(args)
        sys.stdout.flush()  # inside the try: a reader that stopped early is handled below
        return code
    except (QuizError, FileNotFoundError) as exc:
        print(f"caselab {args.command}: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `caselab list | head`: the reader has stopped; nothing is wrong
        _quiet_stdout()
        return 0


def _quiet_stdout() -> None:
    """After a broken pipe: send what Python still flushes at exit to nowhere instead of a traceback."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


if __name__ == "__main__":
    sys.exit(main())
