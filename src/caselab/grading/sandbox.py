"""Run the answer-sheet runner in a bubblewrap sandbox, under limits, and get its output back.

This is the mechanism; ``grading.py`` decides what the output means.  A sandbox
is one ``bwrap`` process (``Session``) with a serving process inside it::

    bwrap --unshare-all --unshare-user --disable-userns --uid 65534 --gid 65534   (normal user)
    bwrap --unshare-{ipc,pid,net,uts,cgroup} --cap-drop ALL --cap-add CAP_SETUID,CAP_SETGID   (root)
          --die-with-parent --new-session
          --ro-bind /usr /usr, the interpreter's prefix, /bin /lib* (or their symlinks)
          --tmpfs /tmp (1777, file_mb in size), --dev-bind /dev/{null,zero,random,urandom}
          --chdir /tmp --remount-ro /
          python -I -S -c SERVE --serve --status FD   (stdin: runner.py's code, compiled once here)

The serving process (``runner.serve``) runs nothing but the runner's code and
never reads a request.  Each run is a fresh process it forks: that process
reads its own request from stdin (the sheets' text, their names, the code tasks'
inputs, its limits and user id, the seccomp filter: never a key), sets the
rlimits, becomes the run's own user (as root: an id no other live run has), loads the
seccomp filter, and only then runs the sheets, writing its results to stdout.
When it has exited, the serving process says how on the status pipe.  Starting
a sandbox and an interpreter cost more than the rest of a run, so the workers
that grade a class keep theirs (``keep_sessions``); every other caller gets a
sandbox of its own for each run (and only a grader running as root keeps one:
there each run has a user id of its own).  A kept sandbox serves the next run only
if this one exited normally (status 0, its whole request read) within its time and
output limits, and left /tmp (the one place it may write) empty, its free space
and inodes as they were, and the results pipe's open file as it was
(``runner._left_state``); otherwise it is ended (``Session.close``: the process
group killed) and the next run starts in a new one.  So a run can neither read a
later run's data nor change what a later run does or is graded.  Traces that no
sheet needs can still pass from one run to the next (the inode numbers /tmp hands
out, ports in TIME_WAIT in the sandbox's own network): a channel for two students
who both want it, who have easier ones.

What a run sees: the Python runtime, an empty /tmp, four devices; no /proc, /etc,
/home, network, file of any student (its sheets arrive as text, named
``/sheets/<module>.py``), the quizzes or the solutions.  Within the sandbox's PID
namespace the only other processes are bwrap's small init (PID 1, not
``--as-pid-1``: it keeps the serving process's parent-death signal) and the
serving process; the filter refuses new processes, so a run leaves none behind.
When bwrap is killed (``--die-with-parent``: the worker ended), that init dies and
every process in the namespace ends with it.

Limits (``Limits``): wall-clock seconds for the whole run (killed here, with the
process tree); per-call seconds (``SIGALRM`` in the runner); RLIMIT_AS,
RLIMIT_NPROC, RLIMIT_FSIZE, RLIMIT_CPU and RLIMIT_CORE, set by the runner on
itself before any sheet runs; output read here up to ``output_kb``.

The seccomp filter (classic BPF, built below for x86_64 and aarch64) refuses
new processes (fork, vfork, clone without CLONE_THREAD: ``EAGAIN``, as when
RLIMIT_NPROC is reached), namespaces, mounts, ptrace, bpf, keyrings and
io_uring, and memory that RLIMIT_AS does not count: SysV shared memory,
message queues and semaphores, memfd_create and memfd_secret, POSIX message
queues, and pipes grown with F_SETPIPE_SZ; and pidfds, which could take
another process's descriptors (``EPERM``).  The sandbox has no
/dev/shm (POSIX shared memory), and its /tmp, where a file could be mapped,
is a tmpfs of ``file_mb``.  Threads stay allowed and are counted by RLIMIT_NPROC.  Refusing
processes also bounds memory: RLIMIT_AS is per process.

RLIMIT_NPROC does not bind root.  When the grader runs as root, bwrap keeps no
user namespace and the runner drops to an unprivileged user id of its own
(``uid`` in the request, distinct per concurrent run) after reading its request
and before running any sheet, and so can signal neither the serving process nor
another run; as a normal user, bwrap maps the sandbox to ``nobody`` in a new user
namespace (``--disable-userns``: no nested ones), where a run shares its user
with the serving process and could stop or kill it: that only ends its own run
(stopped at ``seconds``, or ended with the sandbox), and the next starts afresh.

Without bubblewrap (``run(..., sandboxed=False)``) the runner runs directly: as
the grader's own user, or, when the grader is root and ``CASELAB_RUN_AS`` names
an unprivileged user (the Gradescope autograder's ``caselab-student``), as that
user.  Then the runner sets the same rlimits, RLIMIT_NPROC included, gives up
root for that user's ids right after reading the sheets (never falling back to
another user), and loads the same seccomp filter itself (``no_new_privs``) before
any sheet runs; the sheets see every file that user may read, so the folders
holding keys and results must be closed to it (the autograder does so), and
the Python that runs them must be one that user can read (a system Python).  Runs as
that user are one at a time, and after each one every process of the user is
killed (``kill(-1, SIGKILL)`` as the user, until none is left), so nothing it
started outlives the run.  A ``CASELAB_RUN_AS`` that cannot be used (no such
user, root, a grader that is not root) fails the run; it never runs the sheets
as the grader.
"""
from __future__ import annotations

