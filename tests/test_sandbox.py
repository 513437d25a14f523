"""The grading core: the sandbox, submission intake, the runner's protocol and grading a class.

Tests that run sheets in bubblewrap are skipped when there is no sandbox, and fail
instead when CASELAB_REQUIRE_SANDBOX=1 (CI).  The hostile corpus is in test_hostile.py.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

import pytest

from caselab.grading import batch as grading, sandbox
from caselab.quiz import answers, runner
from caselab.quiz.model import Question, Quiz, load_quizzes
from caselab.quiz.sheets import render_sheet
from conftest import require_sandbox

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def quizzes():
    return load_quizzes(ROOT)


def small_quiz(tmp_path: Path) -> Quiz:
    qs = (
        Question("m", "q1", "choice", 1, "t", "p", "e", ("A1",), key="A", spec={"options": {"A": "a", "B": "b"}}),
        Question("m", "q2", "numeric", 2, "t", "p", "e", ("A1",), key=2.5, spec={"decimals": 1}),
        Question("m", "q3", "code", 3, "t", "p", "e", ("A1",), spec={
            "signature": "def q3(x):", "solution": "def q3(x):\n    return x * 2",
            "cases": [{"args": [1], "expected": 2}, {"args": [5], "expected": 10}]}),
    )
    return Quiz("m", "M", tmp_path / "m.yml", qs)


def folder_with(tmp_path: Path, name: str, files: dict[str, str]) -> Path:
    folder = tmp_path / "subs" / name
    for rel, text in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text, encoding="utf-8")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


PLAIN = 'q1 = "A"\nq2 = 2.5\ndef q3(x):\n    raise NotImplementedError\n'
WITH_CODE = 'q1 = "A"\nq2 = 2.5\ndef q3(x):\n    return x * 2\n'


# --- the seccomp filter and finding bwrap -----------------------------------------------------

@pytest.mark.parametrize("machine", ["x86_64", "aarch64"])
def test_the_seccomp_filter_is_a_bpf_program_checking_the_architecture(machine):
    program = sandbox.seccomp_program(machine)
    assert program and len(program) % 8 == 0
    code, jt, jf, k = __import__("struct").unpack("<HBBI", program[:8])
    assert (code, k) == (0x20, 4)  # load seccomp_data.arch first
    assert sandbox.seccomp_program("sparc") is None


@pytest.mark.parametrize("value", ["", "/nonexistent/bwrap"])
def test_no_bwrap_means_no_sandbox_and_says_how_to_get_one(monkeypatch, value):
    monkeypatch.setenv(sandbox.BWRAP_ENV, value)
    ok, why = grading.sandbox_available()
    assert not ok and "bubblewrap" in why


def test_without_a_sandbox_plain_sheets_are_read_and_code_is_not_run(tmp_path, monkeypatch):
    monkeypatch.setenv(sandbox.BWRAP_ENV, "")
    quiz = small_quiz(tmp_path)
    plain = folder_with(tmp_path, "plain", {"m.py": PLAIN})
    code = folder_with(tmp_path, "code", {"m.py": WITH_CODE})
    work = tmp_path / "work"
    r = grading.grade_submission("plain", plain, [quiz], workdir=work)
    assert (r.status, r.score) == ("ok", 3.0)
    r = grading.grade_submission("code", code, [quiz], workdir=work)
    assert r.status == "unsandboxed" and "sandbox" in r.message
    assert r.score == 3.0  # the plain answers still count
    assert [o.status for o in r.outcomes] == ["correct", "correct", "error"]
    r = grading.grade_submission("code", code, [quiz], workdir=work, sandbox=False)  # trusted: run directly
    assert (r.status, r.score) == ("ok", 6.0)
    assert list(work.iterdir()) == []


def test_the_runner_gets_names_and_inputs_never_a_key(tmp_path, monkeypatch, quizzes):
    seen = []
    real = sandbox.run

    def spy(request, sheets_dir, limits=sandbox.Limits(), *, sandboxed=True):
        seen.append(request)
        return real(request, sheets_dir, limits, sandboxed=False)

    monkeypatch.setattr(sandbox, "run", spy)
    target = next(q for q in quizzes.values() if any(x.type == "code" for x in q.questions))
    sheet = render_sheet(target, solution=True).replace("\nq1 = ", "\nq1 = str('x') or ")  # force a run
    sub = folder_with(tmp_path, "s", {f"{target.module}.py": sheet})
    result = grading.grade_submission("s", sub, [target], workdir=tmp_path / "w", sandbox=False)
    assert result.status == "ok"
    (request,) = seen
    assert set(request) == {"sheets", "call_seconds"}
    (one,) = request["sheets"]
    assert set(one) == {"module", "path", "names", "calls", "code"}
    # the code is the sheet's own, compiled by the grader (so that the runner need not): nothing added
    assert one.pop("code") == compile(sheet, one["path"], "exec", dont_inherit=True)
    assert set(one["names"]) == {q.id for q in target.questions if q.type != "code"}
    for q in target.questions:
        if q.type == "code":
            assert one["calls"][q.id] == [c["args"] if isinstance(c["args"], list) else [c["args"]]
                                          for c in q.spec["cases"]]
    text = json.dumps(request)
    assert "expected" not in text and "key" not in text


# --- finding and taking in submissions ---------------------------------------------------------

def test_discover_lists_folders_and_zips_by_student(tmp_path):
    subs = tmp_path / "subs"
    for name in ("bob", "alice", ".git", "__MACOSX", "carol"):
        (subs / name).mkdir(parents=True)
    for name in ("dave.zip", "ERIN.ZIP", "carol.zip", "roster.csv", ".hidden.zip"):
        (subs / name).write_bytes(b"")
    (subs / "frank").symlink_to(subs / "bob")
    found = grading.discover_submissions(subs)
    assert [sid for sid, _ in found] == ["ERIN", "alice", "bob", "carol", "carol.zip", "dave", "frank"]
    assert dict(found)["dave"] == subs / "dave.zip"


@pytest.mark.parametrize("layout", ["m.py", "exercises/m.py", "top/m.py", "top/exercises/m.py"])
def test_sheets_are_found_where_students_put_them(tmp_path, layout):
    quiz = small_quiz(tmp_path)
    sub = folder_with(tmp_path, "s", {layout: PLAIN, "top2.txt" if "top" in layout else "notes.txt": "x"})
    r = grading.grade_submission("s", sub, [quiz], workdir=tmp_path / "w")
    assert (r.status, r.score) == ("ok", 3.0)


def test_exercises_wins_over_a_loose_sheet_and_two_top_folders_hold_nothing(tmp_path):
    quiz = small_quiz(tmp_path)
    sub = folder_with(tmp_path, "s", {"m.py": 'q1 = "B"\n', "exercises/m.py": PLAIN})
    assert grading.grade_submission("s", sub, [quiz], workdir=tmp_path / "w").score == 3.0
    sub = folder_with(tmp_path, "t", {"one/m.py": PLAIN, "two/m.py": PLAIN})
    assert grading.grade_submission("t", sub, [quiz], workdir=tmp_path / "w").status == "empty"


def test_a_zip_from_a_mac_with_one_top_folder_is_read(tmp_path):
    quiz = small_quiz(tmp_path)
    path = tmp_path / "subs" / "s.zip"
    path.parent.mkdir()
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("caselab-main/exercises/m.py", PLAIN)
        zf.writestr("__MACOSX/caselab-main/exercises/._m.py", b"\0\5\26\7")
        zf.writestr("README.txt", "my answers")
    assert grading.grade_submission("s", path, [quiz], workdir=tmp_path / "w").score == 3.0


def test_a_zip_with_backslashes_and_dot_slash_is_read(tmp_path):
    quiz = small_quiz(tmp_path)
    path = tmp_path / "subs" / "s.zip"
    path.parent.mkdir()
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("./work\\exercises\\m.py", PLAIN)
    assert grading.grade_submission("s", path, [quiz], workdir=tmp_path / "w").score == 3.0


def test_an_encrypted_sheet_is_a_broken_archive(tmp_path):
    quiz = small_quiz(tmp_path)
    path = tmp_path / "subs" / "s.zip"
    path.parent.mkdir()
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("m.py", PLAIN)
    data = bytearray(path.read_bytes())
    data[6] |= 1  # the local header's "encrypted" flag
    central = data.rfind(b"PK\x01\x02")
    data[central + 8] |= 1  # and the central directory's
    path.write_bytes(bytes(data))
    assert grading.grade_submission("s", path, [quiz], workdir=tmp_path / "w").status == "broken-archive"


def test_a_work_folder_inside_the_submissions_is_refused(tmp_path):
    quiz = small_quiz(tmp_path)
    sub = folder_with(tmp_path, "s", {"m.py": PLAIN})
    for inside in (sub / "work", sub.parent / "work"):
        with pytest.raises(ValueError):
            grading.grade_submission("s", sub, [quiz], workdir=inside)
        with pytest.raises(ValueError):
            list(grading.grade_many([("s", sub)], [quiz], workdir=inside))
        assert not inside.exists()


# --- what comes back from the runner ------------------------------------------------------------

def test_records_that_are_not_plain_are_dropped():
    lines = [
        '{"module": "m", "name": "q1", "value": {"ok": NaN}}',
        '{"module": "m", "name": "q2", "value": {"ok": Infinity}}',
        '{"module": "m", "name": "q3", "value": {"ok": ' + "[" * 100 + "]" * 100 + '}}',
        '{"module": "m", "name": "q3b", "value": {"ok": ' + "[" * 100000 + "]" * 100000 + '}}',
        '{"module": "m", "name": "q4", "case": "0", "value": {"ok": 1}}',
        '{"module": "m", "name": "q5", "case": true, "value": {"ok": 1}}',
        '{"module": "m", "name": "q6", "value": {"ok": 1, "invalid": "x"}}',
        '{"module": 7, "name": "q7", "value": {"ok": 1}}',
        '[1, 2]',
        'not json at all',
        '{"module": "m", "name": "q8", "value": {"ok": "\\ud800 lone"}}',
        '{"module": "m", "name": "q9", "case": 1, "value": {"error": "boom", "limit": "call_seconds"}}',
        '{"done": true}',
    ]
    records = answers.parse_records("\n".join(lines).encode())
    by_name = {r.get("name"): r for r in records}
    assert set(by_name) == {"q3", "q8", "q9", None}
    assert by_name["q3"]["value"] == {"invalid": "not a plain value"}
    assert by_name["q8"]["value"]["ok"] == "\ufffd lone"
    assert by_name["q9"] == {"module": "m", "name": "q9", "case": 1, "value": {"error": "boom", "limit": "call_seconds"}}
    assert records[-1] == {"done": True}


@pytest.mark.parametrize("value", [
    None, True, False, 0, -7, 10**18, 1.5, -0.0, 1e-300, "", "plain", 'quote " and \\ backslash',
    "\x00\x01\x1f\x7f tabs\tand\nlines", "中文 and émigré and 𝄞", "\ud800 lone \udfff",
    [1, [2, [3, {"a": "b"}]]], {"1": [], "x y": {"z": None}},
])
def test_the_runners_json_reads_back_as_the_same_value(value):
    text = runner.to_json(value)
    assert json.loads(text) == value
    text.encode("utf-8")  # always valid UTF-8, whatever the sheet returned


# --- running -------------------------------------------------------------------------------------

def test_sleeping_one_second_then_answering_gets_full_marks_with_default_limits(tmp_path):
    require_sandbox()
    quiz = small_quiz(tmp_path)
    sub = folder_with(tmp_path, "s", {"m.py": "import time\ntime.sleep(1)\n" + WITH_CODE.replace(
        "return x * 2", "time.sleep(0.2)\n    return x * 2")})
    r = grading.grade_submission("s", sub, [quiz], workdir=tmp_path / "w")
    assert (r.status, r.score, r.limits_hit) == ("ok", 6.0, ())
    assert r.seconds >= 1.4


def test_limits_hold_without_the_sandbox_too(tmp_path):
    quiz = small_quiz(tmp_path)
    sub = folder_with(tmp_path, "s", {"m.py": 'q1 = "A"\nimport signal\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\n'
                                              "while True:\n    pass\n"})
    start = time.monotonic()
    r = grading.grade_submission("s", sub, [quiz], workdir=tmp_path / "w", sandbox=False,
                                 limits=grading.Limits(seconds=1.5, call_seconds=0.5))
    assert time.monotonic() - start < 5
    assert (r.status, r.limits_hit, r.score) == ("timeout", ("seconds",), 1.0)


PROBE = r'''
import os, socket, sys
seen = {}
def attempt(name, fn):
    try:
        seen[name] = ["ok", repr(fn())[:200]]
    except BaseException as exc:
        seen[name] = [type(exc).__name__, str(exc)[:200]]
attempt("uid", os.getuid)
attempt("fork", os.fork)
attempt("proc", lambda: os.listdir("/proc"))
attempt("etc", lambda: os.listdir("/etc"))
attempt("root", lambda: sorted(os.listdir("/")))
attempt("sheets", lambda: sorted(os.listdir("/sheets")))
attempt("write_tmp", lambda: open("/tmp/x", "w").write("x"))
attempt("write_sheets", lambda: open("/sheets/x", "w").write("x"))
attempt("write_root", lambda: open("/x", "w").write("x"))
attempt("net", lambda: socket.create_connection(("1.1.1.1", 80), timeout=1))
attempt("env", lambda: sorted(os.environ))
attempt("unshare", lambda: __import__("ctypes").CDLL(None).unshare(0x10000000) or __import__("ctypes").get_errno())
attempt("pidfd", lambda: os.pidfd_open(1))  # would let a run take another process's descriptors
q1 = __import__("json").dumps(seen)
'''


def test_inside_the_sandbox(tmp_path):
    require_sandbox()
    sheets = tmp_path / "sheets"
    sheets.mkdir()
    sheets.chmod(0o755)
    (sheets / "m.py").write_text(PROBE)
    (sheets / "m.py").chmod(0o644)
    run = sandbox.run({"sheets": [{"module": "m", "path": str(sheets / "m.py"), "names": ["q1"], "calls": {}}],
                       "call_seconds": 5.0}, sheets)
    records = answers.parse_records(run.output)
    seen = json.loads(next(r for r in records if r.get("name") == "q1")["value"]["ok"])
    assert seen["uid"][0] == "ok" and seen["uid"][1] != "0"
    assert seen["fork"][0] == "BlockingIOError"  # no new processes
    assert seen["proc"][0] == seen["etc"][0] == "FileNotFoundError"
    # no file of any student is in the sandbox: the sheets' text travels in the request
    assert all(f"'{name}'" not in seen["root"][1] for name in ("sheets", "home", "work"))
    assert seen["sheets"][0] == seen["write_sheets"][0] == "FileNotFoundError"
    assert seen["write_tmp"] == ["ok", "1"]
    assert seen["write_root"][0] == "OSError"
    assert seen["net"][0] in ("OSError", "ConnectionRefusedError")
    assert seen["env"][0] == "ok" and "HOME" in seen["env"][1] and "CASELAB" not in seen["env"][1]
    assert seen["unshare"][1] != "0"
    assert seen["pidfd"][0] == "PermissionError"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sheets"] and os.listdir(sheets) == ["m.py"]


def test_the_key_probe_of_the_corpus_would_notice_a_leak(tmp_path, quizzes):
    """Run the corpus's "read-the-key" sheet without the sandbox: there it sees the secrets and loses the point."""
    sys.path.insert(0, str(Path(__file__).parent))
    import test_hostile as hostile

    target = hostile.pick_target(quizzes)
    (tmp_path / "c").mkdir()
    corpus = hostile.Corpus(tmp_path / "c", quizzes, target, 9)
    case = next(c for c in hostile.CASES if c["name"] == "read-the-key")
    corpus.build(case)
    result = grading.grade_submission("read-the-key", corpus.subs / "read-the-key", [target],
                                      workdir=corpus.work, sandbox=False)
    assert result.score == corpus.score_names["full"] - corpus.score_names["choice"]


