"""Graph frames delivered to a real browser: JupyterLab and Chromium (Playwright), as tests/test_browser.py runs them.

    python -m bench.browser_graph [--seconds 10]

Two measurements, each while a model that is still learning trains:

- the dashboard: ``TrainingDashboard(graph=True)`` on the spiral (it is still learning after a minute), Play
  pressed, its graph panel repainted on every frame; graph and boundary frames counted as they land;
- the graph alone: a `GraphWidget` of the same Tensor model, repainted between two steps by the training
  thread through the dashboard's default throttle (at most 20 frames/s), as the dashboard's graph panel is.

A graph frame is one change of the drawn numbers (a MutationObserver on the SVG); a boundary frame is one
new picture. It prints frames per second; bench/RESULTS.md and the README quote them.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from test_browser import CHROMIUM_ARGS, Lab, open_notebook, run_all_cells  # noqa: E402

DASHBOARD = [
    "from microgradx.widgets import TrainingDashboard, dashboard\n"
    "dashboard.LIVE_GRAPH = True  # the graph panel repaints on every frame, with the other views\n"
    "dash = TrainingDashboard(dataset='spiral', hidden=(8, 8), lr=0.03, seed=0, graph=True)\n"
    "dash",
]
ALONE = [
    "import threading\n"
    "from microgradx.data import spiral\n"
    "from microgradx.train import Trainer\n"
    "from microgradx.widgets import GraphWidget, Throttle\n"
    "from microgradx.widgets.dashboard import build_model\n"
    "data = spiral(200, seed=0)\n"
    "model = build_model(2, (8, 8), seed=0)\n"
    "graph = GraphWidget(model=model, data=data, sample=3)\n"
    "graph",
    "trainer = Trainer(model, 'hinge', 'sgd', data, lr=0.03, batch_size=10, seed=0)\n"
    "throttle = Throttle(graph.update)  # the dashboard's default: at most 20 frames/s, 10% of the time\n"
    "trainer.subscribe(lambda event: throttle.request())\n"
    "threading.Thread(target=trainer.fit, args=(STEPS,), daemon=True).start()",
]

COUNT = """root => {
    window.__mgx = {graph: 0, boundary: 0};
    const graph = root.querySelector('.mgx-graph');
    const all = {subtree: true, childList: true, characterData: true};
    if (graph) new MutationObserver(() => window.__mgx.graph++).observe(graph, all);
    const img = root.querySelector('img.mgx-boundary');
    const src = {attributes: true, attributeFilter: ['src']};
    if (img) new MutationObserver(() => window.__mgx.boundary++).observe(img, src);
}"""


def notebook(folder: Path, name: str, cells: list[str]) -> None:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nbformat.write(nb, str(folder / name))


def count(page, root, seconds: float) -> dict:
    root.evaluate(COUNT)
    t0 = time.monotonic()
    page.wait_for_timeout(seconds * 1000)
    got = page.evaluate("() => window.__mgx")
    elapsed = time.monotonic() - t0
    return {k: v / elapsed for k, v in got.items()}


def run(seconds: float = 10.0) -> dict:
    from playwright.sync_api import sync_playwright

    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        lab = Lab(Path(tmp))
        try:
            lab.wait_until_up()
            notebook(lab.dir, "bench_dashboard.ipynb", DASHBOARD)
            notebook(lab.dir, "bench_alone.ipynb", [ALONE[0], ALONE[1].replace("STEPS", str(10**6))])
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS, headless=True)
                page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
                page.set_default_timeout(60_000)
                panel = open_notebook(page, lab, "bench_dashboard.ipynb")
                run_all_cells(page, panel)
                dashboard = panel.locator(".mgx-dashboard").first
                dashboard.locator("button.mgx-play").click()
                page.wait_for_timeout(3000)  # past the first frames
                out["dashboard"] = count(page, dashboard, seconds)
                dashboard.locator("button.mgx-play").click()
                panel = open_notebook(page, lab, "bench_alone.ipynb")
                run_all_cells(page, panel)
                page.wait_for_timeout(3000)
                out["alone"] = count(page, panel.locator(".mgx-graph-widget").first, seconds)
                browser.close()
        finally:
            lab.stop()
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args(argv)
    got = run(args.seconds)
    d, a = got["dashboard"], got["alone"]
    print(f"dashboard (Tensor 2-8-8-1, spiral, Play): {d['graph']:.1f} graph frames/s, {d['boundary']:.1f} boundary/s")
    print(f"GraphWidget alone (Tensor 2-8-8-1, spiral, default throttle): {a['graph']:.1f} graph frames/s")


if __name__ == "__main__":
    main()
