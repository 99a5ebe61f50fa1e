"""Password hashing: argon2id with at least OWASP's parameters; the list of common passwords."""
from __future__ import annotations

import functools
import secrets
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# OWASP Password Storage Cheat Sheet: m = 19 MiB, t = 2, p = 1 (minimum).
HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)

COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@functools.cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(24))


def verify_against_nothing(password: str) -> bool:
    """The work of a real check, for a login that does not exist: the answer
    and its timing must not tell an unknown login from a wrong password."""
    verify_password(_dummy_hash(), password)
    return False


@functools.cache
def common_passwords() -> frozenset[str]:
    """Lowercased common passwords, refused as new passwords."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("# "))
