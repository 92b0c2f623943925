"""Fixtures for the widget tests: a task runner of their own and cheap password hashing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from data import auth
from tests.data.helpers import FAST_HASHER
from widgets.tasks import TaskRunner


@pytest.fixture
def runner(qloop) -> Iterator[TaskRunner]:
    tasks = TaskRunner()
    yield tasks
    tasks.shutdown()


@pytest.fixture
def fast_hashing(monkeypatch) -> None:
    """Argon2 at its cheapest: the tests sign in often, and the real cost is tested in tests/data."""
    monkeypatch.setattr(auth, "HASHER", FAST_HASHER)
