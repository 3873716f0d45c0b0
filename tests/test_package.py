"""The package installs, imports lean, and ships `microgradx.widgets` from the top-level widgets/ folder."""

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import microgradx

ROOT = Path(__file__).resolve().parents[1]


def test_version_is_the_installed_distributions():
    import importlib.metadata
    import re

    assert re.fullmatch(r"\d+\.\d+\.\d+", microgradx.__version__)
    assert importlib.metadata.version("microgradx") == microgradx.__version__  # pyproject reads it from here


def test_all_lists_exactly_the_public_names():
    import types

    public = {
        name
        for name, value in vars(microgradx).items()
        if not name.startswith("_") and not (isinstance(value, types.ModuleType) and name not in microgradx.__all__)
    }
    assert len(microgradx.__all__) == len(set(microgradx.__all__))
    assert set(microgradx.__all__) - {"__version__"} == public
    for module in (microgradx.nn, microgradx.data, microgradx.optim, microgradx.train, microgradx.losses):
        missing = [name for name in module.__all__ if not hasattr(module, name)]
        assert not missing, (module.__name__, missing)


@pytest.mark.parametrize(
    "name",
    [
        "microgradx",
        "microgradx.train",
        "microgradx.history",
        "microgradx.optim",
        "microgradx.interop",
        "microgradx.data",
        "microgradx.losses",
        "microgradx.nn.activations",
        "microgradx.nn.arrays",
    ],
)
def test_docstring_examples_run(name):
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


def test_core_import_does_not_pull_in_jupyter_or_drawing():
    code = (
        "import sys, microgradx; "
        "heavy = ('ipywidgets', 'matplotlib', 'graphviz', 'IPython', 'torch', 'sklearn'); "
        "bad = [m for m in heavy if m in sys.modules]; "
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_widgets_subpackage_imports_from_editable_install():
    import microgradx.widgets

    assert Path(microgradx.widgets.__file__).resolve().parent == ROOT / "widgets"


@pytest.mark.slow
def test_built_wheel_contains_and_imports_widgets(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
    )
    (wheel,) = tmp_path.glob("microgradx-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "microgradx/widgets/__init__.py" in names
    assert not any(n.startswith("widgets/") for n in names)
    target = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(target)
    code = "import microgradx.widgets, microgradx; print(microgradx.widgets.__file__)"
    out = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(target)!r}); {code}"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert str(target) in out.stdout
