"""Points you draw, in a real JupyterLab + Chromium (the fixtures of test_browser.py).

A notebook written here shows a dashboard; the test chooses a class under the output plane and clicks the
plane as a learner would: the point appears where the click landed (its SVG circle) and is in `dash.data`
(a cell run again prints it). Then, while playing, it draws, shift-clicks, erases, clears and presses
Play, Pause, Step and Reset in turn: the step counter goes on after each drawing, stops on Pause, and an
empty plane stops training with a message. Screenshots go to artifacts/browser/.
"""

from __future__ import annotations

import re
import time

import pytest
from test_browser import (  # noqa: F401 (fixtures)
    browser,
    chromium_path,
    lab,
    open_notebook,
    page,
    run_all_cells,
    screenshot,
)

pytestmark = pytest.mark.browser

CELLS = [
    "from microgradx.widgets import TrainingDashboard\n"
    "dash = TrainingDashboard(hidden=(6,), seed=0, speed=50, test_ratio=0.5)\n"
    "dash",
    "print(len(dash.data.X), len(dash.data.X_test), dash.data.name, dash.data.y[-6:].tolist(),\n"
    "      dash.boundary._to_pixels(dash.data.X[-1:]).round(1).tolist())",
]


def _notebook(server) -> str:
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(code) for code in CELLS]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    (server.dir / "draw_probe.ipynb").write_text(nbformat.writes(nb))
    return "draw_probe.ipynb"


def _circles(dash) -> list[tuple[float, float, str]]:
    """(cx, cy, ring colour) of every point's circle on the plane."""
    return [
        tuple(c)
        for c in dash.locator(".mgx-boundary-points circle:not(.mgx-selected)").evaluate_all(
            "cs => cs.map(c => [+c.getAttribute('cx'), +c.getAttribute('cy'), c.getAttribute('fill')])"
        )
    ]


def _step(counter) -> int:
    return int(re.search(r"\d+", counter.inner_text()).group())


def _wait_for_count(tab, dash, n: int, timeout: float = 15.0) -> list:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        circles = _circles(dash)
        if len(circles) == n:
            return circles
        tab.wait_for_timeout(100)
    raise AssertionError(f"expected {n} points on the plane, saw {len(_circles(dash))}")


def _kernel_says(tab, panel) -> str:
    """Run the notebook's second cell again (the kernel's own dash.data) and return what it prints."""
    cell = panel.locator(".jp-CodeCell").nth(1)
    before = cell.locator(".jp-OutputArea-output").inner_text() if cell.locator(".jp-OutputArea-output").count() else ""
    cell.locator(".jp-InputArea-editor").click()
    tab.keyboard.press("Shift+Enter")
    for _ in range(100):
        out = cell.locator(".jp-OutputArea-output")
        if out.count() and out.inner_text() != before:
            return out.inner_text()
        tab.wait_for_timeout(100)
    return cell.locator(".jp-OutputArea-output").inner_text()


