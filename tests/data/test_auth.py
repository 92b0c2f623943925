"""Sign-in: argon2 hashes, password rules, lockout under a controlled clock, account administration."""

from __future__ import annotations

import pytest
from alembic import command
from argon2 import PasswordHasher
from sqlalchemy import func, select

from data import auth
from data.db import _alembic_config
from data.errors import (
    AccountDisabledError,
    AccountLockedError,
    InvalidTransitionError,
    NotFoundError,
    PermissionDeniedError,
    SignInError,
    ValidationError,
    WrongPasswordError,
)
from data.models import AuditEntry, LoginAttempt, User
from data.pack import load_pack
from data.permissions import Actor
from tests.data.helpers import ADMIN, FAST_HASHER, PASSWORD


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch):
    monkeypatch.setattr(auth, "HASHER", FAST_HASHER)


@pytest.fixture
def ana(db):
    return auth.create_user(db, ADMIN, "ana", role="dispatcher", password=PASSWORD, display_name="Ana Ruiz")


def audit_rows(db, **where) -> list[AuditEntry]:
    with db.read() as s:
        q = select(AuditEntry).order_by(AuditEntry.id)
        for key, value in where.items():
            q = q.where(getattr(AuditEntry, key) == value)
        return list(s.execute(q).scalars())


def fail(db, name: str = "ana", password: str = "wrong password!", workstation: str = "ws-1"):
    with pytest.raises((WrongPasswordError, AccountLockedError)) as info:
        auth.authenticate(db, name, password, workstation=workstation)
    return info.value


def sign_in(db, name: str = "ana", password: str = PASSWORD) -> Actor:
    return auth.authenticate(db, name, password, workstation="ws-1")


# Passwords ----------------------------------------------------------------------------------------
def test_password_rules_length_common_list_and_user_name():
    assert auth.validate_password("Sunset Strip 9021", username="ana") == "Sunset Strip 9021"
    with pytest.raises(ValidationError, match="at least 8 characters"):
        auth.validate_password("Ab1!xyz")
    with pytest.raises(ValidationError, match="common passwords"):
        auth.validate_password("iloveyou")  # 8 characters, on the list
    with pytest.raises(ValidationError, match="common passwords"):
        auth.validate_password("PASSWORD1")  # compared lowercased
    with pytest.raises(ValidationError, match="user name"):
        auth.validate_password("my name is martina!", username="martina")
    with pytest.raises(ValidationError, match="only spaces"):
        auth.validate_password(" " * 12)
    with pytest.raises(ValidationError, match="at most"):
        auth.validate_password("x" * (auth.MAX_PASSWORD_LENGTH + 1))


def test_common_password_list_ships_with_the_console():
    listed = auth.common_passwords()
    assert len(listed) > 19_000
    assert {"password", "qwerty123", "iloveyou"} <= listed
    assert all(p == p.lower() for p in list(listed)[:500])


def test_user_names_are_unique_and_plain(db, ana):
    with pytest.raises(ValidationError, match="taken"):
        auth.create_user(db, ADMIN, "ANA", role="dispatcher", password=PASSWORD)
    with pytest.raises(ValidationError, match="lowercase letters"):
        auth.create_user(db, ADMIN, "ana ruiz", role="dispatcher", password=PASSWORD)
    with pytest.raises(ValidationError, match="command line"):
        auth.create_user(db, ADMIN, auth.LOCAL_ADMIN, role="admin", password=PASSWORD)
    with pytest.raises(ValidationError, match="Unknown role"):
        auth.create_user(db, ADMIN, "bo", role="chief", password=PASSWORD)


def test_password_is_stored_as_a_salted_argon2id_hash(db, ana):
    other = auth.create_user(db, ADMIN, "bo", role="dispatcher", password=PASSWORD)
    with db.read() as s:
        hashes = dict(s.execute(select(User.username, User.password_hash)).all())
    assert hashes["ana"].startswith("$argon2id$")
    assert PASSWORD not in hashes["ana"]
    assert hashes["ana"] != hashes[other.username]  # same password, different salt
    created = audit_rows(db, action="create_user")
    assert [(a.username, a.outcome, a.after["username"]) for a in created] == [
        ("admin1", "ok", "ana"),
        ("admin1", "ok", "bo"),
    ]
    assert all("password" not in str(a.after) for a in created)


def test_default_parameters_are_the_rfc_9106_low_memory_profile():
    default = PasswordHasher()
    assert (default.time_cost, default.memory_cost, default.parallelism) == (3, 65536, 4)


