"""person links: a supervisor's merge of two people's contacts, or split of one record from a person

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 16:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "person_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("name_key", sa.String(length=160), nullable=False),
        sa.Column("dob", sa.String(length=20), nullable=False, server_default=""),
        sa.Column("other_name_key", sa.String(length=160), nullable=False, server_default=""),
        sa.Column("other_dob", sa.String(length=20), nullable=False, server_default=""),
        sa.Column("record_kind", sa.String(length=16), nullable=False, server_default=""),
        sa.Column("record_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by", sa.String(length=80), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        # A merge names two people; a split names a person and one of their records. The database holds that shape.
        sa.CheckConstraint(
            "(kind = 'merge' AND length(other_name_key) > 0 AND record_id IS NULL) OR "
            "(kind = 'split' AND record_kind IN ('welfare_check', 'citation') AND record_id IS NOT NULL)",
            name="ck_person_links_shape",
        ),
        sa.CheckConstraint("length(name_key) > 0 AND length(reason) > 0", name="ck_person_links_named"),
    )
    op.create_index("ix_person_links_name_key", "person_links", ["name_key"])
    op.create_index("ix_person_links_other_name_key", "person_links", ["other_name_key"])


def downgrade() -> None:
    op.drop_index("ix_person_links_other_name_key", table_name="person_links")
    op.drop_index("ix_person_links_name_key", table_name="person_links")
    op.drop_table("person_links")
