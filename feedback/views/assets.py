"""Static files for a phone on a weak signal.

Pages link their CSS and JavaScript with a digest of the file (``?v=``), so a browser keeps each one for a
year without asking again, and fetches it anew only when a release changes it. Linked without it, each
file was asked about again on every page: six more round trips a page (bench/phone). Text files go
gzipped to a browser that accepts it: GOV.UK Frontend's CSS is 128 KB, and 15 KB gzipped.

A file is read, digested and compressed once a process, and again only when it changes on disk. A
response with a file neither refreshes the session cookie nor varies by it (``SessionUntouchedByFiles``):
it may be kept by anyone, and a browser would otherwise fetch it again whenever the cookie changed.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import mimetypes
import os
import stat
from dataclasses import dataclass

from flask import Flask, Response, abort, current_app, request, send_file
from flask.sessions import SecureCookieSessionInterface, SessionMixin
from itsdangerous import URLSafeTimedSerializer
from werkzeug.security import safe_join

YEAR = 365 * 24 * 60 * 60
COMPRESSIBLE = {"text/css", "text/javascript", "application/javascript", "image/svg+xml", "application/json"}


@dataclass(frozen=True)
class _Asset:
    path: str
    mimetype: str
    digest: str
    modified: float
    gzipped: bytes | None  # for a text file


_assets: dict[str, tuple[int, _Asset]] = {}  # by path: the file's modification time, and what was read


def _asset(filename: str) -> _Asset | None:
    """The static file at ``filename``, or None if there is no such file in the static folder."""
    path = safe_join(str(current_app.static_folder), filename)
    if path is None:
        return None
    try:
        status = os.stat(path)
    except (OSError, ValueError):  # ValueError: a NUL in the name
        return None
    if not stat.S_ISREG(status.st_mode):
        return None
    kept = _assets.get(path)
    if kept is not None and kept[0] == status.st_mtime_ns:
        return kept[1]
    with open(path, "rb") as handle:
        data = handle.read()
    mimetype = mimetypes.guess_type(path)[0] or "application/octet-stream"
    asset = _Asset(
        path=path,
        mimetype=mimetype,
        digest=hashlib.sha256(data).hexdigest()[:16],
        modified=status.st_mtime,
        gzipped=gzip.compress(data, 9, mtime=0) if mimetype in COMPRESSIBLE else None,
    )
    _assets[path] = (status.st_mtime_ns, asset)
    return asset


def link_with_digest(endpoint: str, values: dict) -> None:
    """``url_for('static', filename=...)`` links the file with its digest (a URL default)."""
    if endpoint == "static" and values.get("filename") and "v" not in values:
        asset = _asset(values["filename"])
        if asset is not None:
            values["v"] = asset.digest


def serve(filename: str) -> Response:
    """The static files' view, in place of Flask's own: kept a year when asked for by digest, otherwise
    checked with the server on every use (ETag and Last-Modified); gzipped where that helps."""
    asset = _asset(filename)
    if asset is None:
        abort(404)
    lasting = request.args.get("v") == asset.digest
    zipped = asset.gzipped if request.accept_encodings["gzip"] > 0 else None
    response = send_file(
        io.BytesIO(zipped) if zipped is not None else asset.path,
        mimetype=asset.mimetype,
        etag=asset.digest if zipped is None else f"{asset.digest}-gzip",
        last_modified=asset.modified,
        max_age=YEAR if lasting else None,
        conditional=True,
    )
    if zipped is not None:
        response.headers["Content-Encoding"] = "gzip"
    if asset.gzipped is not None:
        response.vary.add("Accept-Encoding")
    if lasting:
        response.cache_control.immutable = True
    return response


class SessionUntouchedByFiles(SecureCookieSessionInterface):
    """Flask's signed-cookie session, left alone by the static files' responses. Flask-Login looks at the
    session after every request, so Flask would otherwise add ``Vary: Cookie`` to them, and a staff
    member's (refreshed at every request) would come with ``Set-Cookie``: no response a shared cache may
    keep should carry someone's session."""

    _kept: tuple[tuple, URLSafeTimedSerializer | None] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        """Flask makes the signing serializer again at every request, with a cookie or without, though it
        depends only on the keys: it is kept for as long as they are the same (a family's submission
        carries no cookie, and making it cost a fiftieth of the request)."""
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        kept = self._kept
        if kept is None or kept[0] != keys:
            kept = self._kept = (keys, super().get_signing_serializer(app))
        return kept[1]

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        if request.endpoint != "static":
            super().save_session(app, session, response)
