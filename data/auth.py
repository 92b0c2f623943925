"""Sign-in and accounts: argon2 password hashes, lockout after failed attempts, administration."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import getpass
import re
import socket
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from argon2 import PasswordHasher, Type
from argon2.exceptions import HashingError, InvalidHashError, VerificationError, VerifyMismatchError
from argon2.low_level import hash_secret
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from data.db import Database
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
from data.models import LoginAttempt, User
from data.pack import Pack, PackError
from data.permissions import ROLES, Actor, authorize, record_refusal
from data.services._work import Work, snapshot, work

# CJIS Security Policy 5.9.5: at most 5 consecutive failures in 15 minutes, then locked until an
# administrator releases the account; passwords of at least 8 characters, not a common one.
MAX_FAILURES = 5
FAILURE_WINDOW = dt.timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 256  # argon2 takes any length; the cap keeps a pasted novel from costing time
LOCAL_ADMIN = "console-admin"

# argon2-cffi's defaults (RFC 9106 low-memory profile: argon2id, 64 MiB, 3 passes). A stored hash
# made with other parameters is replaced at the next successful sign-in.
HASHER = PasswordHasher()

USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._-]{0,79}$")
USER_FIELDS = ("username", "display_name", "role", "active", "locked")


@dataclass(frozen=True)
class UserRecord:
    id: int
    username: str
    display_name: str
    role: str
    active: bool
    locked: bool
    locked_at: dt.datetime | None
    created_at: dt.datetime
    password_changed_at: dt.datetime | None


def _user_record(user: User) -> UserRecord:
    return UserRecord(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role,
        active=user.active,
        locked=user.locked,
        locked_at=user.locked_at,
        created_at=user.created_at,
        password_changed_at=user.password_changed_at,
    )


def local_admin(workstation: str | None = None) -> Actor:
    """The administrator the command line acts as: whoever can run it on this computer."""
    return Actor(
        LOCAL_ADMIN,
        role="admin",
        workstation=workstation or socket.gethostname(),
        display_name=f"Local administrator ({getpass.getuser()})",
    )


# Banner and password rules ------------------------------------------------------------------------
def system_use_banner(pack: Pack) -> str:
    """The system-use notification shown (and acknowledged) before sign-in; it lives in the pack."""
    path = pack.directory / "banner.txt"
    try:
        text = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError as exc:
        raise PackError(f"{path}: the jurisdiction pack has no system-use banner") from exc
    if not text:
        raise PackError(f"{path}: the system-use banner is empty")
    return text


@functools.cache
def common_passwords(path: Path | None = None) -> frozenset[str]:
    source = path or Path(str(resources.files("resources") / "security" / "common-passwords.txt"))
    lines = source.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip())


def validate_password(password: str, *, username: str = "") -> str:
    """Return the password if it may be used; raise ValidationError saying why not."""
    if not isinstance(password, str) or not password:
        raise ValidationError("password", "Type a password.")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationError("password", f"A password needs at least {MIN_PASSWORD_LENGTH} characters.")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationError("password", f"A password can have at most {MAX_PASSWORD_LENGTH} characters.")
    if not password.strip():
        raise ValidationError("password", "A password cannot be only spaces.")
    lowered = password.lower()
    if username and username.lower() in lowered:
        raise ValidationError("password", "A password cannot contain the user name.")
    if lowered in common_passwords():
        raise ValidationError("password", "That password is on the list of common passwords; choose another.")
    return password


def validate_username(username: str) -> str:
    name = (username or "").strip().lower()
    if not name:
        raise ValidationError("username", "Type a user name.")
    if not USERNAME_PATTERN.match(name):
        raise ValidationError(
            "username",
            "A user name has 1 to 80 lowercase letters, digits, dots, dashes or underscores, "
            "and starts with a letter or digit.",
        )
    if name == LOCAL_ADMIN:
        raise ValidationError("username", f"{LOCAL_ADMIN} is the command line's own name; choose another.")
    return name


def validate_role(role: str) -> str:
    if role not in ROLES:
        raise ValidationError("role", f"Unknown role {str(role)[:20]!r}; use {', '.join(ROLES)}.")
    return role


# Queries -----------------------------------------------------------------------------------------
def has_users(db: Database) -> bool:
    """Whether anyone can sign in yet (first run: no)."""
    # A centre's workstation may not read password_hash: every account made with a password has its date.
    has_password = User.password_changed_at if db.dialect == "postgresql" else User.password_hash
    with db.read() as s:
        return s.execute(select(User.id).where(has_password.is_not(None)).limit(1)).first() is not None


def list_users(db: Database, actor: Actor) -> list[UserRecord]:
    authorize(db, actor, "manage_users", entity="user")
    with work(db, actor, privilege="manage_users") as w:
        users = w.session.execute(select(User).order_by(User.username)).scalars().all()
        w.audit("list_users", "user", None, None, {"count": len(users)})
        return [_user_record(u) for u in users]


def recent_failures(db: Database, username: str) -> int:
    """Consecutive failed attempts counting towards the lockout now."""
    with db.read() as s:
        user = s.execute(select(User).where(User.username == username.strip().lower())).scalar_one_or_none()
        return _failures(s, username.strip().lower(), db.clock(), user)


def _failures(session: Session, username: str, now: dt.datetime, user: User | None) -> int:
    last_success = session.execute(
        select(func.max(LoginAttempt.id)).where(LoginAttempt.username == username, LoginAttempt.success.is_(True))
    ).scalar()
    q = select(func.count(LoginAttempt.id)).where(
        LoginAttempt.username == username,
        LoginAttempt.success.is_(False),
        LoginAttempt.at >= now - FAILURE_WINDOW,
    )
    if last_success is not None:
        q = q.where(LoginAttempt.id > last_success)
    if user is not None and user.unlocked_at is not None:
        q = q.where(LoginAttempt.at > user.unlocked_at)
    return int(session.execute(q).scalar_one())


# Sign-in -----------------------------------------------------------------------------------------
@functools.cache
def _decoy_hash(hasher: PasswordHasher) -> str:
    return hasher.hash("no such user: this hash is only checked to take the usual time")


def _verify(hasher: PasswordHasher, stored: str | None, password: str) -> bool:
    try:
        return hasher.verify(stored or _decoy_hash(hasher), password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def authenticate(
    db: Database,
    username: str,
    password: str,
    *,
    workstation: str,
    hasher: PasswordHasher | None = None,
    action: str = "sign_in",
) -> Actor:
    """Check a user name and password and return the signed-in Actor.

    Raises WrongPasswordError (with the attempts left), AccountLockedError or AccountDisabledError;
    every attempt is recorded and audited. The fifth consecutive failure within 15 minutes locks
    the account until an administrator unlocks it.
    """
    ph = hasher or HASHER
    name = (username or "").strip().lower()[:80]
    if not name:
        raise ValidationError("username", "Type your user name.")
    if not password:
        raise ValidationError("password", "Type your password.")
    if len(password) > MAX_PASSWORD_LENGTH:
        password = password[: MAX_PASSWORD_LENGTH + 1]  # never matches; costs what any password costs
    new_hash: str | None = None
    if db.dialect == "postgresql":
        # The server checks the password and opens the database session the guards read (migration 0011).
        status, spec = _server_check(db, name, password, workstation=workstation, keep=action == "sign_in")
        matched = status.startswith("ok") or status == "disabled"  # "disabled": the right password
        if status.startswith("ok:"):
            db.bind_session(status[3:])
            new_hash = ph.hash(password) if _needs_rehash(ph, spec) else None
        stored = None
    else:
        with db.read() as s:
            user = s.execute(select(User).where(User.username == name)).scalar_one_or_none()
            stored = user.password_hash if user is not None else None
            usable = user is not None and user.active and not user.locked
        # Checked before the write transaction: argon2 is slow on purpose and must not hold the lock.
        # Every attempt costs one hash, whether the name is unknown, locked, disabled or real, so the
        # time taken does not tell which accounts exist or are locked; an outdated hash is replaced
        # only on an account that can sign in (a second hash would tell a locked account's password).
        matched = _verify(ph, stored, password)
        rehash = matched and usable and stored is not None and ph.check_needs_rehash(stored)
        new_hash = ph.hash(password) if rehash else None

    error: SignInError | None = None
    attempt = Actor(name, role="", workstation=workstation)
    with work(db, attempt, check_account=False) as w:  # the sign-in itself judges the account
        query = select(User).where(User.username == name)
        if db.dialect == "postgresql":
            query = query.with_for_update()  # two workstations failing at once count both
        row = w.session.execute(query).scalar_one_or_none()
        if db.dialect == "sqlite" and row is not None and matched and row.password_hash != stored:
            matched = _verify(ph, row.password_hash, password)  # changed while we checked
        error = _settle_attempt(w, name, row, matched=matched, action=action)
        same = db.dialect == "postgresql" or (row is not None and row.password_hash == stored)
        if error is None and row is not None and new_hash is not None and same:
            row.password_hash = new_hash
            w.audit("rehash_password", "user", row.id, None, {"parameters": _parameters(ph)})
    if error is not None:
        raise error
    assert row is not None
    return Actor(row.username, role=row.role, workstation=workstation, display_name=row.display_name)


def _settle_attempt(w: Work, name: str, row: User | None, *, matched: bool, action: str) -> SignInError | None:
    """Record the attempt and its audit rows; return the refusal to raise, if any."""
    entity_id = row.id if row is not None else None
    if row is not None and row.locked:
        _attempt(w, name, success=False)
        w.audit(action, "user", entity_id, None, {"reason": "account locked"}, outcome="refused")
        return _still_locked(name)
    if row is None or not matched:
        _attempt(w, name, success=False)
        failures = _failures(w.session, name, w.now, row)
        left = max(0, MAX_FAILURES - failures)
        w.audit(
            action,
            "user",
            entity_id,
            None,
            {"reason": "wrong user name or password", "attempts_left": left},
            outcome="failed",
        )
        if left == 0:
            if row is not None:
                before = snapshot(row, *USER_FIELDS)
                row.locked = True
                row.locked_at = w.now
                w.audit(
                    "lock_account",
                    "user",
                    row.id,
                    before,
                    snapshot(row, *USER_FIELDS) | {"reason": f"{MAX_FAILURES} failed attempts within 15 minutes"},
                )
            # Unknown names get the same answers, so the replies do not reveal which accounts exist.
            if failures > MAX_FAILURES:
                return _still_locked(name)
            return AccountLockedError(
                f"{MAX_FAILURES} failed attempts: the account {name} is now locked; an administrator must unlock it."
            )
        plural = "attempt" if left == 1 else "attempts"
        return WrongPasswordError(
            f"Wrong user name or password. {left} {plural} left before the account locks.", attempts_left=left
        )
    if not row.active:
        _attempt(w, name, success=False)
        w.audit(action, "user", row.id, None, {"reason": "account disabled"}, outcome="refused")
        return AccountDisabledError(f"The account {name} is disabled; ask an administrator.")
    _attempt(w, name, success=True)
    w.audit(action, "user", row.id, None, {"role": row.role})
    return None


def _still_locked(name: str) -> AccountLockedError:
    return AccountLockedError(
        f"The account {name} is locked after too many failed attempts; an administrator must unlock it."
    )


def _attempt(w: Work, name: str, *, success: bool) -> None:
    if w.db.dialect == "postgresql":
        return  # cso_sign_in() recorded it: a guess made straight at the server counts as well
    w.session.add(LoginAttempt(username=name, at=w.now, workstation=w.actor.workstation, success=success))
    w.session.flush()


def _parameters(ph: PasswordHasher) -> dict[str, int]:
    return {"time_cost": ph.time_cost, "memory_cost": ph.memory_cost, "parallelism": ph.parallelism}


def unlock_screen(db: Database, actor: Actor, password: str, *, hasher: PasswordHasher | None = None) -> Actor:
    """The signed-in user's password, to come back to a locked screen (counts towards lockout)."""
    return authenticate(
        db, actor.username, password, workstation=actor.workstation, hasher=hasher, action="screen_unlock"
    )


