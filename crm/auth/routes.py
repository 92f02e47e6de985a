"""Login (password, then TOTP when enrolled), logout, account security, language switch."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from werkzeug.exceptions import TooManyRequests

from crm import audit
from crm.auth import bp, services, throttle, tokens
from crm.auth.forms import (
    LoginForm,
    PasswordChangeForm,
    PasswordResetForm,
    RevokeForm,
    TokenForm,
    TotpDisableForm,
    TotpEnrolForm,
    TotpLoginForm,
)
from crm.auth.policy import ALL_ROLES, roles_required
from crm.extensions import db
from crm.models import ApiToken, User
from crm.unit_of_work import form_errors, unit_of_work

TOTP_PENDING_SECONDS = 300  # the password step is valid this long for the code step


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths: never an open redirect."""
    if target and urlsplit(target).netloc == "" and target.startswith("/") \
            and not target.startswith("//"):
        return target
    return url_for("index")


def _fresh_session() -> None:
    """Drop everything in the session but the language (a new session at each login step)."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def _log_in(user: User, **detail: Any) -> None:
    """Start the user's session and audit it (committed with the request)."""
    _fresh_session()
    login_user(user)
    session.permanent = True
    audit.record("login", "user", user.id, detail or None, user=user)


@bp.errorhandler(429)
def throttled(err: TooManyRequests) -> ResponseReturnValue:
    """Too many failed logins: a generic message that says nothing about the account."""
    audit.log.warning("login throttled from %s", request.remote_addr)
    return render_template("auth/throttled.html"), 429, {"Retry-After": "60"}


@bp.route("/login", methods=["GET", "POST"])
@throttle.per_address
@throttle.per_account
def login() -> ResponseReturnValue:
    """Log in by e-mail and password; the failure message does not say which was wrong."""
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            # Committed on its own, now: a failed login stays in the trail whatever happens
            # to the rest of the request.
            with unit_of_work():
                audit.record("login_failed", "user", None,
                             email=services.folded_email(form.email.data))
            flash(_("Email hoặc mật khẩu không đúng."), "danger")
        elif user.totp_secret:
            _fresh_session()
            session["totp_pending"] = {
                "id": user.id, "version": user.session_version or 0, "at": time.time(),
                "email": services.folded_email(user.email),
                "next": _safe_next(request.args.get("next")),
            }
            return redirect(url_for("auth.login_totp"))
        else:
            _log_in(user)
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


def _pending_user() -> User | None:
    """The user whose password was right a moment ago and who still owes the code."""
    pending = session.get("totp_pending")
    if not pending or time.time() - pending.get("at", 0) > TOTP_PENDING_SECONDS:
        return None
    user = db.session.get(User, pending["id"])
    if user is None or not user.active or not user.totp_secret \
            or (user.session_version or 0) != pending["version"]:
        return None
    return user


@bp.route("/login/code", methods=["GET", "POST"])
@throttle.per_address
@throttle.per_account
def login_totp() -> ResponseReturnValue:
    """Second step for enrolled users: the 6-digit code from the authenticator app."""
    user = _pending_user()
    if user is None:
        session.pop("totp_pending", None)
        flash(_("Phiên đăng nhập đã hết hạn. Vui lòng đăng nhập lại."), "warning")
        return redirect(url_for("auth.login"))
    form = TotpLoginForm()
    if form.validate_on_submit():
        if services.check_totp(user, form.code.data):
            target = session["totp_pending"]["next"]
            _log_in(user, second_factor=True)
            return redirect(target)
        with unit_of_work():  # as a failed password: kept whatever happens next
            audit.record("totp_failed", "user", user.id, user=user)
        form.code.errors = [_("Mã xác thực không đúng hoặc đã dùng.")]
    return render_template("auth/totp_login.html", form=form)


@bp.route("/logout", methods=["POST"])
@roles_required(ALL_ROLES)
def logout() -> ResponseReturnValue:
    """Log out (POST, with CSRF)."""
    audit.record("logout", "user", current_user.id)
    logout_user()
    _fresh_session()
    return redirect(url_for("auth.login"))


@bp.route("/lang/<code>", methods=["POST"])
def set_language(code: str) -> ResponseReturnValue:
    """Switch the interface language between Vietnamese and English."""
    if code in ("vi", "en"):
        session["lang"] = code
    return redirect(_safe_next(request.form.get("next")))


# --- the user's own account -------------------------------------------------------------

