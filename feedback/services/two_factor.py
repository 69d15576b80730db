"""A second sign-in step with an authenticator app (TOTP, RFC 6238), which coordinators and admins may
turn on. pyotp does the arithmetic; segno draws the QR code the app scans.

A code works once (OWASP ASVS 2.8.4): one seen over a shoulder, or sent twice, is refused for as long as
it would otherwise still be good. The account keeps the 30-second step of the last code that worked, and
a code must come from a later step; the step is moved on by one conditional UPDATE, so that two requests
with the same code cannot both get in."""

from __future__ import annotations

import hmac
import time

import pyotp
import segno
import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from ..database import DbSession, rows_changed
from ..models import Role, User

ISSUER = "Feedback Loop"


class TwoFactorError(ValueError):
    pass


def new_secret() -> str:
    return pyotp.random_base32()


def step_of(secret: str, code: str, now: float | None = None) -> int | None:
    """The 30-second step whose code this is: now's, or the one either side, so that a slow phone clock
    still works. None if it is none of them."""
    digits = "".join(c for c in code if c.isdigit())
    if len(digits) != 6:
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(time.time() if now is None else now)
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), digits):
            return step
    return None


def use_code(session: DbSession, user: User, code: str, secret: str | None = None) -> bool:
    """Whether ``code`` is right for the account's app (or for ``secret``, one being set up) and comes
    from a later step than the last code that worked; if so, it is used up."""
    step = step_of(secret or user.totp_secret or "", code)
    if step is None:
        return False
    later = sa.or_(User.totp_used_step.is_(None), User.totp_used_step < step)
    used = session.execute(
        sa.update(User).where(User.id == user.id, later).values(totp_used_step=step),
        execution_options={"synchronize_session": False},
    )
    if rows_changed(used) != 1:
        return False
    set_committed_value(user, "totp_used_step", step)
    return True


def provisioning_qr(user: User, secret: str) -> str:
    """The QR code an authenticator app scans, as a data URI for an <img> (the page's CSP allows data:
    images and nothing inline)."""
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    return segno.make(uri, error="m").svg_data_uri(scale=4)


def turn_on(session: DbSession, user: User, secret: str, code: str) -> None:
    if not user.has_role(Role.COORDINATOR):
        raise TwoFactorError("Only coordinators and admins use a second step")
    user.totp_used_step = None  # the steps of an app set up before count for nothing now
    session.flush()
    if not use_code(session, user, code, secret=secret):
        raise TwoFactorError(
            "That code is not right. Scan the QR code again and enter the code your app shows"
        )
    user.totp_secret = secret


def turn_off(session: DbSession, user: User, code: str) -> None:
    if not user.totp_secret or not use_code(session, user, code):
        raise TwoFactorError("That code is not right. Enter the code your app shows now")
    user.totp_secret = None