def test_hash_is_upgraded_when_the_parameters_change(db, clock):
    auth.create_user(db, ADMIN, "cy", role="supervisor", password=PASSWORD)
    stronger = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1)
    auth.authenticate(db, "cy", PASSWORD, workstation="ws-1", hasher=stronger)
    with db.read() as s:
        stored = s.execute(select(User.password_hash).where(User.username == "cy")).scalar_one()
    assert "m=16,t=2,p=1" in stored
    assert not stronger.check_needs_rehash(stored)
    assert auth.authenticate(db, "cy", PASSWORD, workstation="ws-1", hasher=stronger).role == "supervisor"
    assert [a.after for a in audit_rows(db, action="rehash_password")] == [
        {"parameters": {"time_cost": 2, "memory_cost": 16, "parallelism": 1}}
    ]


# Sign-in and lockout -------------------------------------------------------------------------------
def test_sign_in_returns_the_actor_and_is_audited(db, ana):
    actor = sign_in(db, " Ana ")
    assert actor == Actor("ana", role="dispatcher", workstation="ws-1", display_name="Ana Ruiz")
    (row,) = audit_rows(db, action="sign_in")
    assert (row.username, row.workstation, row.outcome, row.entity, row.entity_id) == (
        "ana",
        "ws-1",
        "ok",
        "user",
        ana.id,
    )
    with db.read() as s:
        attempts = s.execute(select(LoginAttempt.username, LoginAttempt.success)).all()
    assert attempts == [("ana", True)]


def test_wrong_password_says_how_many_attempts_are_left(db, clock, ana):
    left = []
    for _ in range(4):
        clock.advance(minutes=1)
        error = fail(db)
        assert isinstance(error, WrongPasswordError)
        left.append(error.attempts_left)
    assert left == [4, 3, 2, 1]
    assert str(error) == "Wrong user name or password. 1 attempt left before the account locks."
    assert [a.outcome for a in audit_rows(db, action="sign_in")] == ["failed"] * 4


def test_five_failures_within_fifteen_minutes_lock_the_account(db, clock, ana):
    for _ in range(4):
        fail(db)
        clock.advance(minutes=3)  # the fifth comes 12 minutes after the first
    error = fail(db)
    assert isinstance(error, AccountLockedError)
    assert "now locked" in str(error)
    # The right password no longer helps, an hour or a day later.
    for minutes in (1, 60, 24 * 60):
        clock.advance(minutes=minutes)
        with pytest.raises(AccountLockedError, match="administrator must unlock"):
            sign_in(db)
    (locked,) = audit_rows(db, action="lock_account")
    assert locked.after["locked"] is True and locked.before["locked"] is False
    outcomes = [a.outcome for a in audit_rows(db, action="sign_in")]
    assert outcomes == ["failed"] * 5 + ["refused"] * 3


def test_five_failures_spread_over_more_than_fifteen_minutes_do_not_lock(db, clock, ana):
    for _ in range(5):
        error = fail(db)
        clock.advance(minutes=4)  # failures at 0, 4, 8, 12 and 16 minutes
    assert isinstance(error, WrongPasswordError)
    assert error.attempts_left == 1  # the one at 0 minutes has left the window
    assert sign_in(db).username == "ana"
    assert audit_rows(db, action="lock_account") == []


def test_a_successful_sign_in_resets_the_count(db, clock, ana):
    for _ in range(4):
        fail(db)
    sign_in(db)
    assert fail(db).attempts_left == 4
    assert auth.recent_failures(db, "ana") == 1


def test_locked_stays_locked_until_an_admin_unlocks(db, clock, ana):
    for _ in range(5):
        fail(db)
    clock.advance(hours=30)
    with pytest.raises(AccountLockedError):
        sign_in(db)
    with pytest.raises(PermissionDeniedError):
        auth.unlock_user(db, Actor("sup", role="supervisor"), "ana")
    clock.advance(minutes=1)
    record = auth.unlock_user(db, ADMIN, "ana")
    assert record.locked is False
    clock.advance(minutes=1)
    # Failures before the release no longer count, even inside the window.
    assert fail(db).attempts_left == 4
    assert sign_in(db).username == "ana"
    with pytest.raises(InvalidTransitionError, match="not locked"):
        auth.unlock_user(db, ADMIN, "ana")
    (unlocked,) = audit_rows(db, action="unlock_user")
    assert (unlocked.username, unlocked.before["locked"], unlocked.after["locked"]) == ("admin1", True, False)
    assert [a.outcome for a in audit_rows(db, action="manage_users")] == ["refused"]


