"""eido transfers: calls other agencies transfer in, their identifiers, and the outbox of updates owed to them

Revision ID: 0007
Revises: 0004
Create Date: 2026-11-27 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("transferred_from", sa.String(length=200), nullable=True))

    op.create_table(
        "eido_transfers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("agency", sa.String(length=300), nullable=False),
        sa.Column("agency_name", sa.String(length=200), nullable=False),
        sa.Column("issuing_element", sa.String(length=300), nullable=False),
        sa.Column("their_incident", sa.String(length=300), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("taken", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("incident_id"),
    )
    op.create_table(
        "eido_identifiers",
        sa.Column("identifier", sa.String(length=300), nullable=False),
        sa.Column("transfer_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["transfer_id"], ["eido_transfers.id"]),
        sa.PrimaryKeyConstraint("identifier"),
    )
    with op.batch_alter_table("eido_identifiers", schema=None) as batch_op:
        batch_op.create_index("ix_eido_identifiers_transfer_id", ["transfer_id"], unique=False)
    op.create_table(
        "eido_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("transfer_id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("staged_in", sa.Text(), nullable=True),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"]),
        sa.ForeignKeyConstraint(["transfer_id"], ["eido_transfers.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("eido_outbox", schema=None) as batch_op:
        batch_op.create_index("ix_eido_outbox_transfer_id", ["transfer_id"], unique=False)
        batch_op.create_index("ix_eido_outbox_written_at", ["written_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("eido_outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_eido_outbox_written_at")
        batch_op.drop_index("ix_eido_outbox_transfer_id")
    op.drop_table("eido_outbox")
    with op.batch_alter_table("eido_identifiers", schema=None) as batch_op:
        batch_op.drop_index("ix_eido_identifiers_transfer_id")
    op.drop_table("eido_identifiers")
    op.drop_table("eido_transfers")
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_column("transferred_from")
