"""The test environment: offline, no developer settings, every test in its own folders.
Fixtures live by concern in ``tests/fixtures`` (stores, chat models, servers)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from models.environment import offline_environment

offline_environment(force=True)
for _name in list(os.environ):
    if _name.startswith("ARTICLE_QA_"):
        del os.environ[_name]  # a developer's own settings must not leak into tests

pytest_plugins = [
    "tests.fixtures.stores",
    "tests.fixtures.chat",
    "tests.fixtures.servers",
    "tests.fixtures.browser",
]


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test reads or writes the user's real store or a stray .env."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.chdir(tmp_path)
