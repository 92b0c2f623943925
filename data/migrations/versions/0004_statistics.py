"""supervisor tools: referral follow-up done columns, indexes for statistics and follow-up lists

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 06:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("followed_up_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("followed_up_by", sa.String(length=80), nullable=True))
        batch_op.create_index("ix_referrals_created_at", ["created_at"], unique=False)
        batch_op.create_index("ix_referrals_follow_up_on", ["follow_up_on"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.drop_index("ix_referrals_follow_up_on")
        batch_op.drop_index("ix_referrals_created_at")
        batch_op.drop_column("followed_up_by")
        batch_op.drop_column("followed_up_at")
