"""The README's Python examples run as written and do what the README says they do (the front door stays true)."""

import re
from pathlib import Path

import numpy as np
import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
# every ```python block, but the quoted excerpt of engine.py's source (it is not a runnable example)
BLOCKS = [b for b in re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.S) if "self.data" not in b]


def _printed_as_commented(code: str, out: str) -> None:
    """Each ``print(...)   # 24.7041, ...`` line printed the number its comment gives."""
    expected = [m.group(1) for m in re.finditer(r"print\(.*\)\s+#\s*(-?[\d.]+)", code)]
    assert expected and out.split() == expected


def _first_example(ns, out):
    _printed_as_commented(ns["__code__"], out)
    assert ns["grads"][ns["a"]] == ns["a"].grad  # "backward() also returns a mapping {value: gradient}"


def _nn_example(ns, out):
    model = ns["model"]
    assert len(model.parameters()) == 337  # "# 337 parameters"
    assert all(p.grad != 0 for p in model.layers[-1].parameters())  # the step had gradients to follow
    assert np.isfinite(ns["loss"].data)


def _tensor_example(ns, out):
    model, images = ns["model"], ns["images"]
    assert model(images[:64]).shape == (64, 10)
    assert np.isfinite(ns["loss"].item()) and ns["loss"].item() > 0
    assert all(np.abs(p.grad).sum() > 0 for p in model.parameters())


def _train_example(ns, out):
    trainer, plot = ns["trainer"], ns["plot"]
    assert [r["step"] for r in trainer.history] == [0, 1, 2]  # fit(100) shortened to fit(3) here
    assert trainer.l2 == 1e-4 and trainer.history[-1]["test_acc"] is not None  # test_ratio=0.2: a test split
    assert plot.to_png()[:8] == b"\x89PNG\r\n\x1a\n"


def _graph_example(ns, out):
    from microgradx.graph import backward_steps

    loss, picture = ns["loss"], ns["picture"]
    steps = list(backward_steps(loss))
    assert steps[-1].node is ns["step"].node and "digraph" in picture.source
    assert any(p.grad != 0 for p in ns["mlp"].parameters())  # loss.backward() ran


def _widgets_example(ns, out):
    dash = ns["dash"]
    assert len(dash.history) == 30  # fit(300) shortened to fit(30) here
    assert [r["step"] for r in dash.history][-1] == 29


def _classes_example(ns, out):
    from microgradx import data

    dash, view = ns["dash"], ns["view"]
    drawn = dash.data
    assert drawn.n_classes == 3 and len(drawn) == len(ns["spiral"]) + 2  # two points added to the training set
    assert drawn.X[-2:].tolist() == [[0.5, -1.0], [1.0, 1.0]] and drawn.y[-2:].tolist() == [2, 0]
    back = data.from_csv("mine.csv")
    assert np.array_equal(back.X, drawn.X) and np.array_equal(back.y, drawn.y) and back.classes == drawn.classes
    view.update()  # the live redraw may still be owed to a throttled frame
    assert view.space.points.shape == (len(drawn), 2)


CHECKS = {  # a line that only that block has -> what its output must be
    "g += 10.0 / f": _first_example,
    "MLP(2, [16, 16, 1], seed=1337)": _nn_example,
    "load_digits()": _tensor_example,
    "BoundaryPlot(moons)": _train_example,
    "backward_steps(loss)": _graph_example,
    "TrainingDashboard(dataset=": _widgets_example,
    "SpaceView(dash": _classes_example,
}


def test_readme_has_examples_and_each_has_a_check():
    assert len(BLOCKS) >= 6
    for block in BLOCKS:
        assert sum(key in block for key in CHECKS) == 1, f"add a check for this README block:\n{block}"


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_example_does_what_it_says(index, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    # the same code, with fewer training steps and no progress bar, to keep the suite quick
    code = BLOCKS[index].replace("trainer.fit(100, progress=True)", "trainer.fit(3)").replace(".fit(300)", ".fit(30)")
    namespace = {"__name__": "__readme__", "__code__": code}
    exec(compile(code, f"README.md block {index}", "exec"), namespace)
    (check,) = [f for key, f in CHECKS.items() if key in code]
    check(namespace, capsys.readouterr().out)
