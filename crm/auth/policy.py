"""Who may do what: the one place that says which roles reach which views."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, abort, g, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from crm.extensions import db, login_manager
from crm.models import Firm, User

log = logging.getLogger("crm.access")

ALL_ROLES = frozenset({"admin", "manager", "officer", "enterprise", "viewer"})
READ_ROLES = frozenset({"admin", "manager", "officer", "viewer"})  # staff-wide reading
WRITE_ROLES = frozenset({"admin", "manager", "officer"})
ADMIN_ROLES = frozenset({"admin"})
# Decree 13/2023/NĐ-CP: personal data is processed only for its purpose. Officers, managers
# and admins call and write to firms' contact persons and look after enterprise accounts; a
# viewer reads registries, dashboards and reports and has no use for their names, phones or
# e-mails. An enterprise user sees those of its own firm (crm.auth.policy.sees_personal_data).
PERSONAL_DATA_ROLES = WRITE_ROLES
# Shown instead of a contact person's or enterprise user's name, phone or e-mail.
HIDDEN_PERSONAL = _l("ẩn (dữ liệu cá nhân)")
# Reachable without logging in.
PUBLIC_ENDPOINTS = frozenset({"auth.login", "auth.set_language", "static", "bootstrap.static",
                              "health"})
# The second login step (the user is not logged in until the code) and one-time reset links.
PUBLIC_ENDPOINTS |= {"auth.login_totp", "auth.reset_password"}
# The enterprise portal's invitation and registration pages (crm/portal).
PUBLIC_ENDPOINTS |= {"portal.accept_invitation", "portal.register"}
# The API's OpenAPI document and its reference page (crm/api/meta.py).
PUBLIC_ENDPOINTS |= {"api_meta.openapi_json", "api_meta.docs"}

F = TypeVar("F", bound=Callable[..., Any])


def token_authenticated() -> bool:
    """Whether this request is for /api/v1, which authenticates by token, not by session."""
    return (request.blueprint or "").startswith("api_")


def roles_required(*roles: str | frozenset[str]) -> Callable[[F], F]:
    """Allow the view only to users whose role is in `roles` (403 otherwise)."""
    allowed: set[str] = set()
    for role in roles:
        allowed |= {role} if isinstance(role, str) else set(role)

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.role not in allowed:
                abort(403)
            return view(*args, **kwargs)

        wrapped.allowed_roles = frozenset(allowed)  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


def firm_or_404(firm_id: int) -> Firm:
    """The firm, if the current user may see it; an enterprise user sees only its own."""
    firm = db.get_or_404(Firm, firm_id)
    if current_user.role == "enterprise" and current_user.firm_id != firm.id:
        log.warning(
            "enterprise user %s tried firm %s from %s", current_user.id, firm_id,
            request.remote_addr,
        )
        abort(404)
    return firm


def can_edit_firm(user: User, firm: Firm) -> bool:
    """Staff edit any firm; an enterprise user edits only its own."""
    return user.role in WRITE_ROLES or (user.role == "enterprise" and user.firm_id == firm.id)


def sees_personal_data(user: Any, firm: Firm | int | None = None) -> bool:
    """May `user` see contact persons and enterprise users (of `firm`, when given)?

    Staff who work with firms see them everywhere; an enterprise user only those of its own
    firm; a viewer nowhere (pages and exports show HIDDEN_PERSONAL or leave the column out).
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.role in PERSONAL_DATA_ROLES:
        return True
    firm_id = firm.id if isinstance(firm, Firm) else firm
    return user.role == "enterprise" and firm_id is not None and user.firm_id == firm_id


def install(app: Flask) -> None:
    """Require a logged-in user for every endpoint not in PUBLIC_ENDPOINTS."""
    login_manager.login_view = "auth.login"
    login_manager.login_message = None

    @login_manager.user_loader
    def load_user(session_id: str) -> User | None:
        # "id:session_version" (User.get_id): a session from before a password change or
        # reset no longer matches and is logged out.
        user_id, _, version = session_id.partition(":")
        if not user_id.isdigit() or not version.isdigit():
            return None
        user = db.session.get(User, int(user_id))
        if user is None or not user.active or (user.session_version or 0) != int(version):
            return None
        return user

    @app.before_request
    def forget_previous_user() -> None:
        # Flask-Login caches the user in `g`, which lives as long as the app context: the
        # tests hold one context around many requests (and clients), so reload per request.
        g.pop("_login_user", None)

    @app.before_request
    def require_login() -> Any:
        if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
            return None
        if token_authenticated():
            return None  # /api/v1 checks its token itself (crm/api/core.py), never a session
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path))
        return None

    app.jinja_env.globals["can_edit_firm"] = can_edit_firm
    app.jinja_env.globals["WRITE_ROLES"] = WRITE_ROLES
    app.jinja_env.globals["sees_personal_data"] = sees_personal_data
    app.jinja_env.globals["HIDDEN_PERSONAL"] = HIDDEN_PERSONAL
