"""`python -m crm.api`: print the OpenAPI document (commit it as docs/openapi.json)."""

from __future__ import annotations

import json
import os

from crm import create_app
from crm.api import openapi_document
from crm.config import TestConfig


def main() -> None:
    """Print the document, keys sorted, as committed."""
    os.environ.setdefault("CRM_ENV", "development")
    app = create_app(TestConfig)  # no database needed: the document comes from the code
    print(json.dumps(openapi_document(app), indent=2, sort_keys=True, ensure_ascii=False))


if __name__ == "__main__":
    main()
