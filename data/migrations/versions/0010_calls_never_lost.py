"""Screening answers are yes, no or not asked; intake drafts survive Escape and a crash

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-02 15:00:00

Before this revision the intake stored an untouched screening question as "no", so a stored false
cannot be told from a question nobody asked. Every stored false becomes "not asked" (the key is
removed); a stored yes stays yes. A downgrade writes the missing answers back as false, as before.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None

QUESTIONS = ("weapon", "violence", "medical", "crime")


def _rewrite_screening(keep: Callable[[dict[str, Any]], dict[str, Any]]) -> None:
    conn = op.get_bind()
    incidents = sa.table("incidents", sa.column("id", sa.Integer), sa.column("screening", sa.JSON))
    for row in conn.execute(sa.select(incidents.c.id, incidents.c.screening)).all():
        value = row.screening
        if isinstance(value, str):
            value = json.loads(value)
        new = keep(dict(value or {}))
        if new != value:
            conn.execute(incidents.update().where(incidents.c.id == row.id).values(screening=new))


def upgrade() -> None:
    op.create_table(
        "intake_drafts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("workstation", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key", name="uq_intake_drafts_key"),
    )
    op.create_index("ix_intake_drafts_owner", "intake_drafts", ["username", "workstation"], unique=False)
    _rewrite_screening(lambda s: {q: v for q, v in s.items() if v is True})


def downgrade() -> None:
    _rewrite_screening(lambda s: {q: s.get(q) is True for q in QUESTIONS})
    op.drop_index("ix_intake_drafts_owner", table_name="intake_drafts")
    op.drop_table("intake_drafts")
