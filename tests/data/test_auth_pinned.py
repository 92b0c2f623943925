"""Sign-in and accounts, rule by rule: the lockout's count and window at their boundaries, who may
administer users, refused accounts, password rules and the records every attempt leaves.

Expected values are written out; time moves only with the controlled clock.
"""

from __future__ import annotations

import datetime as dt

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, update

from data import auth
from data.errors import (
    AccountChangedError,
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
from data.permissions import Actor
from tests.data.helpers import ADMIN, FAST_HASHER, PASSWORD

WRONG = "wrong password!"
MS = dt.timedelta(milliseconds=1)


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch):
    monkeypatch.setattr(auth, "HASHER", FAST_HASHER)


@pytest.fixture
def ana(db):
    return auth.create_user(db, ADMIN, "ana", role="dispatcher", password=PASSWORD, display_name="Ana Ruiz")


def audits(db, action: str) -> list[tuple]:
    """The audit rows of one action: who, where, on what, the outcome, before and after."""
    with db.read() as s:
        rows = s.execute(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)).scalars()
        return [(a.username, a.workstation, a.entity, a.entity_id, a.outcome, a.before, a.after) for a in rows]


def attempts(db) -> list[tuple]:
    with db.read() as s:
        rows = s.execute(select(LoginAttempt).order_by(LoginAttempt.id)).scalars()
        return [(a.username, a.at, a.workstation, a.success) for a in rows]


def user_row(db, name: str = "ana") -> User:
    with db.read() as s:
        return s.execute(select(User).where(User.username == name)).scalar_one()


def stored_hash(db, name: str = "ana") -> str:
    with db.read() as s:
        return s.execute(select(User.password_hash).where(User.username == name)).scalar_one()


def refused(db, name: str = "ana", password: str = WRONG, workstation: str = "ws-1") -> SignInError:
    with pytest.raises(SignInError) as info:
        auth.authenticate(db, name, password, workstation=workstation)
    return info.value


def sign_in(db, name: str = "ana", password: str = PASSWORD) -> Actor:
    return auth.authenticate(db, name, password, workstation="ws-1")


class WatchedHasher(PasswordHasher):
    """A hasher calling `during` with the password each time it verifies one, and counting the hashes it makes."""

    def __init__(self, during=lambda _password: None, *, time_cost: int = 1, memory_cost: int = 8) -> None:
        super().__init__(time_cost=time_cost, memory_cost=memory_cost, parallelism=1)
        self.during = during
        self.verified: list[str | bytes] = []
        self.hashed: list[str | bytes] = []

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        self.verified.append(password)
        self.during(password)
        return super().verify(hash, password)

    def hash(self, password: str | bytes, *, salt: bytes | None = None) -> str:
        self.hashed.append(password)
        return super().hash(password, salt=salt)


def sqlite_only(db) -> None:
    if db.dialect != "sqlite":
        pytest.skip("on PostgreSQL the server checks the password and records the attempt")


# The lockout: five failures within fifteen minutes ----------------------------------------------
@pytest.mark.parametrize(
    ("fifth_after", "locks", "left"),
    [
        (dt.timedelta(minutes=15) - MS, True, 0),
        (dt.timedelta(minutes=15), True, 0),  # exactly fifteen minutes: still inside the window
        (dt.timedelta(minutes=15) + MS, False, 4),  # the first four have left the window
    ],
)
def test_the_fifth_failure_locks_only_within_fifteen_minutes_of_the_first(db, clock, ana, fifth_after, locks, left):
    for _ in range(4):
        refused(db)
    clock.advance(seconds=fifth_after.total_seconds())
    fifth = refused(db)
    if locks:
        assert type(fifth) is AccountLockedError
        assert str(fifth) == "5 failed attempts: the account ana is now locked; an administrator must unlock it."
    else:
        assert type(fifth) is WrongPasswordError
        assert fifth.attempts_left == left
        assert str(fifth) == "Wrong user name or password. 4 attempts left before the account locks."
    assert user_row(db).locked is locks
    assert auth.recent_failures(db, "ana") == (5 if locks else 1)


def test_four_failures_leave_one_attempt_and_the_account_open(db, clock, ana):
    left = [refused(db).attempts_left for _ in range(4)]
    assert left == [4, 3, 2, 1]
    assert user_row(db).locked is False
    assert auth.recent_failures(db, " ANA ") == 4
    assert audits(db, "lock_account") == []
    assert sign_in(db).username == "ana"  # the fifth try, with the right password, is not refused


def test_locking_records_who_when_and_why(db, clock, ana):
    for _ in range(4):
        refused(db, workstation="ws-4")
        clock.advance(minutes=2)
    refused(db, workstation="ws-5")
    row = user_row(db)
    assert (row.locked, row.locked_at, row.active) == (True, clock(), True)
    assert audits(db, "lock_account") == [
        (
            "ana",
            "ws-5",
            "user",
            ana.id,
            "ok",
            {"username": "ana", "display_name": "Ana Ruiz", "role": "dispatcher", "active": True, "locked": False},
            {
                "username": "ana",
                "display_name": "Ana Ruiz",
                "role": "dispatcher",
                "active": True,
                "locked": True,
                "reason": "5 failed attempts within 15 minutes",
            },
        )
    ]
    (record,) = [u for u in auth.list_users(db, ADMIN) if u.username == "ana"]
    assert (record.locked, record.locked_at) == (True, clock())


