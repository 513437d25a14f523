"""The Gradescope autograder bundle (``--gradescope``): setup.sh, run_autograder and the grader with the real keys; for the instructor only.

Gradescope unpacks the bundle into ``/autograder/source``, runs ``setup.sh`` once
(as root) when it builds the image, then ``run_autograder`` for each submission
(in ``/autograder/submission``), which must leave ``/autograder/results/results.json``.

``run_autograder`` closes the folders that hold keys or results to everyone but
root (``/autograder/source``, ``/opt/caselab`` where caselab is installed with the
derived figures' formulas, ``/autograder/results``) and calls ``main`` below, which
grades in the parent, with the keys, and runs a student's code under the first
protection that is available (``protection``); it never runs it beside the keys:

- ``sandbox``: the bubblewrap sandbox (``grading/sandbox.py``), where it can start;
- ``user``: without it, as root, the sheets run as ``caselab-student`` (made by
  setup.sh), who cannot read those folders, under the sandbox's rlimits and
  system-call filter; every process of that user is killed after the run;
- ``none``: neither (bubblewrap cannot start and the autograder is not root, or the
  user is missing): no code runs; answers written as plain values are still graded,
  sheets that must run get 0 and say why.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import stat
import sys
import tempfile
import zipfile
from pathlib import Path


from caselab.quiz.model import Quiz
from caselab.editions.project import DATA_FILES, pyproject


# --- the Gradescope autograder -----------------------------------------------------------------

STUDENT_USER = "caselab-student"  # the unprivileged user a student's code runs as where bubblewrap cannot start
PROTECTIONS = {
    "sandbox": "the bubblewrap sandbox",
    "user": f"the unprivileged user {STUDENT_USER}",
    "none": "none: no code was run",
}

SETUP_SH = f"""#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq python3 python3-pip python3-venv >/dev/null
apt-get install -y -qq bubblewrap >/dev/null || true   # the sandbox, where the image allows it
# where bubblewrap cannot start, students' code runs as this user, who can read neither keys nor results
id -u {STUDENT_USER} >/dev/null 2>&1 || useradd --system --user-group --no-create-home --home-dir /nonexistent \\
    --shell /usr/sbin/nologin {STUDENT_USER} || echo "caselab: could not create the user {STUDENT_USER}" >&2
python3 -m venv /opt/caselab
/opt/caselab/bin/python -m pip install -q --no-cache-dir /autograder/source/caselab
chmod 700 /opt/caselab /autograder/source   # the installed engine and the keys: root only
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for each submission: grade /autograder/submission into /autograder/results/results.json.
# The student's code runs in the bubblewrap sandbox, else as the unprivileged user {user}, else not at all;
# never beside the keys (caselab.editions.gradescope says how).
set -uo pipefail
umask 077
mkdir -p /autograder/results
chmod 700 /autograder/source /autograder/results
if [ -d /opt/caselab ]; then chmod 700 /opt/caselab; fi
export CASELAB_PROJECT=/autograder/source/caselab
/opt/caselab/bin/python -I -m caselab.editions.gradescope --modules {modules} --feedback {feedback} --user {user}
if [ ! -s /autograder/results/results.json ]; then
  printf '%s\\n' '{{"score": 0, "output": "caselab could not grade this submission; tell your instructor", "tests": []}}' \\
    > /autograder/results/results.json
fi
"""


# --- grading one submission, as run_autograder does ----------------------------------------------

def protection(user: str | None) -> tuple[str, str]:
    """Which protection a student's code gets here (``PROTECTIONS``), and why none when none."""
    from caselab.grading.batch import sandbox_available

    ok, why = sandbox_available()
    if ok:
        return "sandbox", ""
    if user and os.geteuid() == 0:
        import pwd

        try:
            entry = pwd.getpwnam(user)
        except KeyError:
            return "none", f"{why}; and there is no user {user}"
        if entry.pw_uid != 0 and entry.pw_gid != 0:
            return "user", why
    return "none", f"{why}; and the autograder does not run as root" if os.geteuid() != 0 else why