# --- a class ---------------------------------------------------------------------------------------

def test_grade_many_yields_as_submissions_finish_and_goes_on_after_a_failure(tmp_path, monkeypatch):
    quiz = small_quiz(tmp_path)
    subs = [(name, folder_with(tmp_path, name, {"m.py": PLAIN})) for name in ("slow", "boom", "fine")]
    real = grading._grade

    def flaky(student, *args):
        if student == "boom":
            raise RuntimeError("a bug")
        if student == "slow":
            time.sleep(1.0)
        return real(student, *args)

    monkeypatch.setattr(grading, "_grade", flaky)
    results = list(grading.grade_many(subs, {"m": quiz}, workers=3, workdir=tmp_path / "w"))
    assert [r.student for r in results][-1] == "slow"
    by = {r.student: r for r in results}
    assert by["boom"].status == "internal-error" and "a bug" in by["boom"].message
    assert len(by["boom"].outcomes) == 3 and by["boom"].score == 0
    assert by["fine"].status == by["slow"].status == "ok"
    assert list((tmp_path / "w").iterdir()) == []


def test_stopping_early_cancels_the_rest(tmp_path):
    quiz = small_quiz(tmp_path)
    subs = [(f"s{i}", folder_with(tmp_path, f"s{i}", {"m.py": PLAIN})) for i in range(40)]
    before = threading.active_count()
    gen = grading.grade_many(subs, [quiz], workers=2, workdir=tmp_path / "w")
    first = next(gen)
    gen.close()
    assert first.status == "ok"
    assert threading.active_count() <= before
    assert list((tmp_path / "w").iterdir()) == []