def record_screen_lock(db: Database, actor: Actor, *, idle_minutes: float | None = None) -> None:
    with work(db, actor, check_account=False) as w:
        reason = {"idle_minutes": idle_minutes} if idle_minutes is not None else {"reason": "locked by the user"}
        w.audit("screen_lock", "session", None, None, reason)


def sign_out(db: Database, actor: Actor) -> None:
    with work(db, actor, check_account=False) as w:  # a disabled user's sign-out is still recorded
        w.audit("sign_out", "session", None, None, None)
    if db.dialect == "postgresql" and db.session_token:
        with db.engine.begin() as conn:
            conn.execute(text("SELECT cso_sign_out()"))
        db.bind_session(None)


# The server's side of sign-in (PostgreSQL) -----------------------------------------------------
def encode_like(spec: str, password: str) -> str:
    """The argon2 encoding of password with the salt and parameters the server gave (``cso_password_salt``).

    spec is the stored encoding without its digest, then ``$`` and the digest's length in characters.
    """
    try:
        head, digest_chars = spec.rsplit("$", 1)
        _, variant, _version, params, salt = head.split("$")
        cost = dict(item.split("=", 1) for item in params.split(","))
        raw = base64.b64decode(salt + "=" * (-len(salt) % 4))
        kind = {"argon2id": Type.ID, "argon2i": Type.I, "argon2d": Type.D}[variant]
        encoded = hash_secret(
            password.encode("utf-8", "surrogatepass"),
            raw,
            time_cost=int(cost["t"]),
            memory_cost=int(cost["m"]),
            parallelism=int(cost["p"]),
            hash_len=int(digest_chars) * 3 // 4,
            type=kind,
        )
    except (ValueError, KeyError, binascii.Error, HashingError):
        return ""  # not an argon2 hash: it matches nothing
    return encoded.decode("ascii")


