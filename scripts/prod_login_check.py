"""Log in to a running CRM over HTTP as a browser would (CSRF token, cookie) and check pages.

Usage: python scripts/prod_login_check.py BASE_URL EMAIL PASSWORD
Exit 0 when /health answers ok, the login succeeds and the firm list opens; 1 otherwise.
"""

from __future__ import annotations

import http.cookiejar
import json
import re
import sys
import urllib.parse
import urllib.request


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def main(base: str, email: str, password: str) -> int:
    """Run the checks, printing one line per step."""
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    no_redirect = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar),
                                              _NoRedirect())
    # B310: the base URL is the operator's own http://127.0.0.1:PORT, never user input.
    with browser.open(f"{base}/health", timeout=10) as resp:  # nosec B310
        health = json.load(resp)
    print(f"/health: {health}")
    if health.get("status") != "ok":
        return 1
    with browser.open(f"{base}/login", timeout=10) as resp:  # nosec B310
        page = resp.read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    form = {"email": email, "password": password}
    if token:
        form["csrf_token"] = token.group(1)
    data = urllib.parse.urlencode(form).encode()
    try:
        no_redirect.open(f"{base}/login", data=data, timeout=10)  # nosec B310
        print("login: no redirect (refused?)")
        return 1
    except urllib.error.HTTPError as err:
        if err.code not in (302, 303):
            print(f"login: HTTP {err.code}")
            return 1
        print(f"login: {err.code} -> {err.headers.get('Location')}")
    with browser.open(f"{base}/firms/", timeout=30) as resp:  # nosec B310
        status, url = resp.status, resp.url
    if status != 200 or "/login" in url:
        print(f"firm list: HTTP {status} at {url}")
        return 1
    print(f"firm list: HTTP {status}")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