def test_a_locked_account_is_refused_even_with_the_right_password(db, clock, ana):
    for _ in range(5):
        refused(db)
    clock.advance(days=3)
    error = refused(db, password=PASSWORD)
    assert type(error) is AccountLockedError
    assert str(error) == ("The account ana is locked after too many failed attempts; an administrator must unlock it.")
    assert audits(db, "sign_in")[-1] == ("ana", "ws-1", "user", ana.id, "refused", None, {"reason": "account locked"})
    assert attempts(db)[-1] == ("ana", clock(), "ws-1", False)
    assert len(audits(db, "lock_account")) == 1  # locked once, not again


def test_an_unknown_name_reads_like_a_real_account_after_the_fifth_failure(db, clock):
    errors = [refused(db, "nobody") for _ in range(7)]
    assert [type(e).__name__ for e in errors] == ["WrongPasswordError"] * 4 + ["AccountLockedError"] * 3
    assert [str(e) for e in errors[4:]] == [
        "5 failed attempts: the account nobody is now locked; an administrator must unlock it.",
        "The account nobody is locked after too many failed attempts; an administrator must unlock it.",
        "The account nobody is locked after too many failed attempts; an administrator must unlock it.",
    ]
    assert audits(db, "sign_in")[0] == (
        "nobody",
        "ws-1",
        "user",
        None,
        "failed",
        None,
        {"reason": "wrong user name or password", "attempts_left": 4},
    )
    assert [a[6]["attempts_left"] for a in audits(db, "sign_in")] == [4, 3, 2, 1, 0, 0, 0]
    assert audits(db, "lock_account") == []  # there is no account to lock


def test_failures_count_per_user_name(db, clock, ana):
    for _ in range(4):
        refused(db, "bo")
    assert refused(db).attempts_left == 4
    assert auth.recent_failures(db, "ana") == 1
    assert auth.recent_failures(db, "bo") == 4


def test_someone_elses_successful_sign_in_does_not_reset_the_count(db, clock, ana):
    auth.create_user(db, ADMIN, "bo", role="dispatcher", password=PASSWORD)
    for _ in range(4):
        refused(db)
    sign_in(db, "bo")
    assert type(refused(db)) is AccountLockedError


def test_a_successful_sign_in_starts_the_count_again(db, clock, ana):
    for _ in range(4):
        refused(db)
    clock.advance(minutes=1)
    sign_in(db)
    assert auth.recent_failures(db, "ana") == 0
    assert [refused(db).attempts_left for _ in range(4)] == [4, 3, 2, 1]


def test_attempts_on_a_locked_account_up_to_its_release_do_not_count_after_it(db, clock, ana):
    for _ in range(5):
        refused(db)
    clock.advance(minutes=1)
    refused(db, password=PASSWORD)  # refused while locked, in the same millisecond as the release
    record = auth.unlock_user(db, ADMIN, "ana")
    assert (record.locked, user_row(db).unlocked_at) == (False, clock())
    assert auth.recent_failures(db, " Ana ") == 0
    clock.advance(milliseconds=1)
    assert refused(db).attempts_left == 4
    assert auth.recent_failures(db, " Ana ") == 1


# Every attempt leaves a record ----------------------------------------------------------------
def test_each_kind_of_attempt_is_recorded_and_audited(db, clock, ana):
    auth.create_user(db, ADMIN, "admin2", role="admin", password=PASSWORD)
    refused(db, workstation="ws-2")
    clock.advance(seconds=1)
    assert auth.authenticate(db, "ana", PASSWORD, workstation="ws-3") == Actor(
        "ana", role="dispatcher", workstation="ws-3", display_name="Ana Ruiz"
    )
    auth.disable_user(db, ADMIN, "ana")
    clock.advance(seconds=1)
    error = refused(db, password=PASSWORD, workstation="ws-4")
    assert type(error) is AccountDisabledError
    assert str(error) == "The account ana is disabled; ask an administrator."
    start = dt.datetime(2026, 11, 26, 16, 0, tzinfo=dt.UTC)
    assert attempts(db) == [
        ("ana", start, "ws-2", False),
        ("ana", start + dt.timedelta(seconds=1), "ws-3", True),
        ("ana", start + dt.timedelta(seconds=2), "ws-4", False),
    ]
    assert audits(db, "sign_in") == [
        ("ana", "ws-2", "user", ana.id, "failed", None, {"reason": "wrong user name or password", "attempts_left": 4}),
        ("ana", "ws-3", "user", ana.id, "ok", None, {"role": "dispatcher"}),
        ("ana", "ws-4", "user", ana.id, "refused", None, {"reason": "account disabled"}),
    ]


def test_a_disabled_account_with_a_wrong_password_is_only_a_wrong_password(db, ana):
    auth.create_user(db, ADMIN, "admin2", role="admin", password=PASSWORD)
    auth.disable_user(db, ADMIN, "ana")
    error = refused(db)
    assert type(error) is WrongPasswordError and error.attempts_left == 4


def test_a_damaged_stored_hash_matches_no_password(db, clock, ana):
    with db.writer() as s, s.begin():
        s.execute(update(User).where(User.username == "ana").values(password_hash="not an argon2 hash"))
    for password in (PASSWORD, "not an argon2 hash"):
        assert type(refused(db, password=password)) is WrongPasswordError


def test_a_missing_user_name_is_refused_without_counting(db, clock, ana):
    with pytest.raises(ValidationError) as info:
        auth.authenticate(db, None, PASSWORD, workstation="ws-1")  # type: ignore[arg-type]
    assert (info.value.field, str(info.value)) == ("username", "Type your user name.")
    with pytest.raises(ValidationError) as info:
        auth.authenticate(db, "ana", None, workstation="ws-1")  # type: ignore[arg-type]
    assert (info.value.field, str(info.value)) == ("password", "Type your password.")
    assert attempts(db) == []
    assert audits(db, "sign_in") == []