def server_sign_in(db: Database, name: str, password: str, *, workstation: str, keep: bool = True) -> str:
    """Ask the server to check a password: "ok:TOKEN" (a session to bind), "ok" (keep=False), "wrong", "locked",
    "disabled". The server records the attempt, so a guess made straight at it counts towards the lockout."""
    return _server_check(db, name, password, workstation=workstation, keep=keep)[0]


def _server_check(db: Database, name: str, password: str, *, workstation: str, keep: bool) -> tuple[str, str]:
    with db.read() as s:
        spec = str(s.execute(text("SELECT cso_password_salt(:n)"), {"n": name}).scalar_one())
    proof = encode_like(spec, password)
    with db.engine.begin() as conn:
        status = conn.execute(
            text("SELECT cso_sign_in(:n, :p, :w, :k, :at)"),
            {"n": name, "p": proof, "w": workstation[:80], "k": keep, "at": db.clock()},
        ).scalar_one()
    return str(status), spec


def _needs_rehash(ph: PasswordHasher, spec: str) -> bool:
    """Whether the stored hash (known by its salt and parameters) was made with other parameters than ph's."""
    head, _, digest_chars = spec.rpartition("$")
    try:
        return ph.check_needs_rehash(f"{head}${'A' * int(digest_chars)}")
    except (ValueError, InvalidHashError):
        return False


