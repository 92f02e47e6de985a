"""Go Global CRM: the Flask application factory."""

from __future__ import annotations

import importlib
import logging
import os
from pathlib import Path

from flask import Flask, has_request_context, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from werkzeug.routing import IntegerConverter

from crm.config import DEFAULT_SECRET, INSTANCE_DIR, Config
from crm.errors import register_error_handlers
from crm.extensions import babel, bootstrap, csrf, db, login_manager, migrate
from crm.logging_setup import configure_logging
from crm.validators import MAX_ROW_ID

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
# Feature blueprints: (package under crm/, URL prefix). Add one line per feature.
BLUEPRINTS: list[tuple[str, str | None]] = [
    ("auth", None),
    ("firms", "/firms"),
    ("portal", "/portal"),
    ("verification", "/verification"),
    ("partners", "/partners"),
    ("opportunities", "/opportunities"),
    ("meetings", "/meetings"),
    ("interactions", "/support"),
    ("programmes", "/programmes"),
    ("imports", "/imports"),
    ("duplicates", "/duplicates"),
    ("hscodes", "/hscodes"),
    ("admin", "/admin"),
    ("requirements", "/admin/requirements"),
    ("learning", "/learning"),
    ("notices", "/notices"),
    ("home", "/home"),
]


class RowIdConverter(IntegerConverter):
    """`<int:...>` in URLs: an id too large for a row is a 404 before any query runs."""

    def __init__(self, url_map, fixed_digits: int = 0, min: int | None = None,
                 max: int | None = MAX_ROW_ID, signed: bool = False) -> None:
        super().__init__(url_map, fixed_digits, min, max, signed)


def select_locale() -> str:
    """Vietnamese unless the user switched to English (kept in the session)."""
    if not has_request_context():  # commands and imports speak Vietnamese
        return "vi"
    from crm.auth.policy import token_authenticated

    if token_authenticated():  # /api/v1 has no session: Accept-Language decides
        return request.accept_languages.best_match(("vi", "en")) or "vi"
    lang = session.get("lang")
    return lang if lang in ("vi", "en") else "vi"


def create_app(config: type[Config] = Config) -> Flask:
    """Build the CRM application."""
    app = Flask(__name__, template_folder="../templates", instance_path=str(INSTANCE_DIR))
    app.config.from_object(config)
    if app.config.get("PROXY_COUNT"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n)  # type: ignore[method-assign]
    app.url_map.converters["int"] = RowIdConverter
    _refuse_default_secret_in_production(app)
    logging.basicConfig(level=logging.INFO)
    configure_logging(app)  # JSON lines when CRM_ENV=production
    for ext in (db, csrf, login_manager, bootstrap):
        ext.init_app(app)
    # SQLite needs batch ALTERs.
    migrate.init_app(app, db, render_as_batch=True, directory=str(MIGRATIONS_DIR))
    babel.init_app(app, locale_selector=select_locale)

    from crm import audit, auth, replica, security

    auth.throttle.init_app(app)
    audit.install(app)

    for module, prefix in BLUEPRINTS:
        blueprint = importlib.import_module(f"crm.{module}").bp
        app.register_blueprint(blueprint, url_prefix=prefix)
    auth.policy.install(app)
    replica.init_app(app)  # with DATABASE_REPLICA_URL; after the login check, which it uses
    from crm import api

    api.install(app)
    security.install(app)
    register_error_handlers(app)
    from crm import unit_of_work

    unit_of_work.install(app)  # the one commit (or rollback) of each web request
    _register_template_helpers(app)

    from crm.auth.policy import ALL_ROLES, roles_required

    @app.route("/")
    @roles_required(ALL_ROLES)
    def index() -> ResponseReturnValue:
        if current_user.role == "enterprise":
            return redirect(url_for("portal.dashboard"))
        return redirect(url_for("home.index"))

    @app.route("/health")
    def health() -> ResponseReturnValue:
        db.session.execute(db.text("SELECT 1"))
        return {"status": "ok"}

    if app.config["WARM_AT_START"]:
        warm_up(app)
    return app


def warm_up(app: Flask) -> None:
    """Build the ranking index and the search index now, then close every connection.

    Under `gunicorn --preload` this runs once, in the master: each worker, and each worker
    started later to replace one that died, begins with them instead of building its own
    on its first firm or ranking page (10-15 s for that page at 100,000 firms). No database
    connection may cross the fork, so the pools are emptied afterwards.
    """
    from sqlalchemy.exc import SQLAlchemyError

    from crm import ranking
    from crm.search.live import firm_index

    with app.app_context():
        try:
            ranking.live_index()
            firm_index()
        except SQLAlchemyError as err:  # e.g. before `crm init`: the pages build them later
            logging.getLogger(__name__).warning(
                "ranking index not built at start: %s", str(err).splitlines()[0])
        finally:
            db.session.remove()
            for engine in db.engines.values():
                engine.dispose()
            if "crm_replica" in app.extensions:
                app.extensions["crm_replica"].engine.dispose()


def _refuse_default_secret_in_production(app: Flask) -> None:
    """With CRM_ENV=production the app does not start on the development SECRET_KEY."""
    if app.config["SECRET_KEY"] != DEFAULT_SECRET or app.testing:
        return
    if os.environ.get("CRM_ENV") == "production":
        raise RuntimeError(
            "SECRET_KEY is the development default: set a long random SECRET_KEY "
            "environment variable before running in production."
        )
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        logging.getLogger(__name__).warning(
            "SECRET_KEY is the development default on a PostgreSQL database"
        )


def _register_template_helpers(app: Flask) -> None:
    from crm import display

    app.jinja_env.globals.update(
        province_name=display.province_name,
        commune_name=display.commune_name,
        country_name=display.country_name,
        hs_title=display.hs_title,
        scheme_name=display.scheme_name,
        label=display.label,
        match_field=display.match_field,
        shown_products=display.shown_products,
        current_locale=select_locale,
    )
    app.jinja_env.filters["capitalize_first"] = display.capitalize_first
    app.jinja_env.filters["highlight"] = display.highlight