def test_an_overlong_user_name_is_recorded_cut_to_eighty_characters(db, clock):
    refused(db, "x" * 200)
    assert attempts(db) == [("x" * 80, clock(), "ws-1", False)]


def test_an_overlong_password_is_checked_as_its_first_257_characters(db):
    sqlite_only(db)
    exact = "Plummer Park " + "q" * 243  # 256 characters, the longest a password can be
    auth.create_user(db, ADMIN, "ana", role="dispatcher", password=exact)
    checked: list[int] = []
    watched = WatchedHasher(lambda password: checked.append(len(password)))
    assert auth.authenticate(db, "ana", exact, workstation="ws-1", hasher=watched).username == "ana"
    with pytest.raises(WrongPasswordError):
        auth.authenticate(db, "ana", exact + "!" * 10_000, workstation="ws-1", hasher=watched)
    assert checked == [256, 257]


def test_a_password_changed_during_the_check_is_checked_again(db, clock, ana):
    sqlite_only(db)
    changed: list[bool] = []

    def reset_once(_password) -> None:
        if not changed:  # an administrator resets the password while the first check runs
            changed.append(True)
            auth.change_password(db, ADMIN, "ana", new_password="Robertson Blvd 88 late")

    with pytest.raises(WrongPasswordError):
        auth.authenticate(db, "ana", PASSWORD, workstation="ws-1", hasher=WatchedHasher(reset_once))
    assert attempts(db) == [("ana", clock(), "ws-1", False)]


def test_a_password_reset_to_the_same_text_during_the_check_signs_in_and_keeps_the_new_hash(db, clock, ana):
    sqlite_only(db)
    reset: list[str] = []

    def reset_once(_password) -> None:
        if not reset:  # an administrator sets the same password again while the first check runs
            auth.change_password(db, ADMIN, "ana", new_password=PASSWORD)
            reset.append(stored_hash(db))

    stronger = WatchedHasher(reset_once, time_cost=2, memory_cost=16)
    assert auth.authenticate(db, "ana", PASSWORD, workstation="ws-1", hasher=stronger).username == "ana"
    assert stronger.verified == [PASSWORD, PASSWORD]  # checked again against the new hash
    assert stored_hash(db) == reset[0]  # the administrator's hash is not overwritten by an upgrade
    assert audits(db, "rehash_password") == []


def test_an_account_disabled_during_the_check_is_refused_and_its_hash_left_alone(db, clock, ana):
    sqlite_only(db)
    auth.create_user(db, ADMIN, "admin2", role="admin", password=PASSWORD)
    before = stored_hash(db)

    def disable_once(_password) -> None:
        if user_row(db).active:  # an administrator disables the account while the check runs
            auth.disable_user(db, ADMIN, "ana")

    stronger = WatchedHasher(disable_once, time_cost=2, memory_cost=16)
    with pytest.raises(AccountDisabledError):
        auth.authenticate(db, "ana", PASSWORD, workstation="ws-1", hasher=stronger)
    assert stored_hash(db) == before
    assert audits(db, "rehash_password") == []


def test_a_sign_in_checks_the_password_once_and_makes_no_new_hash(db, ana):
    sqlite_only(db)
    watched = WatchedHasher()
    assert auth.authenticate(db, "ana", PASSWORD, workstation="ws-1", hasher=watched).username == "ana"
    with pytest.raises(WrongPasswordError):
        auth.authenticate(db, "ana", WRONG, workstation="ws-1", hasher=watched)
    assert (watched.verified, watched.hashed) == ([PASSWORD, WRONG], [])


def test_an_outdated_hash_is_replaced_only_on_a_sign_in_that_succeeds(db, clock, ana):
    """A refused right password costs one hash like a wrong one: a second hash would tell it was right."""
    sqlite_only(db)
    auth.create_user(db, ADMIN, "admin2", role="admin", password=PASSWORD)
    auth.create_user(db, ADMIN, "bo", role="dispatcher", password=PASSWORD)
    for _ in range(5):
        refused(db, "bo")
    auth.create_user(db, ADMIN, "cy", role="dispatcher", password=PASSWORD)
    auth.disable_user(db, ADMIN, "cy")
    stronger = WatchedHasher(time_cost=2, memory_cost=16)
    for name, password, error in (
        ("ana", WRONG, WrongPasswordError),
        ("bo", PASSWORD, AccountLockedError),
        ("cy", PASSWORD, AccountDisabledError),
    ):
        with pytest.raises(error):
            auth.authenticate(db, name, password, workstation="ws-1", hasher=stronger)
        assert "m=8,t=1,p=1" in stored_hash(db, name)
    assert (stronger.verified, stronger.hashed) == ([WRONG, PASSWORD, PASSWORD], [])
    assert audits(db, "rehash_password") == []
    stronger = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1)
    auth.authenticate(db, "ana", PASSWORD, workstation="ws-1", hasher=stronger)
    assert "m=16,t=2,p=1" in stored_hash(db)
    assert audits(db, "rehash_password") == [
        (
            "ana",
            "ws-1",
            "user",
            ana.id,
            "ok",
            None,
            {"parameters": {"time_cost": 2, "memory_cost": 16, "parallelism": 1}},
        )
    ]