import functools
import itertools
import marshal
import math
import os
import select
import shutil
import signal
import struct
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

RUNNER = Path(__file__).resolve().parent.parent / "quiz" / "runner.py"
# The interpreter runs this, then the runner's code, compiled once here and sent with the request
# on stdin (compiling runner.py in every run would cost more than the rest of the runner's start).
BOOTSTRAP = ("import marshal,sys;c,r=marshal.load(sys.stdin.buffer);g={'__name__':'caselab_runner'};"
             "exec(marshal.loads(c),g);g['main'](sys.argv,r)")
# A sandbox's first process reads the runner's code (4-byte length, then marshal), exactly and unbuffered
# (what follows on stdin is the runs' requests, which it must never read), and serves runs (``runner.serve``).
SERVE = ("import marshal,posix\ndef r(n):\n c=b''\n while len(c)<n:\n  b=posix.read(0,n-len(c))\n"
         "  if not b:raise SystemExit(1)\n  c+=b\n return c\n"
         "g={'__name__':'caselab_runner'};exec(marshal.loads(r(int.from_bytes(r(4),'little'))),g)\n"
         "import sys;g['serve'](sys.argv)")
BWRAP_ENV = "CASELAB_BWRAP"  # the bwrap to use; empty or a missing path means "no sandbox"
RUN_AS_ENV = "CASELAB_RUN_AS"  # without bwrap, for a root grader: the unprivileged user (name or id) sheets run as
SHEETS = "/sheets"  # where the student's sheet folder appears inside the sandbox
RUNNER_INSIDE = "/caselab/runner.py"  # the runner code's file name inside the sandbox (tracebacks)
ENV = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "MALLOC_ARENA_MAX": "2"}  # nothing of the grader's own
DEVICES = ("/dev/null", "/dev/zero", "/dev/random", "/dev/urandom")
# the unprivileged ids a root grader's runs become: ``run_ids(pid)``, 256 for each process id (below 2**22),
# taken in turn; two processes never share one, and no run outlives its turn in a process
UID_BASE = 1_900_000_000
RUN_IDS_PER_PROCESS = 256
STDERR_KEEP = 4096
KILL_GRACE = 5.0


@dataclass(frozen=True)
class Limits:
    """Per-submission limits.  The first six bound a run; the last three bound what is accepted from a submission."""

    seconds: float = 10.0  # wall clock for the whole submission's run
    call_seconds: float = 2.0  # one sheet's top level, or one call of a code task
    memory_mb: int = 512  # address space of the interpreter
    processes: int = 64  # threads (new processes are refused outright)
    file_mb: int = 16  # largest file written, and the size of the private /tmp
    output_kb: int = 1024  # the runner's results
    sheet_kb: int = 512  # one answer sheet
    archive_mb: int = 100  # a zip's total uncompressed size
    members: int = 10_000  # entries in a zip, or files and folders in a submission folder


