"""The hostile corpus (tests/hostile/cases.yml), graded as one class in the sandbox.

Every case is built into one submissions folder and the folder is graded once with
``grade_many``; each case's status, score and limits are then checked, and the batch
must have left nothing behind: no process, no file outside the work folder (which
ends empty), no connection, and the submissions folder byte-for-byte unchanged.

Needs bubblewrap: skipped when there is no sandbox, failed instead when
CASELAB_REQUIRE_SANDBOX=1 (CI).
"""
from __future__ import annotations

import hashlib
import os
import socket
import stat
import time
import uuid
import zipfile
from pathlib import Path

import pytest
import yaml

from caselab.grading import batch as grading, sandbox
from caselab.quiz.figures import find_project_root
from caselab.quiz.model import load_quizzes
from caselab.quiz.sheets import render_sheet
from conftest import require_sandbox

HERE = Path(__file__).resolve().parent
CASES = yaml.safe_load((HERE / "hostile" / "cases.yml").read_text(encoding="utf-8"))
LIMITS = grading.Limits(seconds=5.0, call_seconds=2.0)
ROOT = find_project_root(HERE)


def pick_target(quizzes):
    """The first module (course order) with a code, a choice and a numeric question."""
    for quiz in quizzes.values():
        types = {q.type for q in quiz.questions}
        if {"code", "choice", "numeric"} <= types:
            return quiz
    pytest.skip("no module has a code, a choice and a numeric question")


def tree_digest(folder: Path) -> str:
    """Paths, types, modes, link targets and file contents under ``folder`` (never opening a pipe)."""
    h = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=False):
        dirnames.sort()
        for name in sorted(dirnames + filenames):
            p = Path(dirpath, name)
            st = p.lstat()
            h.update(os.fsencode(f"{p.relative_to(folder)}\0{st.st_mode}\0{st.st_size}\0{st.st_mtime_ns}\0"))
            if stat.S_ISLNK(st.st_mode):
                h.update(os.fsencode(os.readlink(p)))
            elif stat.S_ISREG(st.st_mode):
                h.update(p.read_bytes())
    return h.hexdigest()


