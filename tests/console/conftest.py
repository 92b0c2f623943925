"""Fixtures for the console tests: one populated shift per test module."""

from __future__ import annotations

import pytest

from tests.console.paperwork_helpers import populated_database


@pytest.fixture(scope="module")
def shift(tmp_path_factory):
    """(db, populated): a simulated 8-hour shift of 30 incidents, shared by one module's tests."""
    db, _clock, populated = populated_database(tmp_path_factory.mktemp("shift"))
    yield db, populated
    db.dispose()
