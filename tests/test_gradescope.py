"""The Gradescope autograder, run the way Gradescope runs it.

`caselab release --gradescope` writes the bundle; here it is unpacked into a scratch
folder that bubblewrap binds at /autograder, inside a container of our own making (the
machine's /usr, a writable copy of /etc, an empty /opt, apt-get a no-op).  setup.sh
runs once, as root, with the capabilities of a default Docker container; then, for each
case, a submission is put in /autograder/submission and run_autograder runs, and
/autograder/results/results.json is checked against Gradescope's specification.

Each case runs twice: where bubblewrap works inside the container (every capability),
and where it does not (Docker's default capabilities: bwrap is installed but cannot
start, as in Gradescope's containers), where the student's code must run as the
unprivileged user setup.sh made.  After each run, nothing but the harness may still be
running in the container.

Needs root (useradd, binding /etc) and a working sandbox on this machine; skipped with
the reason otherwise, and failed instead under CASELAB_REQUIRE_SANDBOX=1 (CI).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT, require_sandbox, run_caselab

sys.path.insert(0, str(Path(__file__).parent))
from class_fixture.make_class import pick_modules  # noqa: E402

# What a default Docker container (and so, usually, Gradescope's) keeps of root's capabilities:
# enough for useradd and for dropping to another user, not enough for bubblewrap's namespaces.
DOCKER_CAPS = ("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
               "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
               "CAP_KILL", "CAP_AUDIT_WRITE")
VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}
SYSTEM_PYTHON = "/usr/bin/python3"  # what apt-get install python3 gives Gradescope's image


def _cannot(why: str) -> None:
    if os.environ.get("CASELAB_REQUIRE_SANDBOX") == "1":
        pytest.fail(f"CASELAB_REQUIRE_SANDBOX=1 but the Gradescope test cannot run here: {why}")
    pytest.skip(why)


# --- the container ---------------------------------------------------------------------------

class Container:
    """A scratch Gradescope container: /autograder, /etc, /opt of its own; the machine's /usr."""

    def __init__(self, base: Path):
        self.base = base
        self.autograder = base / "autograder"
        self.etc = base / "etc"
        self.opt = base / "opt"
        self.fakebin = base / "fakebin"
        for d in (self.autograder, self.opt, self.fakebin):
            d.mkdir(parents=True)
        shutil.copytree("/etc", self.etc, symlinks=True, ignore_dangling_symlinks=True)
        apt = self.fakebin / "apt-get"
        apt.write_text("#!/bin/sh\n# apt-get made a no-op: the packages setup.sh asks for are already here\nexit 0\n")
        apt.chmod(0o755)

    def argv(self, command: str, *, bwrap_works: bool) -> list[str]:
        args = ["bwrap", "--die-with-parent", "--unshare-pid", "--unshare-ipc", "--unshare-uts",
                "--unshare-cgroup-try", "--ro-bind", "/usr", "/usr"]
        for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
            path = f"/{name}"
            if os.path.islink(path):
                args += ["--symlink", os.readlink(path), path]
            elif os.path.isdir(path):
                args += ["--ro-bind", path, path]
        args += ["--bind", str(self.etc), "/etc", "--bind", str(self.opt), "/opt",
                 "--bind", str(self.autograder), "/autograder", "--ro-bind", str(self.fakebin), "/fakebin",
                 "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--tmpfs", "/run",
                 "--tmpfs", "/var", "--dir", "/var/log", "--dir", "/var/tmp",
                 "--perms", "0700", "--tmpfs", "/root"]
        # the machine's package index (setup.sh's pip install works here as it does on the machine)
        for mirror in ("/opt/wheels", "/opt/pypi", "/opt/pypi-more"):
            if os.path.isdir(mirror):
                args += ["--ro-bind", mirror, mirror]
        pip_conf = Path.home() / ".config" / "pip" / "pip.conf"
        if pip_conf.is_file():
            args += ["--ro-bind", str(pip_conf), "/root/.config/pip/pip.conf"]
        args += ["--clearenv", "--setenv", "PATH", "/fakebin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                 "--setenv", "HOME", "/root", "--setenv", "LANG", "C.UTF-8"]
        for name, value in os.environ.items():
            if name.startswith("PIP_"):
                args += ["--setenv", name, value]
        if bwrap_works:
            args += ["--cap-add", "ALL"]
        else:
            args += ["--cap-drop", "ALL"]
            for cap in DOCKER_CAPS:
                args += ["--cap-add", cap]
        return args + ["--chdir", "/autograder", "--", "bash", "-c", command]

    def run(self, command: str, *, bwrap_works: bool, timeout: float = 600) -> subprocess.CompletedProcess:
        return subprocess.run(self.argv(command, bwrap_works=bwrap_works), capture_output=True, text=True,
                              timeout=timeout)


# Run after run_autograder, inside the container: every process but the harness's own (bwrap's init,
# the shell, this script) was started by the grading and must be gone.
LEFTOVERS = r"""
import json, os, sys
me, shell = os.getpid(), os.getppid()
found = []
for name in os.listdir("/proc"):
    if name.isdigit() and int(name) not in (1, me, shell):
        try:
            status = open(f"/proc/{name}/status").read()
            cmd = open(f"/proc/{name}/cmdline", "rb").read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        fields = dict(l.split(":", 1) for l in status.splitlines() if ":" in l)
        if fields.get("State", "").split()[:1] not in (["Z"], ["X"]):
            found.append({"pid": int(name), "uid": fields["Uid"].split()[0], "cmd": cmd})
json.dump(found, open("/autograder/leftovers.json", "w"))
"""


@pytest.fixture(scope="module")
def gradescope(tmp_path_factory):
    """The bundle of one module, unpacked and set up as Gradescope does (setup.sh runs once)."""
    if os.geteuid() != 0:
        _cannot("the Gradescope container needs root here (useradd, /etc of its own, capabilities)")
    require_sandbox()
    if not os.access(SYSTEM_PYTHON, os.X_OK):
        _cannot(f"no {SYSTEM_PYTHON} to stand in for the image's python3")
    probe = subprocess.run([SYSTEM_PYTHON, "-c", "import venv, ensurepip"], capture_output=True)
    if probe.returncode != 0:
        _cannot(f"{SYSTEM_PYTHON} has no venv or ensurepip (Debian: apt-get install python3-venv)")
    modules = pick_modules(run_caselab, 1)
    base = tmp_path_factory.mktemp("gradescope")
    proc = run_caselab("release", "--modules", modules[0], "--out", str(base / "edition"), "--gradescope")
    assert proc.returncode == 0, proc.stderr
    bundle = base / "edition-autograder.zip"
    box = Container(base / "box")
    with zipfile.ZipFile(bundle) as z:
        for info in z.infolist():
            z.extract(info, box.autograder / "source")
            mode = info.external_attr >> 16 & 0o777
            if mode:
                (box.autograder / "source" / info.filename).chmod(mode)
    setup = box.run("cd /autograder/source && bash ./setup.sh && id caselab-student", bwrap_works=False, timeout=900)
    assert setup.returncode == 0, f"setup.sh failed:\n{setup.stdout}\n{setup.stderr}"
    from caselab.quiz.model import load_quizzes

    return box, load_quizzes(ROOT, modules)[modules[0]]


def run_autograder(box: Container, files: dict[str, str], *, bwrap_works: bool) -> tuple[dict, str, list]:
    """Put ``files`` in /autograder/submission, run run_autograder; results.json, its output, leftovers."""
    submission = box.autograder / "submission"
    shutil.rmtree(submission, ignore_errors=True)
    shutil.rmtree(box.autograder / "results", ignore_errors=True)
    (box.autograder / "leftovers.json").unlink(missing_ok=True)
    submission.mkdir()
    for name, text in files.items():
        (submission / name).parent.mkdir(parents=True, exist_ok=True)
        (submission / name).write_text(text, encoding="utf-8")
    command = ("cp /autograder/source/run_autograder /autograder/run_autograder && cd /autograder && "
               f"./run_autograder; {SYSTEM_PYTHON} -I -c '{LEFTOVERS}'")
    proc = box.run(command, bwrap_works=bwrap_works)
    log = proc.stdout + proc.stderr
    results_file = box.autograder / "results" / "results.json"
    assert results_file.is_file(), f"no results.json:\n{log}"
    leftovers = json.loads((box.autograder / "leftovers.json").read_text())
    return json.loads(results_file.read_text(encoding="utf-8")), log, leftovers


def check_spec(results: dict, quiz) -> None:
    """Gradescope's results.json specification, as far as caselab uses it."""
    assert isinstance(results.get("output", ""), str)
    assert results.get("visibility", "visible") in VISIBILITY
    tests = results["tests"]
    assert [t["name"] for t in tests] == [f"{quiz.module}/{q.id}" for q in quiz.questions]
    for t in tests:
        assert isinstance(t["name"], str) and t["name"]
        assert isinstance(t["score"], (int, float)) and isinstance(t["max_score"], (int, float))
        assert 0 <= t["score"] <= t["max_score"]
        assert t.get("visibility", "visible") in VISIBILITY
        assert t.get("status", "passed") in ("passed", "failed")
        assert isinstance(t.get("output", ""), str)
    assert isinstance(results["score"], (int, float))
    assert results["score"] == pytest.approx(sum(t["score"] for t in tests), abs=1e-6)
    assert [t["max_score"] for t in tests] == [q.points for q in quiz.questions]


# --- the sheets -----------------------------------------------------------------------------

# Reads every key it can reach (the quiz files, the engine beside them, the installed engine)
# and answers with them; where it reaches nothing, it answers nothing.
THIEF = r'''
import glob, os, re, sys
stolen = {}
for path in glob.glob("/autograder/source/**/*.yml", recursive=True) + glob.glob("/autograder/**/*.yml", recursive=True):
    try:
        text = open(path, encoding="utf-8").read()
    except OSError:
        continue
    qid = None
    for line in text.splitlines():
        m = re.match(r"\s*- id: (q\d+)", line)
        if m:
            qid = m.group(1)
        m = re.match(r"\s*key: ([A-Z])\s*$", line)
        if m and qid:
            stolen[qid] = m.group(1)
try:
    sys.path[:0] = ["/autograder/source/caselab/src"] + glob.glob("/opt/caselab/lib/python3*/site-packages")
    from caselab.quiz.model import load_quizzes
    from caselab.quiz.sheets import reference_value
    for quiz in load_quizzes("/autograder/source/caselab").values():
        for q in quiz.questions:
            if q.type not in ("code", "memo"):
                stolen[q.id] = reference_value(q)
except Exception:
    pass
for path in glob.glob("/autograder/results/*"):
    try:
        open(path, "a").write("tampered")
    except OSError:
        pass
globals().update(stolen)
'''

# The right answers, then a process that would outlive the run and rewrite the results.
LINGERER = r'''
import os, time
if os.fork() == 0:  # a daemon: a new session, then a grandchild that outlives the run and rewrites the results
    os.setsid()
    if os.fork() == 0:
        time.sleep(20)
        open("/autograder/results/results.json", "w").write('{"score": 1000, "tests": []}')
    os._exit(0)
'''


def reference(quiz) -> str:
    from caselab.quiz.sheets import render_sheet

    return render_sheet(quiz, solution=True)


def cases(quiz) -> dict:
    m = quiz.module
    return {
        "reference": {f"{m}.py": reference(quiz)},
        "blank": {},
        "broken": {f"{m}.py": reference(quiz) + "\ndef broken(:\n    pass\n"},
        "subfolder": {f"my-work/exercises/{m}.py": reference(quiz), "my-work/README.md": "notes\n"},
        "thief": {f"{m}.py": THIEF},
        "lingerer": {f"{m}.py": reference(quiz) + LINGERER},
    }


VARIANTS = {"bwrap-works": True, "bwrap-unavailable": False}


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("case", ["reference", "blank", "broken", "subfolder", "thief", "lingerer"])
def test_gradescope_runs_the_bundle(gradescope, case, variant):
    box, quiz = gradescope
    results, log, leftovers = run_autograder(box, cases(quiz)[case], bwrap_works=VARIANTS[variant])
    check_spec(results, quiz)
    expected = "sandbox" if VARIANTS[variant] else "user"
    assert f"caselab: protection of the student's code: {expected} " in log, log
    assert not leftovers, f"processes outlived the run: {leftovers}"
    full = quiz.max_score
    if case in ("reference", "subfolder"):
        assert results["score"] == full, log + json.dumps(results, indent=1)[:3000]
        assert all(t["status"] == "passed" for t in results["tests"])
    elif case == "blank":
        assert results["score"] == 0 and "not answered" in results["tests"][0]["output"]
    elif case == "broken":  # a syntax error outside any answer costs no answer, and is reported by line
        assert results["score"] == full, results["output"]
        assert f"{quiz.module}.py" in results["output"] and "line" in results["output"], results["output"]
    elif case == "thief":
        assert results["score"] == 0, f"the sheet read keys: {results['output']}"
        assert "tampered" not in json.dumps(results)
    elif case == "lingerer":
        assert results["score"] == full, results["output"]
        assert "process" in results["output"], results["output"]


def test_the_unprivileged_user_is_made_and_shut_out(gradescope):
    """setup.sh made caselab-student; the keys, the installed engine and the results are closed to it."""
    box, _quiz = gradescope
    probe = ("ls -ld /autograder/source /opt/caselab; "
             "setpriv --reuid caselab-student --regid caselab-student --clear-groups "
             "cat /autograder/source/caselab/tests/quizzes/*.yml; echo status=$?; "
             "setpriv --reuid caselab-student --regid caselab-student --clear-groups ls /opt/caselab; echo status=$?")
    proc = box.run(probe, bwrap_works=False)
    assert proc.stdout.count("drwx------") == 2, proc.stdout
    assert "status=0" not in proc.stdout and "Permission denied" in proc.stderr, proc.stdout + proc.stderr
    assert "key:" not in proc.stdout


def test_kill_user_processes_ends_what_a_user_left_running():
    """The step after each unsandboxed run: every process of the user ends, those in new sessions too."""
    if os.geteuid() != 0:
        _cannot("starting processes as another user needs root")
    from caselab.grading.sandbox import _alive, kill_user_processes

    uid = 1_899_999_000 + os.getpid() % 1000  # a user of its own, so that nothing else is touched
    procs = [subprocess.Popen(["setsid", "sleep", "60"], user=uid, group=uid, extra_groups=[],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(3)]
    try:
        import time

        deadline = time.monotonic() + 10
        while len(_alive(uid, -1)) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(_alive(uid, -1)) >= 3
        assert kill_user_processes(uid, uid)
        assert not _alive(uid, -1)
        assert all(p.wait(timeout=10) == -9 for p in procs)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()


def test_run_as_user_without_bubblewrap(tmp_path, monkeypatch):
    """The mechanism under run_autograder's second protection, on its own: sandbox.run(sandboxed=False) with
    CASELAB_RUN_AS runs the sheet as that user, under the seccomp filter, and refuses what it cannot honour."""
    if os.geteuid() != 0:
        _cannot("running sheets as another user needs root")
    from caselab.grading import sandbox

    secret = tmp_path / "secret.yml"
    secret.write_text("key: B\n")
    secret.chmod(0o600)
    sheets = tmp_path / "sheets"
    sheets.mkdir()
    sheets.chmod(0o755)
    (sheets / "kyc.py").write_text(
        "import os\n"
        "q1 = os.getuid()\n"
        f"try:\n    q2 = open({str(secret)!r}).read()\nexcept OSError as exc:\n    q2 = type(exc).__name__\n"
        "try:\n    os.fork()\n    q3 = 'forked'\nexcept OSError as exc:\n    q3 = type(exc).__name__\n"
        "try:\n    os.memfd_create('x')\n    q4 = 'memfd'\nexcept OSError as exc:\n    q4 = type(exc).__name__\n")
    request = {"sheets": [{"module": "kyc", "path": str(sheets / "kyc.py"), "names": ["q1", "q2", "q3", "q4"]}],
               "call_seconds": 2.0}
    uid = 1_899_998_000 + os.getpid() % 1000
    monkeypatch.setenv(sandbox.RUN_AS_ENV, str(uid))
    run = sandbox.run(request, sheets, sandbox.Limits(), sandboxed=False)
    values = {r["name"]: r["value"]["ok"] for r in map(json.loads, run.output.decode().splitlines()) if "name" in r}
    assert values == {"q1": uid, "q2": "PermissionError", "q3": "BlockingIOError", "q4": "PermissionError"}, run
    for name, why in (("root", "names root"), ("no-such-user-caselab", "does not exist")):
        monkeypatch.setenv(sandbox.RUN_AS_ENV, name)
        run = sandbox.run(request, sheets, sandbox.Limits(), sandboxed=False)
        assert why in run.start_error and run.output == b"", run


def test_without_sandbox_or_user_no_code_runs(tmp_path, monkeypatch, capsys):
    """The third protection: no bubblewrap and no user to run as: plain answers graded, no code run."""
    from caselab.editions import gradescope
    from caselab.grading import sandbox
    from caselab.quiz.model import load_quizzes

    monkeypatch.setattr(sandbox, "available", lambda: (False, "bubblewrap cannot start (test)"))
    module = pick_modules(run_caselab, 1)[0]
    quiz = load_quizzes(ROOT, [module])[module]
    submission = tmp_path / "submission"
    submission.mkdir()
    (submission / f"{module}.py").write_text(reference(quiz) + "\nopen('ran', 'w').close()\n")
    data = gradescope.grade(ROOT, [module], submission, "full", "no-such-user-caselab")
    assert "protection of the student's code: none" in capsys.readouterr().out
    check_spec(data, quiz)
    assert data["score"] < quiz.max_score and "could not be run on this autograder" in data["output"]
    assert not list(tmp_path.rglob("ran")), "the sheet ran"
