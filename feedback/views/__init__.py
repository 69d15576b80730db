"""One blueprint a feature; views stay thin and call services."""

from __future__ import annotations

from flask import Flask, request, url_for

from ..models import Role


def register(app: Flask) -> None:
    from . import auth, errors, limits, main, plans, published, respond, surveys, widget

    app.before_request_funcs.setdefault(None, []).insert(0, limits.limit_public_posts)

    app.register_blueprint(main.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(plans.bp)
    app.register_blueprint(respond.bp)
    app.register_blueprint(published.bp)
    app.register_blueprint(surveys.bp)
    app.register_blueprint(widget.bp)
    errors.register(app)

    @app.context_processor
    def _globals() -> dict:
        return {
            "service_name": app.config["SERVICE_NAME"],
            "Role": Role,
            "navigation_items": _navigation_items,
        }


def _navigation_items() -> list[dict]:
    items = [("plans.index", "Plans"), ("surveys.index", "Surveys")]
    current = request.endpoint or ""
    return [
        {"href": url_for(endpoint), "text": text, "active": current.split(".")[0] == endpoint.split(".")[0]}
        for endpoint, text in items
    ]
