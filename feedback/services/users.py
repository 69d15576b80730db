"""Staff accounts."""

from __future__ import annotations

import functools
import re
from pathlib import Path

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select

from ..database import DbSession
from ..models import MOST_EMAIL, AuditEvent, Role, User
from ..models.types import utcnow
from ..models.user import hasher
from . import sign_ins
from .audit import HistoryLine, changes_in_words, describe, history_of
from .text import strip_control_characters

MIN_PASSWORD_LENGTH = 12
COMMON_PASSWORDS = Path(__file__).resolve().parent.parent / "data" / "common_passwords.txt"
_DUMMY_PASSWORD = "not-a-real-password"


class UserError(ValueError):
    """Why an account change was refused, and the field of the form it is about."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


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


def can_sign_in_as(email: str) -> bool:
    """Whether the sign-in form takes ``email``: the check of WTForms' Email validator, which the forms
    make, so that an account made on the command line is one its owner can sign in to ("a@b" is not)."""
    if len(email) > MOST_EMAIL:
        return False
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def find_by_email(session: DbSession, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def create_user(
    session: DbSession, email: str, role: Role | str, password: str, name: str = "", active: bool = True
) -> User:
    email = email.strip().lower()
    if not can_sign_in_as(email):
        raise UserError("Enter an email address in the correct format, like name@example.org", "email")
    if find_by_email(session, email):
        raise UserError(f"There is already a user with the email address {email}", "email")
    try:
        role = Role(role)
    except ValueError:
        raise UserError(f"Role must be one of: {', '.join(r.value for r in Role)}", "role") from None
    name = strip_control_characters(name).strip()
    if len(name) > 200:  # the column's length, which PostgreSQL holds to; the form says the same
        raise UserError("Name must be 200 characters or fewer", "name")
    problem = password_problem(password, email)
    if problem:
        raise UserError(problem, "password")
    user = User(email=email, role=role, name=name, active=active)
    user.set_password(password)
    session.add(user)
    session.flush()
    return user


def authenticate(session: DbSession, email: str, password: str) -> User | None:
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


def update_user(
    session: DbSession, user: User, acting_id: int, name: str, role: Role | str, active: bool
) -> None:
    """An admin changes someone's name, role, or whether they can sign in. Nobody takes away their own
    admin role or turns off their own account: that way the service always keeps an admin who can
    undo a mistake."""
    role = Role(role)
    if user.id == acting_id and role is not Role.ADMIN:
        raise UserError("You cannot take away your own admin role. Ask another admin to do it", "role")
    if user.id == acting_id and not active:
        raise UserError("You cannot turn off your own account. Ask another admin to do it", "active")
    if user.active and not active:
        end_sessions(session, user)  # or they would carry on once the account is turned on again
    user.name, user.role, user.active = (name or "").strip(), role, active
    session.flush()


def end_sessions(session: DbSession, user: User) -> None:
    """Every session of the account ends at its next request: someone signed in on a lost laptop, or
    left signed in on a shared computer. The password stays as it is. Their sign-ins go (the list of
    where they are signed in), and the count the audit trail shows moves on, which changes the mark
    every session keeps (User.password_mark)."""
    user.sessions_ended = (user.sessions_ended or 0) + 1
    sign_ins.end_all(session, user)
    session.flush()


def set_new_password(session: DbSession, user: User, password: str) -> None:
    """A new password, under the same rules as a first one; every session made with the old one ends."""
    problem = password_problem(password, user.email)
    if problem:
        raise UserError(problem, "password")
    user.set_password(password)
    sign_ins.end_all(session, user)
    session.flush()


def change_own_password(session: DbSession, user: User, current: str, new: str) -> None:
    if not user.check_password(current):
        raise UserError("Your current password is not right", "current")
    if new == current:
        raise UserError("Your new password must be different from your current one", "password")
    set_new_password(session, user, new)


def remove_second_step(session: DbSession, user: User) -> None:
    """An admin turns off someone's second sign-in step, when the phone with their authenticator app is
    lost: their password alone signs them in until they turn it on again."""
    user.totp_secret = None
    session.flush()


def all_users(session: DbSession) -> list[User]:
    return list(session.scalars(select(User).order_by(User.active.desc(), func.lower(User.email))))


def history(session: DbSession, user: User, limit: int = 50) -> list[HistoryLine]:
    """Who changed the account and how, newest first, in words. Signing in is left out, though the trail
    keeps its time, and the secrets, which the trail keeps only as "[redacted]", are named."""
    lines = (described(event) for event in history_of(session, user, limit=limit * 4))
    return [line for line in lines if line is not None][:limit]


def described(event: AuditEvent) -> HistoryLine | None:
    """An event of an account in words, or None for a sign-in, which changes nothing anyone chose."""
    changed = {key: value for key, value in (event.after or {}).items() if key != "last_login_at"}
    if event.operation != "update":
        return describe(event, "the account")
    words = []
    if "active" in changed:
        words.append("can sign in again" if changed.pop("active") else "can no longer sign in")
    if changed.pop("password_hash", None) is not None:
        words.append("set a new password")
    if "totp_secret" in changed:
        words.append(f"turned the second sign-in step {'on' if changed.pop('totp_secret') else 'off'}")
    if changed.pop("sessions_ended", None) is not None:
        words.append("ended every session")
    if changed:
        words.insert(0, changes_in_words(event.before or {}, changed))
    return HistoryLine(event.at, event.actor, "; ".join(words), event.id) if words else None
