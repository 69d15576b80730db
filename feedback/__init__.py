"""Feedback Loop: live feedback from SEND families, tied to the measures of a local area's plan."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader
from werkzeug.middleware.proxy_fix import ProxyFix

from . import config
from .extensions import csrf, db, login_manager, migrate, wtforms_helpers

ROOT = Path(__file__).resolve().parent.parent


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        static_url_path="/assets",
        template_folder=str(ROOT / "templates"),
    )
    app.config.from_object(config.Defaults)
    app.config.update(config.from_environment(Path(app.instance_path), given=overrides or {}))
    app.config.update(overrides or {})
    app.config.update(config.following(app.config))

    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(ROOT / "templates")),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    if app.config["TRUSTED_PROXIES"]:
        # Behind a proxy every request comes from the proxy's address, and every family would share one
        # rate limit (views/guards.py); gunicorn takes only the scheme from a proxy, not the address. The
        # address each trusted proxy added is taken from the right of X-Forwarded-For, so a client cannot
        # name itself by sending the header; and the scheme from X-Forwarded-Proto.
        proxies = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), compare_type=True, render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    wtforms_helpers.init_app(app)

    from . import database, views
    from .cli import register_commands

    database.init_app(app)
    views.register(app)
    register_commands(app)
    return app
