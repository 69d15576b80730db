"""Staff accounts. Families never need one."""

from __future__ import annotations

import hashlib
from datetime import datetime

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from .types import MOST_EMAIL, UTCDateTime, ValueInWords, checked_enum, utcnow


def make_password_hasher() -> PasswordHasher:
    """Argon2id with argon2-cffi's RFC 9106 low-memory profile: 64 MiB, 3 passes, 4 lanes. OWASP's floor
    for Argon2id is 19 MiB with 2 passes and 1 lane; a test holds this above it."""
    return PasswordHasher()


password_hasher = make_password_hasher()


def hasher() -> PasswordHasher:
    """Looked up at call time so that tests can swap in a cheap hasher."""
    return password_hasher


class Role(ValueInWords):
    """Roles in increasing order of what they may do; each includes those before it."""

    STAFF = "staff"
    COORDINATOR = "coordinator"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def includes(self, other: Role) -> bool:
        return self.rank >= other.rank


class User(UserMixin, Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(MOST_EMAIL), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200), default="")
    password_hash: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[Role] = mapped_column(checked_enum(Role, "role"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Base32 secret of the authenticator app, for coordinators and admins who turn on a second step.
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))
    # The 30-second step of the last code that worked: a code works once (services/two_factor.py).
    totp_used_step: Mapped[int | None]
    # How many times every session of the account has been ended at once (services/users.py): one more
    # changes password_mark, and so ends them all.
    sessions_ended: Mapped[int] = mapped_column(default=0, server_default="0")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        """What a session keeps to find its user: the id, and a mark of the password hash, so that a new
        password ends every session made with the old one (views/access.py)."""
        return f"{self.id}:{self.password_mark}"

    @property
    def password_mark(self) -> str:
        """Changes with the password and each time every session is ended; the same as before for an
        account whose sessions were never ended, so that no session ended when this was added."""
        basis = self.password_hash + (f"|{self.sessions_ended}" if self.sessions_ended else "")
        return hashlib.sha256(basis.encode()).hexdigest()[:16]

    def set_password(self, password: str) -> None:
        self.password_hash = hasher().hash(password)

    def check_password(self, password: str, rehash: bool = True) -> bool:
        """Whether ``password`` is this account's. A hash made with weaker settings than today's is made
        again, unless ``rehash`` is False: a new hash changes password_mark, and so ends the session
        that is checking it, as well as every other."""
        try:
            hasher().verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
        if rehash and hasher().check_needs_rehash(self.password_hash):
            self.set_password(password)
        return True

    def has_role(self, role: Role) -> bool:
        return self.role.includes(role)

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role.value}>"


class SignIn(Model):
    """One browser signed in to a staff account. Its session cookie carries a random token; this row keeps
    only the token's SHA-256, so that signing out, or ending the session from another browser, ends it
    for good, even for someone holding a copy of the cookie (views/access.py). The person sees their
    own rows on "Where you are signed in" (views/auth.py). A row is deleted when its session ends, or by
    the daily housekeeping once it is past the session's lifetime or idle limit."""

    __tablename__ = "sign_in"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Moved on at most once a minute (views/auth.py), not at every request.
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # What the person will recognise, "Firefox on Windows": not the whole User-Agent, and no address.
    browser: Mapped[str] = mapped_column(sa.String(100), default="")


class SentForm(Model):
    """A form that makes something new (a case, a draft, a question), as one person sent it: the key its
    page was shown with, and the address of what the first post with that key made. A second post with
    the key (a second click on Save while the first is being saved) is taken there instead of making
    another (views/once.py). Rows are deleted after 30 days, as new ones are written
    (services/sent_forms.py)."""

    __tablename__ = "sent_form"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    made: Mapped[str] = mapped_column(sa.String(300), default="")
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
