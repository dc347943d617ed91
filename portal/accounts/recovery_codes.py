"""Recovery codes: ten single-use codes a person keeps for when their authenticator is gone.

Only a SHA-256 digest of each code is stored. A code is 80 random bits (16 base32 letters),
so nobody can work one out from its digest by guessing; a slow hash (argon2) protects guessable
secrets such as passwords and would only make each sign-in check ten of them slowly.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.clock import now
from portal.extensions import db
from portal.sqltypes import UTCDateTime

RECOVERY_CODE_COUNT = 10
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read off paper without doubt
_GROUPS, _GROUP_LENGTH = 4, 4


class RecoveryCode(db.Model):
    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"),
                                         index=True)
    code_digest: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=now)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


def new_recovery_code() -> str:
    """xxxx-xxxx-xxxx-xxxx from a 31-letter alphabet: 16 letters, about 79 bits."""
    letters = "".join(secrets.choice(_ALPHABET) for _ in range(_GROUPS * _GROUP_LENGTH))
    return "-".join(letters[i:i + _GROUP_LENGTH]
                    for i in range(0, len(letters), _GROUP_LENGTH))


def normalized(code: str) -> str:
    """What a person typed, as it was issued: spaces and dashes and case do not matter."""
    letters = "".join(ch for ch in code.lower() if ch.isalnum())
    return "-".join(letters[i:i + _GROUP_LENGTH] for i in range(0, len(letters), _GROUP_LENGTH))


def digest(code: str) -> str:
    return hashlib.sha256(normalized(code).encode()).hexdigest()


def looks_like_recovery_code(code: str) -> bool:
    letters = "".join(ch for ch in code.lower() if ch.isalnum())
    return len(letters) == _GROUPS * _GROUP_LENGTH