def test_a_class_is_graded_in_worker_processes_and_a_dead_worker_costs_nobody_their_grade(tmp_path, monkeypatch):
    """In the sandbox a class is graded in forked worker processes; one that dies (the host's OOM killer,
    a bug) breaks the pool, and every student it had not returned is graded again, here."""
    if not grading.in_processes():
        pytest.skip("worker processes are forked, on Linux only")
    quiz = small_quiz(tmp_path)
    names = ["dies"] + [f"s{i}" for i in range(12)]
    subs = [(name, folder_with(tmp_path, name, {"m.py": PLAIN})) for name in names]
    real, parent = grading._grade, os.getpid()

    def dies_in_a_worker(student, *args):
        if os.getpid() == parent:  # graded here, in this process: the fallback, after the pool broke
            seen_here.append(student)
        elif student == "dies":
            os._exit(9)  # a worker that vanishes without a word (a thread doing this would end the test)
        return real(student, *args)

    seen_here: list[str] = []
    monkeypatch.setattr(grading, "_grade", dies_in_a_worker)
    results = list(grading.grade_many(subs, [quiz], workers=2, workdir=tmp_path / "w",
                                      fingerprint=lambda path: f"print of {path.name}"))
    assert sorted(r.student for r in results) == sorted(names)  # each exactly once
    assert {r.status for r in results} == {"ok"} and {r.score for r in results} == {3.0}
    assert "dies" in seen_here  # graded in this process, after its worker died
    assert all(r.fingerprint == f"print of {r.student}" for r in results)
    # the dead worker could not remove its private folder (caselab grade removes its whole work folder)
    assert len(list((tmp_path / "w").iterdir())) <= 1


