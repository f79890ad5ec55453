"""Staff passwords are hashed with Argon2id at RFC 9106's second recommended parameters (64 MiB, three
passes) outside the tests, which hash with a cheaper profile (tests/conftest.py)."""

from __future__ import annotations

from argon2 import Type, profiles

from tests.conftest import production_password_hasher
from threadlift.store import users


def test_the_store_hashes_with_rfc_9106_low_memory_argon2id_outside_the_tests() -> None:
    hasher = production_password_hasher()
    expected = profiles.RFC_9106_LOW_MEMORY
    assert (hasher.type, hasher.time_cost, hasher.memory_cost, hasher.parallelism, hasher.hash_len) == (
        Type.ID, expected.time_cost, expected.memory_cost, expected.parallelism, expected.hash_len)
    assert users._hasher is not hasher  # the tests' own profile is in place, and only in this process


def test_a_hash_made_with_production_parameters_still_verifies_under_the_tests_profile() -> None:
    stored = production_password_hasher().hash("a long enough password")
    assert users._hasher.verify(stored, "a long enough password")
    assert users._hasher.check_needs_rehash(stored)  # a change of parameters rehashes at the next sign-in
