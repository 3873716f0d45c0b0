"""Frames a learner sees: boundary pictures delivered per second in real JupyterLab + Chromium during Play.

    python -m bench.browser_dashboard [--seconds 10] [--speed full|N] [--graph]

Starts JupyterLab (as tests/test_browser.py does: this Python's kernel, a token, fresh settings), opens a
notebook with one dashboard on the spiral (a model that is still learning after the measurement), presses
Play and counts, in the page, every new boundary PNG the browser receives (a MutationObserver on the
image's `src`), and the steps the counter shows. Prints one line; the numbers go to the README.
Target (issue 14): >= 15 boundary frames/s.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COUNT_FRAMES = """img => {
    window.mgxFrames = 0;
    new MutationObserver(() => { window.mgxFrames += 1; }).observe(img, {attributes: true, attributeFilter: ['src']});
}"""


def _notebook(folder: Path, speed: str, graph: bool) -> str:
    import nbformat

    speed_arg = "None" if speed == "full" else speed
    code = (
        "from microgradx.widgets import TrainingDashboard\n"
        f"dash = TrainingDashboard(dataset='spiral', hidden=(8, 8, 8), speed={speed_arg}, graph={graph}, seed=0)\n"
        "dash"
    )
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    (folder / "bench_dashboard.ipynb").write_text(nbformat.writes(nb))
    return "bench_dashboard.ipynb"


def measure(seconds: float = 10.0, speed: str = "full", graph: bool = False) -> dict:
    """Frames and steps per second delivered to the page while Play runs for `seconds`."""
    sys.path.insert(0, str(ROOT / "tests"))
    import test_browser as tb  # the JupyterLab fixture code, reused
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        lab = tb.Lab(Path(tmp))
        try:
            lab.wait_until_up()
            name = _notebook(lab.dir, speed, graph)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=tb.CHROMIUM_ARGS)
                page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
                page.set_default_timeout(60_000)
                panel = tb.open_notebook(page, lab, name)
                tb.run_all_cells(page, panel)
                dash = panel.locator(".mgx-dashboard").first
                dash.scroll_into_view_if_needed()
                counter = dash.locator(".mgx-step-counter")
                dash.locator("img.mgx-boundary").evaluate(COUNT_FRAMES)
                start, t0 = _step(counter), time.monotonic()
                dash.locator("button.mgx-play").click()
                page.wait_for_timeout(seconds * 1000)
                frames, elapsed = page.evaluate("window.mgxFrames"), time.monotonic() - t0
                steps = _step(counter) - start
                stats = dash.locator(".mgx-stats").inner_text()
                dash.locator("button.mgx-play").click()
                browser.close()
        finally:
            lab.stop()
    return {"frames_per_s": frames / elapsed, "steps_per_s": steps / elapsed, "stats": stats, "seconds": elapsed}


def _step(counter) -> int:
    return int(re.search(r"\d+", counter.inner_text()).group())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--speed", default="full", help="steps per second while playing, or 'full'")
    parser.add_argument("--graph", action="store_true", help="with the graph panel")
    args = parser.parse_args()
    r = measure(args.seconds, args.speed, args.graph)
    print(
        f"boundary frames delivered: {r['frames_per_s']:.1f}/s (target >= 15); {r['steps_per_s']:.0f} steps/s "
        f"over {r['seconds']:.1f} s, speed={args.speed}, graph={args.graph}; at the end: {r['stats']}"
    )


if __name__ == "__main__":
    main()