@dataclass(frozen=True)
class Run:
    """What came out of one run of the runner."""

    output: bytes  # the runner's JSON lines (at most output_kb; cut there)
    stderr: str  # the first few KB of bwrap's and Python's own messages
    exit_status: int | None  # the process's status (bwrap passes the runner's on; 128+N for a signal)
    timed_out: bool  # stopped at ``seconds``
    output_over: bool  # stopped for writing more than ``output_kb``
    seconds: float  # wall clock of the run
    start_error: str = ""  # the sandbox could not be started at all


# --- seccomp --------------------------------------------------------------------------------

_EPERM, _EAGAIN, _ENOSYS = 1, 11, 38
_ALLOW, _KILL = 0x7FFF0000, 0x80000000
_CLONE_THREAD = 0x00010000
_CLONE_NAMESPACES = 0x7E020000  # NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET
_F_SETPIPE_SZ = 1031
# audit arch, syscalls refused with EAGAIN (new processes), with ENOSYS (clone3: libc falls back to clone),
# with EPERM (the rest), the number of clone (checked for CLONE_THREAD) and of fcntl (F_SETPIPE_SZ refused).
# The last EPERM row is memory the address-space limit does not count: SysV shared memory, message
# queues and semaphores (shmget, shmat, shmctl, msgget, semget), memfd_create, memfd_secret, POSIX
# message queues (mq_open), then pidfd_send_signal, pidfd_open and pidfd_getfd (another process's
# descriptors); pipes stay at their default size (fcntl F_SETPIPE_SZ).
_SYSCALLS = {
    "x86_64": (0xC000003E, (57, 58), (435,), (
        272, 308, 165, 166, 155, 161, 101, 310, 311, 321, 298, 323, 250, 248, 249, 425, 426, 427, 428, 429,
        430, 431, 432, 433, 442, 246, 320, 175, 313, 176, 303, 304, 163, 167, 168, 169, 179,
        29, 30, 31, 68, 64, 319, 447, 240, 424, 434, 438), 56, 72),
    "aarch64": (0xC00000B7, (), (435,), (
        97, 268, 40, 39, 41, 51, 117, 270, 271, 280, 241, 282, 219, 217, 218, 425, 426, 427, 428, 429,
        430, 431, 432, 433, 442, 104, 294, 105, 273, 106, 264, 265, 89, 224, 225, 142, 60,
        194, 196, 195, 186, 190, 279, 447, 180, 424, 434, 438), 220, 25),
}


def seccomp_program(machine: str | None = None) -> bytes | None:
    """The filter as raw ``struct sock_filter`` entries (what ``bwrap --seccomp`` reads), or None if unsupported."""
    return _seccomp_program(machine or os.uname().machine)


@functools.lru_cache(maxsize=None)  # built once per process and machine, not once per run
def _seccomp_program(machine: str) -> bytes | None:
    if machine not in _SYSCALLS or struct.calcsize("P") != 8 or sys.byteorder != "little":
        return None
    arch, eagain, enosys, eperm, clone, fcntl = _SYSCALLS[machine]
    ld, jeq, jge, jset, ret = 0x20, 0x15, 0x35, 0x45, 0x06
    prog = [(ld, 0, 0, 4), (jeq, 1, 0, arch), (ret, 0, 0, _KILL), (ld, 0, 0, 0)]
    if machine == "x86_64":  # x32 system calls
        prog += [(jge, 0, 1, 0x40000000), (ret, 0, 0, 0x50000 | _EPERM)]
    for numbers, errno in ((eagain, _EAGAIN), (enosys, _ENOSYS), (eperm, _EPERM)):
        for nr in numbers:
            prog += [(jeq, 0, 1, nr), (ret, 0, 0, 0x50000 | errno)]
    prog += [
        (jeq, 0, 4, fcntl),
        (ld, 0, 0, 24),  # the low half of the command
        (jeq, 0, 1, _F_SETPIPE_SZ), (ret, 0, 0, 0x50000 | _EPERM),
        (ret, 0, 0, _ALLOW),
        (jeq, 0, 6, clone),
        (ld, 0, 0, 16),  # the low half of the flags
        (jset, 0, 1, _CLONE_NAMESPACES), (ret, 0, 0, 0x50000 | _EPERM),
        (jset, 0, 1, _CLONE_THREAD), (ret, 0, 0, _ALLOW),
        (ret, 0, 0, 0x50000 | _EAGAIN),
        (ret, 0, 0, _ALLOW),
    ]
    return b"".join(struct.pack("<HBBI", *ins) for ins in prog)


