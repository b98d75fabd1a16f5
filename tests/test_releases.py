"""A fresh machine installs what the figures were checked on: the frameworks pinned in pyproject.toml,
every test dependency pinned in constraints/test.txt, and scripts/test installing with both."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
LOCK = (ROOT / "constraints" / "test.txt").read_text()
FRAMEWORKS = {"torch": "2.13.0", "keras": "3.15.1", "transformers": "5.25.0"}


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def locked() -> dict[str, str]:
    pins = {}
    for line in LOCK.splitlines():
        if line and not line.startswith("#"):
            name, sep, release = line.partition("==")
            assert sep and release and "+" not in release, f"constraints/test.txt: {line!r} is not name==release"
            pins[canonical(name)] = release
    return pins


def requirement_names(requirements: list[str]) -> list[str]:
    return [canonical(re.split(r"[<>=!~\[; ]", r, maxsplit=1)[0]) for r in requirements]


def test_the_frameworks_are_pinned_exactly_in_pyproject_and_the_lock():
    extras = PYPROJECT["project"]["optional-dependencies"]["frameworks"]
    assert sorted(extras) == sorted(f"{name}=={release}" for name, release in FRAMEWORKS.items())
    pins = locked()
    for name, release in FRAMEWORKS.items():
        assert pins[name] == release


@pytest.mark.parametrize("name", sorted(FRAMEWORKS))
def test_the_installed_framework_is_the_pinned_release(name):
    try:
        installed = version(name)
    except PackageNotFoundError:
        pytest.skip(f"{name} is not installed")
    assert installed.split("+")[0] == FRAMEWORKS[name], f"{name} {installed} is installed, {FRAMEWORKS[name]} pinned"


def test_the_lock_pins_every_dependency_pyproject_names():
    project = PYPROJECT["project"]
    named = requirement_names(project["dependencies"])
    for extra in ("test", "frameworks"):
        named += requirement_names(project["optional-dependencies"][extra])
    missing = sorted(set(named) - set(locked()))
    assert missing == [], f"not in constraints/test.txt (run bash scripts/lock): {missing}"


def test_scripts_test_installs_with_the_lock_and_waits_for_apt():
    script = (ROOT / "scripts" / "test").read_text()
    assert "-c constraints/test.txt" in script
    calls = [line for line in script.splitlines() if "apt-get" in line and not line.lstrip().startswith("#")]
    assert calls and all("-o DPkg::Lock::Timeout=600" in line for line in calls)
    lock = (ROOT / "scripts" / "lock").read_text()
    assert "constraints/test.txt" in lock and "pip freeze" in lock


def test_hypothesis_sets_no_deadline():
    from hypothesis import settings

    assert settings.default.deadline is None