@bp.route("/account")
@roles_required(ALL_ROLES)
def account() -> ResponseReturnValue:
    """Password and second factor of the logged-in user."""
    return render_template("auth/account.html", totp_roles=services.TOTP_ROLES)


@bp.route("/account/password", methods=["GET", "POST"])
@roles_required(ALL_ROLES)
def change_password() -> ResponseReturnValue:
    """Change one's password; the user's other sessions end, this one is renewed."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        with form_errors(form) as saved:
            services.change_password(user, form.current_password.data, form.new_password.data)
        if saved.ok:
            _fresh_session()
            login_user(user)  # the session now carries the new session version
            session.permanent = True
            flash(_("Đã đổi mật khẩu. Các phiên đăng nhập khác đã bị đăng xuất."), "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/password.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> ResponseReturnValue:
    """Set a new password through a one-time link made by an admin."""
    reset = services.usable_reset(token)
    if reset is None:
        return render_template("auth/reset_invalid.html"), 404
    form = PasswordResetForm()
    if form.validate_on_submit():
        with form_errors(form) as saved:
            services.reset_password(reset, form.new_password.data)
        if saved.ok:
            if current_user.is_authenticated:
                logout_user()
            _fresh_session()
            flash(_("Đã đặt mật khẩu mới. Vui lòng đăng nhập."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", form=form, user=reset.user)


@bp.route("/account/totp", methods=["GET", "POST"])
@roles_required(services.TOTP_ROLES)
def totp() -> ResponseReturnValue:
    """Enrol an authenticator app: show the secret, confirm with a code."""
    user = current_user._get_current_object()
    if user.totp_secret:
        return render_template("auth/totp.html", enrolled=True, form=TotpDisableForm())
    secret = session.get("totp_enrol_secret") or services.new_totp_secret()
    session["totp_enrol_secret"] = secret
    form = TotpEnrolForm()
    if form.validate_on_submit():
        with form_errors(form) as saved:
            services.enable_totp(user, secret, form.code.data)
        if saved.ok:
            session.pop("totp_enrol_secret", None)
            flash(_("Đã bật xác thực hai bước."), "success")
            return redirect(url_for("auth.account"))
    html = render_template("auth/totp.html", enrolled=False, form=form, secret=secret,
                           uri=services.totp_uri(user, secret))
    return html, 200, {"Cache-Control": "no-store"}  # the secret must not sit in a cache


@bp.route("/account/totp/disable", methods=["POST"])
@roles_required(services.TOTP_ROLES)
def totp_disable() -> ResponseReturnValue:
    """Turn the second factor off (password and a current code)."""
    user = current_user._get_current_object()
    if not user.totp_secret:
        abort(404)
    form = TotpDisableForm()
    if form.validate_on_submit():
        with form_errors(form) as saved:
            services.disable_totp(user, form.password.data, form.code.data)
        if saved.ok:
            flash(_("Đã tắt xác thực hai bước."), "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/totp.html", enrolled=True, form=form)


# --- API tokens -------------------------------------------------------------------------

@bp.route("/account/tokens", methods=["GET", "POST"])
@roles_required(ALL_ROLES)
def api_tokens() -> ResponseReturnValue:
    """The user's API tokens; a new one is shown once, right after it is made."""
    user = current_user._get_current_object()
    choices = [(code, f"{code}: {text}") for code, text in tokens.SCOPES.items()
               if code in tokens.ROLE_SCOPES.get(user.role, ())]
    form = TokenForm()
    form.scopes.choices = choices
    secret = None
    if form.validate_on_submit():
        with form_errors(form) as saved:
            made = tokens.create_token(user, form.name.data, form.scopes.data, form.days.data)
        if saved.ok:
            secret = made.secret
            form = TokenForm(formdata=None)
            form.scopes.choices = choices
    html = render_template("auth/tokens.html", form=form, secret=secret,
                           rows=tokens.tokens_of(user), is_live=tokens.is_live,
                           revoke_form=RevokeForm(), scopes=tokens.SCOPES)
    return html, 200, {"Cache-Control": "no-store"}  # a new token must not sit in a cache


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@roles_required(ALL_ROLES)
def revoke_api_token(token_id: int) -> ResponseReturnValue:
    """Revoke one of one's own tokens (another user's is a 404)."""
    row = db.session.get(ApiToken, token_id)
    if row is None or row.user_id != current_user.id:
        abort(404)
    if RevokeForm().validate_on_submit():
        tokens.revoke_token(row, by=current_user._get_current_object())
        flash(_("Đã thu hồi khóa %(p)s.", p=row.prefix), "success")
    return redirect(url_for("auth.api_tokens"))