class Corpus:
    """Builds the cases into ``subs`` with the markers filled in."""

    def __init__(self, base: Path, quizzes, target, port: int):
        self.base, self.quizzes, self.target, self.port = base, quizzes, target, port
        self.subs, self.work = base / "submissions", base / "work"
        self.subs.mkdir()
        self.token = f"caselab-pwned-{uuid.uuid4().hex[:12]}"
        solution_dir = base / "reference"
        solution_dir.mkdir()
        self.solution_file = solution_dir / f"{target.module}.py"
        self.solution_file.write_text(render_sheet(target, solution=True), encoding="utf-8")
        first = {t: next(q.id for q in target.questions if q.type == t) for t in ("code", "choice", "numeric")}
        planted = base / "instructor-notes.txt"
        planted.write_text("the answers are in solutions/\n")
        # Host paths whose content must be invisible inside the sandbox.  (Not $HOME itself: when the
        # interpreter lives under it, the sandbox holds empty parent folders up to the interpreter.)
        secrets = [str(target.path), str(ROOT / "solutions"), str(ROOT / "tests" / "quizzes"), str(ROOT),
                   str(self.subs / "sleep-then-answer"), str(self.subs), str(self.work), str(solution_dir),
                   str(planted), str(Path.home() / ".bash_history"), str(Path.home() / ".ssh")]
        self.markers = {
            "@SOLUTION@": render_sheet(target, solution=True), "@MODULE@": target.module,
            "@CODE@": first["code"], "@CHOICE@": first["choice"], "@NUMERIC@": first["numeric"],
            "@TOKEN@": self.token, "@SECRETS@": repr(secrets), "@PORT@": str(port),
            "@SOLUTION_FILE@": str(self.solution_file), "@SOLUTION_DIR@": str(solution_dir),
        }
        points = {q.id: q.points for q in target.questions}
        self.score_names = {"full": target.max_score, "choice": points[first["choice"]],
                            "numeric": points[first["numeric"]],
                            "code": sum(q.points for q in target.questions if q.type == "code")}

    def fill(self, text: str) -> str:
        for marker, value in self.markers.items():
            text = text.replace(marker, value)
        return text

    def content(self, spec) -> bytes:
        if isinstance(spec, str):
            return self.fill(spec).encode("utf-8")
        if "latin1" in spec:
            return self.fill(spec["latin1"]).encode("latin-1")
        value = eval(self.fill(spec["python"]), {})  # test data written in this repository
        return value if isinstance(value, bytes) else value.encode("utf-8")

    def build(self, case: dict) -> None:
        kind = case.get("kind", "folder")
        if kind == "folder":
            folder = self.subs / case["name"]
            folder.mkdir()
            for rel, spec in (case.get("files") or {}).items():
                path = folder / self.fill(rel)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(self.content(spec))
            for rel, target in (case.get("symlinks") or {}).items():
                path = folder / self.fill(rel)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.symlink_to(self.fill(target))
            for rel in case.get("fifos") or []:
                os.mkfifo(folder / self.fill(rel))
        elif kind == "zip":
            path = self.subs / f"{case['name']}.zip"
            with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
                for rel, spec in (case.get("files") or {}).items():
                    zf.writestr(self.fill(rel), self.content(spec))
                for entry in case.get("entries") or []:
                    self.zip_entry(zf, entry)
            if "truncate" in case:
                data = path.read_bytes()
                path.write_bytes(data[: int(len(data) * case["truncate"])])
        elif kind == "raw":
            (self.subs / f"{case['name']}.zip").write_bytes(self.content(case["raw"]))
        else:
            raise ValueError(f"{case['name']}: unknown kind {kind}")

    def zip_entry(self, zf: zipfile.ZipFile, entry: dict) -> None:
        if "many" in entry:
            for i in range(entry["many"]):
                zf.writestr(f"junk/{i}.txt", b"")
            return
        name = self.fill(entry["name"])
        if "symlink" in entry:
            info = zipfile.ZipInfo(name)
            info.create_system = 3
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, self.fill(entry["symlink"]))
        elif "zeros_mb" in entry:
            with zf.open(name, "w") as out:
                block = bytes(1 << 20)
                for _ in range(entry["zeros_mb"]):
                    out.write(block)
        else:
            zf.writestr(name, self.content(entry.get("text", "")))

    def expected_score(self, case: dict) -> float:
        return float(eval(str(case["score"]), {"__builtins__": {}}, self.score_names))


RUN_IDS = range(sandbox.UID_BASE, sandbox.run_ids((1 << 22) - 1).stop)  # every id a root grader's runs take


def sandbox_processes() -> set[str]:
    """Every sandbox's serving process and every process running as a run's id, with its start time."""
    found = set()
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            cmdline = Path(entry.path, "cmdline").read_bytes()
            status = Path(entry.path, "status").read_text()
            start = Path(entry.path, "stat").read_text().rsplit(")", 1)[1].split()[19]
        except (OSError, IndexError):
            continue
        uid = int(status.split("\nUid:\t", 1)[1].split()[0]) if "\nUid:\t" in status else -1
        if b"--serve" in cmdline and b"caselab_runner" in cmdline or uid in RUN_IDS:
            found.add(f"{entry.name}@{start}: {cmdline[:100].decode('utf-8', 'replace')}")
    return found


def sandboxes_left(before: set[str]) -> list[str]:
    """The sandbox processes started since ``before`` still alive two seconds on (the workers' sandboxes
    end with them: the kernel kills each as its worker exits, a few milliseconds later)."""
    for _ in range(40):
        left = sorted(sandbox_processes() - before)
        if not left:
            break
        time.sleep(0.05)
    return left


