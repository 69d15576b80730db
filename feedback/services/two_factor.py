"""A second sign-in step with an authenticator app (TOTP, RFC 6238), which coordinators and admins may
turn on. pyotp does the arithmetic; segno draws the QR code the app scans."""

from __future__ import annotations

import pyotp
import segno

from ..models import Role, User

ISSUER = "Feedback Loop"


class TwoFactorError(ValueError):
    pass


def new_secret() -> str:
    return pyotp.random_base32()


def verify(secret: str, code: str) -> bool:
    """A code from now or the 30 seconds either side, so a slow phone clock still works."""
    digits = "".join(c for c in code if c.isdigit())
    return len(digits) == 6 and pyotp.TOTP(secret).verify(digits, valid_window=1)


def provisioning_qr(user: User, secret: str) -> str:
    """The QR code an authenticator app scans, as a data URI for an <img> (the page's CSP allows data:
    images and nothing inline)."""
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    return segno.make(uri, error="m").svg_data_uri(scale=4)


def turn_on(user: User, secret: str, code: str) -> None:
    if not user.has_role(Role.COORDINATOR):
        raise TwoFactorError("Only coordinators and admins use a second step")
    if not verify(secret, code):
        raise TwoFactorError(
            "That code is not right. Scan the QR code again and enter the code your app shows"
        )
    user.totp_secret = secret


def turn_off(user: User, code: str) -> None:
    if not user.totp_secret or not verify(user.totp_secret, code):
        raise TwoFactorError("That code is not right. Enter the code your app shows now")
    user.totp_secret = None
