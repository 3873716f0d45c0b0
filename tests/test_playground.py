"""`microgradx playground` in a real browser: the page loads, Play moves the step counter, Pause stops it."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import require_program

from microgradx.cli import main
from microgradx.playground import command

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "artifacts" / "browser"


def _step(counter) -> int:
    return int(re.search(r"\d+", counter.inner_text()).group())


@pytest.fixture
def playground(tmp_path):
    """`python -m microgradx playground` in its own process group; its URL, read from what it prints."""
    log = open(tmp_path / "playground.log", "w+")  # noqa: SIM115 (closed below)
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"), "IPYTHONDIR": str(tmp_path / "ipython")}
    process = subprocess.Popen(
        [sys.executable, "-m", "microgradx", "playground"],
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
        env=env,
        start_new_session=True,
    )
    try:
        line = process.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:\d+/", line)
        assert match, f"no URL in {line!r}"
        yield match.group()
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # the group this test started: the command and its Voila
        process.wait(timeout=30)
        process.stdout.close()
        log.seek(0)
        (ARTIFACTS / "playground-voila.log").parent.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / "playground-voila.log").write_text(log.read()[-20000:])
        log.close()


@pytest.mark.browser
def test_playground_page_plays_and_pauses(playground):
    chromium = require_program("chromium", "apt-get install chromium")
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"], headless=True)
        try:
            page = browser.new_page(viewport={"width": 1300, "height": 900})
            page.set_default_timeout(90_000)
            deadline = time.monotonic() + 60
            while True:  # Voila may need a moment before it answers
                try:
                    page.goto(playground)
                    break
                except Exception:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.5)
            dashboard = page.locator(".mgx-dashboard")
            counter, play = dashboard.locator(".mgx-step-counter"), dashboard.locator("button.mgx-play")
            expect(counter).to_have_text("step 0")
            expect(dashboard.locator("img.mgx-boundary")).to_be_visible()
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "playground-loaded.png"), full_page=True)
            assert "TrainingDashboard(" not in page.inner_text("body")  # the page shows the dashboard, not the code

            play.click()
            expect(play).to_have_text(re.compile("Pause"))
            page.wait_for_function(
                "el => /step ([1-9]\\d*)/.test(el.textContent)", arg=counter.element_handle(), timeout=60_000
            )
            page.wait_for_timeout(1000)
            page.screenshot(path=str(ARTIFACTS / "playground-playing.png"), full_page=True)
            play.click()  # Pause
            expect(play).to_have_text(re.compile("Play"))
            page.wait_for_timeout(700)  # the last frame after the pause is on its way
            paused_at = _step(counter)
            assert paused_at > 0
            page.wait_for_timeout(2000)
            assert _step(counter) == paused_at, "the step counter kept moving after Pause"
            page.screenshot(path=str(ARTIFACTS / "playground-paused.png"), full_page=True)
        finally:
            browser.close()


def test_playground_command_line():
    cmd = command("page.ipynb", 8123)
    assert cmd[:4] == [sys.executable, "-m", "voila", "page.ipynb"]
    assert "--port=8123" in cmd and "--Voila.ip=127.0.0.1" in cmd and "--no-browser" in cmd


def test_playground_bad_arguments(capsys):
    with pytest.raises(SystemExit) as info:
        main(["playground", "--port", "0"])
    assert info.value.code == 2
    assert "argument --port: expected a positive integer, got 0" in capsys.readouterr().err
    from microgradx.playground import serve

    with pytest.raises(ValueError, match=r"serve: port must be an integer in \[1, 65535\], got 70000"):
        serve(port=70000)
    with pytest.raises(ValueError, match="serve: unknown dataset 'moon'"):
        serve(dataset="moon")