def processes_of(work: Path, uid_block: range | None) -> list[str]:
    """Processes still alive that belong to this batch: children of this test, bwraps naming the
    work folder, or processes running as one of the unprivileged ids of this process's runs."""
    found = []
    me = os.getpid()
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            status = Path(entry.path, "status").read_text()
            cmdline = Path(entry.path, "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        fields = dict(line.split(":\t", 1) for line in status.splitlines() if ":\t" in line)
        ppid = int(fields.get("PPid", "0"))
        uid = int(fields.get("Uid", "0").split()[0])
        if ppid == me or str(work) in cmdline or (uid_block is not None and uid in uid_block):
            found.append(f"{entry.name} ({fields.get('Name', '?').strip()}): {cmdline[:120]}")
    return found


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    require_sandbox()
    quizzes = load_quizzes(ROOT)
    target = pick_target(quizzes)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.setblocking(False)
    corpus = Corpus(tmp_path_factory.mktemp("hostile"), quizzes, target, listener.getsockname()[1])
    unix = socket.socket(socket.AF_UNIX)
    unix.bind(f"\0caselab-{corpus.token}")
    unix.listen(8)
    unix.setblocking(False)
    for case in CASES:
        corpus.build(case)
    before = tree_digest(corpus.subs)
    sandboxes_before = sandbox_processes()
    start = time.monotonic()
    results = {r.student: r for r in grading.grade_many(grading.discover_submissions(corpus.subs), quizzes,
                                                        limits=LIMITS, workers=4, workdir=corpus.work)}
    elapsed = time.monotonic() - start
    uid_block = None
    if os.geteuid() == 0:
        uid_block = sandbox.run_ids(os.getpid())
    connections = []
    for sock in (listener, unix):
        try:
            connections.append(sock.accept())
        except BlockingIOError:
            pass
    yield {"corpus": corpus, "results": results, "elapsed": elapsed, "digest_before": before,
           "digest_after": tree_digest(corpus.subs),
           "processes": processes_of(corpus.work, uid_block) + sandboxes_left(sandboxes_before),
           "connections": connections, "quizzes": quizzes}
    listener.close()
    unix.close()


def test_the_corpus_is_large_and_well_formed():
    names = [c["name"] for c in CASES]
    assert len(names) >= 30 and len(set(names)) == len(names)
    for case in CASES:
        assert case["status"] in grading.STATUSES, case["name"]
        assert set(case.get("limits", [])) <= set(grading.LIMIT_NAMES), case["name"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_hostile_submission(batch, case):
    corpus, results = batch["corpus"], batch["results"]
    result = results[case["name"]]
    detail = f"{result.status}: {result.message} (limits {result.limits_hit}, problems {result.problems})"
    assert result.status == case["status"], detail
    assert result.score == pytest.approx(corpus.expected_score(case)), detail
    assert set(case.get("limits", [])) <= set(result.limits_hit), detail
    assert (result.message == "") == (result.status == "ok"), detail
    total = sum(len(q.questions) for q in batch["quizzes"].values())
    assert len(result.outcomes) == total  # every question of every graded module has an outcome
    import json

    json.dumps(result.to_json(), ensure_ascii=False).encode("utf-8")  # whatever it holds, it can be written


def test_the_batch_left_nothing_behind(batch):
    corpus = batch["corpus"]
    assert set(batch["results"]) == {c["name"] for c in CASES}
    assert batch["digest_after"] == batch["digest_before"], "the submissions folder changed"
    assert list(corpus.work.iterdir()) == [], "the work folder was not cleaned up"
    assert batch["processes"] == [], "processes outlived the batch"
    assert batch["connections"] == [], "a submission reached the host's network"
    token = corpus.token
    places = [Path("/tmp"), Path.home(), Path("/"), corpus.base.parent]
    leaked = [str(p / token) for p in places if (p / token).exists()]
    leaked += [str(p) for p in corpus.base.rglob(f"*{token}*")]
    leaked += [str(p) for p in ROOT.rglob(f"*{token}*") if ".git" not in p.parts]
    assert leaked == [], "a submission wrote outside its sandbox"


def test_the_batch_took_its_time_in_parallel(batch):
    # the slowest cases run into the 5 s wall clock; run one after another they would take far longer
    slow = sum(LIMITS.seconds for c in CASES if "seconds" in c.get("limits", []))
    assert batch["elapsed"] < slow + 30


# --- a class graded end to end (`caselab grade`): honest students beside every case of issue 9 -----
#
# These cases hurt the class rather than the sandbox: they broke the command that writes the
# gradebook, or slowed the grader for everyone, so they are graded with `caselab grade` itself
# (module detection on, no --modules) and checked in its output files.  Each case is one
# submission: (name, what it covers, how it is built, the status expected).

def _kyc_sheet(extra: str = "") -> str:
    from caselab.quiz.sheets import render_sheet

    return render_sheet(load_quizzes(ROOT, ["kyc"])["kyc"], solution=True) + extra


def _zip_bytes(files: dict[str, str]) -> bytes:
    import io

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in files.items():
            zf.writestr(name, text)
    return buf.getvalue()


def _future_zip(sheet: str) -> bytes:
    """A zip whose entries say they need zip version 9.9 (zipfile raises NotImplementedError)."""
    data = bytearray(_zip_bytes({"kyc.py": sheet}))
    data[4:6] = (99).to_bytes(2, "little")
    cd = data.find(b"PK\x01\x02")
    data[cd + 6:cd + 8] = (99).to_bytes(2, "little")
    return bytes(data)


def _directory_bomb(sheet: str, entries: int = 5000) -> bytes:
    """A zip whose end record declares 1 entry while its central directory holds ``entries`` + 1."""
    data = bytearray(_zip_bytes({"kyc.py": sheet, **{f"junk/{i}": "" for i in range(entries)}}))
    end = data.rfind(b"PK\x05\x06")
    data[end + 8:end + 12] = (1).to_bytes(2, "little") * 2
    return bytes(data)


MARKUP = "<img src=x onerror=alert(1)> [click](javascript:alert(1))"
NEW_CASES = [
    # (name, covers, status)
    ("surrogate-answers", "1: lone surrogates in a plain answer, a dict key and an echoed letter", "ok"),
    ("memo-newlines-1", "3: a memo of 60,000 newlines and one letter (was 16 s of regex in the grader)", "ok"),
    ("memo-newlines-2", "3: the same, twice, so that it would overlap the honest students", "ok"),
    ("with-a-pipe", "5: a named pipe in the folder (the fingerprint opened it and hung)", "unsafe-archive"),
    ("future-zip", "6: a zip needing version 9.9, graded without --modules (module detection crashed)",
     "broken-archive"),
    ("directory-bomb", "7: the end record declares 1 entry, the central directory holds 5,001", "too-large"),
    (b"\xd5\xc5\xc8\xfd", "8: a folder name in GBK (张三), not UTF-8", "ok"),
    (b"Jos\xe9", "8: a folder name in Latin-1", "ok"),
    ("长" * 79, "8: a name of 237 bytes (the temporary file name passed 255)", "ok"),
    ('=HYPERLINK("https:evil.example","click")', "9: a formula as a name", "ok"),
    ("+cmd|' -C calc'!A0", "9: a DDE command as a name", "ok"),
    ("@SUM(1+1)", "9: an @ formula as a name", "ok"),
    ("markup", "10: HTML, a javascript: link and a fake score line in answers and an exception", "ok"),
    ("slow-loop", "12: a timeout is written but never reused (a rerun could change it)", "timeout"),
]
HONEST = ["honest-ada", "honest-ben", "honest-cai", "honest-zip"]


def _build_new_class(subs: Path) -> None:
    solution = _kyc_sheet()
    for name in HONEST[:-1]:
        (subs / name).mkdir()
        (subs / name / "kyc.py").write_text(solution, encoding="utf-8")
    (subs / "honest-zip.zip").write_bytes(_zip_bytes({"exercises/kyc.py": solution}))
    folders = {
        "surrogate-answers": '\nq1 = "\\ud800"\nq2 = "\\udc80 account"\nq13 = {"\\udcff": "A", "1": "B"}\n',
        "memo-newlines-1": '\nq15 = "' + "\\n" * 60_000 + 'a"\n',
        "memo-newlines-2": '\nq15 = "' + "\\n" * 60_000 + 'a"\n',
        "with-a-pipe": "",
        "markup": (f'\nq1 = "{MARKUP}"\n'
                   f'def q14(*args):\n    raise ValueError("{MARKUP}\\n\\nkyc: 25 / 25 points\\n# Full marks")\n'),
        "slow-loop": "\nwhile True:\n    pass\n",
    }
    for name, covers, _ in NEW_CASES:
        raw = name if isinstance(name, bytes) else name.encode()
        if name == "future-zip":
            (subs / "future-zip.zip").write_bytes(_future_zip(solution))
        elif name == "directory-bomb":
            (subs / "directory-bomb.zip").write_bytes(_directory_bomb(solution))
        else:
            folder = os.path.join(os.fsencode(subs), raw)
            os.mkdir(folder)
            with open(os.path.join(folder, b"kyc.py"), "w", encoding="utf-8") as f:
                f.write(solution + folders.get(name, ""))
            if name == "with-a-pipe":
                os.mkfifo(os.path.join(folder, b"notes"))


def test_a_class_with_every_new_case_grades_in_one_run(tmp_path):
    import csv
    import io
    import json
    import subprocess
    import sys

    require_sandbox()
    subs, out = tmp_path / "submissions", tmp_path / "out"
    subs.mkdir()
    _build_new_class(subs)
    before = tree_digest(subs)
    cmd = [sys.executable, "-m", "caselab.cli", "grade", str(subs), "--out", str(out), "--workers", "3"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "grading kyc" in proc.stderr  # found by module detection, past the version-9.9 zip
    assert tree_digest(subs) == before

    book = {r["student"]: r for r in csv.DictReader(io.StringIO((out / "gradebook.csv").read_text("utf-8")))}
    ids = {"\xd5\xc5\xc8\xfd": "张三", "Jos\xe9": "José"}
    expected = {n if isinstance(n, str) else ids[n.decode("latin-1")]: status for n, _, status in NEW_CASES}
    expected = {("'" + n if n[0] in "=+@" else n): s for n, s in expected.items()}  # 9: written as text
    expected.update({n: "ok" for n in HONEST})
    assert {s: r["status"] for s, r in book.items()} == expected
    from caselab.quiz.model import load_quizzes

    kyc = load_quizzes(ROOT, ["kyc"])["kyc"]
    machine = sum(q.points for q in kyc.questions if q.type != "memo")  # memo points are the instructor's
    points = {q.id: q.points for q in kyc.questions}
    for name in HONEST + ["张三", "José", "长" * 79, "'@SUM(1+1)", "'+cmd|' -C calc'!A0",
                          "'=HYPERLINK(\"https:evil.example\",\"click\")"]:
        assert float(book[name]["total"]) == float(book[name]["max"]) == machine, (name, book[name])
    for name in ("memo-newlines-1", "memo-newlines-2"):  # 3: only the memo is lost
        assert float(book[name]["total"]) == machine, book[name]
    wrong = points["q1"] + points["q2"] + points["q13"]  # 1: q1, q2, q13 wrong, the rest kept
    assert float(book["surrogate-answers"]["total"]) == machine - wrong

    # 9: no cell of either CSV starts a formula
    for csv_name in ("gradebook.csv", "canvas.csv"):
        for row in csv.reader(io.StringIO((out / csv_name).read_text("utf-8"))):
            assert not any(cell[:1] in ("=", "+", "@") for cell in row), (csv_name, row)

    # 1, 8: every output is valid UTF-8; a file per student, each name short enough
    names = [p.name for p in out.rglob("*")]
    assert all(len(n.encode()) < 200 for n in names) and not [n for n in names if n.endswith(".part")]
    for p in out.rglob("*"):
        if p.is_file():
            p.read_bytes().decode("utf-8")
    assert len(list((out / "results").glob("*.json"))) == len(book) == len(list((out / "feedback").glob("*.md")))
    surrogate = (out / "feedback" / "surrogate-answers.md").read_text("utf-8")
    assert "\\ud800" in surrogate or "\ufffd" in surrogate

    # 10: student text is inert in the feedback and plain text in results.json
    feedback = (out / "feedback" / "markup.md").read_text("utf-8")
    assert "<img" not in feedback and "](javascript" not in feedback and "&lt;img" in feedback
    assert not [line for line in feedback.splitlines() if line.startswith(("kyc: 25", "# Full"))]
    results = json.loads((out / "results" / "markup.json").read_text("utf-8"))
    assert results["output_format"] == results["test_output_format"] == "text"
    assert all("\n" not in t["output"] for t in results["tests"])
    assert "<img src=x" not in (out / "report.html").read_text("utf-8")

    # 12: the timeout is graded again on the next run; everything else is reused
    state = json.loads((out / ".caselab" / "slow-loop.json").read_text("utf-8"))
    assert state["reusable"] is False
    again = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0 and f"graded 1 submission(s), {len(book) - 1} unchanged" in again.stdout, \
        again.stdout + again.stderr
