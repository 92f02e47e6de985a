"""Every route is covered by the access policy; roles outside it are refused."""

from __future__ import annotations

import pytest

from crm.auth.policy import ALL_ROLES, PUBLIC_ENDPOINTS


def _policy_endpoints(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        yield rule, app.view_functions[rule.endpoint]


def test_every_route_declares_the_roles_that_may_use_it(app):
    missing = [
        rule.rule for rule, view in _policy_endpoints(app) if not hasattr(view, "allowed_roles")
    ]
    assert missing == [], f"routes without an access policy (use roles_required): {missing}"


@pytest.mark.parametrize("role", sorted(ALL_ROLES))
def test_roles_outside_the_policy_are_refused_on_every_route(app, client, login_as, role):
    login_as(role)
    let_through = []
    for rule, view in _policy_endpoints(app):
        allowed = getattr(view, "allowed_roles", ALL_ROLES)
        if role in allowed:
            continue
        # Any id works: the role check comes before the object is loaded.
        url = rule.rule
        for arg in rule.arguments:
            url = url.replace(f"<int:{arg}>", "1").replace(f"<{arg}>", "x")
            url = url.replace(f"<string:{arg}>", "x").replace(f"<path:{arg}>", "x")
        for method in sorted((rule.methods or set()) & {"GET", "POST"}):
            resp = client.open(url, method=method)
            if resp.status_code not in (403, 404):
                let_through.append((method, url, resp.status_code))
    assert let_through == [], f"{role} reached routes outside its policy: {let_through}"