# --- the command ------------------------------------------------------------------------------

def bwrap_path() -> str | None:
    """The bubblewrap executable, or None (``CASELAB_BWRAP`` overrides the search)."""
    chosen = os.environ.get(BWRAP_ENV)
    if chosen is not None:
        return chosen if chosen and os.access(chosen, os.X_OK) else None
    return shutil.which("bwrap") or ("/usr/bin/bwrap" if os.access("/usr/bin/bwrap", os.X_OK) else None)


def python_executable() -> str:
    return os.path.realpath(sys.executable)


@functools.lru_cache(maxsize=1)
def _runtime_binds() -> tuple[str, ...]:
    """Read-only binds of the Python runtime and the system's libraries."""
    args = ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = f"/{name}"
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    prefixes = []
    for p in (sys.base_prefix, sys.base_exec_prefix, os.path.dirname(os.path.dirname(python_executable()))):
        p = os.path.realpath(p)
        if p in ("/", "") or p == "/usr" or p.startswith("/usr/"):
            continue
        if not any(p == q or p.startswith(q + "/") for q in prefixes):
            prefixes = [q for q in prefixes if not q.startswith(p + "/")] + [p]
    made = set()
    for p in sorted(prefixes):
        # bwrap would copy the modes of the parents (e.g. /root is 0700), and the run's user could not pass
        for parent in reversed(Path(p).parents[:-1]):
            if str(parent) not in made:
                made.add(str(parent))
                args += ["--perms", "0755", "--dir", str(parent)]
        args += ["--ro-bind", p, p]
    return tuple(args)


_uid_counter = itertools.count()


def run_ids(pid: int) -> range:
    """The user ids the runs of process ``pid`` take (as root), in turn."""
    low = UID_BASE + pid * RUN_IDS_PER_PROCESS
    return range(low, low + RUN_IDS_PER_PROCESS)


def _run_uid() -> int:
    return run_ids(os.getpid())[next(_uid_counter) % RUN_IDS_PER_PROCESS]


def command(bwrap: str, limits: Limits, status_fd: int) -> list[str]:
    """The bwrap command line of one sandbox (``Session``); runs inside it load the seccomp filter themselves."""
    if os.geteuid() == 0:
        isolation = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
                     "--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    else:
        isolation = ["--unshare-all", "--unshare-user", "--disable-userns", "--uid", "65534", "--gid", "65534"]
    args = [bwrap, *isolation, "--die-with-parent", "--new-session", *_runtime_binds(),
            "--perms", "1777", "--size", str(max(1, limits.file_mb) << 20), "--tmpfs", "/tmp"]
    args += ["--perms", "0755", "--dir", "/dev"]
    for device in DEVICES:
        args += ["--dev-bind", device, device]
    args += ["--chdir", "/tmp", "--remount-ro", "/",
             "--", python_executable(), "-I", "-S", "-c", SERVE, "--serve", "--status", str(status_fd)]
    return args


@functools.lru_cache(maxsize=1)
def runner_code() -> bytes:
    """runner.py compiled (the name it carries is its place inside the sandbox) and marshalled."""
    return marshal.dumps(compile(RUNNER.read_bytes(), RUNNER_INSIDE, "exec", dont_inherit=True))


def confinement(limits: Limits, sandboxed: bool = True, user: tuple[int, int] | None = None) -> dict:
    """What the runner sets on itself: rlimits, and the user id to become when it starts as root.

    ``user`` (uid, gid): run unsandboxed as that user, under the seccomp filter (sent as ``seccomp``).
    """
    rl = {"as": int(limits.memory_mb) << 20, "fsize": int(limits.file_mb) << 20,
          "cpu": int(math.ceil(limits.seconds)) + 1, "core": 0}
    if sandboxed or user:
        rl.update(nproc=int(limits.processes), nofile=256)
    out = {"limits": rl}
    if sandboxed and os.geteuid() == 0:
        out["uid"] = _run_uid()
    elif user:
        out.update(uid=user[0], gid=user[1])
    if sandboxed or user:
        program = seccomp_program()
        if program is not None:
            out["seccomp"] = program
    return out