def test_unknown_user_gets_the_same_answers_as_a_wrong_password(db, clock, ana):
    assert sign_in(db).username == "ana"
    known = fail(db, "ana")
    unknown = fail(db, "nobody")
    assert str(unknown) == str(known).replace("ana", "nobody")
    for _ in range(4):
        last = fail(db, "nobody")
    assert isinstance(last, AccountLockedError) and "nobody" in str(last)
    # The next attempts read like those on a real locked account.
    for _ in range(5):
        fail(db)
    with pytest.raises(AccountLockedError) as real:
        sign_in(db)
    assert str(fail(db, "nobody")) == str(real.value).replace("ana", "nobody")
    assert [a.outcome for a in audit_rows(db, username="nobody")] == ["failed"] * 6


def test_disabled_account_is_refused_only_with_the_right_password(db, ana):
    auth.create_user(db, ADMIN, "admin2", role="admin", password=PASSWORD)
    auth.disable_user(db, ADMIN, "ana")
    assert isinstance(fail(db), WrongPasswordError)  # does not reveal the account's state
    with pytest.raises(AccountDisabledError, match="disabled"):
        sign_in(db)
    auth.enable_user(db, ADMIN, "ana")
    assert sign_in(db).role == "dispatcher"
    assert [a.outcome for a in audit_rows(db, action="sign_in")] == ["failed", "refused", "ok"]


def test_blank_fields_are_refused_without_counting(db, ana):
    with pytest.raises(ValidationError, match="user name"):
        auth.authenticate(db, "  ", PASSWORD, workstation="ws-1")
    with pytest.raises(ValidationError, match="password"):
        auth.authenticate(db, "ana", "", workstation="ws-1")
    assert auth.recent_failures(db, "ana") == 0


def test_concurrent_workstations_share_the_count(db, clock, ana):
    for station in ("ws-1", "ws-2", "ws-3", "ws-4"):
        fail(db, workstation=station)
    assert isinstance(fail(db, workstation="ws-5"), AccountLockedError)
    with db.read() as s:
        stations = s.execute(select(func.count(func.distinct(LoginAttempt.workstation)))).scalar_one()
    assert stations == 5


# Screen lock, sign-out ---------------------------------------------------------------------------
def test_screen_lock_unlock_and_sign_out_are_audited(db, clock, ana):
    actor = sign_in(db)
    auth.record_screen_lock(db, actor, idle_minutes=30.0)
    with pytest.raises(WrongPasswordError):
        auth.unlock_screen(db, actor, "not my password")
    assert auth.unlock_screen(db, actor, PASSWORD) == actor
    auth.sign_out(db, actor)
    rows = [(a.action, a.outcome) for a in audit_rows(db, username="ana")]
    assert rows == [
        ("sign_in", "ok"),
        ("screen_lock", "ok"),
        ("screen_unlock", "failed"),
        ("screen_unlock", "ok"),
        ("sign_out", "ok"),
    ]
    assert audit_rows(db, action="screen_lock")[0].after == {"idle_minutes": 30.0}


# Administration ---------------------------------------------------------------------------------
def test_roles_and_the_last_administrator(db, ana):
    assert auth.set_role(db, ADMIN, "ana", "supervisor").role == "supervisor"
    assert sign_in(db).role == "supervisor"
    boss = auth.create_user(db, ADMIN, "boss", role="admin", password=PASSWORD)
    with pytest.raises(InvalidTransitionError, match="last administrator"):
        auth.set_role(db, ADMIN, boss.username, "dispatcher")
    with pytest.raises(InvalidTransitionError, match="last administrator"):
        auth.disable_user(db, ADMIN, boss.username)
    with pytest.raises(InvalidTransitionError, match="already"):
        auth.set_role(db, ADMIN, "ana", "supervisor")
    with pytest.raises(NotFoundError):
        auth.set_role(db, ADMIN, "ghost", "supervisor")
    with pytest.raises(ValidationError):
        auth.set_role(db, ADMIN, "ana", "sheriff")
    (changed,) = audit_rows(db, action="set_role")
    assert (changed.before["role"], changed.after["role"]) == ("dispatcher", "supervisor")


