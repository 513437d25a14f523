"""Reading answer sheets: plain values without running, computed values and code tasks by running."""
from __future__ import annotations

from pathlib import Path

import pytest

from caselab.quiz.answers import collect, prepare
from caselab.quiz.model import Question, Quiz


def make_quiz(tmp_path: Path) -> Quiz:
    qs = (
        Question("m", "q1", "choice", 1, "t", "p", "e", ("A1",), key="A", spec={"options": {"A": "a", "B": "b"}}),
        Question("m", "q2", "numeric", 1, "t", "p", "e", ("A1",), key=2.5, spec={"decimals": 1}),
        Question("m", "q3", "code", 2, "t", "p", "e", ("A1",), spec={
            "signature": "def q3(x):", "solution": "def q3(x):\n    return x * 2",
            "cases": [{"args": [1], "expected": 2}, {"args": [5], "expected": 10}]}),
    )
    return Quiz("m", "M", tmp_path / "m.yml", qs)


def sheet(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "sheets"
    folder.mkdir(exist_ok=True)
    (folder / "m.py").write_text(text)
    return folder


def test_plain_sheet_is_read_without_running(tmp_path):
    quiz = make_quiz(tmp_path)
    folder = sheet(tmp_path, 'q1 = "A"\nq2 = 2.5\ndef q3(x):\n    raise NotImplementedError\n')
    done, request, _ = prepare(quiz, folder / "m.py")
    assert request is None
    assert done.answers["q1"].value == "A" and done.answers["q3"].kind == "unanswered"


def test_blank_sheet_is_unanswered_everywhere(tmp_path):
    quiz = make_quiz(tmp_path)
    folder = sheet(tmp_path, 'q1 = None\nq2 = None\ndef q3(x):\n    """Your code."""\n    ...\n')
    answers = collect([quiz], folder)["m"].answers
    assert {a.kind for a in answers.values()} == {"unanswered"}


def test_computed_values_and_code_tasks_run(tmp_path):
    quiz = make_quiz(tmp_path)
    folder = sheet(tmp_path, 'import math\nq1 = "a".upper()\nq2 = math.floor(25) / 10\n'
                             'def q3(x):\n    return x * 2 if x < 5 else 0\n')
    answers = collect([quiz], folder)["m"].answers
    assert answers["q1"].value == "A" and answers["q2"].value == 2.5
    assert answers["q3"].kind == "outputs" and answers["q3"].value == [{"ok": 2}, {"ok": 0}]


def test_a_syntax_error_costs_only_its_own_question_and_names_the_line(tmp_path):
    quiz = make_quiz(tmp_path)
    folder = sheet(tmp_path, 'q1 = "A"\nq2 = (\ndef q3(x):\n    return x * 2\n')
    result = collect([quiz], folder)["m"]
    assert result.answers["q1"].value == "A"
    assert result.answers["q3"].value == [{"ok": 2}, {"ok": 10}]
    assert result.answers["q2"].kind == "invalid"
    assert result.answers["q2"].message == "line 2: a closing ) is missing (every ( needs its ))"
    assert result.problem == ""


@pytest.mark.parametrize("line, message", [
    ("q2 = 2.5%", "leave out the % sign: q2 = 2.5"),
    ("q2 = 2,5", "use a dot for decimals and no thousands separator: q2 = 12.5"),
    ("q2 = 2 500", "use a dot for decimals and no thousands separator: q2 = 12.5"),
    ("q1 = B", 'put the letter in quotes: q1 = "B"'),
    ('q1 = "B', 'a closing quote is missing: q1 = "..."'),
    ("q1 = beneficial owner", 'put the text in quotes: q1 = "beneficial owner"'),
    ("  q1 = 'B'", "start the line with q1 at the left edge"),
])
def test_each_slip_reads_in_plain_words_with_the_questions_own_name(tmp_path, line, message):
    quiz = make_quiz(tmp_path)
    other = "q2 = 2.5" if line.lstrip().startswith("q1") else 'q1 = "A"'
    folder = sheet(tmp_path, f'{other}\n{line}\ndef q3(x):\n    return x * 2\n')
    result = collect([quiz], folder)["m"]
    qid = line.split("=")[0].strip()
    assert result.answers[qid].kind == "invalid"
    assert result.answers[qid].message.startswith(f"line 2: {message}"), result.answers[qid].message
    for q in ("q1", "q2"):
        if q != qid:
            assert result.answers[q].kind == "value"
    assert result.answers["q3"].kind == "outputs"
    for word in ("NameError", "SyntaxError", "invalid syntax", "literal", "int or float"):
        assert word not in result.answers[qid].message


def test_a_function_without_indentation_costs_only_the_function(tmp_path):
    quiz = make_quiz(tmp_path)
    folder = sheet(tmp_path, 'q1 = "A"\ndef q3(x):\ny = x * 2\n    return y\nq2 = 2.5\n')
    result = collect([quiz], folder)["m"]
    assert result.answers["q1"].value == "A" and result.answers["q2"].value == 2.5
    assert result.answers["q3"].kind == "invalid"
    assert result.answers["q3"].message == "line 2: start each line inside the function with 4 spaces (and the def line with none)"
    assert result.problem == ""


def test_a_statement_that_raises_costs_only_what_it_binds(tmp_path):
    quiz = make_quiz(tmp_path)
    folder = sheet(tmp_path, 'helper = 1 / 0\nq1 = B\nq2 = 2.5\ndef q3(x):\n    return x * 2\n')
    result = collect([quiz], folder)["m"]
    assert result.answers["q1"].message == 'line 2: put the letter in quotes: q1 = "B"'
    assert result.answers["q2"].value == 2.5 and result.answers["q3"].kind == "outputs"
    assert result.problem == "line 1: this line divides by zero (division by zero)"


def test_objects_that_pretend_are_invalid(tmp_path):
    quiz = make_quiz(tmp_path)
    folder = sheet(tmp_path, "class Eq(str):\n    def __eq__(self, other):\n        return True\n"
                             "q1 = Eq('B')\nq2 = float('nan')\n"
                             "def q3(x):\n    class Any:\n        __eq__ = lambda s, o: True\n    return Any()\n")
    answers = collect([quiz], folder)["m"].answers
    assert answers["q1"].kind == "invalid" and "Eq object is not a plain value" in answers["q1"].message
    assert answers["q2"].kind == "invalid" and "NaN" in answers["q2"].message
    assert all("invalid" in out for out in answers["q3"].value)


def test_a_runtime_error_keeps_what_was_read_and_names_the_line(tmp_path):
    quiz = make_quiz(tmp_path)
    folder = sheet(tmp_path, 'q1 = "A"\nq2 = 1 / 0\n')
    result = collect([quiz], folder)["m"]
    assert result.answers["q1"].value == "A"
    assert result.answers["q2"].kind == "error" and result.answers["q2"].message == "line 2: this line divides by zero (division by zero)"


def test_a_sheet_that_loops_forever_is_stopped(tmp_path):
    quiz = make_quiz(tmp_path)
    folder = sheet(tmp_path, 'q1 = "A"\nwhile True:\n    pass\n')
    result = collect([quiz], folder, timeout=5, call_seconds=0.5)["m"]
    assert result.answers["q1"].value == "A"
    assert "more than" in result.problem


@pytest.mark.parametrize("text", ["def q3(x):\n    pass\n", "def q3(x):\n    raise NotImplementedError()\n"])
def test_stubs_are_unanswered(tmp_path, text):
    quiz = make_quiz(tmp_path)
    assert collect([quiz], sheet(tmp_path, text))["m"].answers["q3"].kind == "unanswered"


def test_an_open_triple_quote_costs_only_the_text_it_opens(tmp_path):
    quiz = make_quiz(tmp_path)
    folder = sheet(tmp_path, 'q1 = "A"\ndef q3(x):\n    return x * 2\nq2 = """a memo\n## Problem\nno end\n')
    result = collect([quiz], folder)["m"]
    assert result.answers["q1"].value == "A" and result.answers["q3"].kind == "outputs"
    assert result.answers["q2"].kind == "invalid" and 'the closing """' in result.answers["q2"].message


def test_a_sheet_of_nothing_but_slips_is_one_problem_not_thousands(tmp_path):
    quiz = make_quiz(tmp_path)
    folder = sheet(tmp_path, 'q1 = "A"\n' + "x = 1 +\n" * 5000)
    result = collect([quiz], folder)["m"]
    assert result.problem.startswith("m.py line 2: Python cannot read this line") and result.problem.count("line 2") == 1
    assert {a.kind for a in result.answers.values()} == {"error"}


RUNNER_SHEETS = [
    'q1 = "A"\nq2 = 2.5\n',
    'helper = 1 / 0\nq1 = "B"\n',
    'q1 = "A"; q2 = 1 / 0; q3 = 3\nq4 = q3 + 1\n',  # two statements on the line that raises
    '@(lambda f: 1 / 0)\ndef q1():\n    pass\nq2 = 2\n',  # a decorator raises
    '@staticmethod\n@(lambda f: 1 / 0)\ndef q1():\n    pass\nq2 = 2\n',
    'def f():\n    return g()\ndef g():\n    raise KeyError("x")\nq1 = f()\nq2 = 5\nq3 = undefined\nq4 = 6\n',
    'import sys\nsys.exit(3)\nq1 = "C"\n',
    'x = []\nx.append(1)\nraise ValueError(len(x))\nq1 = len(x)\n',  # nothing runs twice
    'q1 = "A"\nreturn 5\nq2 = 2\n',  # found only when compiled: the whole sheet does not compile
    'from __future__ import annotations\nx: undefined_name = 1\nq1 = "A"\n',
    'class C:\n    y = 1 / 0\nq1 = "B"\n',
    'try:\n    1 / 0\nexcept ZeroDivisionError:\n    pass\nq1 = "A"\n',
    'try:\n    1 / 0\nfinally:\n    q9 = 9\nq1 = "A"\nraise\n',  # a bare raise later sees no active exception
    'exec("x = (")\nq1 = "A"\n',  # a SyntaxError raised while running
    'def q3(x):\n    return x\nq1 = [i for i in range(3)][5]\nq2 = 1\n',
    '"""doc"""\nq1 = __doc__\n',
    '"""doc"""\nq9 = 1\n"""later"""\nq1 = __doc__\nq2 = sorted(globals())\n',
    'import sys\ndef deep(n):\n    return deep(n + 1)\nq1 = deep(0)\nq2 = 2\n',
    'x = 1\n' * 50 + 'q1 = {}["k"]\n' + 'q2 = 2\n',
    'q1 = (1 +\n      2 +\n      undefined)\nq2 = 2\n',
    'if True:\n    a = 1\n    b = 1 / 0\nq1 = "A"\n',
]


@pytest.mark.parametrize("text", RUNNER_SHEETS)
def test_the_runner_runs_a_sheet_whole_with_the_records_of_running_it_statement_by_statement(text, monkeypatch):
    """The runner runs a sheet whole and, once a statement raises, the rest one by one: the records
    (values, errors and their lines) are those of running every statement apart."""
    from caselab.quiz import runner

    sheet = {"module": "m", "path": "/sheets/m.py", "names": ["q1", "q2", "q3", "q4", "q9"],
             "calls": {"q3": [[1]]}}

    def records():
        out = []
        runner.run_sheet(dict(sheet), out.append, 2.0, text.encode())
        return out

    whole = records()
    monkeypatch.setattr(runner, "_whole", lambda source, path: None)  # statement by statement only
    apart = records()
    assert whole == apart


@pytest.mark.parametrize("text", RUNNER_SHEETS)
def test_the_runner_given_the_graders_code_gives_the_records_of_compiling_the_sheet_itself(text):
    """The grader compiles a sheet it must run from the tree it parsed (under the name the sheet has
    outside the sandbox); the runner runs that code with the records, lines and messages of its own."""
    import ast

    from caselab.quiz import runner
    from caselab.quiz.answers import _compiled

    sheet = {"module": "m", "path": "/sheets/m.py", "names": ["q1", "q2", "q3", "q4", "q9"],
             "calls": {"q3": [[1]]}}
    raw = text.encode()
    code = _compiled(ast.parse(raw, filename="m.py"), raw, "/tmp/caselab-x/sheets/m.py")
    if runner._whole(raw, "/sheets/m.py") is None:  # the runner would not run it whole: nor does the grader
        assert code is None
    own, given = [], []
    runner.run_sheet(dict(sheet), own.append, 2.0, raw)
    runner.run_sheet(dict(sheet, code=code), given.append, 2.0, raw)
    assert given == own


@pytest.mark.parametrize("text", [
    "x = 1\nq1 = x is 1\n", "assert (q1, 'message')\n", "q1 = (1, 2)(3)\n", "q1 = [1][1.5]\n", "q1 = {1}[0]\n",
    "q1 = 'a'['b']\n", "def q3(x):\n    return x is not 2\n", "q1 = [(1, 2) (3, 4)]\n", "class C:\n    y = 'a' is q1\n",
])
def test_a_sheet_whose_compiling_warns_is_left_for_the_runner_to_compile(text, capfd):
    """Compiling these warns (SyntaxWarning); the grader must not print that on its own stderr, so it
    leaves them to the runner, whose warnings go nowhere, and the records stay the same."""
    import ast
    import warnings

    from caselab.quiz.answers import _compiled

    raw = text.encode()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        compile(raw, "m.py", "exec", dont_inherit=True)
    assert caught  # the premise: compiling this sheet does warn
    assert _compiled(ast.parse(raw), raw, "/tmp/m.py") is None
    assert capfd.readouterr().err == ""