def test_as_a_normal_user(tmp_path):
    """As root the runs drop to their own user id; check the other mode, bwrap's user namespace, as nobody."""
    require_sandbox()
    setpriv, python = shutil.which("setpriv"), "/usr/bin/python3"
    if os.geteuid() != 0 or not setpriv or not os.access(python, os.X_OK):
        pytest.skip("needs root, setpriv and /usr/bin/python3 to become an unprivileged user")
    public = Path(tempfile.mkdtemp(prefix="caselab-user-test-"))
    try:
        public.chmod(0o755)
        sheets = public / "sheets"
        sheets.mkdir(mode=0o755)
        (sheets / "m.py").write_text(PROBE)
        (sheets / "m.py").chmod(0o644)
        driver = public / "drive.py"
        driver.write_text(
            "import importlib.util, json, sys\n"
            f"spec = importlib.util.spec_from_file_location('sandbox', {str(Path(sandbox.__file__))!r})\n"
            "mod = importlib.util.module_from_spec(spec); sys.modules['sandbox'] = mod; spec.loader.exec_module(mod)\n"
            "print(json.dumps(mod.available()))\n"
            "mod.keep_sessions()  # as a grading worker does: a normal user's runs still get a sandbox each\n"
            f"run = mod.run({{'sheets': [{{'module': 'm', 'path': {str(sheets / 'm.py')!r}, 'names': ['q1'], 'calls': {{}}}}],"
            f" 'call_seconds': 5.0}}, mod.Path({str(sheets)!r}))\n"
            "sys.stdout.write(run.output.decode())\n"
            "print('kept', getattr(mod._kept, 'session', None) is not None)\n")
        driver.chmod(0o644)
        proc = subprocess.run([setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", python, "-I", str(driver)],
                              capture_output=True, text=True, timeout=60)
        lines = proc.stdout.splitlines()
        if not lines or json.loads(lines[0])[0] is not True:
            pytest.skip(f"bwrap cannot make a user namespace for an unprivileged user here: {proc.stdout} {proc.stderr}")
        records = answers.parse_records("\n".join(lines[1:-1]).encode())
        seen = json.loads(next(r for r in records if r.get("name") == "q1")["value"]["ok"])
        assert lines[-1] == "kept False"
        assert seen["uid"] == ["ok", "65534"]
        assert seen["fork"][0] == "BlockingIOError"
        assert seen["write_sheets"][0] == "FileNotFoundError" and seen["write_tmp"] == ["ok", "1"]
    finally:
        shutil.rmtree(public, ignore_errors=True)


def test_killing_the_grader_ends_its_sandboxes(tmp_path):
    """Even a grader killed with SIGKILL leaves no sandbox behind (--die-with-parent, PID namespace)."""
    require_sandbox()
    sheets = tmp_path / "sheets"
    sheets.mkdir(mode=0o755)
    (sheets / "m.py").write_text("import signal, time\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\n"
                                 "while True:\n    time.sleep(1)\n")
    (sheets / "m.py").chmod(0o644)
    code = ("import sys; from pathlib import Path; from caselab.grading import sandbox\n"
            f"sandbox.run({{'sheets': [{{'module': 'm', 'path': {str(sheets / 'm.py')!r}, 'names': [], 'calls': {{}}}}],"
            f" 'call_seconds': 1}}, Path({str(sheets)!r}), sandbox.Limits(seconds=120))\n")
    grader = subprocess.Popen([sys.executable, "-c", code])

    def started(pid: int) -> str | None:
        """The process's start time (to tell it from a later one with its number), None when it is gone."""
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return None if fields[0] in ("Z", "X") else fields[19]

    def sandbox_of_grader() -> dict[int, str]:
        """bwrap, its init, the serving process and the run: every process below the grader."""
        found, todo = {}, _children(grader.pid)
        while todo:
            pid = todo.pop()
            when = started(pid)
            if when is not None:
                found[pid] = when
                todo += _children(pid)
        return found

    def runs_left() -> list[int]:
        ids = sandbox.run_ids(grader.pid)
        left = []
        for entry in os.scandir("/proc"):
            try:
                status = Path(entry.path, "status").read_text() if entry.name.isdigit() else ""
            except OSError:
                continue
            if "\nUid:\t" in status and int(status.split("\nUid:\t", 1)[1].split()[0]) in ids \
                    and started(int(entry.name)) is not None:
                left.append(int(entry.name))
        return left

    seen: dict[int, str] = {}
    as_root = os.geteuid() == 0  # (as a normal user the run is nobody, not one of the runs' ids)
    try:
        deadline = time.monotonic() + 20
        while (len(seen) < 4 or as_root and not runs_left()) and time.monotonic() < deadline:
            time.sleep(0.1)
            seen = sandbox_of_grader()  # bwrap, its init, the serving process, the run
        assert len(seen) >= 4 and (runs_left() or not as_root), f"the sandbox did not start: {seen}"
        time.sleep(1.5)  # the runner is past its per-call alarm, which it ignores
    finally:
        grader.kill()
        grader.wait()
    deadline = time.monotonic() + 5
    alive = seen
    while alive and time.monotonic() < deadline:
        time.sleep(0.1)
        alive = {pid: when for pid, when in seen.items() if started(pid) == when}
    assert alive == {} and runs_left() == []


def test_a_sheet_that_is_a_hard_link_to_another_file_is_refused(tmp_path):
    quiz = small_quiz(tmp_path)
    secret = tmp_path / "instructor-secret.txt"
    secret.write_text("q1 = 'the key'\n")
    sub = folder_with(tmp_path, "s", {"notes.txt": "x"})
    os.link(secret, sub / "m.py")
    r = grading.grade_submission("s", sub, [quiz], workdir=tmp_path / "w")
    assert r.status == "unsafe-archive" and "hard link" in r.message


def test_worker_processes_end_with_the_grader_even_when_it_is_killed(tmp_path):
    """A grader killed outright (SIGKILL, the OOM killer) leaves no worker process waiting for work."""
    if not grading.in_processes():
        pytest.skip("worker processes are forked, on Linux only")
    for i in range(6):
        folder_with(tmp_path, f"s{i}", {"m.py": PLAIN})
    script = tmp_path / "grade.py"
    script.write_text(
        "import sys, time\n"
        "from pathlib import Path\n"
        f"sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "from test_sandbox import small_quiz\n"
        "from caselab.grading import batch\n"
        "real = batch._grade\n"
        "def slow(*args):\n"
        "    time.sleep(60)\n"
        "    return real(*args)\n"
        "batch._grade = slow\n"
        f"tmp = Path({str(tmp_path)!r})\n"
        "for r in batch.grade_many(batch.discover_submissions(tmp / 'subs'), [small_quiz(tmp)], workers=3,\n"
        "                          workdir=tmp / 'w'):\n"
        "    print(r.student)\n")
    proc = subprocess.Popen([sys.executable, str(script)], env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    try:
        deadline, workers = time.monotonic() + 30, set()
        while time.monotonic() < deadline and len(workers) < 3:
            time.sleep(0.2)
            workers = {int(pid) for task in Path(f"/proc/{proc.pid}/task").iterdir()
                       for pid in (task / "children").read_text().split()}
        assert len(workers) == 3, workers
    finally:
        proc.kill()
        proc.wait()

    def running(pid: int) -> bool:
        try:
            return Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1][0] not in "ZX"
        except (OSError, IndexError):
            return False

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(map(running, workers)):
        time.sleep(0.1)
    assert [pid for pid in workers if running(pid)] == []


def test_a_killed_grader_leaves_none_of_its_workers_sandboxes(tmp_path):
    """SIGKILL to a grader whose workers are running sheets in the sandboxes they keep: the workers end
    with it, and each sandbox (bwrap, its init, the serving process, the run) with its worker."""
    require_sandbox()
    if not grading.in_processes():
        pytest.skip("worker processes are forked, on Linux only")
    for i in range(4):
        folder_with(tmp_path, f"s{i}", {"m.py": "import time\nq1 = time.sleep(60) or 'A'\n"})
    script = tmp_path / "grade.py"
    script.write_text(
        "import sys\n"
        "from pathlib import Path\n"
        f"sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "from test_sandbox import small_quiz\n"
        "from caselab.grading import batch\n"
        f"tmp = Path({str(tmp_path)!r})\n"
        "limits = batch.Limits(seconds=90, call_seconds=90)\n"
        "for r in batch.grade_many(batch.discover_submissions(tmp / 'subs'), [small_quiz(tmp)], workers=2,\n"
        "                          workdir=tmp / 'w', limits=limits):\n"
        "    print(r.student)\n")
    proc = subprocess.Popen([sys.executable, str(script)], env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})

    def below(pid: int) -> dict[int, str]:
        found, todo = {}, [pid]
        while todo:
            for child in _children(todo.pop()):
                try:
                    found[child] = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()[19]
                except (OSError, IndexError):
                    continue
                todo.append(child)
        return found

    try:
        deadline, tree = time.monotonic() + 30, {}
        while time.monotonic() < deadline and len(tree) < 2 * 5:  # each worker: bwrap, init, serving, run
            time.sleep(0.2)
            tree = below(proc.pid)
        assert len(tree) >= 2 * 5, tree
    finally:
        proc.kill()
        proc.wait()

    def running(pid: int, started: str) -> bool:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            return False
        return fields[0] not in "ZX" and fields[19] == started

    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(running(*item) for item in tree.items()):
        time.sleep(0.1)
    assert [pid for pid, started in tree.items() if running(pid, started)] == []


