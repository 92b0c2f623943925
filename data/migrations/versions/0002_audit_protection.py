"""audit protection: audit_log and incident_events accept INSERT only

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 05:00:00

The triggers refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL) whoever asks, the schema owner
included; a correction is a new entry. Incident and citation numbers stay on the `counters` row
(updated, row-locked, in the action's own transaction) rather than a sequence: a sequence value is
used up by every rolled-back action, and citation numbers must be accountable without gaps.

SQLite: a later batch migration that rebuilds one of these tables must create its triggers again.
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

APPEND_ONLY = ("audit_log", "incident_events")

PG_REFUSE_CHANGE = """
CREATE OR REPLACE FUNCTION cso_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Record a correction as a new entry.';
END
$$
"""


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(PG_REFUSE_CHANGE)
        for table in APPEND_ONLY:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION cso_refuse_change()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION cso_refuse_change()"
            )
    elif dialect == "sqlite":
        for table in APPEND_ONLY:
            for statement in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{statement.lower()} BEFORE {statement} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {statement} refused'); END"
                )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for table in APPEND_ONLY:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute("DROP FUNCTION IF EXISTS cso_refuse_change()")
    elif dialect == "sqlite":
        for table in APPEND_ONLY:
            for statement in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{statement}")