def run_as_user() -> tuple[int, int] | None:
    """The (uid, gid) that ``CASELAB_RUN_AS`` names, or None when it is not set.

    Raises ValueError, saying why, when it is set but cannot be used.
    """
    name = os.environ.get(RUN_AS_ENV, "").strip()
    if not name:
        return None
    import pwd

    try:
        entry = pwd.getpwuid(int(name)) if name.isdigit() else pwd.getpwnam(name)
        uid, gid = entry.pw_uid, entry.pw_gid
    except KeyError:
        if not name.isdigit():
            raise ValueError(f"{RUN_AS_ENV} names the user {name!r}, who does not exist here") from None
        uid = gid = int(name)
    if uid == 0 or gid == 0:
        raise ValueError(f"{RUN_AS_ENV} names root; name an unprivileged user")
    if os.geteuid() != 0:
        raise ValueError(f"{RUN_AS_ENV} is set, but only a grader running as root can run sheets as another user")
    return uid, gid


_user_lock = threading.Lock()  # runs as the CASELAB_RUN_AS user: one at a time (each ends by killing all its processes)


def kill_user_processes(uid: int, gid: int) -> bool:
    """Kill every process of ``uid``: ``kill(-1, SIGKILL)`` as that user until /proc shows none alive.

    True when none is left; False when that cannot be made sure (no /proc, or one kept coming back).
    """
    pid = os.fork()  # the child only makes system calls and reads /proc, then exits
    if pid == 0:
        code = 1
        try:
            os.setgroups([])
            os.setresgid(gid, gid, gid)
            os.setresuid(uid, uid, uid)
            for _ in range(1000):
                try:
                    os.kill(-1, signal.SIGKILL)  # every process this user may signal, but this one
                except ProcessLookupError:
                    pass
                if not _alive(uid, os.getpid()):
                    code = 0
                    break
        except BaseException:
            code = 2
        os._exit(code)
    try:
        _, status = os.waitpid(pid, 0)
    except ChildProcessError:
        return False
    return os.waitstatus_to_exitcode(status) == 0


def _alive(uid: int, me: int) -> list[int]:
    """The processes (not zombies) whose real, effective or saved user id is ``uid``, but ``me``."""
    found = []
    for name in os.listdir("/proc"):  # OSError without /proc: cannot make sure
        if not name.isdigit() or int(name) == me:
            continue
        try:
            with open(f"/proc/{name}/status", "rb") as f:
                status = f.read().decode("ascii", "replace")
        except OSError:  # ended meanwhile
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        state = fields.get("State", "").split()
        ids = fields.get("Uid", "").split()[:3]
        if str(uid) in ids and (not state or state[0] not in ("Z", "X")):
            found.append(int(name))
    return found


# --- running --------------------------------------------------------------------------------

def run(request: dict, sheets_dir: Path | None, limits: Limits = Limits(), *, sandboxed: bool = True) -> Run:
    """Run the runner on ``request`` (its sheet paths are inside ``sheets_dir``) and collect what it writes.

    In the sandbox the sheets travel as text in the request (read here), named ``/sheets/<name>``.

    With ``sandboxed=False`` the runner runs directly (same limits except
    processes; the sheets can then read and write whatever the grader can), or,
    with ``CASELAB_RUN_AS`` set, as that user (see the module docstring).
    Never raises for anything a sheet does.
    """
    start = time.monotonic()
    user = None
    if not sandboxed:
        try:
            user = run_as_user()
        except ValueError as exc:
            return Run(b"", "", None, False, False, 0.0, start_error=str(exc))
    if user is not None:
        with _user_lock:
            try:
                return _run(request, sheets_dir, limits, sandboxed, user, start)
            finally:
                if not kill_user_processes(*user):  # nothing must outlive the run; say so if something might
                    sys.stderr.write(f"caselab: could not make sure every process of user {user[0]} ended\n")
    return _run(request, sheets_dir, limits, sandboxed, None, start)


