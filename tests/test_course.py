"""`microgradx new-course`: a course repository whose lessons pass under nbval, and fail when a number moves."""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from microgradx import __version__
from microgradx.cli import main
from microgradx.course import new_course

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE_LESSON = ROOT / "microgradx" / "course_template" / "notebooks" / "01_first_lesson.ipynb"
FILES = [
    ".github/workflows/lessons.yml",
    ".gitignore",
    "Makefile",
    "README.md",
    "binder/apt.txt",
    "binder/requirements.txt",
    "binder/runtime.txt",
    "notebooks/01_first_lesson.ipynb",
    "notebooks/sanitize.cfg",
    "pytest.ini",
]


def _make_test(course: Path) -> subprocess.CompletedProcess:
    """The course's own `make test`, in this venv (SKIP_INSTALL: no pip install into it)."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    venv = Path(sys.executable).parent.parent
    return subprocess.run(
        ["make", "test", f"VENV={venv}", "SKIP_INSTALL=1"], cwd=course, capture_output=True, text=True, timeout=600
    )


def test_the_course_has_every_part(tmp_path, capsys):
    course = tmp_path / "backprop-101"
    assert main(["new-course", str(course), "--github", "ada/backprop-101"]) == 0
    assert f"wrote a course in {course}: {len(FILES)} files" in capsys.readouterr().out
    assert sorted(str(p.relative_to(course)) for p in course.rglob("*") if p.is_file()) == FILES
    readme = (course / "README.md").read_text()
    assert readme.startswith("# Backprop 101\n")
    assert "https://mybinder.org/v2/gh/ada/backprop-101/HEAD?urlpath=lab/tree/notebooks" in readme
    requirements = (course / "binder" / "requirements.txt").read_text()
    assert f"microgradx[widgets]=={__version__}" in requirements.splitlines()
    assert (course / "binder" / "apt.txt").read_text().splitlines()[-1] == "graphviz"
    makefile = (course / "Makefile").read_text()
    assert re.search(r"^lab:", makefile, re.M) and re.search(r"^test:", makefile, re.M) and "$(BIN)" in makefile
    workflow = (course / ".github" / "workflows" / "lessons.yml").read_text()
    assert "pip install -r binder/requirements.txt" in workflow and "python -m pytest" in workflow
    assert "--nbval " in (course / "pytest.ini").read_text()
    lesson = json.loads((course / "notebooks" / "01_first_lesson.ipynb").read_text())
    sources = "".join("".join(c["source"]) for c in lesson["cells"])
    assert "TrainingDashboard" in sources and "check_local_derivative" in sources
    assert "$title" not in readme + makefile and "$requirement" not in requirements


@pytest.mark.slow
def test_the_course_tests_pass_then_fail_when_an_engine_number_changes(tmp_path):
    course = tmp_path / "course"
    new_course(course)
    run = _make_test(course)
    assert run.returncode == 0 and "4 passed" in run.stdout, run.stdout[-3000:] + run.stderr[-2000:]

    lesson = course / "notebooks" / "01_first_lesson.ipynb"
    text = lesson.read_text()
    assert text.count("dc/da = -2.0") == 1
    lesson.write_text(text.replace("dc/da = -2.0", "dc/da = -2.5"))  # as if the engine had given another number
    run = _make_test(course)
    assert run.returncode != 0
    assert "Cell outputs differ" in run.stdout and "dc/da = -2.0" in run.stdout, run.stdout[-3000:]


def test_the_template_lesson_is_saved_executed_and_normalised():
    spec = importlib.util.spec_from_file_location("execute", ROOT / "notebooks" / "execute.py")
    execute = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(execute)
    nb = execute.read(TEMPLATE_LESSON)
    assert execute.dumps(nb) == TEMPLATE_LESSON.read_text()
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1))
    assert all(execute.WIDGET_VIEW not in o.get("data", {}) for c in code for o in c.outputs)
    shown = [o for c in code for o in c.outputs if "data" in o]
    assert all("image/png" in o["data"] for o in shown)  # the graph and the dashboard read well on GitHub


def test_bad_input_names_the_argument(tmp_path, capsys):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match="new_course: directory .* is a folder that is not empty"):
        new_course(tmp_path / "full")
    assert [p.name for p in (tmp_path / "full").iterdir()] == ["notes.txt"]  # nothing written
    with pytest.raises(ValueError, match="new_course: github must be 'owner/repo', got 'nope'"):
        new_course(tmp_path / "a", github="nope")
    with pytest.raises(ValueError, match="new_course: title must be one line of text"):
        new_course(tmp_path / "b", title="two\nlines")
    with pytest.raises(SystemExit) as info:
        main(["new-course", str(tmp_path / "full")])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "microgradx new-course: error:" in err
