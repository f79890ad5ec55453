"""Sign-in throttling: after repeated wrong passwords an account, or a client address, is locked for a
while, each further failure doubling the lock (records-standards.md d1: person or entity authentication;
OWASP's authentication guidance is the usual shape: count failures per account and per source).

Two counters are kept for every failed sign-in: one for the account named (known or not, so the answer
never tells whether a user name exists) and one for the client address (one address trying many user
names). While either is locked, no password is checked, the right one included: an attacker who had
the password from somewhere learns nothing by trying it during a lock, and a guess that happens to be
right is not let in. Only a successful sign-in outside a lock clears the account's counter; an
administrator can clear it at any time (``unlock``). Failures are forgotten after a quiet spell.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class Scope(StrEnum):
    ACCOUNT = "account"
    ADDRESS = "address"


@dataclass(frozen=True)
class SignInPolicy:
    """The clinic's numbers (settings THREADLIFT_LOGIN_*)."""

    account_failures: int = 5  # wrong passwords in a row for one user name before it locks
    address_failures: int = 30  # failures from one address, any user names, before it locks
    first_lock_minutes: int = 1  # then doubled at each further failure
    longest_lock_minutes: int = 60
    # A quiet spell after which failures are forgotten: a day for an account (five typos a week apart
    # lock nobody), an hour for an address (a clinic's staff share one address behind its router).
    account_memory: timedelta = timedelta(hours=24)
    address_memory: timedelta = timedelta(hours=1)

    def threshold(self, scope: Scope) -> int:
        return self.account_failures if scope is Scope.ACCOUNT else self.address_failures

    def memory(self, scope: Scope) -> timedelta:
        return self.account_memory if scope is Scope.ACCOUNT else self.address_memory


@dataclass(frozen=True)
class Failures:
    """The stored counter of one account or address."""

    count: int
    last_at: datetime
    locked_until: datetime | None


def counter_key(scope: Scope, name: str) -> str:
    """The stored key of a counter: a hash, so the table holds no user name someone mistyped (it may be
    a patient's name) and no raw address."""
    value = name.strip().lower() if scope is Scope.ACCOUNT else name
    return f"{scope.value}:{hashlib.sha256(value.encode()).hexdigest()[:48]}"


def locked_for(state: Failures | None, at: datetime) -> timedelta | None:
    """How long the counter stays locked from ``at`` (None: not locked)."""
    if state is None or state.locked_until is None or state.locked_until <= at:
        return None
    return state.locked_until - at


def after_failure(state: Failures | None, at: datetime, scope: Scope, policy: SignInPolicy) -> Failures:
    """The counter after one more failure at ``at``: counted afresh after a quiet spell, and locked once
    it reaches the threshold, for the first lock doubled per failure beyond it, up to the longest."""
    count = 1 if state is None or at - state.last_at > policy.memory(scope) else state.count + 1
    beyond = count - policy.threshold(scope)
    if beyond < 0:
        return Failures(count, at, None)
    minutes = min(policy.first_lock_minutes * 2 ** min(beyond, 16), policy.longest_lock_minutes)
    return Failures(count, at, at + timedelta(minutes=minutes))