def _run(request: dict, sheets_dir: Path | None, limits: Limits, sandboxed: bool, user: tuple[int, int] | None,
         start: float) -> Run:
    request = dict(request, **confinement(limits, sandboxed, user))
    if sandboxed:
        return _run_sandboxed(request, limits, start)
    argv = [python_executable(), "-I", "-S", "-c", BOOTSTRAP, "--marshal"]
    try:
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=True, env=ENV, cwd=str(sheets_dir) if sheets_dir else None)
    except OSError as exc:
        return Run(b"", "", None, False, False, time.monotonic() - start, start_error=f"cannot start: {exc}")
    try:
        out, err, _, timed_out, over = _exchange(proc, marshal.dumps((runner_code(), request)),
                                                 start + limits.seconds, int(limits.output_kb) * 1024)
    finally:
        _end(proc)
    return Run(out, err.decode("utf-8", "replace"), proc.returncode, timed_out, over, time.monotonic() - start)


def _run_sandboxed(request: dict, limits: Limits, start: float) -> Run:
    bwrap = bwrap_path()
    if bwrap is None or seccomp_program() is None:
        return Run(b"", "", None, False, False, 0.0, start_error="no sandbox is available")
    request["sheets"] = [_sent(sheet) for sheet in request.get("sheets", [])]
    session = _session(bwrap, limits)
    try:
        return session.run(request, limits, start)
    finally:
        if session is not getattr(_kept, "session", None):
            session.close()


def _sent(sheet: dict) -> dict:
    """A sheet as it travels into the sandbox: its text in the request, its path the one it has inside."""
    path = sheet["path"]
    sheet = dict(sheet, path=f"{SHEETS}/{Path(path).name}")
    if sheet.get("source") is None:
        try:
            with open(path, "rb") as f:
                sheet["source"] = f.read()
        except OSError:
            pass  # the runner cannot open it either, and says so
    return sheet


# --- sandboxes that serve one run after another ------------------------------------------------

_kept = threading.local()  # .session: the Session this thread keeps (``keep_sessions``), if any


def keep_sessions() -> None:
    """Sandboxed runs in this thread from now on reuse one sandbox (``Session``) while they can.

    For the workers that grade a class (their thread or process ends it: ``--die-with-parent``, and
    ``Session.__del__``).  Elsewhere each run gets a sandbox of its own, ended with the run.  Only a
    grader running as root keeps sandboxes: there each run has a user id of its own, so it can
    neither signal the serving process nor take its descriptors.  As a normal user every run is
    ``nobody``, as the serving process is, and so each run gets a sandbox of its own.
    """
    _kept.keep = os.geteuid() == 0


def _session(bwrap: str, limits: Limits) -> "Session":
    key = (bwrap, max(1, limits.file_mb), os.geteuid())
    session = getattr(_kept, "session", None)
    if session is not None and session.key != key:
        session.close()
        session = _kept.session = None
    if session is None:
        session = Session(key)
        if getattr(_kept, "keep", False):
            _kept.session = session
    return session


def _forget_inherited_session() -> None:
    """In a forked child: the parent's sandbox is not ours to use or end; drop our copies of its pipes."""
    session = getattr(_kept, "session", None)
    _kept.session, _kept.keep = None, False
    if session is not None:
        session.forget()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_inherited_session)


