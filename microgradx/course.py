"""`microgradx new-course DIR`: a ready course repository for a teacher.

What it writes (from the template in `microgradx/course_template/`, shipped with the package):

- `notebooks/01_first_lesson.ipynb`: a starter lesson (a `Value` and its gradients, its graph, the
  `TrainingDashboard` learning moons, an exercise with feedback), saved with its outputs: the reference
  nbval compares a fresh run with;
- `binder/`: requirements pinned to this microgradx version, Graphviz, the Python version;
- `.github/workflows/lessons.yml`: CI that runs the lessons under nbval;
- `Makefile` (`lab`, `test`, `notebooks`), `pytest.ini`, `README.md` with the Binder badge, `.gitignore`.

>>> import tempfile, pathlib
>>> with tempfile.TemporaryDirectory() as tmp:
...     files = new_course(pathlib.Path(tmp) / "backprop-101")
>>> [str(p) for p in files][:3]
['.github/workflows/lessons.yml', '.gitignore', 'Makefile']
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

from . import __version__
from .pictures import write_atomic

__all__ = ["new_course", "TEMPLATE"]

TEMPLATE = "course_template"
RENAMES = {"github": ".github", "gitignore": ".gitignore"}  # dot-names do not travel as package data
KEYS = ("title", "github", "version", "requirement")


def new_course(directory, *, title: str | None = None, github: str = "OWNER/REPO", requirement: str | None = None):
    """Write a course repository into `directory` (new, or an empty folder); returns the paths written,
    relative to it, sorted.

    - `title`: the course's name (default: from the folder's name, "backprop-101" -> "Backprop 101");
    - `github`: "owner/repo" on GitHub, for the Binder badge;
    - `requirement`: the pip requirement Binder and CI install (default ``microgradx[widgets]==<this
      version>``; e.g. a ``microgradx[widgets] @ git+https://...@<tag>`` URL where microgradx is not on PyPI).
    """
    target = Path(directory)
    _check_target(target)
    values = _values(target, title, github, requirement)
    root = resources.files("microgradx") / TEMPLATE
    written = []
    for source, relative in sorted(_template_files(root), key=lambda item: str(item[1])):
        path = target / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        data = source.read_bytes()
        if relative.suffix != ".ipynb":  # the lesson is saved as run; the text files get the course's values
            data = _fill(data.decode(), values).encode()
        write_atomic(path, data)
        written.append(relative)
    return written


def _check_target(target: Path) -> None:
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        what = "a file" if not target.is_dir() else "a folder that is not empty"
        raise ValueError(f"new_course: directory {str(target)!r} is {what}; give a new or empty folder")


def _values(target: Path, title, github, requirement) -> dict[str, str]:
    if title is None:
        title = re.sub(r"[-_]+", " ", target.resolve().name).strip().title() or "Backpropagation"
    if not isinstance(title, str) or not title.strip() or "\n" in title:
        raise ValueError(f"new_course: title must be one line of text, got {title!r}")
    if not isinstance(github, str) or not re.fullmatch(r"[\w.-]+/[\w.-]+", github):
        raise ValueError(f"new_course: github must be 'owner/repo', got {github!r}")
    if requirement is None:
        requirement = f"microgradx[widgets]=={__version__}"
    if not isinstance(requirement, str) or not requirement.startswith("microgradx") or "\n" in requirement:
        raise ValueError(f"new_course: requirement must be one pip requirement for microgradx, got {requirement!r}")
    return {"title": title.strip(), "github": github, "version": __version__, "requirement": requirement}


def _template_files(root, prefix: Path = Path()):
    """(resource, path in the course) for every file of the template, dot-names restored."""
    for entry in root.iterdir():
        if entry.name == "__pycache__":
            continue
        relative = prefix / RENAMES.get(entry.name, entry.name) if prefix == Path() else prefix / entry.name
        if entry.is_dir():
            yield from _template_files(entry, relative)
        else:
            yield entry, relative


def _fill(text: str, values: dict[str, str]) -> str:
    """`$title`, `$github`, `$version`, `$requirement` replaced (Make's `$(VAR)` is left alone)."""
    return re.sub(r"\$(" + "|".join(KEYS) + r")\b", lambda m: values[m.group(1)], text)
