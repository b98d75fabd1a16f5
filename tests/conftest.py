import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")

from hypothesis import settings

# No timing deadline anywhere: examples that build framework modules or count large models take
# what a busy machine gives them, and speed is measured in benchmarks/, not asserted here. The
# profile keeps what hypothesis chose for the machine (on CI: derandomized, no database).
settings.register_profile("quizgen", parent=settings.default, deadline=None)
settings.load_profile("quizgen")


CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed: CI must run the browser tests")
        pytest.skip("chromium is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield b
        b.close()
