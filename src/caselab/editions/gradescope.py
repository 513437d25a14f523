"""The Gradescope autograder bundle (``--gradescope``): setup.sh, run_autograder and the grader with the real keys; for the instructor only."""
from __future__ import annotations

import io
import stat
import zipfile
from pathlib import Path


from caselab.quiz.model import Quiz
from caselab.editions.project import DATA_FILES, pyproject


# --- the Gradescope autograder -----------------------------------------------------------------

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, when it builds the autograder image.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq python3 python3-pip python3-venv >/dev/null
apt-get install -y -qq bubblewrap >/dev/null || true   # the sandbox, where the image allows it
python3 -m venv /opt/caselab
/opt/caselab/bin/python -m pip install -q /autograder/source/caselab
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for each submission: grade /autograder/submission into /autograder/results/results.json.
set -uo pipefail
export CASELAB_PROJECT=/autograder/source/caselab
work=$(mktemp -d)
mkdir -p "$work/class/submission" /autograder/results
cp -r /autograder/submission/. "$work/class/submission/"
sandbox=--unsandboxed
if /opt/caselab/bin/python -c "import sys; from caselab.grading.batch import sandbox_available; sys.exit(0 if sandbox_available()[0] else 1)" 2>/dev/null; then
  sandbox=
fi
/opt/caselab/bin/caselab grade "$work/class" --out "$work/out" --modules {modules} --quiet $sandbox
/opt/caselab/bin/python - "$work/out/results/submission.json" <<'EOF'
import json, sys
feedback = "{feedback}"
try:
    results = json.load(open(sys.argv[1], encoding="utf-8"))
except OSError:
    results = {{"score": 0, "output": "caselab could not grade this submission", "tests": []}}
if feedback != "full":  # the edition's feedback: only totals (score) or nothing (none) before grades are published
    for test in results.get("tests", []):
        test["visibility"] = "after_published"
if feedback == "none":
    results["visibility"] = "after_published"
json.dump(results, open("/autograder/results/results.json", "w", encoding="utf-8"), indent=2, ensure_ascii=False)
EOF
"""


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
        "run_autograder": RUN_AUTOGRADER.format(modules=",".join(quizzes), feedback=feedback).encode(),
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
