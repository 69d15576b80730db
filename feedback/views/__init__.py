"""One blueprint a feature; views stay thin and call services."""

from __future__ import annotations

from typing import Any

from flask import Flask, request, url_for
from flask.json.provider import DefaultJSONProvider
from flask_login import current_user
from werkzeug.routing import IntegerConverter

from .. import clock
from ..forms.base import error_summary
from ..models import Role
from ..services.text import counted


class DatabaseIdConverter(IntegerConverter):
    """``<int:...>`` in URLs, bounded to what an integer column holds: a larger number is a plain 404,
    not an overflow error from the database driver."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


class RequestJSON(DefaultJSONProvider):
    """Flask's JSON, but a request body nested deeper than Python's parser follows (a kilobyte of ``[[[[``)
    is JSON that cannot be read, as ``get_json`` treats any other: not a RecursionError and a 500."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("nested too deeply to read") from None


def register(app: Flask) -> None:
    app.url_map.converters["int"] = DatabaseIdConverter
    app.json = RequestJSON(app)
    from . import (
        analysis,
        api,
        assets,
        auth,
        cases,
        data_protection,
        entries,
        errors,
        guards,
        headers,
        main,
        once,
        plans,
        published,
        replies,
        respond,
        security_log,
        surveys,
        themes,
        users,
        widget,
    )

    first = app.before_request_funcs.setdefault(None, [])
    first[:0] = [
        guards.refuse_control_characters_in_the_address,
        guards.limit_public_posts,
    ]
    app.after_request(headers.add_security_headers)
    app.url_defaults(assets.link_with_digest)
    app.view_functions["static"] = assets.serve
    app.session_interface = assets.SessionUntouchedByFiles()
    app.before_request(auth.end_expired_sessions)
    app.before_request(auth.require_second_step)

    app.register_blueprint(main.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(plans.bp)
    app.register_blueprint(respond.bp)
    app.register_blueprint(published.bp)
    app.register_blueprint(surveys.bp)
    app.register_blueprint(widget.bp)
    app.register_blueprint(analysis.bp)
    app.register_blueprint(themes.bp)
    app.register_blueprint(cases.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(entries.bp)
    app.register_blueprint(users.bp)
    app.register_blueprint(replies.bp)
    app.register_blueprint(data_protection.bp)
    errors.register(app)
    security_log.init_app(app)
    app.add_template_filter(clock.uk_time)
    app.add_template_filter(clock.period_label)
    app.add_template_global(error_summary)
    app.add_template_global(counted)

    @app.context_processor
    def _globals() -> dict:
        return {
            "service_name": app.config["SERVICE_NAME"],
            "Role": Role,
            "navigation_items": _navigation_items,
            "cspNonce": headers.csp_nonce(),
            "session_seconds_left": auth.seconds_left,
            "session_lifetime_hours": auth.lifetime_hours,
            "held_forms_key": auth.held_forms_key,
            "once_field": once.hidden_field,
        }


def _navigation_items() -> list[dict]:
    items = [
        ("plans.index", "Plans"),
        ("surveys.index", "Surveys"),
        ("cases.index", "Cases"),
        ("replies.index", "Replies"),
        ("themes.index", "Themes"),
        ("entries.index", "You said, we did"),
        ("analysis.runs", "Analysis"),
    ]
    if current_user.has_role(Role.ADMIN):
        items += [("users.index", "Users"), ("data_protection.find", "Data protection")]
    current = request.endpoint or ""
    return [
        {"href": url_for(endpoint), "text": text, "active": current.split(".")[0] == endpoint.split(".")[0]}
        for endpoint, text in items
    ]
