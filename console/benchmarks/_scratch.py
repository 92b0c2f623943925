"""A database the benchmarks create on the local PostgreSQL server for one run and drop afterwards."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import OperationalError

PG_ADMIN_URL = os.environ.get("CSO_BENCH_PG_ADMIN", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@contextmanager
def scratch_postgresql(admin_url: str = PG_ADMIN_URL) -> Iterator[str]:
    """Yields the URL of a fresh, empty database; dropped (connections and all) when the block ends."""
    name = f"cso_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    for attempt in range(5):
        try:
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            break
        except OperationalError as exc:
            # Another CREATE DATABASE copying template1 at the same moment: wait and retry.
            if "being accessed by other users" not in str(exc) or attempt == 4:
                raise
            time.sleep(0.5 * (attempt + 1))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
