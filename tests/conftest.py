"""Shared fixtures: the project root, its quizzes, and running the real `caselab` command."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Markers by file, so that authors get a quick run (AUTHORING.md):
#   python -m pytest -m "not slow and not browser and not fresh_clone"
# slow: runs many sandboxed interpreters, builds editions or virtual environments.
MARKED_FILES = {
    "test_fresh_clone.py": "fresh_clone",
    "test_site_browser.py": "browser",
    "test_answer_pages.py": "browser",
    "test_hostile.py": "slow",
    "test_sandbox.py": "slow",
    "test_grade.py": "slow",
    "test_release.py": "slow",
    "test_gradescope.py": "slow",
    "test_benchmark.py": "slow",
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        marker = MARKED_FILES.get(item.path.name)
        if marker:
            item.add_marker(marker)


def run_caselab(*args: str, cwd: Path = ROOT, env: dict | None = None, check: bool = False) -> subprocess.CompletedProcess:
    """Run the installed command as a user would (``python -m caselab.cli`` = the ``caselab`` script)."""
    full_env = {**os.environ, **(env or {})}
    full_env.pop("CASELAB_ANSWERS", None)
    proc = subprocess.run([sys.executable, "-m", "caselab.cli", *args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=600)
    if check and proc.returncode != 0:
        raise AssertionError(f"caselab {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def check_json(answers: Path, *modules: str, tmp_path: Path) -> dict:
    out = tmp_path / f"result-{len(list(tmp_path.glob('result-*.json')))}.json"
    proc = run_caselab("check", *modules, "--answers", str(answers), "--json", str(out))
    assert out.is_file(), f"no JSON written:\n{proc.stdout}\n{proc.stderr}"
    return json.loads(out.read_text())


def require_sandbox() -> None:
    """Skip where no sandbox can run, but fail instead when CI asks for one (CASELAB_REQUIRE_SANDBOX=1)."""
    from caselab.grading import batch as grading

    ok, why = grading.sandbox_available()
    if ok:
        return
    if os.environ.get("CASELAB_REQUIRE_SANDBOX") == "1":
        pytest.fail(f"CASELAB_REQUIRE_SANDBOX=1 but the sandbox is not available: {why}")
    pytest.skip(f"no sandbox here ({why}); install bubblewrap")


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def quizzes():
    from caselab.quiz.model import load_quizzes

    return load_quizzes(ROOT)