# Administration ----------------------------------------------------------------------------------
def _load_user(w: Work, username: str) -> User:
    name = (username or "").strip().lower()
    row = w.session.execute(select(User).where(User.username == name)).scalar_one_or_none()
    if row is None:
        raise NotFoundError(f"No user {name[:80]!r}.")
    return row


def _other_admins(w: Work, row: User) -> int:
    return int(
        w.session.execute(
            select(func.count(User.id)).where(User.role == "admin", User.active.is_(True), User.id != row.id)
        ).scalar_one()
    )


def create_user(
    db: Database,
    actor: Actor,
    username: str,
    *,
    role: str,
    password: str,
    display_name: str = "",
    hasher: PasswordHasher | None = None,
) -> UserRecord:
    authorize(db, actor, "manage_users", entity="user")
    name = validate_username(username)
    validate_role(role)
    validate_password(password, username=name)
    shown = " ".join((display_name or "").split())[:120]
    hashed = (hasher or HASHER).hash(password)
    with work(db, actor, privilege="manage_users") as w:
        if w.session.execute(select(User.id).where(User.username == name)).first():
            raise ValidationError("username", f"The user name {name} is taken.")
        row = User(
            username=name,
            display_name=shown,
            role=role,
            password_hash=hashed,
            locked=False,
            active=True,
            created_at=w.now,
            password_changed_at=w.now,
        )
        w.session.add(row)
        w.session.flush()
        w.audit("create_user", "user", row.id, None, snapshot(row, *USER_FIELDS))
        return _user_record(row)


