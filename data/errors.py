"""Refusals a dispatcher can read. When one is raised, nothing has been written."""

from __future__ import annotations


class DispatchError(Exception):
    """Base of every refused action; str(error) is the message shown to the user."""


class ValidationError(DispatchError):
    """A field has an empty, unknown or absurd value."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class NotFoundError(DispatchError):
    """The incident, unit, citation or user named does not exist."""


class InvalidTransitionError(DispatchError):
    """The incident or unit cannot move to that state from where it is."""


class AlreadyClosedError(InvalidTransitionError):
    """The incident is already cleared, cancelled, transferred or merged: reopen it before closing it again."""


class UnitBusyError(DispatchError):
    """The unit already has an active incident or is not available for dispatch."""


class SheriffFirstError(DispatchError):
    """The call needs law enforcement first; dispatching CSOs alone needs a recorded override."""


class StaleWriteError(DispatchError):
    """Someone else changed the record since it was read; reload and reapply."""

    def __init__(self, message: str, *, changed_by: str = "", changes: str = "") -> None:
        super().__init__(message)
        self.changed_by = changed_by
        self.changes = changes


class PermissionDeniedError(DispatchError):
    """The signed-in user's role does not allow this action."""


class AccountChangedError(PermissionDeniedError):
    """The signed-in account was disabled, locked or given another role since sign-in (read on every action)."""

    def __init__(self, message: str, *, role: str = "", usable: bool = True) -> None:
        super().__init__(message)
        self.role = role  # the role the database has now ("" when the account is gone)
        self.usable = usable  # False: disabled or locked, nothing more can be done in this session


class DatabaseUnavailableError(DispatchError):
    """The database cannot be reached; the action was not applied."""


class SignInError(DispatchError):
    """Sign-in or screen unlock refused: wrong password, locked or disabled account."""


class WrongPasswordError(SignInError):
    """The user name or password is wrong; ``attempts_left`` before the account locks."""

    def __init__(self, message: str, *, attempts_left: int) -> None:
        super().__init__(message)
        self.attempts_left = attempts_left


class AccountLockedError(SignInError):
    """Too many failed attempts: the account stays locked until an administrator releases it."""


class AccountDisabledError(SignInError):
    """An administrator disabled the account."""
