"""audit chain and guards: audit_log and incident_events sealed in hash chains; PostgreSQL guards for privileged actions

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
down_revision = "0010"
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


# PostgreSQL: who may do what, held by the database -------------------------------------------------
# A console signs in through cso_sign_in(): the database compares the argon2 encoding the console made
# with the stored salt (cso_password_salt) to the stored hash, counts failures towards the lockout and
# returns a random token. The console puts the token in the connection setting cso.session; the guards
# below find the signed-in user (and that user's current role in users) from it. Without a token a
# workstation's login acts as a dispatcher. The database owner and superusers are not guarded (they can
# switch triggers off anyway); what they change outside the console is shown by the audit chain.
PG_GUARDS = (
    """
CREATE TABLE cso_sessions (
    token_hash text PRIMARY KEY,
    username varchar(80) NOT NULL,
    workstation varchar(80) NOT NULL DEFAULT '',
    db_login name NOT NULL DEFAULT session_user,
    started_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    ended_at timestamptz
)
""",
    "CREATE TABLE cso_secret (value text NOT NULL)",
    "INSERT INTO cso_secret (value) VALUES (gen_random_uuid()::text || gen_random_uuid()::text)",
    """
CREATE OR REPLACE FUNCTION cso_is_owner() RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = session_user AND rolsuper)
        OR pg_has_role(session_user, (SELECT tableowner FROM pg_tables
                                      WHERE schemaname = 'public' AND tablename = 'audit_log'), 'MEMBER')
$$
""",
    """
CREATE OR REPLACE FUNCTION cso_actor(OUT username text, OUT role text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT u.username::text, u.role::text
    FROM cso_sessions s JOIN users u ON u.username = s.username
    WHERE s.token_hash = encode(sha256(convert_to(coalesce(current_setting('cso.session', true), ''), 'UTF8')), 'hex')
      AND s.ended_at IS NULL AND u.active AND NOT u.locked
$$
""",
    """
CREATE OR REPLACE FUNCTION cso_require(action text, VARIADIC roles text[]) RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    who record;
BEGIN
    IF cso_is_owner() THEN
        RETURN session_user::text;
    END IF;
    SELECT * INTO who FROM cso_actor();
    IF who.username IS NULL THEN
        RAISE EXCEPTION 'only a signed-in % may %', array_to_string(roles, ' or '), action
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Sign in to the console as a ' || array_to_string(roles, ' or ') || '.';
    END IF;
    IF NOT who.role = ANY (roles) THEN
        RAISE EXCEPTION 'a % cannot %', who.role, action USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN who.username;
END
$$
""",
    # Sign-in -----------------------------------------------------------------------------------
    """
CREATE OR REPLACE FUNCTION cso_password_salt(p_username text) RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    stored text;
    model text;
BEGIN
    SELECT password_hash INTO stored FROM users WHERE username = lower(p_username);
    IF stored IS NULL OR stored NOT LIKE '$argon2%' THEN
        -- An unknown name gets a made-up salt that stays the same for that name, with the parameters of
        -- a real account: the console then spends the same time on it as on a real one.
        SELECT password_hash INTO model FROM users WHERE password_hash LIKE '$argon2%' ORDER BY id LIMIT 1;
        model := coalesce(regexp_replace(model, '\\$[^$]*\\$[^$]*$', ''), '$argon2id$v=19$m=65536,t=3,p=4');
        RETURN model || '$' || rtrim(encode(substr(sha256(convert_to((SELECT value FROM cso_secret LIMIT 1)
            || lower(coalesce(p_username, '')), 'UTF8')), 1, 16), 'base64'), '=') || '$43';
    END IF;
    -- Everything but the digest, then the digest's length: the console makes the same encoding.
    RETURN regexp_replace(stored, '\\$[^$]*$', '') || '$' || length(regexp_replace(stored, '^.*\\$', ''));
END
$$
""",
    """
CREATE OR REPLACE FUNCTION cso_sign_in(
    p_username text, p_proof text, p_workstation text, p_keep boolean DEFAULT true, p_at timestamptz DEFAULT NULL
) RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    who users%ROWTYPE;
    name_ text := lower(left(coalesce(p_username, ''), 80));
    ws text := left(coalesce(p_workstation, ''), 80);
    last_success integer;
    failures integer;
    token text;
    now_ timestamptz := clock_timestamp();
BEGIN
    -- The console's clock (which tests replace) is taken from the owner, or when it agrees with the server's.
    IF p_at IS NOT NULL AND (cso_is_owner() OR abs(extract(epoch FROM p_at - now_)) <= 120) THEN
        now_ := p_at;
    END IF;
    SELECT * INTO who FROM users WHERE username = name_ FOR UPDATE;
    IF FOUND AND who.locked THEN
        INSERT INTO login_attempts (username, at, workstation, success) VALUES (name_, now_, ws, false);
        RETURN 'locked';
    END IF;
    SELECT max(id) INTO last_success FROM login_attempts WHERE username = name_ AND success;
    SELECT count(*) INTO failures FROM login_attempts
    WHERE username = name_ AND NOT success AND at >= now_ - interval '15 minutes'
      AND (last_success IS NULL OR id > last_success)
      AND (who.unlocked_at IS NULL OR at > who.unlocked_at);
    IF NOT FOUND OR who.password_hash IS NULL OR p_proof IS NULL OR p_proof <> who.password_hash OR failures >= 5 THEN
        INSERT INTO login_attempts (username, at, workstation, success) VALUES (name_, now_, ws, false);
        RETURN CASE WHEN failures >= 5 THEN 'locked' ELSE 'wrong' END;
    END IF;
    IF NOT who.active THEN
        INSERT INTO login_attempts (username, at, workstation, success) VALUES (name_, now_, ws, false);
        RETURN 'disabled';
    END IF;
    INSERT INTO login_attempts (username, at, workstation, success) VALUES (name_, now_, ws, true);
    IF NOT p_keep THEN
        RETURN 'ok';
    END IF;
    token := replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '');  -- 244 strong random bits
    INSERT INTO cso_sessions (token_hash, username, workstation)
    VALUES (encode(sha256(convert_to(token, 'UTF8')), 'hex'), name_, ws);
    RETURN 'ok:' || token;