# Screen lock and sign-out ---------------------------------------------------------------------
def test_signing_out_is_recorded_even_for_a_disabled_account(db, clock, ana):
    auth.create_user(db, ADMIN, "admin2", role="admin", password=PASSWORD)
    actor = sign_in(db)
    auth.disable_user(db, ADMIN, "ana")
    auth.record_screen_lock(db, actor)
    auth.sign_out(db, actor)
    assert audits(db, "screen_lock") == [("ana", "ws-1", "session", None, "ok", None, {"reason": "locked by the user"})]
    assert audits(db, "sign_out") == [("ana", "ws-1", "session", None, "ok", None, None)]
    assert db.session_token is None


def test_the_screen_unlock_counts_towards_the_lockout(db, clock, ana):
    actor = auth.authenticate(db, "ana", PASSWORD, workstation="ws-9")
    watched = WatchedHasher()
    assert auth.unlock_screen(db, actor, PASSWORD, hasher=watched) == actor
    assert watched.verified == ([PASSWORD] if db.dialect == "sqlite" else [])  # the server checks it there
    for _ in range(4):
        with pytest.raises(WrongPasswordError):
            auth.unlock_screen(db, actor, WRONG)
    with pytest.raises(AccountLockedError):
        auth.unlock_screen(db, actor, WRONG)
    assert [a[:5] for a in audits(db, "screen_unlock")] == [("ana", "ws-9", "user", ana.id, "ok")] + [
        ("ana", "ws-9", "user", ana.id, "failed")
    ] * 5
    assert [a[2] for a in attempts(db)] == ["ws-9"] * 7  # the sign-in, the unlock and five failures
    assert audits(db, "lock_account")[0][:5] == ("ana", "ws-9", "user", ana.id, "ok")


# Who may administer users ---------------------------------------------------------------------
SUPERVISOR = Actor("sam", role="supervisor", workstation="ws-sup")
DISPATCHER = Actor("dana", role="dispatcher", workstation="ws-7")

ADMINISTRATION = {
    "list_users": lambda db, actor: auth.list_users(db, actor),
    "create_user": lambda db, actor: auth.create_user(db, actor, "cy", role="dispatcher", password=PASSWORD),
    "unlock_user": lambda db, actor: auth.unlock_user(db, actor, "ana"),
    "set_role": lambda db, actor: auth.set_role(db, actor, "ana", "supervisor"),
    "disable_user": lambda db, actor: auth.disable_user(db, actor, "ana"),
    "enable_user": lambda db, actor: auth.enable_user(db, actor, "ana"),
    "change_password": lambda db, actor: auth.change_password(db, actor, "ana", new_password="Robertson Blvd 88 late"),
}


@pytest.mark.parametrize("operation", list(ADMINISTRATION))
@pytest.mark.parametrize("actor", [SUPERVISOR, DISPATCHER], ids=["supervisor", "dispatcher"])
def test_only_an_administrator_administers_users(db, clock, ana, operation, actor):
    before = auth.list_users(db, ADMIN)
    with pytest.raises(PermissionDeniedError, match="cannot manage users"):
        ADMINISTRATION[operation](db, actor)
    assert audits(db, "manage_users") == [
        (actor.username, actor.workstation, "user", None, "refused", None, {"role": actor.role})
    ]
    assert auth.list_users(db, ADMIN) == before  # nothing changed
    with db.read() as s:
        by_actor = s.execute(select(AuditEntry.action).where(AuditEntry.username == actor.username)).scalars().all()
    assert by_actor == ["manage_users"]


@pytest.mark.parametrize("operation", list(ADMINISTRATION))
def test_an_administrator_demoted_a_moment_before_the_action_is_refused(db, clock, ana, operation, monkeypatch):
    auth.create_user(db, ADMIN, "root", role="admin", password=PASSWORD)
    auth.create_user(db, ADMIN, "ada", role="admin", password=PASSWORD)
    ada = auth.authenticate(db, "ada", PASSWORD, workstation="ws-ada")
    real = auth.authorize

    def checked_then_demoted(db_, actor, action, **where):
        real(db_, actor, action, **where)
        if actor == ada:  # another administrator demotes her between the check and the action
            auth.set_role(db, ADMIN, "ada", "dispatcher")

    monkeypatch.setattr(auth, "authorize", checked_then_demoted)
    before = [r for r in auth.list_users(db, ADMIN) if r.username != "ada"]
    with pytest.raises(AccountChangedError, match="Your role is now dispatcher"):
        ADMINISTRATION[operation](db, ada)
    assert [r for r in auth.list_users(db, ADMIN) if r.username != "ada"] == before
    assert audits(db, "manage_users")[-1][:5] == ("ada", "ws-ada", "", None, "refused")


# Creating accounts ------------------------------------------------------------------------------
def test_a_new_account_is_active_unlocked_and_audited(db, clock):
    record = auth.create_user(
        db, ADMIN, "  Ana.Ruiz ", role="supervisor", password=PASSWORD, display_name="  Ana \t  Ruiz\n "
    )
    now = dt.datetime(2026, 11, 26, 16, 0, tzinfo=dt.UTC)
    assert record == auth.UserRecord(
        id=record.id,
        username="ana.ruiz",
        display_name="Ana Ruiz",
        role="supervisor",
        active=True,
        locked=False,
        locked_at=None,
        created_at=now,
        password_changed_at=now,
    )
    assert auth.list_users(db, ADMIN) == [record]
    assert stored_hash(db, "ana.ruiz").startswith("$argon2id$v=19$m=8,t=1,p=1$")
    assert audits(db, "create_user") == [
        (
            "admin1",
            "ws-adm",
            "user",
            record.id,
            "ok",
            None,
            {"username": "ana.ruiz", "display_name": "Ana Ruiz", "role": "supervisor", "active": True, "locked": False},
        )
    ]
    assert sign_in(db, "ana.ruiz").display_name == "Ana Ruiz"


