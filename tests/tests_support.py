"""Helpers shared by the tests."""

from __future__ import annotations

import importlib.util
import os

import pytest


def require(module: str) -> None:
    """Skip without ``module`` on a developer's machine; fail in CI, which must run every check."""
    if importlib.util.find_spec(module) is None:
        if os.environ.get("CI"):
            pytest.fail(f"{module} is not installed: CI must run the framework cross-checks")
        pytest.skip(f"{module} is not installed")
