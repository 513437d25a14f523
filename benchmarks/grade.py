"""How fast is grading?  Synthetic classes graded in the sandbox, against two baselines.

    python benchmarks/grade.py                      # classes of 100, 1,000 and 5,000
    python benchmarks/grade.py --sizes 100,300      # quicker
    python benchmarks/grade.py --workers 3 --sample 30 --keep

The machine may be shared: the script first measures how busy it already is
(from /proc/stat, before grading), and prints the two floors measured under the
same conditions, so that the figures can be read relative to them.

Each student of a synthetic class hands in every module of tests/quizzes: the
reference sheets (solutions/, or rendered as `caselab sheets` would write them),
with some answers changed from student to student; one in ten hands in a zip.
The class is graded with ``caselab.grading.grade_many`` in the sandbox, and the
script prints submissions per second and seconds per submission, then, for
comparison, the same work done with one ``python -m caselab.cli check`` (pytest)
per submission on a sample, and the floor of one bare interpreter start (and of
an empty run of the runner in a sandbox, fresh or kept) per submission, all with
the same number of workers.  Last, it
times ``caselab check <module>`` against a bare ``python -m pytest`` of as many
trivial tests.  Each class is also graded end to end with the command instructors
run (``caselab grade``), and the same number of bare interpreter starts is timed
before and after it (their mean is the floor; processor time is printed too): the
ratio of the two is the figure to read (target: at most 2.5x
at 1,000 on two cores), seconds per submission flat as the class grows, check
within 1.5x.
"""
from __future__ import annotations

import argparse
import csv
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from caselab.grading import batch as grading, sandbox  # noqa: E402
from caselab.quiz.model import load_quizzes  # noqa: E402
from caselab.quiz.sheets import reference_value, render_sheet  # noqa: E402


def reference_sheets(quizzes) -> dict[str, str]:
    """module -> the reference sheet: solutions/<module>.py when it is up to date, else rendered."""
    sheets = {}
    for module, quiz in quizzes.items():
        text = render_sheet(quiz, solution=True)
        path = ROOT / "solutions" / f"{module}.py"
        if path.is_file() and path.read_text(encoding="utf-8") != text:
            print(f"note: solutions/{module}.py is out of date; using the sheet `caselab sheets` would write")
        sheets[module] = text
    return sheets


def vary(text: str, quiz, student: int, salt: int) -> str:
    """The reference sheet with a few answers changed, differently for each student."""
    for n, q in enumerate(quiz.questions):
        if (student + salt + n) % 9:
            continue
        if q.type == "choice":
            right = str(q.key).upper()
            wrong = next(k for k in map(str, q.spec["options"]) if k.upper() != right)
            text = text.replace(f"{q.id} = {reference_value(q)!r}\n", f"{q.id} = {wrong!r}\n")
        elif q.type == "numeric":
            text = text.replace(f"{q.id} = {reference_value(q)!r}\n", f"{q.id} = {reference_value(q)!r} + 1\n")
        elif q.type == "code":
            text = re.sub(rf"(def {q.id}\(.*\):\n)", r"\1    return None\n", text, count=1)
    return text


def build_class(folder: Path, size: int, quizzes, sheets: dict[str, str]) -> list[tuple[str, Path]]:
    """``size`` submissions in ``folder``, every sheet a plain file of its own (the grader refuses links)."""
    subs = folder / "class"
    subs.mkdir(parents=True)
    for i in range(size):
        sid = f"student-{i:05d}"
        texts = {}
        for salt, (module, quiz) in enumerate(quizzes.items()):
            texts[module] = vary(sheets[module], quiz, i, salt)
        if i % 10 == 9:
            with zipfile.ZipFile(subs / f"{sid}.zip", "w", zipfile.ZIP_DEFLATED) as zf:
                for module, text in texts.items():
                    zf.writestr(f"{sid}/exercises/{module}.py", text)
            continue
        ex = subs / sid / "exercises"
        ex.mkdir(parents=True)
        for module, text in texts.items():
            (ex / f"{module}.py").write_text(text, encoding="utf-8")
    return grading.discover_submissions(subs)


def checkout_env() -> dict:
    """The environment for `python -m caselab.cli`: this checkout's code and project, whatever is installed."""
    env = {**os.environ, "CASELAB_PROJECT": str(ROOT)}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")]))
    env.pop("CASELAB_ANSWERS", None)
    return env


def rate_of(commands: list[list[str]], workers: int, env: dict | None = None) -> float:
    """Commands per second, ``workers`` at a time."""
    def one(cmd):
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)

    start = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(one, commands))
    return len(commands) / (time.perf_counter() - start)