def test_change_password_own_needs_the_current_one(db, clock, ana):
    actor = sign_in(db)
    new = "Fountain Ave 2026 nights"
    with pytest.raises(PermissionDeniedError, match="current password is wrong"):
        auth.change_password(db, actor, "ana", new_password=new, current_password="guess guess")
    with pytest.raises(ValidationError, match="common"):
        auth.change_password(db, actor, "ana", new_password="password123", current_password=PASSWORD)
    clock.advance(minutes=5)
    record = auth.change_password(db, actor, "ana", new_password=new, current_password=PASSWORD)
    assert record.password_changed_at == clock()
    with pytest.raises(WrongPasswordError):
        sign_in(db)
    assert sign_in(db, password=new).username == "ana"
    # Someone else's password: only an administrator.
    with pytest.raises(PermissionDeniedError):
        auth.change_password(db, actor, "admin1", new_password=new)
    auth.change_password(db, ADMIN, "ana", new_password="Robertson Blvd 88 late")
    assert [(a.username, a.outcome) for a in audit_rows(db, action="change_password")] == [
        ("ana", "refused"),
        ("ana", "ok"),
        ("admin1", "ok"),
    ]


def test_list_users_is_for_admins_and_first_run_is_detectable(db):
    assert auth.has_users(db) is False
    assert auth.list_users(db, ADMIN) == []
    auth.create_user(db, auth.local_admin("host-1"), "root.admin", role="admin", password=PASSWORD)
    assert auth.has_users(db) is True
    with pytest.raises(PermissionDeniedError):
        auth.list_users(db, Actor("sup", role="supervisor"))
    (created,) = audit_rows(db, action="create_user")
    assert (created.username, created.workstation) == ("console-admin", "host-1")


def test_banner_comes_from_the_jurisdiction_pack():
    text = auth.system_use_banner(load_pack())
    assert "AUTHORIZED USE ONLY" in text
    assert "recorded" in text and "I understand" in text


def test_migration_0003_downgrades_and_upgrades(db, ana):
    cfg = _alembic_config()
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0003")  # whatever came after sign-in
        command.downgrade(cfg, "-1")
    with db.read() as s:
        assert s.connection().exec_driver_sql("SELECT count(*) FROM users").scalar_one() == 1
    db.upgrade()
    assert sign_in(db).username == "ana"


@pytest.mark.postgres
def test_lockout_on_postgresql(pg_url, clock):
    from data.db import Database

    pg = Database(pg_url, clock=clock)
    try:
        auth.create_user(pg, ADMIN, "ana", role="dispatcher", password=PASSWORD)
        for _ in range(4):
            assert isinstance(fail(pg), WrongPasswordError)
            clock.advance(minutes=2)
        assert isinstance(fail(pg), AccountLockedError)
        with pytest.raises(AccountLockedError):
            sign_in(pg)
        auth.unlock_user(pg, ADMIN, "ana")
        clock.advance(seconds=1)
        assert sign_in(pg).username == "ana"
    finally:
        pg.dispose()


def test_every_refusal_spends_one_hash_so_timing_tells_nothing(db, ana, monkeypatch):
    """Unknown, locked, disabled and wrong-password sign-ins each compute exactly one argon2 hash (the times
    themselves are a benchmark figure: `cso-console bench auth`, unknown_vs_wrong_ratio)."""
    import argon2.low_level

    calls: list[str] = []
    real_verify, real_hash = argon2.low_level.verify_secret, argon2.low_level.hash_secret

    def verify_secret(*args, **kwargs):
        calls.append("verify")
        return real_verify(*args, **kwargs)

    def hash_secret(*args, **kwargs):
        calls.append("hash")
        return real_hash(*args, **kwargs)

    monkeypatch.setattr("argon2._password_hasher.verify_secret", verify_secret)
    monkeypatch.setattr("data.auth.hash_secret", hash_secret)
    auth.create_user(db, ADMIN, "locked.one", role="dispatcher", password=PASSWORD)
    auth.create_user(db, ADMIN, "gone.one", role="dispatcher", password=PASSWORD)
    auth.disable_user(db, ADMIN, "gone.one")
    for _ in range(auth.MAX_FAILURES):
        fail(db, "locked.one")
    auth._decoy_hash(FAST_HASHER)  # made once per process, before the first unknown name
    for name, password in (
        ("ana", "wrong password!"),
        ("nobody", "wrong password!"),
        ("locked.one", PASSWORD),
        ("gone.one", PASSWORD),
        ("gone.one", "wrong password!"),
    ):
        calls.clear()
        with pytest.raises(SignInError):
            auth.authenticate(db, name, password, workstation="ws-1")
        assert len(calls) == 1, (name, calls)