def test_a_display_name_keeps_its_first_120_characters(db):
    record = auth.create_user(db, ADMIN, "ana", role="dispatcher", password=PASSWORD, display_name="A" * 130)
    assert record.display_name == "A" * 120
    assert auth.create_user(db, ADMIN, "bo", role="dispatcher", password=PASSWORD).display_name == ""


def test_a_new_account_is_hashed_with_the_hasher_given(db):
    stronger = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1)
    auth.create_user(db, ADMIN, "ana", role="dispatcher", password=PASSWORD, hasher=stronger)
    assert stored_hash(db).startswith("$argon2id$v=19$m=16,t=2,p=1$")


@pytest.mark.parametrize(
    ("username", "role", "password", "field", "message"),
    [
        ("ana", "dispatcher", PASSWORD, "username", "The user name ana is taken."),
        (" ANA ", "dispatcher", PASSWORD, "username", "The user name ana is taken."),
        ("bo", "chief", PASSWORD, "role", "Unknown role 'chief'; use dispatcher, supervisor, admin."),
        ("bo", "dispatcher", "Bo's pass", "password", "A password cannot contain the user name."),
        ("bo", "dispatcher", "short 7", "password", "A password needs at least 8 characters."),
        ("", "dispatcher", PASSWORD, "username", "Type a user name."),
    ],
)
def test_a_taken_name_a_bad_role_or_a_weak_password_creates_nothing(db, ana, username, role, password, field, message):
    with pytest.raises(ValidationError) as info:
        auth.create_user(db, ADMIN, username, role=role, password=password)
    assert (info.value.field, str(info.value)) == (field, message)
    assert [r.username for r in auth.list_users(db, ADMIN)] == ["ana"]
    assert len(audits(db, "create_user")) == 1


def test_an_administrator_demoted_while_the_password_is_hashed_creates_nothing(db, clock):
    auth.create_user(db, ADMIN, "root", role="admin", password=PASSWORD)
    auth.create_user(db, ADMIN, "ada", role="admin", password=PASSWORD)
    ada = auth.authenticate(db, "ada", PASSWORD, workstation="ws-ada")

    class DemotingHasher(PasswordHasher):
        def hash(self, password, *, salt=None):
            auth.set_role(db, ADMIN, "ada", "dispatcher")
            return FAST_HASHER.hash(password)

    with pytest.raises(AccountChangedError):
        auth.create_user(db, ada, "cy", role="dispatcher", password=PASSWORD, hasher=DemotingHasher())
    assert [r.username for r in auth.list_users(db, ADMIN)] == ["ada", "root"]


# Lock, disable, enable, roles ------------------------------------------------------------------
def snap(name: str, role: str, *, active: bool = True, locked: bool = False, display: str = "") -> dict:
    return {"username": name, "display_name": display, "role": role, "active": active, "locked": locked}


def test_unlocking_releases_the_account_and_is_audited(db, clock, ana):
    with pytest.raises(InvalidTransitionError, match="is not locked"):
        auth.unlock_user(db, ADMIN, "ana")
    for _ in range(5):
        refused(db)
    locked_at = clock()
    clock.advance(minutes=20)
    record = auth.unlock_user(db, ADMIN, " ANA ")
    assert (record.username, record.locked, record.locked_at, record.active) == ("ana", False, locked_at, True)
    assert user_row(db).unlocked_at == clock()
    assert audits(db, "unlock_user") == [
        (
            "admin1",
            "ws-adm",
            "user",
            ana.id,
            "ok",
            snap("ana", "dispatcher", locked=True, display="Ana Ruiz"),
            snap("ana", "dispatcher", display="Ana Ruiz"),
        ),
    ]
    assert sign_in(db).username == "ana"
    with pytest.raises(NotFoundError, match="No user 'ghost'"):
        auth.unlock_user(db, ADMIN, "Ghost")
    with pytest.raises(NotFoundError, match=r"^No user ''\.$"):
        auth.unlock_user(db, ADMIN, None)  # type: ignore[arg-type]


def test_a_disabled_account_is_refused_until_enabled_and_both_are_audited(db, clock, ana):
    auth.create_user(db, ADMIN, "boss", role="admin", password=PASSWORD)
    record = auth.disable_user(db, ADMIN, " Ana ")
    assert (record.username, record.active, record.locked) == ("ana", False, False)
    with pytest.raises(InvalidTransitionError, match="already disabled"):
        auth.disable_user(db, ADMIN, "ana")
    with pytest.raises(AccountDisabledError):
        sign_in(db)
    record = auth.enable_user(db, ADMIN, " Ana ")
    assert (record.username, record.active) == ("ana", True)
    with pytest.raises(InvalidTransitionError, match="already enabled"):
        auth.enable_user(db, ADMIN, "ana")
    assert sign_in(db).username == "ana"
    enabled, disabled = (
        snap("ana", "dispatcher", display="Ana Ruiz"),
        snap("ana", "dispatcher", active=False, display="Ana Ruiz"),
    )
    assert audits(db, "disable_user") == [("admin1", "ws-adm", "user", ana.id, "ok", enabled, disabled)]
    assert audits(db, "enable_user") == [("admin1", "ws-adm", "user", ana.id, "ok", disabled, enabled)]
    with pytest.raises(NotFoundError):
        auth.disable_user(db, ADMIN, "ghost")
    with pytest.raises(NotFoundError):
        auth.enable_user(db, ADMIN, "ghost")


