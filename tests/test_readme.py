"""The README's Python examples run as written (so the front door stays true)."""

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
# every ```python block, but the quoted excerpt of engine.py's source (it is not a runnable example)
BLOCKS = [b for b in re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S) if "self.data" not in b]


def test_readme_has_examples():
    assert len(BLOCKS) >= 6


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_example_runs(index, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    # the same code, with fewer training steps and no progress bar, to keep the suite quick
    code = BLOCKS[index].replace("trainer.fit(100, progress=True)", "trainer.fit(3)").replace(".fit(300)", ".fit(30)")
    exec(compile(code, f"README.md block {index}", "exec"), {"__name__": "__readme__"})
    out = capsys.readouterr().out
    if "print(" in code and "24.7041" in code:
        assert out.split() == ["24.7041", "138.8338", "645.5773"]
