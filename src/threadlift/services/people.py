"""Use cases for staff and patients: signing in, staff accounts, patient registration and search."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from math import ceil
from uuid import UUID

from threadlift.clinic.errors import InvalidInput, NotFound
from threadlift.clinic.passwords import WeakPassword, check_password
from threadlift.clinic.patient import Patient
from threadlift.clinic.roles import Permission, Role, allowed
from threadlift.clinic.signin import Scope, after_failure, counter_key, locked_for
from threadlift.clinic.staff import User
from threadlift.services.base import PermissionDenied, Services, record, require
from threadlift.services.commands import CreateUser, Login, RegisterPatient, UpdatePatient
from threadlift.services.ports import UnitOfWork

MAX_SEARCH_CHARACTERS = 200
MAX_PAGE = 200


class LoginFailed(PermissionDenied):
    rule = "login"


class SignInLocked(PermissionDenied):
    """Too many wrong passwords for this account or from this address: no password is checked until
    ``retry_after_s`` has passed (or an administrator unlocks the account)."""

    rule = "sign_in_locked"

    def __init__(self, message: str, retry_after_s: int) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class LastAdministrator(InvalidInput):
    rule = "last_admin"


@dataclass(frozen=True)
class LoginResult:
    token: str
    expires_at: datetime
    user: User


def login(svc: Services, command: Login, address: str | None = None) -> LoginResult:
    """Sign in with a user name and password, from ``address`` (the client's; None: the command line).

    Throttled per account and per address (:mod:`threadlift.clinic.signin`): while either is locked,
    :class:`SignInLocked` says for how long, and no password is checked."""
    now = svc.clock()
    keys = {Scope.ACCOUNT: counter_key(Scope.ACCOUNT, command.username)}
    if address:
        keys[Scope.ADDRESS] = counter_key(Scope.ADDRESS, address)
    with svc.uow() as uow:
        states = {scope: uow.sign_ins.get(key, for_update=True) for scope, key in keys.items()}
        waits = {scope: wait for scope, state in states.items() if (wait := locked_for(state, now)) is not None}
        if waits:
            scope, wait = max(waits.items(), key=lambda item: item[1])
            named = uow.users.by_username(command.username)
            record(uow, svc, None, "login_refused", "user", named.id if named else None, locked=scope.value)
            uow.commit()
            raise _locked(scope, wait)
        user = uow.users.authenticate(command.username, command.password)
        if user is None:
            record(uow, svc, None, "login_failed", "user")  # no user name stored: it may be a patient's typo
            locks = {}
            for scope, key in keys.items():
                state = after_failure(states[scope], now, scope, svc.settings.sign_in)
                uow.sign_ins.save(key, state)
                if (wait := locked_for(state, now)) is not None:
                    named = uow.users.by_username(command.username) if scope is Scope.ACCOUNT else None
                    record(uow, svc, None, "login_locked", "user", named.id if named else None, scope=scope.value,
                           failures=state.count, minutes=round(wait.total_seconds() / 60))
                    locks[scope] = wait
            uow.commit()
            if locks:
                scope, wait = max(locks.items(), key=lambda item: item[1])
                raise _locked(scope, wait)
            raise LoginFailed("wrong user name or password")
        uow.sign_ins.clear(keys[Scope.ACCOUNT])
        token, expires = uow.users.start_session(user, now, svc.settings.session_max_hours)
        record(uow, svc, user, "login", "user", user.id)
        uow.commit()
        return LoginResult(token, expires, user)


def _locked(scope: Scope, wait: timedelta) -> SignInLocked:
    seconds = max(1, ceil(wait.total_seconds()))
    when = f"{ceil(seconds / 60)} minute{'s' if seconds > 60 else ''}"
    if scope is Scope.ACCOUNT:
        message = (f"too many wrong passwords for this account: it is locked; try again in {when}, or ask an "
                   "administrator to unlock it")
    else:
        message = f"too many failed sign-ins from this computer's address: try again in {when}"
    return SignInLocked(message, seconds)


def unlock_user(svc: Services, actor: User | None, user_id: str) -> bool:
    """An administrator lifts an account's sign-in lock (and forgets its failures); False: none was kept."""
    with svc.uow() as uow:
        user = _managed(uow, actor, user_id)
        cleared = uow.sign_ins.clear(counter_key(Scope.ACCOUNT, user.username))
        record(uow, svc, actor, "unlock", "user", user.id, had_failures=cleared)
        uow.commit()
        return cleared


def sign_in_locks(svc: Services, actor: User | None) -> dict[str, datetime]:
    """The accounts locked now, by user id: until when."""
    if actor is not None:
        require(actor, Permission.USERS_MANAGE)
    now = svc.clock()
    with svc.uow(read_only=True) as uow:
        states = {u.id: uow.sign_ins.get(counter_key(Scope.ACCOUNT, u.username)) for u in uow.users.all()}
    return {user_id: state.locked_until for user_id, state in states.items()
            if state is not None and state.locked_until is not None and locked_for(state, now) is not None}


def authenticate(svc: Services, token: str) -> User | None:
    """The user of a live session, its last-seen time refreshed when due (see :func:`session_of`)."""
    user, refresh = session_of(svc, token)
    if refresh:
        refresh_session(svc, token, expired=user is None)
    return user


def session_of(svc: Services, token: str) -> tuple[User | None, bool]:
    """The user of a live session (None: no such session, or it has ended), and whether the session
    row needs a write: its last-seen time refreshed (at most every 30 s) or, ended, removed. Reads
    only, so a request can check its session without queueing for the write lock."""
    with svc.uow(read_only=True) as uow:
        user, stale = uow.users.session_user(token, svc.clock(), svc.settings.session_idle_minutes)
    return user, stale is not None


def refresh_session(svc: Services, token: str, *, expired: bool) -> None:
    """The session's one write: its last-seen time moved to now, or the ended session removed."""
    with svc.uow() as uow:
        uow.users.touch_session(token, svc.clock(), expired=expired)
        uow.commit()


def logout(svc: Services, actor: User, token: str) -> None:
    with svc.uow() as uow:
        uow.users.end_session(token)
        record(uow, svc, actor, "logout", "user", actor.id)
        uow.commit()


def create_user(svc: Services, actor: User | None, command: CreateUser) -> User:
    """Create a staff account. ``actor`` None is the command line's bootstrap of the first admin."""
    if actor is not None:
        require(actor, Permission.USERS_MANAGE)
    account = command.account
    check_password(account.password, account.username)
    with svc.uow() as uow:
        if uow.users.by_username(account.username) is not None:
            raise InvalidInput(f"the user name {account.username} is taken", rule="unique_username")
        user = uow.users.create(account.username, account.display_name, account.role, account.password, svc.clock())
        record(uow, svc, actor, "create", "user", user.id, role=account.role.value)
        uow.commit()
        return user


def list_users(svc: Services, actor: User | None) -> list[User]:
    """Every account, active or not, by user name. ``actor`` None: the command line on the server."""
    if actor is not None:
        require(actor, Permission.USERS_MANAGE)
    with svc.uow(read_only=True) as uow:
        return uow.users.all()


def user_named(svc: Services, actor: User | None, username: str) -> User:
    if actor is not None:
        require(actor, Permission.USERS_MANAGE)
    with svc.uow(read_only=True) as uow:
        found = uow.users.by_username(username)
    if found is None:
        raise NotFound(f"no user {username}")
    return found


def deactivate_user(svc: Services, actor: User | None, user_id: str) -> User:
    """A leaver: the account can no longer sign in and every session of it ends now. Records stay
    attributed to it. The last active administrator cannot be deactivated (nobody could manage users)."""
    with svc.uow() as uow:
        user = _managed(uow, actor, user_id)
        if actor is not None and actor.id == user.id:
            raise InvalidInput("you cannot deactivate your own account; another administrator can",
                               rule="own_account")
        if user.role is Role.ADMIN and user.active and sum(
                1 for u in uow.users.all() if u.role is Role.ADMIN and u.active) == 1:
            raise LastAdministrator(f"{user.username} is the only active administrator; make another one first")
        uow.users.set_active(user.id, False)
        ended = uow.users.end_sessions(user.id)
        record(uow, svc, actor, "deactivate", "user", user.id, sessions_ended=ended)
        uow.commit()
        return User(user.id, user.username, user.display_name, user.role, False)


def reactivate_user(svc: Services, actor: User | None, user_id: str) -> User:
    with svc.uow() as uow:
        user = _managed(uow, actor, user_id)
        uow.users.set_active(user.id, True)
        record(uow, svc, actor, "reactivate", "user", user.id)
        uow.commit()
        return User(user.id, user.username, user.display_name, user.role, True)


def set_password(svc: Services, actor: User | None, user_id: str, password: str) -> User:
    """An administrator sets (resets) someone's password: the policy applies, every session of that
    account ends, so whoever knew the old password is signed out, and a sign-in lock is lifted."""
    with svc.uow() as uow:
        user = _managed(uow, actor, user_id)
        check_password(password, user.username)
        uow.users.set_password(user.id, password)
        ended = uow.users.end_sessions(user.id)
        unlocked = uow.sign_ins.clear(counter_key(Scope.ACCOUNT, user.username))  # the new password works now
        record(uow, svc, actor, "password_reset", "user", user.id, sessions_ended=ended, unlocked=unlocked)
        uow.commit()
        return user


def change_own_password(svc: Services, actor: User, current_password: str, new_password: str,
                        keep_token: str | None = None) -> None:
    """Anyone changes their own password, giving the current one; their other sessions end."""
    with svc.uow() as uow:
        if not uow.users.password_matches(actor.id, current_password):
            record(uow, svc, actor, "password_refused", "user", actor.id)
            uow.commit()
            raise WeakPassword("the current password is not right", rule="current_password")
        if current_password == new_password:
            raise WeakPassword("the new password is the same as the current one")
        check_password(new_password, actor.username)
        uow.users.set_password(actor.id, new_password)
        ended = uow.users.end_sessions(actor.id, keep_token=keep_token)
        record(uow, svc, actor, "password_change", "user", actor.id, other_sessions_ended=ended)
        uow.commit()


def _managed(uow: UnitOfWork, actor: User | None, user_id: str) -> User:
    if actor is not None:
        require(actor, Permission.USERS_MANAGE)
    user = uow.users.get(user_id)
    if user is None:
        raise NotFound(f"no user {user_id}")
    return user


def staff_names(svc: Services, actor: User) -> dict[str, str]:
    """Every member of staff's display name by user id: records name people, not ids."""
    with svc.uow() as uow:
        return {user.id: user.display_name for user in uow.users.all()}


def register_patient(svc: Services, actor: User, command: RegisterPatient) -> Patient:
    require(actor, Permission.DEMOGRAPHICS_WRITE)
    patient = Patient(**command.details.model_dump())
    patient.check_born_before(svc.today())
    with svc.uow() as uow:
        uow.patients.add(patient)
        record(uow, svc, actor, "create", "patient", patient.id)
        uow.commit()
    return patient


# The weights the local-anaesthetic maximum is worked from (PRO-04): clinical staff change them.
DOSING_FIELDS = ("weight_kg", "height_cm", "dosing_weight_kg")


def update_patient(svc: Services, actor: User, command: UpdatePatient) -> Patient:
    require(actor, Permission.DEMOGRAPHICS_WRITE)
    with svc.uow() as uow:
        current = uow.patients.get(command.patient_id)
        updated = current.changed(command.changes)
        changed = [name for name in DOSING_FIELDS if getattr(updated, name) != getattr(current, name)]
        if changed and not allowed(actor.role, Permission.MEASUREMENTS_WRITE):
            raise PermissionDenied("the weight, height and dosing weight set the local-anaesthetic maximum (PRO-04): "
                                   "a clinician or nurse changes them", rule="permission")
        updated.check_born_before(svc.today())
        uow.patients.update(updated)
        record(uow, svc, actor, "update", "patient", command.patient_id,
               fields=sorted(command.changes.model_fields_set))
        uow.commit()
        return updated


def get_patient(svc: Services, actor: User, patient_id: UUID) -> Patient:
    with svc.uow(logs_reads=True) as uow:
        patient = read_patient(uow, svc, actor, patient_id)
        uow.commit()
        return patient


def read_patient(uow: UnitOfWork, svc: Services, actor: User, patient_id: UUID) -> Patient:
    """The patient's details, read in the caller's unit of work (which commits the reading's audit row)."""
    require(actor, Permission.DEMOGRAPHICS_READ)
    patient = uow.patients.get(patient_id)
    record(uow, svc, actor, "read", "patient", patient_id)
    return patient


def search_patients(svc: Services, actor: User, text: str, limit: int = 50,
                    offset: int = 0) -> tuple[list[Patient], int]:
    require(actor, Permission.DEMOGRAPHICS_READ)
    if len(text) > MAX_SEARCH_CHARACTERS:
        raise InvalidInput(f"the search text is longer than {MAX_SEARCH_CHARACTERS} characters")
    if not 1 <= limit <= MAX_PAGE or offset < 0:
        raise InvalidInput(f"ask for 1 to {MAX_PAGE} patients from an offset of 0 or more")
    with svc.uow(logs_reads=True) as uow:
        found, total = uow.patients.search(text, limit=limit, offset=offset)
        record(uow, svc, actor, "search", "patient", None, results=len(found))  # the query itself may be a name
        uow.commit()
        return found, total
