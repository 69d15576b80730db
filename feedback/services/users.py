"""Staff accounts."""

from __future__ import annotations

import functools
import re
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import Role, User
from ..models.types import utcnow
from ..models.user import hasher

MIN_PASSWORD_LENGTH = 12
COMMON_PASSWORDS = Path(__file__).resolve().parent.parent / "data" / "common_passwords.txt"
_DUMMY_PASSWORD = "not-a-real-password"


class UserError(ValueError):
    pass


@functools.cache
def _common_words() -> frozenset[str]:
    with open(COMMON_PASSWORDS, encoding="utf-8") as handle:
        return frozenset(line.strip() for line in handle if line.strip() and not line.startswith("#"))


def password_problem(password: str, email: str = "") -> str | None:
    """NCSC's advice: length rather than complexity rules, and no password from the lists attackers try
    first. So: at least 12 characters, any characters at all, but not a common word with digits and
    symbols around it, not one character or one short pattern repeated, not a run of digits, and not the
    person's own email address."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Password must be at least {MIN_PASSWORD_LENGTH} characters"
    if len(password) > 200:
        return "Password must be 200 characters or fewer"
    lowered = password.lower()
    letters = re.sub(r"[^a-z]", "", lowered)
    common = letters in _common_words() or _repeats(lowered) or (letters and _repeats(letters))
    if common or (not letters and _sequence(re.sub(r"[^0-9]", "", lowered))):
        return "Choose a less common password: three random words together make a strong one"
    local = email.strip().lower().split("@")[0]
    if len(local) >= 4 and local in lowered:
        return "Your password must not contain your email address"
    return None


def _repeats(text: str) -> bool:
    """One short piece over and over ("aaaaaaaaaaaa", "abcabcabcabc", "passwordpassword")."""
    return any(
        text == text[:size] * (len(text) // size) + text[: len(text) % size]
        for size in range(1, min(9, len(text) // 2 + 1))
    )


def _sequence(digits: str) -> bool:
    """Digits counting up or down ("123456789012", "987654321098")."""
    steps = {(int(b) - int(a)) % 10 for a, b in zip(digits, digits[1:], strict=False)}
    return len(steps) == 1 and steps <= {1, 9}


def find_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def create_user(session: Session, email: str, role: Role | str, password: str, name: str = "") -> User:
    email = email.strip().lower()
    if "@" not in email or len(email) > 254:
        raise UserError("Enter an email address in the correct format, like name@example.org")
    if find_by_email(session, email):
        raise UserError(f"There is already a user with the email address {email}")
    try:
        role = Role(role)
    except ValueError:
        raise UserError(f"Role must be one of: {', '.join(r.value for r in Role)}") from None
    problem = password_problem(password, email)
    if problem:
        raise UserError(problem)
    user = User(email=email, role=role, name=name)
    user.set_password(password)
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, email: str, password: str) -> User | None:
    user = find_by_email(session, email)
    if user is None or not user.active:
        # Hashing anyway keeps the response time the same whether or not the account exists.
        hasher().hash(_DUMMY_PASSWORD)
        return None
    if not user.check_password(password):
        return None
    user.last_login_at = utcnow()
    session.flush()
    return user
