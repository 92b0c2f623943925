"""audit_log.action_key: one random key per action, so a console can ask the server which of its actions it has

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN, not a batch: SQLite's batch mode copies the table and would drop the
    # append-only triggers of migration 0002. A nullable column needs no copy on either database.
    op.add_column("audit_log", sa.Column("action_key", sa.String(length=32), nullable=True))
    op.create_index("ix_audit_log_action_key", "audit_log", ["action_key"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_audit_log_action_key", table_name="audit_log")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_column("action_key")