class Session:
    """One bubblewrap sandbox that serves runs one after another, each in a fresh process.

    Its first process (``runner.serve``) has run nothing but the runner's own code; for each run it
    forks, and the child reads the run's request itself, sets the rlimits, becomes the run's own
    user (as root) and loads the seccomp filter before any sheet runs, as a run of its own would.
    A run is the only process alive in the sandbox besides that first one (the filter refuses new
    processes), and it is over when that process has exited.  The sandbox is ended, and the next run
    gets a fresh one, unless the run exited normally (status 0, after reading its whole request)
    within its time and output limits and left nothing (``runner._left_state``: /tmp empty, its free
    space and inodes, and the results pipe's open file, which the next run's results descriptor
    shares, as they were).  What else a run holds ends with it or is its own: its memory, threads
    and descriptors (one kept in flight in a unix socket outlives it, but only what it holds counts,
    and that is /tmp's space), and, as root only (``keep_sessions``), its user id.
    """

    def __init__(self, key: tuple):
        self.key = key
        self.proc: subprocess.Popen | None = None
        self.status_fd = -1
        self.code_sent = False
        self.proc_status: int | None = None  # bwrap's exit status once ended (``close``)

    def _start(self, limits: Limits) -> str:
        """Start the sandbox; "" or why it could not start."""
        read_fd, write_fd = os.pipe()
        try:
            self.proc = subprocess.Popen(command(self.key[0], limits, write_fd), stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, pass_fds=(write_fd,),
                                         start_new_session=True, env=ENV)
        except OSError as exc:
            os.close(read_fd)
            return f"cannot start: {exc}"
        finally:
            os.close(write_fd)
        self.status_fd, self.code_sent = read_fd, False
        for fd in (self.proc.stdin.fileno(), self.proc.stdout.fileno(), self.proc.stderr.fileno(), read_fd):
            os.set_blocking(fd, False)
        return ""

    def run(self, request: dict, limits: Limits, start: float) -> Run:
        kept = self.proc is not None and self.proc.poll() is None
        result, told = self._run(request, limits, start)
        if kept and not told and not (result.output or result.stderr or result.timed_out or result.output_over):
            # the kept sandbox had ended before this run began (the host's OOM killer; being torn down
            # while it still looked alive): the run never started, so it gets a fresh sandbox
            result, _ = self._run(request, limits, time.monotonic())
        return result

    def _run(self, request: dict, limits: Limits, start: float) -> tuple[Run, bool]:
        """The run, and whether the serving process told how it ended."""
        if self.proc is None or self.proc.poll() is not None:
            self.close()
            error = self._start(limits)
            if error:
                return Run(b"", "", None, False, False, time.monotonic() - start, start_error=error), False
        data = marshal.dumps(request)
        payload = b"r" + len(data).to_bytes(4, "little") + data
        if not self.code_sent:
            code = runner_code()
            payload = len(code).to_bytes(4, "little") + code + payload
            self.code_sent = True
        out, err, status, timed_out, over = _exchange(self.proc, payload, start + limits.seconds,
                                                      int(limits.output_kb) * 1024, self.status_fd)
        ended_well = status is not None and not timed_out and not over
        exit_status = int.from_bytes(status[:4], "little") if ended_well else None
        if not ended_well or exit_status != 0 or status[4:] != bytes(4):
            self.close()
            if exit_status is None:
                exit_status = self.proc_status
        run = Run(out, err.decode("utf-8", "replace"), exit_status, timed_out, over, time.monotonic() - start)
        return run, status is not None

    def close(self) -> None:
        """End the sandbox and every process in it."""
        proc, self.proc = self.proc, None
        self.proc_status = None
        if proc is not None:
            _end(proc)
            self.proc_status = proc.returncode
        self._close_status()

    def forget(self) -> None:
        """Drop this process's copies of the pipes without ending the sandbox (it is another process's)."""
        proc, self.proc = self.proc, None
        if proc is not None:
            proc.returncode = -1  # not our child: never waited for here
            for f in (proc.stdin, proc.stdout, proc.stderr):
                try:
                    f.close()
                except OSError:
                    pass
        self._close_status()

    def _close_status(self) -> None:
        if self.status_fd >= 0:
            try:
                os.close(self.status_fd)
            except OSError:
                pass
            self.status_fd = -1

    def __del__(self):
        try:
            self.close()
        except Exception:  # noqa: BLE001 (at interpreter exit; the kernel ends the sandbox anyway)
            pass


