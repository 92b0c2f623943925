"""audit chain: audit_log and incident_events sealed in hash chains; PostgreSQL guards for privileged actions

Revision ID: 0011
Revises: 0008
Create Date: 2026-12-02 15:00:00

Each row of audit_log and incident_events gets its number in the chain and its seal, sha256 over the
previous seal and its own fields (data.audit_chain has the formula; cso_seal() below is the same one in
SQL). chain_heads keeps each chain's last number and seal. Existing rows are sealed here, in id order.

On PostgreSQL a trigger seals every inserted row, whoever inserts it (the function runs as the owner, so
workstations need no rights on chain_heads). On SQLite the console seals the rows it writes and a trigger
refuses a row that arrives without a seal.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0008"
branch_labels = None
depends_on = None

CHAINED = ("audit_log", "incident_events")

# Mirrors data.audit_chain.SEALED: the SQL text of each sealed field, in order.
PG_FIELDS = {
    "audit_log": (
        "cso_chain_time(NEW.at)",
        "NEW.username",
        "NEW.workstation",
        "NEW.action",
        "NEW.entity",
        "NEW.entity_id::text",
        "NEW.outcome",
        "NEW.before::text",
        "NEW.after::text",
        "NEW.action_key",
    ),
    "incident_events": (
        "NEW.incident_id::text",
        "cso_chain_time(NEW.at)",
        "NEW.kind",
        "NEW.text",
        "NEW.unit_id::text",
        "NEW.author",
        "NEW.workstation",
    ),
}


def _pg_seal_function() -> str:
    branches = []
    for table, fields in PG_FIELDS.items():
        body = " || '|' || ".join(f"cso_chain_text({f})" for f in fields)
        branches.append(f"IF TG_TABLE_NAME = '{table}' THEN body := {body};")
    chooser = "\n        ELS".join(branches) + "\n        END IF;"
    return f"""
CREATE OR REPLACE FUNCTION cso_seal() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    head_seq bigint;
    head_hash text;
    body text;
BEGIN
    -- The head's row lock orders every writer of this chain; what a client sent is overwritten.
    SELECT seq, hash INTO head_seq, head_hash FROM chain_heads WHERE name = TG_TABLE_NAME FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'the % chain has no head row', TG_TABLE_NAME;
    END IF;
        {chooser}
    NEW.chain_seq := head_seq + 1;
    NEW.row_hash := encode(sha256(convert_to(head_hash || '|' || NEW.chain_seq::text || '|' || body, 'UTF8')), 'hex');
    UPDATE chain_heads SET seq = NEW.chain_seq, hash = NEW.row_hash WHERE name = TG_TABLE_NAME;
    RETURN NEW;
END
$$
"""


PG_HELPERS = (
    """
CREATE OR REPLACE FUNCTION cso_chain_text(v text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT CASE WHEN v IS NULL THEN '-' ELSE length(v)::text || ':' || v END $$
""",
    """
CREATE OR REPLACE FUNCTION cso_chain_time(v timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT to_char(v AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') $$
""",
)


def _seal_existing(dialect: str) -> None:
    """Seal the rows written before this migration, in id order, and set each chain's head."""
    from data.audit_chain import GENESIS, JSON_FIELDS, SEALED, field_text, seal

    bind = op.get_bind()
    for table in CHAINED:
        t = sa.table(table, sa.column("id"), *(sa.column(n) for n in SEALED[table]))
        columns = [
            sa.cast(t.c[n], sa.Text).label(n) if n in JSON_FIELDS else t.c[n] for n in SEALED[table]
        ]
        rows = bind.execute(sa.select(t.c.id, *columns).order_by(t.c.id)).all()
        previous, updates = GENESIS, []
        for seq, row in enumerate(rows, start=1):
            texts = [field_text(_as_time(v, dialect) if n == "at" else v) for n, v in zip(SEALED[table], row[1:])]
            previous = seal(previous, seq, texts)
            updates.append({"rid": row[0], "seq": seq, "hash": previous})
        if updates:
            bind.execute(
                sa.text(f"UPDATE {table} SET chain_seq = :seq, row_hash = :hash WHERE id = :rid"), updates
            )
        bind.execute(
            sa.text("INSERT INTO chain_heads (name, seq, hash) VALUES (:n, :s, :h)"),
            {"n": table, "s": len(rows), "h": previous},
        )


def _as_time(value, dialect: str):
    """A stored time as the aware datetime the console reads (SQLite keeps text without the offset)."""
    import datetime as dt

    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in CHAINED:
        # Plain ADD COLUMN, no batch: SQLite's batch copy would drop the append-only triggers of 0002.
        op.add_column(table, sa.Column("chain_seq", sa.BigInteger(), nullable=True))
        op.add_column(table, sa.Column("row_hash", sa.String(length=64), nullable=True))
        op.create_index(f"ix_{table}_chain_seq", table, ["chain_seq"], unique=True)
    op.create_table(
        "chain_heads",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    if dialect == "postgresql":
        for table in CHAINED:
            op.execute(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only")
        _seal_existing(dialect)
        for table in CHAINED:
            op.execute(f"ALTER TABLE {table} ENABLE TRIGGER {table}_append_only")
        for statement in PG_HELPERS:
            op.execute(statement)
        op.execute(_pg_seal_function())
        for table in CHAINED:
            op.execute(f"CREATE TRIGGER {table}_seal BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION cso_seal()")
    elif dialect == "sqlite":
        for table in CHAINED:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
        _seal_existing(dialect)
        for table in CHAINED:
            op.execute(
                f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: UPDATE refused'); END"
            )
            op.execute(
                f"CREATE TRIGGER {table}_sealed BEFORE INSERT ON {table} WHEN NEW.row_hash IS NULL "
                f"BEGIN SELECT RAISE(ABORT, '{table} rows are sealed by the console: unsealed INSERT refused'); END"
            )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for table in CHAINED:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_seal ON {table}")
        op.execute("DROP FUNCTION IF EXISTS cso_seal()")
        op.execute("DROP FUNCTION IF EXISTS cso_chain_time(timestamptz)")
        op.execute("DROP FUNCTION IF EXISTS cso_chain_text(text)")
    elif dialect == "sqlite":
        for table in CHAINED:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_sealed")
    op.drop_table("chain_heads")
    for table in CHAINED:
        op.drop_index(f"ix_{table}_chain_seq", table_name=table)
        if dialect == "sqlite":
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("row_hash")
            batch_op.drop_column("chain_seq")
        if dialect == "sqlite":
            for statement in ("UPDATE", "DELETE"):
                op.execute(
                    f"CREATE TRIGGER {table}_no_{statement.lower()} BEFORE {statement} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {statement} refused'); END"
                )