def machine_cpu() -> float | None:
    """Processor seconds the whole machine has spent busy so far (/proc/stat), None where unknown.

    Not the children's times (``os.times``): the sandboxed interpreters are reaped inside bubblewrap's
    own process namespace and never reach them, so those times leave most of a grading run out.  The
    machine's count takes in every process, other work too: read it beside the busy cores printed first.
    """
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    busy = sum(fields[:8]) - fields[3] - (fields[4] if len(fields) > 4 else 0)  # guest time is in user already
    return busy / os.sysconf("SC_CLK_TCK")


def cpu_between(before: float | None, after: float | None) -> float:
    return after - before if before is not None and after is not None else float("nan")


def timed(commands: list[list[str]], workers: int) -> tuple[float, float]:
    """(seconds, processor seconds of the machine) for running ``commands``, ``workers`` at a time."""
    cpu0 = machine_cpu()
    seconds = len(commands) / rate_of(commands, workers)
    return seconds, cpu_between(cpu0, machine_cpu())


def line(label: str, per_second: float, note: str = "") -> None:
    print(f"  {label:<46} {per_second:8.1f} /s {1000 / per_second:9.2f} ms each  {note}")


def bench_class(size: int, work: Path, quizzes, sheets, workers: int, sample: int) -> float:
    folder = work / f"class-{size}"
    t0 = time.perf_counter()
    subs = build_class(folder, size, quizzes, sheets)
    built = time.perf_counter() - t0
    print(f"\nclass of {size:,} ({len(quizzes)} modules each; built in {built:.1f} s), {workers} workers")
    # the private sheet copies go where `caselab grade` puts them (in memory when there is room): on a
    # disk, thousands of folders made and removed just before the end-to-end run below would slow the
    # file system it writes its outputs to (ext4 without a journal skips recently freed inodes)
    out = Path(tempfile.mkdtemp(prefix="caselab-bench-work-", dir=grading.scratch_folder()))
    start, machine0 = time.perf_counter(), machine_cpu()
    cpu0 = os.times()
    results = list(grading.grade_many(subs, quizzes, sandbox=True, workers=workers, workdir=out))
    elapsed = time.perf_counter() - start
    cpu1, machine = os.times(), cpu_between(machine0, machine_cpu())
    statuses: dict[str, int] = {}
    for r in results:
        statuses[r.status] = statuses.get(r.status, 0) + 1
    mean = statistics.fmean(r.score for r in results) if results else 0.0
    top = results[0].max_score if results else 0.0
    # the grader's own process, and the workers it forked (os.times counts them once they are reaped)
    grader_cpu = sum(cpu1[:4]) - sum(cpu0[:4])
    line("grade_many, sandboxed", size / elapsed,
         f"[{elapsed:.2f} s; statuses {statuses}; mean {mean:.1f}/{top:g}; "
         f"grader processes {1000 * grader_cpu / size:.2f} ms, machine {1000 * machine / size:.2f} ms "
         "processor time each]")
    assert len(results) == size and statuses.get("ok") == size, statuses
    assert not any(out.iterdir()), "the work folder was not cleaned up"
    out.rmdir()

    # what an instructor runs, end to end, between two measures of the floor (before and after, so that a
    # change of load during the run moves both); the machine's processor time (/proc/stat) beside wall-clock
    floor_cmds = [[sandbox.python_executable(), "-I", "-S", "-c", "pass"]] * size
    floor_before, floor_cpu_before = timed(floor_cmds, workers)
    env = checkout_env()
    grade_out = folder / "out"
    cmd = [sys.executable, "-m", "caselab.cli", "grade", str(folder / "class"), "--out", str(grade_out), "--quiet",
           "--workers", str(workers)]
    start, cpu0 = time.perf_counter(), machine_cpu()
    done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True)
    end_to_end, grade_cpu = time.perf_counter() - start, cpu_between(cpu0, machine_cpu())
    assert done.returncode == 0, done.stderr[-2000:]
    with open(grade_out / "gradebook.csv", encoding="utf-8", newline="") as f:
        book = list(csv.DictReader(f))
    assert len(book) == size and all(row["status"] == "ok" for row in book), "caselab grade: not every student ok"
    floor_after, floor_cpu_after = timed(floor_cmds, workers)
    floor, floor_cpu = (floor_before + floor_after) / 2, (floor_cpu_before + floor_cpu_after) / 2
    line("caselab grade (the command), end to end", size / end_to_end,
         f"[{end_to_end:.2f} s; {end_to_end / floor:.2f}x the floor below; processor {grade_cpu:.1f} s "
         "(the machine's)]")
    line(f"floor: {size:,} bare `python -I -S -c pass` starts", size / floor,
         f"[{floor:.2f} s: {floor_before:.2f} s before, {floor_after:.2f} s after; processor {floor_cpu:.1f} s]")
    print(f"  => caselab grade / floor = {end_to_end / floor:.2f}x (target: at most 2.5x at 1,000); "
          f"processor time {grade_cpu / floor_cpu:.2f}x")

    if sample:
        picked = [p for _, p in subs if p.is_dir()][:sample]
        # --unsandboxed: the check as a student runs it on their own sheets (as these figures always were)
        cmds = [[sys.executable, "-m", "caselab.cli", "check", "--answers", str(p / "exercises"), "--unsandboxed"]
                for p in picked]
        env = checkout_env()
        line(f"one `caselab check` (pytest) each, {len(cmds)} sampled", rate_of(cmds, workers, env))
        n = max(sample * 5, 50)
        line(f"floor: bare `python -I -S -c pass`, {n} runs",
             rate_of([[sandbox.python_executable(), "-I", "-S", "-c", "pass"]] * n, workers))
        for kept, label in ((False, "own sandbox"), (True, "kept sandbox")):
            start = time.perf_counter()
            with ThreadPoolExecutor(workers, initializer=sandbox.keep_sessions if kept else None) as pool:
                list(pool.map(lambda _: sandbox.run({"sheets": []}, None), range(n)))
            line(f"empty run of the runner ({label}), {n} runs", n / (time.perf_counter() - start))
    shutil.rmtree(folder, ignore_errors=True)
    return elapsed / size