def test_a_role_change_is_audited_and_taken_at_the_next_sign_in(db, clock, ana):
    record = auth.set_role(db, ADMIN, " ANA ", "admin")
    assert (record.username, record.role) == ("ana", "admin")
    assert sign_in(db).role == "admin"
    with pytest.raises(InvalidTransitionError, match="already a admin"):
        auth.set_role(db, ADMIN, "ana", "admin")
    assert audits(db, "set_role") == [
        (
            "admin1",
            "ws-adm",
            "user",
            ana.id,
            "ok",
            snap("ana", "dispatcher", display="Ana Ruiz"),
            snap("ana", "admin", display="Ana Ruiz"),
        ),
    ]


@pytest.mark.parametrize(
    ("others", "allowed"),
    [
        ({}, False),
        ({"bo": ("admin", False)}, False),  # a disabled administrator does not count
        ({"bo": ("supervisor", True)}, False),  # nor does anyone who is not an administrator
        ({"bo": ("admin", True)}, True),
    ],
)
@pytest.mark.parametrize("change", ["set_role", "disable_user"])
def test_the_last_active_administrator_cannot_be_demoted_or_disabled(db, others, allowed, change):
    ana = auth.create_user(db, ADMIN, "ana", role="admin", password=PASSWORD)
    for name, (role, active) in others.items():
        auth.create_user(db, ADMIN, name, role=role, password=PASSWORD)
        if not active:
            auth.disable_user(db, ADMIN, name)
    act = {
        "set_role": lambda: auth.set_role(db, ADMIN, "ana", "supervisor"),
        "disable_user": lambda: auth.disable_user(db, ADMIN, "ana"),
    }[change]
    if allowed:
        record = act()
        assert (record.role, record.active) == {"set_role": ("supervisor", True), "disable_user": ("admin", False)}[
            change
        ]
    else:
        with pytest.raises(InvalidTransitionError, match="ana is the last administrator"):
            act()
        assert [a for a in audits(db, change) if a[3] == ana.id] == []
        assert auth.list_users(db, ADMIN)[0] == ana


def test_a_disabled_administrator_may_be_demoted_even_with_no_active_one_left(db):
    auth.create_user(db, ADMIN, "ana", role="admin", password=PASSWORD)
    auth.create_user(db, ADMIN, "bo", role="admin", password=PASSWORD)
    auth.disable_user(db, ADMIN, "ana")
    with db.writer() as s, s.begin():  # bo left too (the command line's administrator remains)
        s.execute(update(User).where(User.username == "bo").values(active=False))
    assert auth.set_role(db, ADMIN, "ana", "dispatcher").role == "dispatcher"


# Passwords ------------------------------------------------------------------------------------
NEW = "Fountain Ave 2026 nights"


def test_a_user_changes_their_own_password_by_giving_the_current_one(db, clock, ana):
    actor = sign_in(db)
    clock.advance(minutes=5)
    record = auth.change_password(db, actor, " ANA ", new_password=NEW, current_password=PASSWORD)
    assert (record.username, record.password_changed_at, record.created_at) == (
        "ana",
        dt.datetime(2026, 11, 26, 16, 5, tzinfo=dt.UTC),
        dt.datetime(2026, 11, 26, 16, 0, tzinfo=dt.UTC),
    )
    assert audits(db, "change_password") == [("ana", "ws-1", "user", ana.id, "ok", None, {"by": "self"})]
    assert type(refused(db, password=PASSWORD)) is WrongPasswordError
    assert sign_in(db, password=NEW).username == "ana"


@pytest.mark.parametrize(
    ("current", "error", "message"),
    [
        (None, ValidationError, "Type your current password."),
        ("", ValidationError, "Type your current password."),
        ("guess guess", PermissionDeniedError, "The current password is wrong; the password was not changed."),
    ],
)
def test_without_the_right_current_password_ones_own_password_stays(db, clock, ana, current, error, message):
    actor = sign_in(db)
    before = stored_hash(db)
    with pytest.raises(error) as info:
        auth.change_password(db, actor, "ana", new_password=NEW, current_password=current)
    assert str(info.value) == message
    assert stored_hash(db) == before
    assert audits(db, "change_password") == (
        [("ana", "ws-1", "user", None, "refused", None, {"role": "dispatcher"})] if current else []
    )
    assert sign_in(db).username == "ana"


def test_a_new_password_follows_the_password_rules(db, ana):
    actor = sign_in(db)
    with pytest.raises(ValidationError, match="cannot contain the user name"):
        auth.change_password(db, actor, "ana", new_password="Ana at Plummer Park", current_password=PASSWORD)
    with pytest.raises(ValidationError, match="cannot contain the user name"):
        auth.change_password(db, ADMIN, " ANA ", new_password="Ana at Plummer Park")
    assert audits(db, "change_password") == []


def test_an_administrator_sets_anyones_password_without_the_current_one(db, clock, ana):
    clock.advance(minutes=1)
    record = auth.change_password(db, ADMIN, "ana", new_password=NEW)
    assert record.password_changed_at == dt.datetime(2026, 11, 26, 16, 1, tzinfo=dt.UTC)
    assert audits(db, "change_password") == [("admin1", "ws-adm", "user", ana.id, "ok", None, {"by": "administrator"})]
    assert sign_in(db, password=NEW).username == "ana"
    with pytest.raises(NotFoundError, match="No user 'ghost'"):
        auth.change_password(db, ADMIN, " Ghost ", new_password=NEW)
    with pytest.raises(NotFoundError, match=r"^No user ''\.$"):
        auth.change_password(db, ADMIN, None, new_password=NEW)  # type: ignore[arg-type]