def grade(root: Path, modules: list[str], submission: Path, feedback: str, user: str | None) -> dict:
    """Gradescope's results.json for ``submission`` (the keys stay in this process)."""
    from caselab.grading import sandbox
    from caselab.grading.batch import grade_many
    from caselab.grading.gradebook import results_json
    from caselab.quiz.model import load_quizzes

    quizzes = list(load_quizzes(root, modules).values())
    kind, why = protection(user)
    print(f"caselab: protection of the student's code: {kind} ({PROTECTIONS[kind]}{'; ' + why if why else ''})")
    if kind == "user":
        os.environ[sandbox.RUN_AS_ENV] = user
    else:
        os.environ.pop(sandbox.RUN_AS_ENV, None)
    work = Path(tempfile.mkdtemp(prefix="caselab-gradescope-"))  # 0700: the student's user cannot look in
    try:
        results = list(grade_many([("submission", submission)], quizzes, sandbox=kind != "user", workdir=work))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    data = json.loads(results_json(results[0], quizzes))
    if kind == "none" and results[0].status == "unsandboxed":
        data["output"] = (data["output"].split(" Submission ")[0] + " Code in your sheets could not be run on "
                          "this autograder, so its answers got no points; answers written as plain values were "
                          "graded. Tell your instructor.")
    if feedback != "full":  # the edition's feedback: only totals (score) or nothing (none) before grades are published
        for test in data.get("tests", []):
            test["visibility"] = "after_published"
    if feedback == "none":
        data["visibility"] = "after_published"
    return data


def main(argv: list[str] | None = None) -> int:
    """``python -m caselab.editions.gradescope``: what run_autograder runs; always writes results.json."""
    from caselab.atomic import write_text

    parser = argparse.ArgumentParser(prog="python -m caselab.editions.gradescope",
                                     description="Grade one Gradescope submission (run by run_autograder).")
    parser.add_argument("--modules", required=True)
    parser.add_argument("--feedback", choices=("full", "score", "none"), default="full")
    parser.add_argument("--user", default=STUDENT_USER, help="the unprivileged user for code, without bubblewrap")
    parser.add_argument("--submission", default="/autograder/submission")
    parser.add_argument("--results", default="/autograder/results/results.json")
    parser.add_argument("--root", default=os.environ.get("CASELAB_PROJECT", "/autograder/source/caselab"))
    args = parser.parse_args(argv)
    try:
        data = grade(Path(args.root), [m for m in args.modules.split(",") if m], Path(args.submission),
                     args.feedback, args.user or None)
    except Exception as exc:  # a results.json is always written: Gradescope shows nothing otherwise
        print(f"caselab: grading failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        data = {"score": 0, "output": "caselab could not grade this submission; tell your instructor", "tests": []}
    write_text(Path(args.results), json.dumps(data, indent=2) + "\n")  # ASCII: a lone surrogate cannot break it
    return 0


def _zip_tree(files: dict[str, bytes], path: Path, executable: set[str]) -> None:
    """A zip with fixed timestamps and modes (the same inputs give the same bytes)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=(2021, 9, 24, 0, 0, 0))
            info.external_attr = ((0o755 if name in executable else 0o644) | stat.S_IFREG) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, files[name])
    from caselab.atomic import write_bytes

    write_bytes(path, buf.getvalue())


def write_autograder(root: Path, path: Path, quizzes: dict[str, Quiz], feedback: str) -> Path:
    files: dict[str, bytes] = {
        "setup.sh": SETUP_SH.encode(),
        "run_autograder": RUN_AUTOGRADER.format(modules=",".join(quizzes), feedback=feedback,
                                                user=STUDENT_USER).encode(),
    }
    package = Path(__file__).resolve().parent.parent
    for src in sorted(package.rglob("*.py")):
        if "__pycache__" not in src.parts:
            files[f"caselab/src/caselab/{src.relative_to(package).as_posix()}"] = src.read_bytes()
    files["caselab/pyproject.toml"] = pyproject(root).replace('readme = "README.md"\n', "").encode()
    for name in DATA_FILES + ("modules.yml",):
        if (root / "data" / name).is_file():
            files[f"caselab/data/{name}"] = (root / "data" / name).read_bytes()
    for module, quiz in quizzes.items():
        files[f"caselab/tests/quizzes/{module}.yml"] = quiz.path.read_bytes()
    files["README.md"] = (
        "caselab autograder for Gradescope. It holds the answer keys: upload it to Gradescope "
        "(Autograder > Zip file upload); never give it to students.\n").encode()
    _zip_tree(files, path, {"setup.sh", "run_autograder"})
    return path


if __name__ == "__main__":
    sys.exit(main())
