"""The lessons as saved, opened in JupyterLab without running them (an untrusted notebook shows no SVG):
every graph and dashboard output shows its PNG picture."""

from __future__ import annotations

import json

import pytest
from conftest import require_program
from test_browser import CHROMIUM_ARGS, ROOT, Lab, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    chromium = require_program("chromium", "apt-get install chromium")
    server = Lab(tmp_path_factory.mktemp("jupyterlab"))
    try:
        server.wait_until_up()
        yield server, chromium
    finally:
        server.stop()


@pytest.fixture
def page(lab):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=lab[1], args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(60_000)
            yield page
        finally:
            browser.close()


def _pictures(name: str) -> int:
    """How many outputs of the saved lesson carry an image/png."""
    cells = json.loads((ROOT / "notebooks" / name).read_text())["cells"]
    return sum("image/png" in out.get("data", {}) for cell in cells for out in cell.get("outputs", ()))


@pytest.mark.parametrize("name", ["02_neuron_and_graph.ipynb", "04_live_dashboard.ipynb"])
def test_an_untrusted_lesson_shows_its_pictures(lab, page, name):
    from playwright.sync_api import expect

    page.goto(lab[0].notebook_url(name, workspace=f"pictures-{name[:2]}"))
    panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")
    panel.locator(".jp-Cell").first.wait_for()
    images = panel.locator(".jp-OutputArea-output img[src^='data:image/png']")
    expected = _pictures(name)
    assert expected >= 5
    expect(images).to_have_count(expected)
    assert panel.locator(".jp-OutputArea-output svg").count() == 0  # untrusted: the SVGs are not shown
    for i in range(expected):
        size = images.nth(i).evaluate("img => [img.naturalWidth, img.naturalHeight]")
        assert min(size) > 50, f"picture {i} did not decode: {size}"
    images.nth(0).scroll_into_view_if_needed()
    screenshot(page, f"untrusted-{name[:2]}")
