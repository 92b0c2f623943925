-- Database roles for a dispatch centre on PostgreSQL: least privilege, one login per workstation.
--
-- Run as a superuser in the centre's database AFTER the owner has run the migrations, and again
-- after every upgrade that adds tables (it is safe to re-run):
--
--   sudo -u postgres psql -X -v ON_ERROR_STOP=1 -d cso -f docs/postgresql-roles.sql
--
-- Roles
--   cso_owner          owns the schema and runs the migrations (the console upgrades at start when
--                      it connects as this role); nobody dispatches as the owner.
--   cso_workstation    group role of the dispatch positions: SELECT/INSERT/UPDATE on the operational
--                      tables, INSERT-only on audit_log, incident_events and change_log, no DELETE,
--                      no DDL, never users.password_hash, nothing on the sign-in sessions, no writes to the
--                      audit chain's heads. What a dispatcher may not do (void a citation, reopen an incident,
--                      change an account, move a counter, write an audit entry in another's name or at
--                      another time) is refused by the guards of migration 0011 unless a supervisor or
--                      administrator signed in on that connection (cso_sign_in, a token the server made).
--   cso_reports        read-only group role (statistics, a reporting replica); cso_reader_stats logs in.
--   cso_ws_*           one LOGIN role per workstation, member of cso_workstation; add one block per
--                      position and set its password with: psql -d cso -c '\password cso_ws_dispatch1'
--
-- Connect a workstation with CSO_DATABASE_URL=postgresql+psycopg://cso_ws_dispatch1:PASSWORD@HOST/cso

\set ON_ERROR_STOP on

DO $roles$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'cso_owner') THEN
        CREATE ROLE cso_owner LOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'cso_workstation') THEN
        CREATE ROLE cso_workstation NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'cso_reports') THEN
        CREATE ROLE cso_reports NOLOGIN;
    END IF;
    -- One login per dispatch position; names are examples, passwords are set with \password.
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'cso_ws_dispatch1') THEN
        CREATE ROLE cso_ws_dispatch1 LOGIN IN ROLE cso_workstation;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'cso_ws_dispatch2') THEN
        CREATE ROLE cso_ws_dispatch2 LOGIN IN ROLE cso_workstation;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'cso_ws_supervisor') THEN
        CREATE ROLE cso_ws_supervisor LOGIN IN ROLE cso_workstation;
    END IF;
    -- A read-only login for statistics or a reporting replica.
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'cso_reader_stats') THEN
        CREATE ROLE cso_reader_stats LOGIN IN ROLE cso_reports;
    END IF;
END
$roles$;

-- Only the centre's roles may connect to this database.
DO $connect$
BEGIN
    EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO cso_owner', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO cso_workstation, cso_reports', current_database());
END
$connect$;

-- No one but the owner creates objects (PostgreSQL 15 already revokes CREATE from PUBLIC).
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO cso_workstation, cso_reports;

-- Workstations: read and write the operational tables (incidents, units, shifts, roster, officers,
-- citations, welfare checks, referrals, the directory, counters, eido_transfers, eido_identifiers,
-- eido_outbox); never delete.
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM cso_workstation, cso_reports;
GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA public TO cso_workstation;
-- History is append-only: the audit log, the incident timelines and the change outbox.
REVOKE UPDATE ON audit_log, incident_events, change_log FROM cso_workstation;
-- The schema version is read at start (to know no upgrade is due), never written.
REVOKE INSERT, UPDATE ON alembic_version FROM cso_workstation;
-- Sign-in attempts are recorded by cso_sign_in() on the server, sessions and the chain heads are the
-- server's own (its SECURITY DEFINER functions write them); the heads are read by `audit verify`.
REVOKE INSERT, UPDATE ON login_attempts, chain_heads FROM cso_workstation;
REVOKE ALL ON cso_sessions, cso_secret FROM cso_workstation;
-- Accounts: every column but the password hash is readable; changes are guarded (migration 0011).
REVOKE ALL ON users FROM cso_workstation;
GRANT SELECT (id, username, display_name, role, locked, active, created_at, locked_at, unlocked_at,
              password_changed_at) ON users TO cso_workstation;
GRANT INSERT (username, display_name, role, password_hash, locked, active, created_at, locked_at,
              unlocked_at, password_changed_at) ON users TO cso_workstation;
GRANT UPDATE (display_name, role, password_hash, locked, active, locked_at, unlocked_at,
              password_changed_at) ON users TO cso_workstation;
-- Row ids come from the tables' sequences.
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO cso_workstation;
-- Intake drafts (migration 0010) are a dispatcher's scratch, not history: discarded or deleted with the
-- call they became.
GRANT DELETE ON intake_drafts TO cso_workstation;

-- Reports: read everything but password hashes and sign-in secrets, write nothing.
GRANT SELECT ON ALL TABLES IN SCHEMA public TO cso_reports;
REVOKE ALL ON users, cso_sessions, cso_secret FROM cso_reports;
GRANT SELECT (id, username, display_name, role, locked, active, created_at, locked_at, unlocked_at,
              password_changed_at) ON users TO cso_reports;