END
$$
""",
    """
CREATE OR REPLACE FUNCTION cso_sign_out() RETURNS void
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    UPDATE cso_sessions SET ended_at = clock_timestamp()
    WHERE token_hash = encode(sha256(convert_to(coalesce(current_setting('cso.session', true), ''), 'UTF8')), 'hex')
      AND ended_at IS NULL
$$
""",
    # Guards ------------------------------------------------------------------------------------
    """
CREATE OR REPLACE FUNCTION cso_guard_citation() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF NEW.status IS DISTINCT FROM OLD.status OR NEW.voided_by IS DISTINCT FROM OLD.voided_by
       OR NEW.voided_at IS DISTINCT FROM OLD.voided_at OR NEW.void_reason IS DISTINCT FROM OLD.void_reason THEN
        PERFORM cso_require('void a citation', 'supervisor', 'admin');
        IF NOT cso_is_owner() THEN
            NEW.voided_by := (SELECT username FROM cso_actor());
        END IF;
    END IF;
    RETURN NEW;
END
$$
""",
    """
CREATE OR REPLACE FUNCTION cso_guard_incident() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF OLD.status IN ('cleared', 'cancelled', 'transferred', 'merged') AND NEW.status IS DISTINCT FROM OLD.status THEN
        PERFORM cso_require('reopen a closed incident', 'supervisor', 'admin');
    END IF;
    RETURN NEW;
END
$$
""",
    """
