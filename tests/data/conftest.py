"""The data tests run on the embedded SQLite file and on the local PostgreSQL server alike."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from data.db import Database
from tests.conftest import sqlite_database


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path, clock, sqlite_template) -> Iterator[Database]:
    if request.param == "sqlite":
        database = sqlite_database(sqlite_template, tmp_path, clock)
    else:
        database = Database(request.getfixturevalue("pg_url"), clock=clock)
    yield database
    database.dispose()
