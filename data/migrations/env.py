"""Alembic environment: runs on the connection the console hands over (see data.db)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from data.models import Base

config = context.config
connection = config.attributes.get("connection")

if connection is None:  # command-line use: alembic -x url=...
    url = context.get_x_argument(as_dictionary=True).get("url", "sqlite:///cso-console.sqlite3")
    with create_engine(url).begin() as conn:
        context.configure(connection=conn, target_metadata=Base.metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
