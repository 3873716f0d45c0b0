"""Run the lesson notebooks top to bottom on a fresh kernel and commit their outputs, byte for byte stable.

    python notebooks/execute.py                          # every lesson (notebooks/[0-9][0-9]_*.ipynb)
    python notebooks/execute.py notebooks/01_*.ipynb     # just these
    python notebooks/execute.py --check                  # run, compare with the committed file, write nothing

The kernel is this Python (the one running the script), as under nbval's ``--nbval-current-env``, with the
notebook's folder as working directory. Outputs are normalised so the same code always gives the same bytes:

- stream outputs are merged per stream (how the kernel chunks ``print`` output depends on timing);
- no per-cell timing metadata, no saved widget state, and no widget *views*: their model ids are new on every
  run and point at state that is not saved. The widget's ``text/plain`` stays, as the static fallback;
- an error output keeps only its last traceback line (the rest holds absolute paths of this machine);
- cell ids are kept; a cell without one gets ``cell-<index>``; ``language_info.version`` is dropped.

``--check`` fails (exit 1) and says which cells differ when a fresh run does not reproduce the committed file,
ignoring the outputs of cells marked ``# NBVAL_IGNORE_OUTPUT`` (or tagged ``nbval-ignore-output``).
"""

from __future__ import annotations

import argparse
import copy
import difflib
import json
import sys
from pathlib import Path

import ipykernel.kernelspec
import nbformat
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
CELL_TIMEOUT = 120  # seconds, as --nbval-cell-timeout in pyproject.toml
IGNORE_MARKERS = ("NBVAL_IGNORE_OUTPUT", "NBVAL_SKIP")
IGNORE_TAGS = ("nbval-ignore-output", "nbval-skip")


class _ThisPython(KernelSpecManager):
    """Every kernel name resolves to an ipykernel running on this interpreter."""

    def get_kernel_spec(self, kernel_name):
        spec = ipykernel.kernelspec.get_kernel_dict()
        return self.kernel_spec_class(resource_dir=ipykernel.kernelspec.RESOURCES, **spec)


def lessons() -> list[Path]:
    """The lesson notebooks, in course order."""
    return sorted(HERE.glob("[0-9][0-9]_*.ipynb"))


def read(path: Path) -> nbformat.NotebookNode:
    """Read a notebook, giving cells without an id a deterministic one (nbformat would make up a random one)."""
    raw = json.loads(Path(path).read_text(encoding="utf-8"))
    raw["nbformat_minor"] = max(raw.get("nbformat_minor", 5), 5)
    for i, cell in enumerate(raw["cells"]):
        cell.setdefault("id", f"cell-{i}")
    nb = nbformat.reads(json.dumps(raw), as_version=4)
    nbformat.validate(nb)
    return nb


def dumps(nb: nbformat.NotebookNode) -> str:
    """The notebook as its file's text (nbformat's layout, one trailing newline)."""
    text = nbformat.writes(nb)
    return text if text.endswith("\n") else text + "\n"


def execute(nb: nbformat.NotebookNode, cwd: Path) -> nbformat.NotebookNode:
    """A normalised copy of `nb` with fresh outputs, from a fresh kernel of this Python started in `cwd`."""
    nb = copy.deepcopy(nb)
    km = AsyncKernelManager(kernel_name="python3", kernel_spec_manager=_ThisPython())
    client = NotebookClient(
        nb,
        km=km,
        timeout=CELL_TIMEOUT,
        record_timing=False,
        store_widget_state=False,
        coalesce_streams=True,
        resources={"metadata": {"path": str(cwd)}},
    )
    client.execute()
    return normalise(nb)


def normalise(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop from `nb` (in place) everything that changes from run to run without the code changing."""
    nb.metadata.pop("widgets", None)
    nb.metadata.get("language_info", {}).pop("version", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        for out in cell.get("outputs", ()):
            out.get("data", {}).pop(WIDGET_VIEW, None)
            if out.output_type == "error":
                out.traceback = out.traceback[-1:]
    return nb


def _ignored(cell) -> bool:
    tags = cell.metadata.get("tags", ())
    if any(tag in IGNORE_TAGS for tag in tags):
        return True
    comments = (line.strip().lstrip("#").strip() for line in cell.source.splitlines() if line.strip().startswith("#"))
    return any(comment in IGNORE_MARKERS for comment in comments)


def differences(committed: nbformat.NotebookNode, fresh: nbformat.NotebookNode, name: str = "") -> list[str]:
    """Human-readable differences between a committed notebook and a fresh run (empty if byte-identical)."""
    committed, fresh = copy.deepcopy(committed), copy.deepcopy(fresh)
    for old, new in zip(committed.cells, fresh.cells):
        if old.cell_type == "code" and _ignored(old):  # inherently variable: compare everything but outputs
            new.outputs = old.outputs
    if dumps(committed) == dumps(fresh):
        return []
    problems = []
    for i, (old, new) in enumerate(zip(committed.cells, fresh.cells)):
        if old != new:
            a = json.dumps(old, indent=1, sort_keys=True).splitlines()
            b = json.dumps(new, indent=1, sort_keys=True).splitlines()
            diff = difflib.unified_diff(a, b, "committed", "fresh run", n=1, lineterm="")
            lines = [line if len(line) < 200 else line[:200] + "..." for line in diff]
            problems.append(f"{name} cell {i} ({old.get('id')}) differs:\n" + "\n".join(lines[:40]))
    if not problems:  # notebook metadata or the number of cells
        a, b = dumps(committed).splitlines(), dumps(fresh).splitlines()
        diff = difflib.unified_diff(a, b, "committed", "fresh run", n=1, lineterm="")
        problems.append(f"{name} differs:\n" + "\n".join(list(diff)[:40]))
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every lesson notebook")
    parser.add_argument("--check", action="store_true", help="compare with the committed file; write nothing")
    args = parser.parse_args(argv)
    failed = 0
    for path in args.notebooks or lessons():
        committed = read(path)
        fresh = execute(committed, cwd=path.resolve().parent)
        if args.check:
            problems = differences(committed, fresh, name=path.name)
            if dumps(committed) != path.read_text(encoding="utf-8"):
                problems.append(f"{path.name} is not in normalised form: run `python notebooks/execute.py {path}`")
            print(f"{path.name}: {'differs' if problems else 'reproduced byte for byte'}")
            for problem in problems:
                print(problem)
            failed += bool(problems)
        else:
            text = dumps(fresh)
            changed = path.read_text(encoding="utf-8") != text
            path.write_text(text, encoding="utf-8")
            print(f"{path.name}: {'updated' if changed else 'unchanged'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
