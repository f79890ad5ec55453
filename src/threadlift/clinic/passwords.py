"""The one password policy for staff accounts, whatever sets the password (API, page, command line).

NIST SP 800-63B (Digital Identity Guidelines, authentication), memorised secrets: at least 12
characters here (NIST's floor is 8; the clinic holds health records), long ones allowed (256), any
characters, **no composition rules** (no "one digit, one capital"), and a check against passwords
known to be common or breached, repetitive or sequential characters, and context-specific words (the
user name, the name of the service).

The list shipped in ``data/common-passwords.txt.gz`` (40,101 entries, lower case) joins two public
lists: Django's 20,000 common passwords (Royce Williams' list drawn from breach corpora; BSD-3-Clause)
and the 30,000 most frequent passwords of zxcvbn (MIT). Most entries are shorter than 12 characters,
so a password is also refused when it is two such pieces joined, each a listed password, a context
word or a run (``password123456``, ``monkey12345678``), or mostly the user name.
"""

from __future__ import annotations

import gzip
import itertools
import unicodedata
from functools import cache
from importlib import resources

from threadlift.clinic.errors import InvalidInput

MIN_LENGTH = 12
MAX_LENGTH = 256
CONTEXT_WORDS = ("threadlift",)


class WeakPassword(InvalidInput):
    rule = "password_policy"


@cache
def common_passwords() -> frozenset[str]:
    data = resources.files("threadlift.clinic.data").joinpath("common-passwords.txt.gz").read_bytes()
    return frozenset(gzip.decompress(data).decode().split())


def check_password(password: str, username: str) -> None:
    """Raise :class:`WeakPassword` with what to do, or return when the password may be used."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"the password needs at least {MIN_LENGTH} characters (it has {len(password)}); "
                           "a few unrelated words make a long one that is easy to remember")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"the password may have at most {MAX_LENGTH} characters")
    text = _normal(password)
    context = {_normal(username), *CONTEXT_WORDS} - {""}
    if any(len(text.replace(word, "")) < MIN_LENGTH for word in context if len(word) >= 3 and word in text):
        raise WeakPassword("the password must not be the user name or the name of the software, nor mostly made "
                           "of them")
    if _is_run(text):
        raise WeakPassword("the password is one character or pattern repeated, or a sequence (like 123456…): "
                           "choose another")
    if _is_weak_piece(text, context) or _is_weak_piece(text.replace(" ", ""), context) or _two_weak_pieces(
            text.strip(" !?.*#"), context):
        raise WeakPassword("this password is on a list of common or breached passwords, or is made of them: "
                           "choose another (a few unrelated words make a good one)")


def _normal(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold().strip()


def _is_weak_piece(piece: str, context: set[str]) -> bool:
    return piece in context or piece in common_passwords() or _is_run(piece)


def _two_weak_pieces(text: str, context: set[str]) -> bool:
    return any(_is_weak_piece(text[:i], context) and _is_weak_piece(text[i:], context) for i in range(1, len(text)))


def _is_run(text: str) -> bool:
    """One character or a pattern repeated (``aaaa``, ``abab``, twelve spaces, ``alicealice``), or a
    sequence of code points going up or down by one (``123456``, ``abcdef``, ``987654``)."""
    if not text or text in (text + text)[1:-1]:  # a string is periodic iff it occurs inside itself doubled
        return True
    steps = {ord(b) - ord(a) for a, b in itertools.pairwise(text)}
    return len(text) > 2 and (steps == {1} or steps == {-1})
