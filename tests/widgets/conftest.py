"""Fixtures for the widget tests: a task runner of their own and cheap password hashing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher

from data import auth
from widgets.tasks import TaskRunner


@pytest.fixture
def runner(qloop) -> Iterator[TaskRunner]:
    tasks = TaskRunner()
    yield tasks
    tasks.shutdown()


@pytest.fixture
def fast_hashing(monkeypatch) -> None:
    """Argon2 at its cheapest: the tests sign in often, and the real cost is tested in tests/data."""
    monkeypatch.setattr(auth, "HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
