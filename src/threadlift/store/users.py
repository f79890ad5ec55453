"""Users and sessions: argon2 password hashes, opaque session tokens stored only as hashes."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from uuid import uuid4

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from threadlift.clinic.roles import Role
from threadlift.clinic.signin import Failures
from threadlift.clinic.staff import User
from threadlift.store.tables import SessionRow, SignInFailureRow, UserRow

_hasher = PasswordHasher()


def _user(row: UserRow) -> User:
    return User(row.id, row.username, row.display_name, Role(row.role), row.active)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# Built once: every request looks its session up.
_SESSION_USER = (select(SessionRow.last_seen_at, SessionRow.expires_at, UserRow.id, UserRow.username,
                        UserRow.display_name, UserRow.role, UserRow.active)
                 .join(UserRow, UserRow.id == SessionRow.user_id)
                 .where(SessionRow.token_hash == bindparam("token_hash")))


class UserRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def create(self, username: str, display_name: str, role: Role, password: str, at: datetime) -> User:
        """A new active account. The password policy is the service's (:mod:`threadlift.clinic.passwords`)."""
        row = UserRow(id=str(uuid4()), username=username.lower(), display_name=display_name, role=role.value,
                      password_hash=_hasher.hash(password), active=True, created_at=at)
        self.session.add(row)
        return _user(row)

    def get(self, user_id: str) -> User | None:
        row = self.session.get(UserRow, user_id)
        return _user(row) if row else None

    def by_username(self, username: str) -> User | None:
        row = self.session.execute(select(UserRow).where(UserRow.username == username.lower())).scalar_one_or_none()
        return _user(row) if row else None

    def all(self) -> list[User]:
        return [_user(r) for r in self.session.execute(select(UserRow).order_by(UserRow.username)).scalars()]

    def set_password(self, user_id: str, password: str) -> None:
        row = self._row(user_id)
        row.password_hash = _hasher.hash(password)

    def set_active(self, user_id: str, active: bool) -> None:
        self._row(user_id).active = active

    def password_matches(self, user_id: str, password: str) -> bool:
        try:
            return bool(_hasher.verify(self._row(user_id).password_hash, password))
        except (VerificationError, InvalidHashError):
            return False

    def end_sessions(self, user_id: str, *, keep_token: str | None = None) -> int:
        """End every session of the user (but ``keep_token``'s); returns how many ended."""
        query = delete(SessionRow).where(SessionRow.user_id == user_id)
        if keep_token is not None:
            query = query.where(SessionRow.token_hash != _token_hash(keep_token))
        return int(self.session.execute(query).rowcount)  # type: ignore[attr-defined]

    def _row(self, user_id: str) -> UserRow:
        row = self.session.get(UserRow, user_id)
        if row is None:
            raise LookupError(user_id)
        return row

    def authenticate(self, username: str, password: str) -> User | None:
        row = self.session.execute(select(UserRow).where(UserRow.username == username.lower())).scalar_one_or_none()
        if row is None:
            _hasher.hash(password)  # same work either way: no timing hint that the name exists
            return None
        try:
            _hasher.verify(row.password_hash, password)
        except (VerificationError, InvalidHashError):
            return None
        if not row.active:
            return None
        if _hasher.check_needs_rehash(row.password_hash):
            row.password_hash = _hasher.hash(password)
        return _user(row)

    def start_session(self, user: User, at: datetime, max_hours: int) -> tuple[str, datetime]:
        token = secrets.token_urlsafe(32)
        expires = at + timedelta(hours=max_hours)
        self.session.add(SessionRow(token_hash=_token_hash(token), user_id=user.id, created_at=at, last_seen_at=at,
                                    expires_at=expires))
        return token, expires

    def session_user(self, token: str, at: datetime, idle_minutes: int) -> tuple[User | None, str | None]:
        """(user, why the session row needs a write: "expired", "refresh" or None). Reads only."""
        found = self.session.execute(_SESSION_USER, {"token_hash": _token_hash(token)}).first()
        if found is None:
            return None, None
        last_seen, expires = _aware(found.last_seen_at), _aware(found.expires_at)
        if at > expires or at - last_seen > timedelta(minutes=idle_minutes) or not found.active:
            return None, "expired"
        user = User(found.id, found.username, found.display_name, Role(found.role), found.active)
        return user, "refresh" if at - last_seen > timedelta(seconds=30) else None

    def touch_session(self, token: str, at: datetime, *, expired: bool) -> None:
        row = self.session.get(SessionRow, _token_hash(token))
        if row is None:
            return
        if expired:
            self.session.delete(row)
        else:
            row.last_seen_at = at

    def end_session(self, token: str) -> None:
        self.session.execute(delete(SessionRow).where(SessionRow.token_hash == _token_hash(token)))


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)  # SQLite drops the zone; we wrote UTC


class SignInCounters:
    """Failed sign-ins by counter key (see :mod:`threadlift.clinic.signin`)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, key: str, *, for_update: bool = False) -> Failures | None:
        query = select(SignInFailureRow).where(SignInFailureRow.key == key)
        if for_update:
            query = query.with_for_update()
        row = self.session.execute(query).scalar_one_or_none()
        if row is None:
            return None
        return Failures(row.failures, _aware(row.last_failure_at),
                        None if row.locked_until is None else _aware(row.locked_until))

    def save(self, key: str, state: Failures) -> None:
        values = {"key": key, "failures": state.count, "last_failure_at": state.last_at,
                  "locked_until": state.locked_until}
        insert = postgresql_insert if self.session.get_bind().dialect.name == "postgresql" else sqlite_insert
        statement = insert(SignInFailureRow).values(**values)
        self.session.execute(statement.on_conflict_do_update(
            index_elements=[SignInFailureRow.key],
            set_={"failures": statement.excluded.failures, "last_failure_at": statement.excluded.last_failure_at,
                  "locked_until": statement.excluded.locked_until}))

    def clear(self, key: str) -> bool:
        """Forget the key's failures (a successful sign-in, an administrator's unlock); True if any were kept."""
        deleted = self.session.execute(delete(SignInFailureRow).where(SignInFailureRow.key == key))
        return bool(deleted.rowcount)  # type: ignore[attr-defined]
