"""The data tests run on the embedded SQLite file and on the local PostgreSQL server alike."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from data.db import Database


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path, clock) -> Iterator[Database]:
    if request.param == "sqlite":
        database = Database(f"sqlite:///{tmp_path / 'cso.sqlite3'}", clock=clock)
    else:
        database = Database(request.getfixturevalue("pg_url"), clock=clock)
    yield database
    database.dispose()