def unlock_user(db: Database, actor: Actor, username: str) -> UserRecord:
    """Release a locked account; the failures before now no longer count."""
    authorize(db, actor, "manage_users", entity="user")
    with work(db, actor, privilege="manage_users") as w:
        row = _load_user(w, username)
        if not row.locked:
            raise InvalidTransitionError(f"The account {row.username} is not locked.")
        before = snapshot(row, *USER_FIELDS)
        row.locked = False
        row.unlocked_at = w.now
        w.audit("unlock_user", "user", row.id, before, snapshot(row, *USER_FIELDS))
        return _user_record(row)


def set_role(db: Database, actor: Actor, username: str, role: str) -> UserRecord:
    authorize(db, actor, "manage_users", entity="user")
    validate_role(role)
    with work(db, actor, privilege="manage_users") as w:
        row = _load_user(w, username)
        if row.role == role:
            raise InvalidTransitionError(f"{row.username} is already a {role}.")
        if row.role == "admin" and row.active and _other_admins(w, row) == 0:
            raise InvalidTransitionError(f"{row.username} is the last administrator; make another one first.")
        before = snapshot(row, *USER_FIELDS)
        row.role = role
        w.audit("set_role", "user", row.id, before, snapshot(row, *USER_FIELDS))
        return _user_record(row)


def disable_user(db: Database, actor: Actor, username: str) -> UserRecord:
    """Stop an account from signing in (it stays on file: audit rows keep naming it)."""
    authorize(db, actor, "manage_users", entity="user")
    with work(db, actor, privilege="manage_users") as w:
        row = _load_user(w, username)
        if not row.active:
            raise InvalidTransitionError(f"The account {row.username} is already disabled.")
        if row.role == "admin" and _other_admins(w, row) == 0:
            raise InvalidTransitionError(f"{row.username} is the last administrator; make another one first.")
        before = snapshot(row, *USER_FIELDS)
        row.active = False
        w.audit("disable_user", "user", row.id, before, snapshot(row, *USER_FIELDS))
        return _user_record(row)


def enable_user(db: Database, actor: Actor, username: str) -> UserRecord:
    authorize(db, actor, "manage_users", entity="user")
    with work(db, actor, privilege="manage_users") as w:
        row = _load_user(w, username)
        if row.active:
            raise InvalidTransitionError(f"The account {row.username} is already enabled.")
        before = snapshot(row, *USER_FIELDS)
        row.active = True
        w.audit("enable_user", "user", row.id, before, snapshot(row, *USER_FIELDS))
        return _user_record(row)


def change_password(
    db: Database,
    actor: Actor,
    username: str,
    *,
    new_password: str,
    current_password: str | None = None,
    hasher: PasswordHasher | None = None,
) -> UserRecord:
    """A user changes their own password (giving the current one); an administrator sets anyone's."""
    ph = hasher or HASHER
    name = (username or "").strip().lower()
    own = name == actor.username
    if not own:
        authorize(db, actor, "manage_users", entity="user")
    validate_password(new_password, username=name)
    if own:
        if not current_password:
            raise ValidationError("current_password", "Type your current password.")
        if db.dialect == "postgresql":
            ok = server_sign_in(db, name, current_password, workstation=actor.workstation, keep=False) == "ok"
        else:
            with db.read() as s:
                stored = s.execute(select(User.password_hash).where(User.username == name)).scalar_one_or_none()
            ok = _verify(ph, stored, current_password)
        if not ok:
            record_refusal(db, actor, "change_password", entity="user")
            raise PermissionDeniedError("The current password is wrong; the password was not changed.")
    hashed = ph.hash(new_password)
    with work(db, actor, privilege=None if own else "manage_users") as w:
        row = _load_user(w, name)
        row.password_hash = hashed
        row.password_changed_at = w.now
        w.audit("change_password", "user", row.id, None, {"by": "self" if own else "administrator"})
        return _user_record(row)
