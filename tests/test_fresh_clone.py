"""The README's two set-up commands, run verbatim on a fresh clone in a fresh virtual environment."""
from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from conftest import ROOT

pytestmark = pytest.mark.skipif(
    os.environ.get("CASELAB_NESTED") == "1", reason="already running inside the fresh-clone test (recursion guard)")


def readme_commands() -> list[str]:
    setup = (ROOT / "README.md").read_text(encoding="utf-8").split("## Set-up", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.+?)\n```", setup)


def test_readme_has_exactly_the_two_setup_commands():
    assert readme_commands() == [
        "python -m pip install -e . && mkdocs serve",
        'python -m pip install -e ".[test]" && python -m pytest',
    ]


@pytest.fixture(scope="module")
def clone(tmp_path_factory):
    """A clone of the committed project with its own virtual environment first on PATH."""
    where = tmp_path_factory.mktemp("fresh")
    subprocess.run(["git", "clone", "-q", str(ROOT), str(where / "caselab")], check=True)
    subprocess.run([sys.executable, "-m", "venv", str(where / "venv")], check=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CASELAB_", "PYTHON", "VIRTUAL_ENV"))}
    env["PATH"] = f"{where / 'venv' / 'bin'}:{env['PATH']}"
    env["CASELAB_NESTED"] = "1"
    return where / "caselab", env


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def test_first_command_serves_the_site(clone):
    project, env = clone
    if not _port_free(8000):
        pytest.fail("port 8000 is taken; the README's `mkdocs serve` needs it")
    proc = subprocess.Popen(["bash", "-c", readme_commands()[0]], cwd=project, env=env, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline, body = time.time() + 600, ""
        while time.time() < deadline and proc.poll() is None:
            try:
                body = urllib.request.urlopen("http://127.0.0.1:8000/", timeout=2).read().decode()
                break
            except OSError:
                time.sleep(1)
        assert "virtual-currency crackdown" in body, proc.stdout.read().decode() if proc.poll() is not None else ""
        module = urllib.request.urlopen("http://127.0.0.1:8000/modules/framework/", timeout=5).read().decode()
        assert "q1 · " in module
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


QUICK_RUN = "not slow and not browser and not fresh_clone"


def test_second_command_installs_and_passes_the_tests(clone):
    """The command verbatim; its pytest runs the quick part (the outer run already runs everything once)."""
    project, env = clone
    env = {**env, "PYTEST_ADDOPTS": f"-m '{QUICK_RUN}'"}
    proc = subprocess.run(["bash", "-c", readme_commands()[1]], cwd=project, env=env,
                          capture_output=True, text=True, timeout=3600)
    tail = proc.stdout[-3000:] + proc.stderr[-2000:]
    assert proc.returncode == 0, tail
    assert re.search(r"\d+ passed", proc.stdout), tail
    assert "deselected" in proc.stdout, tail  # the quick run, not the whole suite a second time
