"""The lesson notebooks are committed clean and reproducible, and nbval catches an engine regression in them.

nbval itself runs every lesson as part of `make test` (see `[tool.pytest.ini_options]` in pyproject.toml);
these tests check what nbval does not: that the committed files are exactly what `notebooks/execute.py`
writes, and that the notebook tests would actually fail if the engine went wrong.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
LESSONS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
MARKERS = ("NBVAL_IGNORE_OUTPUT", "NBVAL_SKIP", "NBVAL_RAISES_EXCEPTION")


def _load_executor():
    spec = importlib.util.spec_from_file_location("notebooks_execute", NOTEBOOKS / "execute.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


execute = _load_executor()


def test_the_first_lesson_is_there():
    assert NOTEBOOKS / "01_value_and_backprop.ipynb" in LESSONS


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_lesson_is_committed_executed_and_normalised(path):
    text = path.read_text(encoding="utf-8")
    nb = execute.read(path)
    assert execute.dumps(nb) == text, f"not in normalised form: run `python notebooks/execute.py {path.name}`"
    assert nb.metadata.kernelspec.name == "python3"
    assert "widgets" not in nb.metadata  # saved widget state: model ids and megabytes of PNG, new every run

    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert code, "a lesson without code"
    counts = [cell.execution_count for cell in code]
    assert counts == list(range(1, len(code) + 1)), f"not run top to bottom on a fresh kernel: {counts}"
    for i, cell in enumerate(code):
        where = f"{path.name}, code cell {i} ({cell.id})"
        assert "execution" not in cell.metadata, f"{where}: timing metadata"
        for out in cell.outputs:
            assert out.output_type != "error" or "raises-exception" in cell.metadata.get("tags", ()), where
            assert execute.WIDGET_VIEW not in out.get("data", {}), f"{where}: a widget view (random model id)"
            shown = str(out.get("text", "")) + str(out.get("data", {}).get("text/plain", ""))
            assert not re.search(r"\b0x[0-9a-fA-F]{6,}", shown), f"{where}: a memory address in the output"
        comments = [line.strip().lstrip("#").strip() for line in cell.source.splitlines() if line.lstrip()[:1] == "#"]
        if any(c in MARKERS for c in comments):  # markers are for inherently variable output: say why
            assert len([c for c in comments if c not in MARKERS]) >= 1, f"{where}: an nbval marker without a reason"


@pytest.mark.slow
@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_lesson_reproduces_byte_for_byte(path):
    run = subprocess.run(
        [sys.executable, str(NOTEBOOKS / "execute.py"), "--check", str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr[-3000:]
    assert "reproduced byte for byte" in run.stdout


# An engine bug as small as one part in a billion in the derivative of x**n, installed through an IPython
# startup file, so the kernel nbval starts imports the broken engine without any file in the repo changing.
_BREAK_POW = textwrap.dedent(
    """
    import microgradx.engine as engine

    _dpow = engine._dpow
    engine._dpow = lambda x, y: _dpow(x, y) * (1 + 1e-9)
    """
)


@pytest.mark.slow
def test_an_engine_regression_fails_lesson_01(tmp_path):
    startup = tmp_path / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-break-the-engine.py").write_text(_BREAK_POW)
    lesson = NOTEBOOKS / "01_value_and_backprop.ipynb"
    cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--no-header", str(lesson)]

    broken = subprocess.run(
        cmd,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        env={**os.environ, "IPYTHONDIR": str(startup.parents[1])},
    )
    # the broken derivative moves dg/db in its 7th decimal: the printed outputs no longer match. (The unbroken
    # control is the nbval run of the same lesson in the main suite.)
    assert broken.returncode == 1, broken.stdout[-3000:]
    assert "Cell outputs differ" in broken.stdout
    assert "Cell execution caused an exception" not in broken.stdout
    assert "dg/db = 645.57725" in broken.stdout