def test_an_administrator_changing_their_own_password_gives_the_current_one(db, clock):
    auth.create_user(db, ADMIN, "ada", role="admin", password=PASSWORD)
    ada = sign_in(db, "ada")
    with pytest.raises(ValidationError, match="current password"):
        auth.change_password(db, ada, "ada", new_password=NEW)
    auth.change_password(db, ada, "ada", new_password=NEW, current_password=PASSWORD)
    assert audits(db, "change_password")[-1][6] == {"by": "self"}


def test_a_changed_password_is_hashed_and_checked_with_the_hasher_given(db, ana):
    sqlite_only(db)
    stronger = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1)
    checked: list[str] = []
    watched = WatchedHasher(lambda password: checked.append(password))
    actor = sign_in(db)
    auth.change_password(db, actor, "ana", new_password=NEW, current_password=PASSWORD, hasher=watched)
    assert checked == [PASSWORD]
    auth.change_password(db, ADMIN, "ana", new_password=PASSWORD, hasher=stronger)
    assert stored_hash(db).startswith("$argon2id$v=19$m=16,t=2,p=1$")


# Listing accounts -----------------------------------------------------------------------------
def test_the_list_of_users_is_in_name_order_and_its_reading_audited(db, clock):
    for name in ("cy", "ana", "bo"):
        auth.create_user(db, ADMIN, name, role="dispatcher", password=PASSWORD)
    assert [r.username for r in auth.list_users(db, ADMIN)] == ["ana", "bo", "cy"]
    assert audits(db, "list_users") == [("admin1", "ws-adm", "user", None, "ok", None, {"count": 3})]


# Password, name and role rules -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("password", "username", "refusal"),
    [
        ("", "", "Type a password."),
        ("Sunset7", "", "A password needs at least 8 characters."),  # 7 characters
        ("Sunset 7", "", None),  # 8 characters
        ("x" * 255 + "7", "", None),  # 256 characters
        ("x" * 256 + "7", "", "A password can have at most 256 characters."),  # 257 characters
        (" " * 9, "", "A password cannot be only spaces."),
        ("\t \n \t \n ", "", "A password cannot be only spaces."),
        ("At ANA's desk 7", "ana", "A password cannot contain the user name."),
        ("At Ana's desk 7", "", None),  # no user name to compare with
        ("At Ana's desk 7", "bo", None),
        ("Qwerty123", "", "That password is on the list of common passwords; choose another."),
        ("  password  ", "", None),  # a common one with spaces is not the common one
    ],
)
def test_a_password_is_long_enough_not_too_long_not_common_and_not_the_name(password, username, refusal):
    if refusal is None:
        assert auth.validate_password(password, username=username) == password
    else:
        with pytest.raises(ValidationError) as info:
            auth.validate_password(password, username=username)
        assert (info.value.field, str(info.value)) == ("password", refusal)


def test_without_a_user_name_any_text_may_be_in_the_password():
    assert auth.validate_password("Sunset xxxx Strip 9021") == "Sunset xxxx Strip 9021"


def test_a_password_that_is_not_text_is_refused():
    with pytest.raises(ValidationError, match="Type a password"):
        auth.validate_password(None)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="Type a password"):
        auth.validate_password(b"Sunset Strip 9021")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        (" Ana.Ruiz ", "ana.ruiz"),
        ("a", "a"),
        ("7", "7"),
        ("a_b-c.d", "a_b-c.d"),
        ("a" * 80, "a" * 80),
        ("a" * 81, None),
        (".ana", None),
        ("-ana", None),
        ("_ana", None),
        ("ana ruiz", None),
        ("ana@lasd", None),
        ("", None),
        (None, None),
        ("console-admin", None),
        ("CONSOLE-ADMIN", None),
    ],
)
def test_a_user_name_is_plain_lowercase_and_not_the_command_lines(typed, name):
    if name is not None:
        assert auth.validate_username(typed) == name
    else:
        with pytest.raises(ValidationError) as info:
            auth.validate_username(typed)
        assert info.value.field == "username"


@pytest.mark.parametrize("role", ["dispatcher", "supervisor", "admin"])
def test_the_three_roles_are_accepted(role):
    assert auth.validate_role(role) == role


@pytest.mark.parametrize("role", ["Admin", "chief", "", "administrator-of-everything"])
def test_any_other_role_is_refused(role):
    with pytest.raises(ValidationError) as info:
        auth.validate_role(role)
    assert info.value.field == "role"


def test_a_common_password_list_is_read_trimmed_lowercased_and_without_blank_lines(tmp_path):
    listed = tmp_path / "common.txt"
    listed.write_text("  Hunter2Pass \n\n   \nletmein\nLETMEIN\n", encoding="utf-8")
    assert auth.common_passwords(listed) == frozenset({"hunter2pass", "letmein"})


def test_the_banner_is_the_packs_text_trimmed_and_must_be_there(tmp_path):
    from types import SimpleNamespace

    from data.pack import PackError

    pack = SimpleNamespace(directory=tmp_path)
    with pytest.raises(PackError, match="has no system-use banner"):
        auth.system_use_banner(pack)
    (tmp_path / "banner.txt").write_text(" \n\t\n", encoding="utf-8")
    with pytest.raises(PackError, match="banner is empty"):
        auth.system_use_banner(pack)
    (tmp_path / "banner.txt").write_text("\n  AUTHORIZED USE ONLY. Caf\u00e9 rules.  \n", encoding="utf-8")
    assert auth.system_use_banner(pack) == "AUTHORIZED USE ONLY. Caf\u00e9 rules."