def test_a_real_click_adds_a_point_where_it_lands_and_drawing_while_playing(lab, page):  # noqa: F811 (fixtures)
    from playwright.sync_api import expect

    panel = open_notebook(page, lab, _notebook(lab))
    run_all_cells(page, panel)
    dash = panel.locator(".mgx-dashboard").first
    expect(dash).to_be_visible()
    dash.scroll_into_view_if_needed()
    selector = dash.locator(".mgx-draw button")
    expect(selector).to_have_text(["off", "-1", "1", "erase"])
    image = dash.locator("img.mgx-boundary")
    start = _circles(dash)
    assert len(start) == 200
    screenshot(page, "draw-ready")

    # off: a click on the plane changes nothing
    box = image.bounding_box()
    page.mouse.click(box["x"] + 150, box["y"] + 150)
    page.wait_for_timeout(500)
    assert len(_circles(dash)) == 200

    # class 1: the point appears where the click landed, and the kernel has it
    hint = dash.locator(".mgx-draw-hint")
    selector.nth(2).click()
    expect(hint).to_contain_text("class 1")
    clicks = [(60, 80), (240, 40), (120, 250)]
    for i, (x, y) in enumerate(clicks):
        page.mouse.click(box["x"] + x, box["y"] + y)
        after = _wait_for_count(page, dash, 201 + i)
        (cx, cy, fill), *_ = set(after) - set(start)
        start = after
        assert abs(cx - x) <= 1.0 and abs(cy - y) <= 1.0, f"clicked at ({x}, {y}), the point is at ({cx}, {cy})"
    menu = dash.locator(".widget-dropdown").filter(has=page.locator("label", has_text=re.compile("^data$")))
    expect(menu.locator("select")).to_have_value("drawn")
    said = _kernel_says(page, panel)
    assert said.startswith("103 100 drawn [") and said.split("]")[0].endswith("1, 1, 1"), said
    px, py = map(float, re.findall(r"[-\d.]+", said.split("]", 1)[1])[:2])
    assert abs(px - 120) <= 1.0 and abs(py - 250) <= 1.0, said
    dash.scroll_into_view_if_needed()
    screenshot(page, "draw-three-points")

    # while playing: draw, shift-click, erase; the counter goes on after each
    counter, play = dash.locator(".mgx-step-counter"), dash.locator("button.mgx-play")
    play.click()
    expect(play).to_have_text(re.compile("Pause"))
    selector.nth(1).click()  # class -1
    expect(hint).to_contain_text("class -1")  # the kernel has the choice (widget updates may lag a click)
    for x, y in [(30, 30), (270, 270), (30, 270)]:
        page.mouse.click(box["x"] + x, box["y"] + y)
    start = _wait_for_count(page, dash, 206)
    moving = _step(counter)
    page.wait_for_timeout(1000)
    assert _step(counter) > moving, "training stopped after drawing"
    page.keyboard.down("Shift")
    page.mouse.click(box["x"] + 30, box["y"] + 30)  # removes the point just drawn there
    page.keyboard.up("Shift")
    start = _wait_for_count(page, dash, 205)
    assert all(abs(cx - 30) > 4 or abs(cy - 30) > 4 for cx, cy, _ in start)
    selector.nth(3).click()  # erase
    expect(hint).to_contain_text("remove")
    page.mouse.click(box["x"] + 270, box["y"] + 270)
    start = _wait_for_count(page, dash, 204)
    expect(play).to_have_text(re.compile("Pause"))
    moving = _step(counter)
    page.wait_for_timeout(1000)
    assert _step(counter) > moving, "training stopped after erasing"
    screenshot(page, "draw-playing")

    # Pause holds, Step takes one step, Clear empties the plane and says why nothing trains
    play.click()
    expect(play).to_have_text(re.compile("Play"))
    page.wait_for_timeout(500)
    paused = _step(counter)
    page.wait_for_timeout(1500)
    assert _step(counter) == paused, "the counter moved after Pause"
    dash.locator("button.mgx-step").click()
    expect(counter).to_have_text(f"step {paused + 1}")
    play.click()
    expect(play).to_have_text(re.compile("Pause"))
    dash.locator("button.mgx-clear").click()
    _wait_for_count(page, dash, 0)
    expect(dash.locator(".mgx-status")).to_contain_text("No training points")
    expect(play).to_have_text(re.compile("Play"))
    cleared = _step(counter)
    play.click()  # nothing to train on: stays stopped
    page.wait_for_timeout(1000)
    expect(play).to_have_text(re.compile("Play"))
    assert _step(counter) == cleared
    screenshot(page, "draw-cleared")

    # draw a few again: Play trains on them; Reset goes back to step 0 and keeps the drawing
    selector.nth(2).click()
    expect(hint).to_contain_text("class 1")
    for x, y in [(80, 80), (100, 90), (90, 110)]:
        page.mouse.click(box["x"] + x, box["y"] + y)
    _wait_for_count(page, dash, 3)
    selector.nth(1).click()
    expect(hint).to_contain_text("class -1")
    for x, y in [(220, 220), (200, 230), (230, 200)]:
        page.mouse.click(box["x"] + x, box["y"] + y)
    _wait_for_count(page, dash, 6)
    expect(dash.locator(".mgx-status")).to_have_text("")
    play.click()
    expect(play).to_have_text(re.compile("Pause"))
    page.wait_for_timeout(3000)
    assert _step(counter) > cleared
    screenshot(page, "draw-six-points-training")
    dash.locator("button.mgx-reset").click()
    expect(counter).to_have_text("step 0")
    expect(play).to_have_text(re.compile("Play"))
    assert len(_circles(dash)) == 6
    said = _kernel_says(page, panel)
    assert said.startswith("6 0 drawn [1, 1, 1, -1, -1, -1] "), said
    dash.scroll_into_view_if_needed()
    screenshot(page, "draw-reset")


K_CELLS = [
    "from microgradx.widgets import TrainingDashboard\n"
    "three = TrainingDashboard(dataset='spiral', classes=3, hidden=(16, 16), seed=0, speed=None, lr=0.3,\n"
    "                          batch_size='all', test_ratio=0.3)\n"
    "three",
    "print(three.data, three.data.y[-1], three.trainer_loss)",
]


def test_three_classes_drawn_while_playing(lab, page):  # noqa: F811 (fixtures)
    import nbformat
    from playwright.sync_api import expect

    from microgradx.plot import class_colours

    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(code) for code in K_CELLS]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    (lab.dir / "draw_k.ipynb").write_text(nbformat.writes(nb))
    panel = open_notebook(page, lab, "draw_k.ipynb")
    run_all_cells(page, panel)
    dash = panel.locator(".mgx-dashboard").first
    dash.scroll_into_view_if_needed()
    selector, hint = dash.locator(".mgx-draw button"), dash.locator(".mgx-draw-hint")
    expect(selector).to_have_text(["off", "0", "1", "2", "erase"])
    menu = dash.locator(".widget-dropdown").filter(has=page.locator("label", has_text=re.compile("^classes$")))
    expect(menu.locator("select")).to_have_value("3")
    play, counter = dash.locator("button.mgx-play"), dash.locator(".mgx-step-counter")
    play.click()
    expect(play).to_have_text(re.compile("Pause"))
    page.wait_for_timeout(4000)
    selector.nth(3).click()  # class 2
    expect(hint).to_contain_text("class 2")
    box = dash.locator("img.mgx-boundary").bounding_box()
    before = set(_circles(dash))
    page.mouse.click(box["x"] + 40, box["y"] + 260)
    after = _wait_for_count(page, dash, len(before) + 1)
    ((cx, cy, fill),) = set(after) - before
    assert abs(cx - 40) <= 1 and abs(cy - 260) <= 1 and fill == class_colours(3)[2]
    moving = _step(counter)
    page.wait_for_timeout(1500)
    assert _step(counter) > moving
    screenshot(page, "draw-three-classes")
    play.click()
    expect(play).to_have_text(re.compile("Play"))
    said = _kernel_says(page, panel)
    assert "classes=3" in said and said.split(")")[1].split()[:2] == ["2", "cross_entropy"], said