# --- a sandbox that serves one run after another (sandbox.Session) ------------------------------

def _sheet_m(folder: Path, source: str, names=("q1",)) -> tuple[Path, dict]:
    """``folder`` holding sheet m with ``source``, and the request that reads ``names`` from it."""
    folder.mkdir(mode=0o755)
    (folder / "m.py").write_text(source)
    return folder, {"sheets": [{"module": "m", "path": str(folder / "m.py"), "names": list(names), "calls": {}}],
                    "call_seconds": 5.0}


def _serving_process() -> int:
    """The first process inside this thread's kept sandbox: bwrap's child is its PID 1, whose child it is."""
    (init,) = _children(sandbox._kept.session.proc.pid)
    (first,) = _children(init)
    return first


def _kept_runs(tmp_path, sources: list[str], statuses: list | None = None) -> list[tuple]:
    """Run each source as sheet m (its q1 read) in one thread that keeps its sandbox, as a grading worker
    does: (q1's value or the run's exit status, the sandbox's bwrap pid after the run or None if ended).
    The runs' exit statuses are put in ``statuses`` when given."""
    seen: list[tuple] = []
    statuses = statuses if statuses is not None else []

    def work():
        sandbox.keep_sessions()
        for n, source in enumerate(sources):
            sheets, request = _sheet_m(tmp_path / f"sheets{n}", source)
            run = sandbox.run(request, sheets)
            q1 = [r["value"] for r in answers.parse_records(run.output) if r.get("name") == "q1"]
            session = getattr(sandbox._kept, "session", None)
            seen.append((q1[0].get("ok") if q1 else run.exit_status,
                         session.proc.pid if session is not None and session.proc is not None else None))
            statuses.append(run.exit_status)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(120)
    assert len(seen) == len(sources)
    return seen


