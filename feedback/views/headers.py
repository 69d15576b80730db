"""Security headers on every response: a strict Content Security Policy with a nonce for the one inline
script GOV.UK's page template carries, no framing except for the two views made to be embedded, no copy
of a staff page kept by the browser, and the usual hardening headers."""

from __future__ import annotations

import secrets

from flask import Response, g, request

from .access import needs_a_role

# Views built to sit in an iframe on a Local Offer site.
EMBEDDABLE = {"widget.show", "published.embed"}
# On every response, whatever it is.
HARDENING = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def csp_nonce() -> str:
    """This response's nonce for inline scripts, made the first time a page asks for it. A response that
    no template asked (a JSON answer, a redirect) allows no inline script, and costs no random bytes."""
    nonce = g.get("csp_nonce")
    if nonce is None:
        nonce = g.csp_nonce = secrets.token_urlsafe(18)
    return nonce


def _policy(embeddable: bool, nonce: str | None) -> str:
    scripts = f"script-src 'self' 'nonce-{nonce}'" if nonce else "script-src 'self'"
    return f"default-src 'self'; {scripts}; {_REST_OF_THE_POLICY[embeddable]}"


_REST_OF_THE_POLICY = {
    embeddable: "; ".join(
        [
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors *" if embeddable else "frame-ancestors 'none'",
        ]
    )
    for embeddable in (True, False)
}


def add_security_headers(response: Response) -> Response:
    if response.mimetype == "image/svg+xml":
        # A chart drawn by matplotlib styles itself inside the SVG; it runs no script and holds no input.
        response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    else:
        embeddable = request.endpoint in EMBEDDABLE
        response.headers["Content-Security-Policy"] = _policy(embeddable, g.get("csp_nonce"))
        if not embeddable:
            response.headers["X-Frame-Options"] = "DENY"
    response.headers.update(HARDENING)
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    if needs_a_role():  # public pages, the survey and the static files may be cached as they say
        # A case's page names a child: the browser of a shared office computer must keep no copy of it on
        # disk (OWASP ASVS 8.2.1). A view that says otherwise keeps its own.
        response.headers.setdefault("Cache-Control", "no-store")
    return response
