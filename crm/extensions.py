"""Unbound Flask extensions, initialised in create_app()."""

from __future__ import annotations

from flask_babel import Babel
from flask_bootstrap import Bootstrap5
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf import CSRFProtect

from crm.models.base import db

__all__ = ["babel", "bootstrap", "csrf", "db", "limiter", "login_manager", "migrate"]
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
bootstrap = Bootstrap5()
# No default limits: only the login steps are throttled (crm/auth/throttle.py).
limiter = Limiter(key_func=get_remote_address)