CREATE OR REPLACE FUNCTION cso_guard_user() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF cso_is_owner() THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'INSERT' THEN
        PERFORM cso_require('add a user', 'admin');
        RETURN NEW;
    END IF;
    IF NEW.username IS DISTINCT FROM OLD.username OR NEW.role IS DISTINCT FROM OLD.role
       OR NEW.active IS DISTINCT FROM OLD.active OR NEW.display_name IS DISTINCT FROM OLD.display_name
       OR NEW.created_at IS DISTINCT FROM OLD.created_at OR NEW.unlocked_at IS DISTINCT FROM OLD.unlocked_at
       OR (OLD.locked AND NOT NEW.locked) THEN
        PERFORM cso_require('change a user''s account', 'admin');
    END IF;
    IF NEW.password_hash IS DISTINCT FROM OLD.password_hash
       OR NEW.password_changed_at IS DISTINCT FROM OLD.password_changed_at THEN
        IF coalesce((SELECT username FROM cso_actor()), '') <> OLD.username THEN
            PERFORM cso_require('set another user''s password', 'admin');
        END IF;
    END IF;
    -- Locking an account (the lockout after failed sign-ins) needs no one signed in.
    RETURN NEW;
END
$$
""",
    """
CREATE OR REPLACE FUNCTION cso_number_seq(number text) RETURNS bigint
LANGUAGE sql IMMUTABLE AS $$ SELECT (regexp_match(number, '([0-9]+)$'))[1]::bigint $$
""",
    "CREATE INDEX ix_incidents_number_seq ON incidents (cso_number_seq(number))",
    "CREATE INDEX ix_citations_number_seq ON citations (cso_number_seq(number))",
    """
CREATE OR REPLACE FUNCTION cso_guard_counter() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF cso_is_owner() THEN
        RETURN NEW;
    END IF;
    IF (TG_OP = 'INSERT' AND NEW.value <> 1) OR (TG_OP = 'UPDATE' AND
       (NEW.value <> OLD.value + 1 OR NEW.name IS DISTINCT FROM OLD.name)) THEN
        RAISE EXCEPTION 'counter %: numbers are taken one at a time by the incident or citation that uses them', NEW.name
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$
""",
    """
CREATE OR REPLACE FUNCTION cso_counter_used() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF cso_is_owner() THEN
        RETURN NULL;
    END IF;
    IF NEW.name LIKE 'incident-%' THEN
        PERFORM 1 FROM incidents WHERE cso_number_seq(number) = NEW.value
            AND number LIKE '%' || substr(NEW.name, 10) || '-%';
    ELSIF NEW.name = 'citation' THEN
        PERFORM 1 FROM citations WHERE cso_number_seq(number) = NEW.value;
    ELSE
        RETURN NULL;
    END IF;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'counter % was moved to % without an incident or citation taking that number (numbers stay gapless)',
            NEW.name, NEW.value USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NULL;
END
$$
""",
    """
CREATE OR REPLACE FUNCTION cso_guard_audit() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    who record;
    named_role text;
BEGIN
    IF cso_is_owner() THEN
        RETURN NEW;
    END IF;
    IF NEW.at IS NULL OR abs(extract(epoch FROM NEW.at - clock_timestamp())) > 120 THEN
        RAISE EXCEPTION 'an audit entry is written at the time of the action (% is not now)', NEW.at
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT * INTO who FROM cso_actor();
    IF who.username IS NOT NULL THEN
        IF NEW.username IS DISTINCT FROM who.username THEN
            RAISE EXCEPTION 'an audit entry names the signed-in user %, not %', who.username, NEW.username
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
    END IF;
    -- No one signed in on this connection: the entry may name a supervisor or administrator only for a
    -- failed sign-in or a lockout (the attempts that come before any session).
    SELECT role INTO named_role FROM users WHERE username = NEW.username;
    IF named_role IN ('supervisor', 'admin')
       AND NOT (NEW.action IN ('sign_in', 'screen_unlock', 'change_password') AND NEW.outcome IN ('failed', 'refused'))
       AND NEW.action <> 'lock_account' THEN
        RAISE EXCEPTION 'an audit entry naming % needs % signed in', NEW.username, NEW.username
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$
""",
    """
