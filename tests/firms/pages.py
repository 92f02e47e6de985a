"""Shared by the firm-list tests: firms made as the services keep them, names listed."""

from __future__ import annotations

import re
from typing import Any

from crm.models import Firm
from crm.search import search_text_for
from tests import factories


def make(name: str, products: tuple[str | tuple[str, str | None], ...] = (),
         **kw: Any) -> Firm:
    """A firm with products (a name, or (name, HS code)) and its search document."""
    firm = factories.make_firm(name=name, **kw)
    for product in products:
        product_name, hs = (product, None) if isinstance(product, str) else product
        factories.make_product(firm, name=product_name, hs_code=hs)
    factories.db.session.refresh(firm)
    firm.search_text = search_text_for(firm)
    factories.db.session.flush()
    return firm


def listed(client: Any, **params: Any) -> list[str]:
    """Firm names on the list page, in order, without the search's <mark>s."""
    resp = client.get("/firms/", query_string=params)
    assert resp.status_code == 200
    names = re.findall(r'class="fw-semibold">(.*?)</a>', resp.get_data(as_text=True))
    return [re.sub(r"<[^>]+>", "", n) for n in names]
