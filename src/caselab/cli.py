"""The ``caselab`` command: a thin layer over the library.

    caselab check [MODULE...] [--answers DIR] [--json FILE]   check answer sheets (runs the quizzes under pytest)
    caselab list [--json]                                       the question bank, without answers
    caselab sheets [--check]                                    regenerate exercises/ and solutions/ from the quizzes
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .figures import find_project_root
from .quiz import QuizError, load_quizzes


def _root() -> Path:
    return find_project_root()


def cmd_check(args) -> int:
    import pytest

    root = _root()
    quizzes = load_quizzes(root, args.modules or None)
    answers = Path(args.answers) if args.answers else root / "exercises"
    if not answers.is_dir():
        print(f"caselab check: {answers} is not a folder; name the folder of your sheets with --answers", file=sys.stderr)
        return 2
    pytest_args = [str(q.path) for q in quizzes.values()] + [
        "--answers", str(answers.resolve()), "-v", "--tb=no", "-rN", "--no-header",
        "-p", "no:cacheprovider", "--rootdir", str(root), "-c", str(root / "pyproject.toml"),
    ]
    if args.json:
        pytest_args += ["--caselab-json", str(Path(args.json).resolve())]
    if args.no_hints:
        pytest_args.append("--caselab-quiet-hints")
    pytest_args += args.pytest_args
    code = pytest.main(pytest_args)
    if code == pytest.ExitCode.NO_TESTS_COLLECTED:
        print("caselab check: no questions were collected (check the module names and -k filters)", file=sys.stderr)
    return int(code)


def bank(root: Path, modules: list[str] | None = None) -> list[dict]:
    return [
        {"id": quiz.module, "title": quiz.title,
         "questions": [{"id": q.id, "type": q.type, "points": q.points, "title": q.title} for q in quiz.questions]}
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
        for q in m["questions"]:
            print(f"    {q['id']:<4} {q['type']:<9} {q['points']:>3g}  {q['title']}")
    return 0


def cmd_sheets(args) -> int:
    from .sheets import write_sheets

    root = _root()
    differ = write_sheets(root, load_quizzes(root, args.modules or None), check_only=args.check)
    for path in differ:
        verb = "out of date" if args.check else "written"
        print(f"{path.relative_to(root)}: {verb}")
    if args.check and differ:
        print("caselab sheets: the sheets differ from the quizzes; run `caselab sheets` to regenerate them", file=sys.stderr)
        return 1
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="caselab", description="Case study exercises: check, list, release and grade.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("check", help="check answer sheets and show the score")
    p.add_argument("modules", nargs="*", metavar="MODULE", help="modules to check (default: all)")
    p.add_argument("--answers", metavar="DIR", help="folder of answer sheets (default: exercises/)")
    p.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    p.add_argument("--no-hints", action="store_true", help="do not show hints")
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("list", help="list the question bank (no answers)")
    p.add_argument("modules", nargs="*", metavar="MODULE")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("sheets", help="regenerate exercises/ and solutions/ from the quizzes")
    p.add_argument("modules", nargs="*", metavar="MODULE")
    p.add_argument("--check", action="store_true", help="only report sheets that differ; exit 1 if any")
    p.set_defaults(func=cmd_sheets)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "check":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.pytest_args = extra  # check passes other options (-k, -x, --junitxml ...) on to pytest
    try:
        return args.func(args)
    except (QuizError, FileNotFoundError) as exc:
        print(f"caselab {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