LOOK = "import os\nq1 = [os.getuid(), sorted(os.listdir('/tmp'))]\n"


INFLIGHT = """import array, os, socket
f = os.open("/tmp/f", os.O_CREAT | os.O_RDWR, 0o600)
try:
    for _ in range(64):
        os.write(f, b"x" * (1 << 20))
except OSError:
    pass
os.unlink("/tmp/f")
a = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)  # sending to itself: closing it releases nothing
a.bind(b"\\0caselab-self-" + os.urandom(4).hex().encode())
a.connect(a.getsockname())
a.sendmsg([b"x"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [f, a.fileno()]))])
os.close(f)
a.close()
q1 = 4
"""
FILL = "open('/tmp/scratch', 'wb').write(b'y' * (4 << 20))\nimport os\nos.unlink('/tmp/scratch')\nq1 = 'wrote 4 MB'\n"
RESULTS_FD = "import fcntl, os, stat\nfd = next(f for f in range(3, 64) if stat.S_ISFIFO(os.fstat(f).st_mode))\n"
BIG = "import fcntl\nq1 = [fcntl.fcntl(3, fcntl.F_GETFL) & 0o4000] + ['x' * 99_000] * 9\n"  # more than a pipe holds


def test_a_kept_sandbox_serves_clean_runs_and_is_replaced_after_one_that_leaves_anything(tmp_path):
    """Runs reuse the sandbox only while each ends normally, leaves its /tmp empty and the results pipe
    as it was; a run that writes a file, exits abnormally or leaves its results descriptor non-blocking
    or owned for signals ends it, and the next run starts in a fresh one."""
    require_sandbox()
    if os.geteuid() != 0:
        pytest.skip("only a grader running as root keeps sandboxes (test_as_a_normal_user checks the other)")
    statuses: list = []
    seen = _kept_runs(tmp_path, [
        LOOK, LOOK,
        "open('/tmp/left-behind', 'w').write('x')\nq1 = 1\n",  # leaves a file: the sandbox is ended
        LOOK, LOOK,
        "import os\nos._exit(3)\n",  # exits abnormally (status 3, no results): ended
        LOOK,
        RESULTS_FD + "fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_NONBLOCK)\nq1 = 2\n",
        BIG,  # in a fresh sandbox: its results descriptor blocks as it should, and all of q1 arrives
        RESULTS_FD + "fcntl.fcntl(fd, fcntl.F_SETOWN, -os.getpgrp())\nq1 = 3\n",  # a group as signal owner
        LOOK,
        INFLIGHT,  # leaves /tmp full through a file it unlinked but keeps in flight in a unix socket
        FILL,  # in a fresh sandbox: /tmp has room
    ], statuses)
    (uid1, _), pid1 = seen[0]
    (uid2, tmp2), pid2 = seen[1]
    assert pid1 is not None and pid2 == pid1 and tmp2 == []  # served by the same sandbox
    if os.geteuid() == 0:
        assert uid1 != uid2 and 0 not in (uid1, uid2)  # each run as a user of its own
    assert seen[2] == (1, None)  # the file it left ended its sandbox
    (_, tmp4), pid4 = seen[3]
    assert tmp4 == [] and pid4 not in (None, pid1)  # a fresh sandbox: the file is not there
    assert seen[4][1] == pid4
    assert seen[5] == (3, None)
    assert seen[6][0][1] == [] and seen[6][1] not in (None, pid4)
    assert seen[7] == (2, None)
    assert seen[8][0] == [0] + ["x" * 99_000] * 9 and seen[8][1] is not None
    assert seen[9] == (3, None)
    assert seen[10][0][1] == [] and seen[10][1] not in (None, seen[8][1])
    assert seen[11] == (4, None) and seen[12][0] == "wrote 4 MB"
    assert statuses == [0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0]  # each reported as it ended, by its own status


