"""Staff accounts."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import Role, User
from ..models.types import utcnow
from ..models.user import hasher

MIN_PASSWORD_LENGTH = 12
_DUMMY_PASSWORD = "not-a-real-password"


class UserError(ValueError):
    pass


def password_problem(password: str) -> str | None:
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Password must be at least {MIN_PASSWORD_LENGTH} characters"
    if len(password) > 200:
        return "Password must be 200 characters or fewer"
    return None


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
    problem = password_problem(password)
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
