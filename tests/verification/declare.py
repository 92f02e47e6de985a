"""An enterprise declares a certificate through the portal, as a firm's own user would."""

from __future__ import annotations

from sqlalchemy import select

from crm.models import Certification, ChangeRecord, Firm, User
from tests.conftest import login


def declare_certification(client, db, firm: Firm, user: User, scheme_code: str = "FDA",
                          number: str = "12345678901", issued_on: str = "2026-11-01",
                          expires_on: str = "2028-12-31") -> tuple[Certification, ChangeRecord]:
    """`user` (enterprise, of `firm`) adds a certificate on the firm page, then logs out.

    Returns the certificate and the pending change that waits for an officer.
    """
    login(client, user)
    resp = client.post(f"/firms/{firm.id}/certifications/new", data={
        "scheme_code": scheme_code, "number": number, "issuer": "",
        "issued_on": issued_on, "expires_on": expires_on, "product_id": ""})
    assert resp.status_code == 302, resp.get_data(as_text=True)[-2000:]
    client.post("/logout")
    db.session.expire_all()
    change = db.session.scalars(select(ChangeRecord).where(
        ChangeRecord.firm_id == firm.id, ChangeRecord.entity == "certification",
        ChangeRecord.review_status == "pending").order_by(ChangeRecord.id.desc())).first()
    assert change is not None
    assert change.source == "self"
    return db.session.get(Certification, change.entity_id), change
