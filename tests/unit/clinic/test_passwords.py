"""The one password policy (NIST SP 800-63B): length, the user name, common and breached passwords,
runs; and no composition rules."""

from __future__ import annotations

import pytest

from threadlift.clinic.passwords import MAX_LENGTH, WeakPassword, check_password, common_passwords


@pytest.mark.parametrize(("password", "why"), [
    ("aaaaaaaaaaaa", "repeated"),
    (" " * 12, "repeated"),
    ("password123456", "common"),  # issue 13: all three were accepted
    ("alice-smith", "12 characters"),
    ("Alice-Smith2024", "user name"),
    ("alice-smithalice-smith", "user name"),
    ("ThreadLift2026!", "user name"),  # the name of the software
    ("123456789012", "common"),
    ("abcdefghijklm", "sequence"),
    ("qwertyuiop123", "common"),
    ("monkey12345678", "common"),
    ("iloveyouiloveyou", "repeated"),
    ("x" * (MAX_LENGTH + 1), "at most"),
])
def test_refused_with_a_reason(password, why):
    with pytest.raises(WeakPassword) as refused:
        check_password(password, "alice-smith")
    assert why in refused.value.message
    assert refused.value.rule == "password_policy"


@pytest.mark.parametrize("password", [
    "correct horse battery staple",  # words, spaces, no digit: no composition rules
    "zq8!vR2#pL0m",
    "all lower case is fine",
    "ÄÖÜ café crème brûlée",  # any characters
    "mauve ladder",  # exactly twelve characters
    "x" * 40 + "brisk walk",
])
def test_accepted_without_composition_rules(password):
    check_password(password, "alice-smith")


def test_the_shipped_list_is_large_lower_case_and_holds_known_breached_passwords():
    listed = common_passwords()
    assert len(listed) > 40_000
    assert {"123456", "password", "qwerty", "iloveyou", "sunshine"} <= listed
    assert all(entry == entry.casefold() for entry in list(listed)[:2000])