CREATE OR REPLACE FUNCTION cso_guard_event() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    who record;
BEGIN
    IF cso_is_owner() THEN
        RETURN NEW;
    END IF;
    IF NEW.at IS NULL OR abs(extract(epoch FROM NEW.at - clock_timestamp())) > 120 THEN
        RAISE EXCEPTION 'a timeline entry is written at the time of the action (% is not now)', NEW.at
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT * INTO who FROM cso_actor();
    IF who.username IS NOT NULL AND NEW.author IS DISTINCT FROM who.username THEN
        RAISE EXCEPTION 'a timeline entry names the signed-in user %, not %', who.username, NEW.author
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF who.username IS NULL AND EXISTS (SELECT 1 FROM users WHERE username = NEW.author
                                        AND role IN ('supervisor', 'admin')) THEN
        RAISE EXCEPTION 'a timeline entry naming % needs % signed in', NEW.author, NEW.author
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END
$$
""",
    "CREATE TRIGGER incident_events_guard BEFORE INSERT ON incident_events FOR EACH ROW EXECUTE FUNCTION cso_guard_event()",
    "CREATE TRIGGER citations_guard BEFORE UPDATE ON citations FOR EACH ROW EXECUTE FUNCTION cso_guard_citation()",
    "CREATE TRIGGER incidents_guard BEFORE UPDATE ON incidents FOR EACH ROW EXECUTE FUNCTION cso_guard_incident()",
    "CREATE TRIGGER users_guard BEFORE INSERT OR UPDATE ON users FOR EACH ROW EXECUTE FUNCTION cso_guard_user()",
    "CREATE TRIGGER counters_guard BEFORE INSERT OR UPDATE ON counters FOR EACH ROW EXECUTE FUNCTION cso_guard_counter()",
    "CREATE CONSTRAINT TRIGGER counters_used AFTER INSERT OR UPDATE ON counters DEFERRABLE INITIALLY DEFERRED "
    "FOR EACH ROW EXECUTE FUNCTION cso_counter_used()",
    # Before the seal (triggers fire in name order): a refused entry is never sealed.
    "CREATE TRIGGER audit_log_guard BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION cso_guard_audit()",
)
PG_GUARD_OBJECTS = (
    "DROP TRIGGER IF EXISTS audit_log_guard ON audit_log",
    "DROP TRIGGER IF EXISTS incident_events_guard ON incident_events",
    "DROP FUNCTION IF EXISTS cso_guard_event()",
    "DROP TRIGGER IF EXISTS counters_used ON counters",
    "DROP TRIGGER IF EXISTS counters_guard ON counters",
    "DROP TRIGGER IF EXISTS users_guard ON users",
    "DROP TRIGGER IF EXISTS incidents_guard ON incidents",
    "DROP TRIGGER IF EXISTS citations_guard ON citations",
    "DROP INDEX IF EXISTS ix_citations_number_seq",
    "DROP INDEX IF EXISTS ix_incidents_number_seq",
    "DROP FUNCTION IF EXISTS cso_guard_audit()",
    "DROP FUNCTION IF EXISTS cso_counter_used()",
    "DROP FUNCTION IF EXISTS cso_guard_counter()",
    "DROP FUNCTION IF EXISTS cso_number_seq(text)",
    "DROP FUNCTION IF EXISTS cso_guard_user()",
    "DROP FUNCTION IF EXISTS cso_guard_incident()",
    "DROP FUNCTION IF EXISTS cso_guard_citation()",
    "DROP FUNCTION IF EXISTS cso_sign_out()",
    "DROP FUNCTION IF EXISTS cso_sign_in(text, text, text, boolean, timestamptz)",
    "DROP FUNCTION IF EXISTS cso_password_salt(text)",
    "DROP FUNCTION IF EXISTS cso_require(text, text[])",
    "DROP FUNCTION IF EXISTS cso_actor()",
    "DROP FUNCTION IF EXISTS cso_is_owner()",
    "DROP TABLE IF EXISTS cso_secret",
    "DROP TABLE IF EXISTS cso_sessions",
)


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
        for statement in PG_GUARDS:
            op.execute(statement)
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
        for statement in PG_GUARD_OBJECTS:
            op.execute(statement)
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
