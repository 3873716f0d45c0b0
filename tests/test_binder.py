"""binder/ (repo2docker's configuration) gives a working lesson environment.

repo2docker needs Docker, which we do not have here, so `test_binder_requirements_build_a_lesson_env` does what
its pip step does: a fresh virtual environment, then `pip install -r binder/requirements.txt` run from the
repository root. What this machine cannot check, it says so:

- PyTorch's CPU index (download.pytorch.org) is out of reach here (only PyPI is), so the venv is built without
  the index line and without torch; the torch pin is resolved (pip --dry-run) against this machine's index
  instead, and `test_pytorch_cpu_index_publishes_the_pin` asks the real index, skipping with a reason when it
  cannot be reached;
- apt.txt is only checked for its package names (repo2docker runs apt-get).
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"
CPU_INDEX = "https://download.pytorch.org/whl/cpu"


def _requirement_lines(path: Path) -> list[str]:
    lines = (line.partition("#")[0].strip() for line in path.read_text().splitlines())
    return [line for line in lines if line]


def _pinned(lines, name: str) -> str:
    (pin,) = [line for line in lines if re.match(rf"{name}\s*==", line)]
    return pin.split("==")[1].strip()


def _lesson_imports() -> set[str]:
    """Top-level modules the lesson notebooks import."""
    modules = set()
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        for cell in json.loads(path.read_text())["cells"]:
            if cell["cell_type"] != "code":
                continue
            source = "".join(cell["source"])
            source = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
            for node in ast.walk(ast.parse(source)):
                if isinstance(node, ast.Import):
                    modules.update(alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.level == 0:
                    modules.add(node.module.split(".")[0])
    return modules


def _run(cmd, **kwargs) -> str:
    """Run `cmd`; its output, or a failure that shows the end of it (pip's warnings stay out of the way)."""
    done = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kwargs)
    assert done.returncode == 0, f"{cmd} failed:\n{(done.stdout + done.stderr)[-4000:]}"
    return re.sub(r"\x1b\[[0-9;]*m", "", done.stdout + done.stderr)  # without colour codes


def test_binder_files_say_what_the_lessons_need():
    reqs = _requirement_lines(BINDER / "requirements.txt")
    assert ".[widgets]" in reqs  # the package itself, with its Jupyter layer
    assert f"--extra-index-url {CPU_INDEX}" in reqs  # CPU-only torch: no GBs of CUDA libraries
    constraints = _requirement_lines(ROOT / "constraints.txt")
    assert _pinned(reqs, "torch") == _pinned(constraints, "torch")  # Binder runs what `make test` tested
    assert _requirement_lines(BINDER / "apt.txt") == ["graphviz"]  # the `dot` program
    assert re.fullmatch(r"python-3\.\d+", (BINDER / "runtime.txt").read_text().strip())


@pytest.mark.slow
def test_binder_requirements_build_a_lesson_env(tmp_path):
    reqs = _requirement_lines(BINDER / "requirements.txt")
    offline = [line for line in reqs if not line.startswith("--extra-index-url")]  # unreachable from here
    without_torch = [line for line in offline if not line.startswith("torch")]
    (tmp_path / "requirements.txt").write_text("\n".join(without_torch) + "\n")
    (tmp_path / "requirements-torch.txt").write_text("\n".join(offline) + "\n")

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", venv])
    python = str(venv / "bin" / "python")
    pip = [python, "-m", "pip", "install", "--disable-pip-version-check", "--quiet"]

    # as repo2docker: the requirements file alone, from the repository root (where `.` points)
    _run([*pip, "--no-compile", "-r", tmp_path / "requirements.txt"], cwd=ROOT)

    # torch: resolve the pin together with everything else, without installing it (that is GBs of disk)
    report = tmp_path / "report.json"
    _run(
        [*pip, "--dry-run", "--report", report, "-r", tmp_path / "requirements-torch.txt", "-c", "constraints.txt"],
        cwd=ROOT,
    )
    resolved = {
        item["metadata"]["name"]: item["metadata"]["version"] for item in json.loads(report.read_text())["install"]
    }
    assert re.fullmatch(rf"{re.escape(_pinned(reqs, 'torch'))}(\+cpu)?", resolved["torch"]), resolved["torch"]

    # every module a lesson imports, except torch (resolved above, not installed), and the widgets
    widgets = {"microgradx", "microgradx.widgets", "ipywidgets", "ipyevents", "matplotlib"}
    modules = sorted(_lesson_imports() - {"torch"} | widgets)
    code = "import importlib, sys; [importlib.import_module(m) for m in sys.argv[1:]]; print(sys.modules['microgradx'])"
    assert str(venv) in _run([python, "-c", code, *modules], cwd=tmp_path)  # the installed copy, not the checkout

    # JupyterLab in that environment has the ipywidgets manager, so the dashboards render, and ipyevents,
    # so clicks on the boundary reach Python
    labext = _run([python, "-m", "jupyter", "labextension", "list"])
    assert re.search(r"@jupyter-widgets/jupyterlab-manager v\S+ enabled", labext), labext
    assert re.search(r"ipyevents v\S+ enabled", labext), labext


def test_pytorch_cpu_index_publishes_the_pin():
    """The one line nothing else here can check: PyTorch's CPU index has the pinned torch for Binder's Python."""
    reqs = _requirement_lines(BINDER / "requirements.txt")
    version = _pinned(reqs, "torch")
    python = (BINDER / "runtime.txt").read_text().strip().removeprefix("python-").replace(".", "")
    try:
        with urllib.request.urlopen(f"{CPU_INDEX}/torch/", timeout=5) as response:
            listing = response.read().decode()
    except OSError as exc:
        pytest.skip(
            f"{CPU_INDEX} is not reachable from this machine ({exc.__class__.__name__}), so it is NOT checked that "
            f"it publishes torch {version}+cpu for CPython {python} on Linux x86_64 (binder/requirements.txt needs it)"
        )
    wheel = rf"torch-{re.escape(version)}%2Bcpu-cp{python}-cp{python}-manylinux[^\"<]*x86_64\.whl"
    assert re.search(wheel, listing) or re.search(wheel.replace("%2B", r"\+"), listing)