def _exchange(proc: subprocess.Popen, data: bytes, deadline: float, cap: int,
              status_fd: int | None = None) -> tuple[bytes, bytes, bytes | None, bool, bool]:
    """Write the request, read stdout (up to ``cap``) and stderr until the run is over or the deadline
    passes: (stdout, stderr, status, timed_out, output_over).

    A run of its own is over when stdout and stderr have both closed.  A run in a ``Session`` is over
    when ``status_fd`` has given its 8 bytes of status (the run's process has exited, so all it wrote
    is in the pipes: read to their end) or has closed (the sandbox ended: then as a run of its own).
    """
    fd_in, fd_out, fd_err = proc.stdin.fileno(), proc.stdout.fileno(), proc.stderr.fileno()
    if status_fd is None:
        for fd in (fd_in, fd_out, fd_err):
            os.set_blocking(fd, False)
    poller = select.poll()
    poller.register(fd_in, select.POLLOUT)
    open_fds = {fd_in, fd_out, fd_err}
    for fd in (fd_out, fd_err) + ((status_fd,) if status_fd is not None else ()):
        poller.register(fd, select.POLLIN)
        open_fds.add(fd)
    chunks, total, err, status = [], 0, bytearray(), b""
    view = memoryview(data)
    timed_out = over = False

    def close(fd):
        poller.unregister(fd)
        open_fds.discard(fd)
        if fd == fd_in and status_fd is None:
            proc.stdin.close()

    def over_now() -> bool:
        if status_fd is not None and len(status) == 8:
            return True
        return fd_out not in open_fds and fd_err not in open_fds and status_fd not in open_fds

    def read(fd) -> bool:
        """Read what ``fd`` holds now; False when there was nothing (yet)."""
        nonlocal total, over, status
        try:
            chunk = os.read(fd, 65536 if fd != status_fd else 8 - len(status))
        except BlockingIOError:
            return False
        except OSError:
            chunk = b""
        if not chunk:
            close(fd)
        elif fd == fd_out:
            total += len(chunk)
            chunks.append(chunk)
            over = total > cap
        elif fd == status_fd:
            status += chunk
        elif len(err) < STDERR_KEEP:
            err.extend(chunk[: STDERR_KEEP - len(err)])
        return bool(chunk)

    while not over_now() and not over:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            timed_out = True
            break
        for fd, event in poller.poll(remaining * 1000):
            if fd == fd_in:
                try:
                    view = view[os.write(fd_in, view):]
                except BlockingIOError:
                    continue
                except OSError:  # the runner is gone before reading its request
                    view = view[:0]
                if not view:
                    close(fd_in)
                continue
            if fd in open_fds:
                read(fd)
            if over:
                break
    if status_fd is not None and len(status) == 8 and not over:
        for fd in (fd_out, fd_err):  # the run has exited: what it wrote is all in the pipe
            while fd in open_fds and not over and read(fd):
                pass
    for fd in list(open_fds):
        if fd in (fd_in, fd_out, fd_err) and status_fd is not None:
            open_fds.discard(fd)  # a session's pipes stay open for its next run
            continue
        if fd != status_fd:
            close(fd)
    return (b"".join(chunks)[:cap], bytes(err), status if len(status) == 8 else None, timed_out, over)


def _end(proc: subprocess.Popen) -> None:
    """Make sure the run is over: its process group is killed, it is reaped, and our pipe ends are closed."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            proc.kill()
        except OSError:
            pass
    try:
        proc.wait(timeout=KILL_GRACE)
    except subprocess.TimeoutExpired:  # cannot happen short of a stuck kernel; do not hang the batch
        pass
    for f in (proc.stdin, proc.stdout, proc.stderr):
        try:
            if f is not None:
                f.close()
        except OSError:
            pass


# --- is it there? ---------------------------------------------------------------------------

_available: dict[str | None, tuple[bool, str]] = {}
_available_lock = threading.Lock()


def available() -> tuple[bool, str]:
    """Whether sheets can run in the sandbox here, and why not (tried once per process and bwrap path)."""
    if not sys.platform.startswith("linux"):
        return False, "the sandbox needs Linux with bubblewrap"
    bwrap = bwrap_path()
    with _available_lock:
        if bwrap not in _available:
            _available[bwrap] = _try(bwrap)
        return _available[bwrap]


def _try(bwrap: str | None) -> tuple[bool, str]:
    if bwrap is None:
        return False, "bubblewrap (bwrap) is not installed; on Debian or Ubuntu: apt-get install bubblewrap"
    if seccomp_program() is None:
        return False, f"no seccomp filter for this machine ({os.uname().machine}, {struct.calcsize('P') * 8}-bit)"
    result = run({"sheets": [], "call_seconds": 1.0}, None, Limits(seconds=10.0))
    if result.start_error:
        return False, result.start_error
    if b'{"done":true}' not in result.output:
        detail = result.stderr.strip().splitlines()[-1] if result.stderr.strip() else f"exit status {result.exit_status}"
        return False, f"bubblewrap could not start a sandbox here ({detail})"
    return True, ""