def test_the_command_line_acts_as_the_local_administrator_of_this_computer(monkeypatch):
    monkeypatch.setattr("getpass.getuser", lambda: "martina")
    monkeypatch.setattr("socket.gethostname", lambda: "desk-3")
    assert auth.local_admin() == Actor(
        "console-admin", role="admin", workstation="desk-3", display_name="Local administrator (martina)"
    )
    assert auth.local_admin("host-1").workstation == "host-1"


def test_first_run_is_when_no_account_has_a_password(db):
    assert auth.has_users(db) is False
    auth.create_user(db, ADMIN, "ana", role="dispatcher", password=PASSWORD)
    assert auth.has_users(db) is True


# The server's salt and parameters, applied on the workstation (PostgreSQL sign-in) ----------------
def spec_of(encoded: str) -> str:
    """What cso_password_salt() hands out: the encoding without its digest, then the digest's length."""
    head, digest = encoded.rsplit("$", 1)
    return f"{head}${len(digest)}"


# Each written out with argon2's own hash_secret.
ENCODINGS = [
    (  # a 16-byte salt (22 characters, two padding characters dropped), a 32-byte digest
        PASSWORD,
        "$argon2id$v=19$m=8,t=1,p=1$c2l4dGVlbiBieXRlIHNsdA$77VNB8PGvQ0l8hCtZoxGk0ZLIBYYRCAzKvUCPyT8E+Y",
    ),
    (  # time, memory and parallelism each different
        PASSWORD,
        "$argon2id$v=19$m=32,t=2,p=3$c2l4dGVlbiBieXRlIHNsdA$N45+ze/whfFw9CHSZK1tREh8pplleTX30mBt1PgK3Nw",
    ),
    (  # argon2i, a 12-byte salt (no padding), a 20-byte digest
        PASSWORD,
        "$argon2i$v=19$m=8,t=1,p=1$dHdlbHZlIGJ5dGVz$vLDyGe3h0nIl3CV4/mIeE+MVzrE",
    ),
    (  # argon2d, an 8-byte salt (one padding character dropped), a 16-byte digest
        PASSWORD,
        "$argon2d$v=19$m=8,t=1,p=1$OCBieXRlcyE$YkVsK01mMOy1drpTs+TT2w",
    ),
    (  # a 10-byte salt (14 characters, two padding characters dropped)
        PASSWORD,
        "$argon2id$v=19$m=8,t=1,p=1$dGVuIGJ5dGVzIQ$6ByYB/0uDlTbfvICwX02Jg",
    ),
    (  # a password with an accent and a lone surrogate (as a pasted one may have), as UTF-8 with surrogatepass
        "p\u00e4ss \udcff",
        "$argon2id$v=19$m=8,t=1,p=1$c2l4dGVlbiBieXRlIHNsdA$xmCFiDuESGRjMaPYIQR2T56Vl7Pclx8fKtVhNvp9nwE",
    ),
]


@pytest.mark.parametrize(("password", "encoded"), ENCODINGS)
def test_the_password_is_encoded_with_the_servers_salt_and_parameters(password, encoded):
    assert auth.encode_like(spec_of(encoded), password) == encoded
    assert auth.encode_like(spec_of(encoded), WRONG) != encoded


@pytest.mark.parametrize(
    "spec",
    [
        "",  # no such user: the server hands out nothing
        "not an argon2 hash",
        "$argon2x$v=19$m=8,t=1,p=1$c2l4dGVlbiBieXRlIHNsdA$43",  # unknown variant
        "$argon2id$v=19$m=8,p=1$c2l4dGVlbiBieXRlIHNsdA$43",  # no time cost
        "$argon2id$v=19$m=8,t=1,p=1$c2l4dGVlbiBieXRlIHNsdA$many",  # no digest length
        "$argon2id$v=19$m=8,t=1,p=1$c2l4dGVlbiBieXRlIHNsd$43",  # a salt that is not base64
        "$argon2id$v=19$m=1,t=1,p=1$c2l4dGVlbiBieXRlIHNsdA$43",  # memory argon2 refuses
        "$argon2id$v=19$m=8,t=1,p=1$c2l4dGVlbiBieXRlIHNsdA$43$x",  # one part too many
    ],
)
def test_a_spec_that_is_no_argon2_hash_matches_nothing(spec):
    assert auth.encode_like(spec, PASSWORD) == ""


@pytest.mark.parametrize(
    ("spec", "needs"),
    [
        ("$argon2id$v=19$m=8,t=1,p=1$c2l4dGVlbiBieXRlIHNsdA$43", False),  # made with FAST_HASHER's parameters
        ("$argon2id$v=19$m=32,t=2,p=3$c2l4dGVlbiBieXRlIHNsdA$43", True),  # other parameters
        ("$argon2id$v=19$m=8,t=1,p=1$c2l4dGVlbiBieXRlIHNsdA$x", False),  # no digest length: nothing to upgrade
        ("not an argon2 hash$43", False),
    ],
)
def test_a_stored_hash_known_by_its_salt_needs_rehashing_only_with_other_parameters(spec, needs):
    assert auth._needs_rehash(FAST_HASHER, spec) is needs
