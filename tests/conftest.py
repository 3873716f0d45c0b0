"""Shared test helpers.

A test that needs a system program (`dot`, `chromium`) skips with a reason where the program is missing,
except under CI=true: there a missing program fails the run, so CI cannot go green by skipping.
"""

from __future__ import annotations

import os
import shutil

import pytest


def require_program(name: str, hint: str) -> str:
    """The path of program `name`; skip (locally) or fail (CI=true) when it is not installed."""
    path = shutil.which(name)
    if path:
        return path
    message = f"`{name}` is not installed ({hint})"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message + "; CI=true, so this is a failure, not a skip")
    pytest.skip(message)


@pytest.fixture
def dot_program() -> str:
    return require_program("dot", "apt-get install graphviz")


@pytest.fixture
def chromium_program() -> str:
    return require_program("chromium", "apt-get install chromium")
