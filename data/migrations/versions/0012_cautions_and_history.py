"""cautions at a place (text, category, Sheriff-first flag, author, start and expiry) and the index of incidents by point

Revision ID: 0012
Revises: 0008
Create Date: 2026-12-02 14:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

CATEGORIES = "('safety', 'access', 'medical', 'other')"
HISTORY_COLUMNS = ("id", "number", "call_type", "status", "location", "disposition_code")


def upgrade() -> None:
    op.create_table(
        "cautions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("location", sa.String(length=300), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("radius_m", sa.Float(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=12), nullable=False),
        sa.Column("sheriff_first", sa.Boolean(), nullable=False),
        sa.Column("author", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by", sa.String(length=80), nullable=True),
        sa.Column("end_reason", sa.Text(), nullable=False, server_default=""),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        # The database holds the shape of a caution whoever writes it; the pack's longest lifetime is the service's.
        sa.CheckConstraint(f"category IN {CATEGORIES}", name="ck_cautions_category"),
        sa.CheckConstraint("expires_at > starts_at", name="ck_cautions_expiry_after_start"),
        sa.CheckConstraint("radius_m > 0 AND radius_m <= 1000", name="ck_cautions_radius"),
        sa.CheckConstraint("length(text) > 0", name="ck_cautions_text"),
    )
    op.create_index("ix_cautions_latitude_longitude", "cautions", ["latitude", "longitude"])
    op.create_index("ix_cautions_expires_at", "cautions", ["expires_at"])
    # Location history: incidents near a point over a year read a narrow band of this index, not the table.
    # On PostgreSQL the index also carries what the history lists, so the band is read from the index alone.
    op.create_index(
        "ix_incidents_point",
        "incidents",
        ["latitude", "longitude", "received_at"],
        postgresql_include=list(HISTORY_COLUMNS),
    )
    # Incidents saved without a map point are found by their address as typed (case-insensitive); the
    # latitude beside it lets a lookup with a point read only those without one (the rest are found by point).
    op.create_index("ix_incidents_location_lower", "incidents", [sa.text("lower(location)"), "latitude"])


def downgrade() -> None:
    op.drop_index("ix_incidents_location_lower", table_name="incidents")
    op.drop_index("ix_incidents_point", table_name="incidents")
    op.drop_index("ix_cautions_expires_at", table_name="cautions")
    op.drop_index("ix_cautions_latitude_longitude", table_name="cautions")
    op.drop_table("cautions")