def test_a_kept_sandbox_that_ended_between_runs_costs_the_next_run_nothing(tmp_path):
    """The serving process killed between two runs (the host's OOM killer): the next run starts afresh."""
    require_sandbox()
    if os.geteuid() != 0:
        pytest.skip("only a grader running as root keeps sandboxes")
    sheets, request = _sheet_m(tmp_path / "sheets", "q1 = 5\n")
    answers_seen: list = []

    def work():
        sandbox.keep_sessions()
        sandbox.run(request, sheets)
        for _ in range(6):
            os.kill(_serving_process(), 9)
            run = sandbox.run(request, sheets)
            answers_seen.append((run.exit_status, b'"ok":5' in run.output))

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(60)
    assert answers_seen == [(0, True)] * 6


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(entry.path, "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _memory_holds(pid: int, needles: list[bytes]) -> list[bool]:
    """Whether each needle is anywhere in the readable memory of process ``pid`` (root reads any)."""
    found = [False] * len(needles)
    with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", buffering=0) as mem:
        for line in maps:
            span, perms = line.split()[:2]
            if not perms.startswith("r"):
                continue
            start, end = (int(x, 16) for x in span.split("-"))
            try:
                mem.seek(start)
                data = mem.read(end - start)
            except (OSError, OverflowError, ValueError):
                continue
            found = [f or n in data for f, n in zip(found, needles)]
    return found


def test_the_process_runs_are_forked_from_never_holds_a_students_sheet(tmp_path):
    """A kept sandbox's first process forks every run: if it ever read a request, a later run could find
    an earlier student's sheet in the memory it inherits.  Read that process's memory after a run."""
    require_sandbox()
    if os.geteuid() != 0:
        pytest.skip("reading another process's memory needs root")
    marker = "caselab-marker-" + os.urandom(8).hex()
    held: list = []

    def work():
        sandbox.keep_sessions()
        sheets, request = _sheet_m(tmp_path / "sheets", f"q1 = {marker!r}\n" + LOOK.replace("q1 =", "q2 ="),
                                   ("q1", "q2"))
        run = sandbox.run(request, sheets)
        assert marker.encode() in run.output  # the run read the sheet and answered with it
        first = _serving_process()
        control = b"never to be read as a command"  # from serve's docstring: the scan finds what is there
        held.extend(_memory_holds(first, [marker.encode(), control]))

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(60)
    assert held == [False, True]


def test_a_forked_process_never_uses_its_parents_sandbox(tmp_path):
    """A process forked while its thread keeps a sandbox (a grading worker) starts its own; the parent's
    goes on serving the parent."""
    require_sandbox()
    sheets, request = _sheet_m(tmp_path / "sheets", "q1 = 7\n")
    outcome: list = []

    def work():
        sandbox.keep_sessions()
        sandbox.run(request, sheets)
        mine = sandbox._kept.session.proc.pid
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                inherited = getattr(sandbox._kept, "session", None)
                run = sandbox.run(request, sheets)
                code = 0 if inherited is None and b'"ok":7' in run.output else 2
            finally:
                os._exit(code)
        child = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
        run = sandbox.run(request, sheets)
        outcome.extend([child, sandbox._kept.session.proc.pid == mine, b'"ok":7' in run.output])

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(60)
    assert outcome == [0, True, True]


@pytest.mark.parametrize("sandboxed", [True, False])
def test_what_the_runner_says_on_stderr_is_kept(sandboxed):
    """A runner that fails before any sheet runs says why on stderr, and the run keeps it (in a sandbox, and not)."""
    request = {"call_seconds": 1.0}  # no "sheets": the runner stops
    if sandboxed:  # (sandbox.run would send an empty list)
        require_sandbox()
        limits = sandbox.Limits()
        session = sandbox.Session((sandbox.bwrap_path(), limits.file_mb, os.geteuid()))
        try:
            run = session.run(dict(request, **sandbox.confinement(limits)), limits, time.monotonic())
        finally:
            session.close()
    else:
        run = sandbox.run(request, None, sandboxed=False)
    assert "KeyError" in run.stderr and "sheets" in run.stderr
    assert run.exit_status not in (0, None) and b'"done"' not in run.output