def bench_check(work: Path, quizzes, sheets, repeats: int) -> None:
    module = next(m for m, q in quizzes.items() if any(x.type == "code" for x in q.questions))
    n = len(quizzes[module].questions)
    answers = work / "check-answers"
    answers.mkdir()
    (answers / f"{module}.py").write_text(sheets[module], encoding="utf-8")
    trivial = work / "trivial"
    trivial.mkdir()
    (trivial / "test_trivial.py").write_text("".join(f"def test_{i}():\n    pass\n\n\n" for i in range(n)))
    env = checkout_env()
    # a student's own check (no sandbox: `caselab check` on exercises/); --answers alone would add the sandbox
    check = [sys.executable, "-m", "caselab.cli", "check", module, "--answers", str(answers), "--unsandboxed"]
    bare = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(trivial / "test_trivial.py")]
    times = {"check": [], "bare": []}
    for _ in range(repeats):  # alternate, so that a busy moment hits both
        for name, cmd in (("check", check), ("bare", bare)):
            start = time.perf_counter()
            subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            times[name].append(time.perf_counter() - start)
    c, b = statistics.median(times["check"]), statistics.median(times["bare"])
    print(f"\n`caselab check {module}` ({n} questions) against `python -m pytest` of {n} trivial tests, "
          f"median of {repeats}:")
    print(f"  caselab check {module:<10} {c:6.3f} s")
    print(f"  bare pytest {n} tests{'':<4} {b:6.3f} s")
    print(f"  ratio                    {c / b:6.2f}x   (target: within 1.5x)")


def busy_cores(seconds: float = 2.0) -> float:
    """How many cores other work kept busy over ``seconds`` (from /proc/stat); 0 where unknown."""
    def sample():
        try:
            fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        except (OSError, ValueError):
            return None
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
        return sum(fields), idle

    a = sample()
    time.sleep(seconds)
    b = sample()
    if not a or not b or b[0] == a[0]:
        return 0.0
    return (os.cpu_count() or 1) * (1 - (b[1] - a[1]) / (b[0] - a[0]))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,5000", help="class sizes, comma-separated (default 100,1000,5000)")
    parser.add_argument("--workers", type=int, default=None, help="runs at once (default: cores + 1)")
    parser.add_argument("--sample", type=int, default=20, help="submissions checked one pytest each (0: skip)")
    parser.add_argument("--repeats", type=int, default=7, help="runs of caselab check and of bare pytest (0: skip)")
    parser.add_argument("--keep", action="store_true", help="keep the generated classes")
    args = parser.parse_args(argv)
    ok, why = grading.sandbox_available()
    if not ok:
        print(f"no sandbox: {why}", file=sys.stderr)
        return 2
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    workers = args.workers or grading.default_workers()
    quizzes = load_quizzes(ROOT)
    sheets = reference_sheets(quizzes)
    print(f"caselab grading benchmark: {os.cpu_count()} cores, Python {sys.version.split()[0]}, "
          f"modules {', '.join(quizzes)}; before grading the machine was {busy_cores():.2f} cores busy "
          f"(load average {os.getloadavg()[0]:.2f})")
    work = Path(tempfile.mkdtemp(prefix="caselab-bench-"))
    try:
        per = {}
        for size in sizes:
            per[size] = bench_class(size, work, quizzes, sheets, workers, args.sample if size == sizes[0] else 0)
        if len(per) > 1:
            print("\nseconds per submission by class size (flat = linear growth):")
            base = per[sizes[0]]
            for size, s in per.items():
                print(f"  {size:>6,}  {1000 * s:7.2f} ms   {s / base:5.2f}x the smallest class")
        if args.repeats:
            bench_check(work, quizzes, sheets, args.repeats)
    finally:
        if args.keep:
            print(f"\nkept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
