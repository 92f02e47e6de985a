"""Prepare a load or fault run: officer logins, a few opportunities, sample ids in files.

Usage: python scripts/load_prepare.py OUT_DIR N_OFFICERS   (DATABASE_URL names the database)
Writes OUT_DIR/users.txt, firm_ids.txt, tax_codes.txt and prints the opportunity ids.
"""

from __future__ import annotations

import random
import sys
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from crm import create_app
from crm.extensions import db
from crm.models import Firm, Opportunity, User
from crm.opportunities.services import create_opportunity

PASSWORD = "load-test-password-2026"  # nosec B105  # throwaway logins of a load-test database
OPPORTUNITIES = [
    {"kind": "trade_mission", "title": "Tải thử: đoàn cà phê sang Đức", "markets": "DE",
     "hs_prefixes": "0901", "keywords": "cà phê", "slots": "20", "status": "open"},
    {"kind": "trade_fair", "title": "Tải thử: hội chợ thủy sản Nhật Bản", "markets": "JP",
     "hs_prefixes": "03", "keywords": "thủy sản", "slots": "30", "status": "open"},
    {"kind": "trade_mission", "title": "Tải thử: yến sào Halal UAE", "markets": "AE",
     "hs_prefixes": "0410", "keywords": "yến sào", "slots": "10", "status": "open"},
]


def main(out: Path, n_officers: int) -> None:
    """Create what is missing (idempotent) and write the id files."""
    out.mkdir(parents=True, exist_ok=True)
    app = create_app()
    with app.test_request_context():
        users = []
        for n in range(n_officers):
            email = f"load-officer-{n}@example.vn"
            user = db.session.scalar(select(User).where(User.email == email))
            if user is None:
                user = User(email=email, name=f"Cán bộ tải thử {n}", role="officer")
                user.set_password(PASSWORD)
                db.session.add(user)
            users.append(f"{email} {PASSWORD}")
        ids = []
        for spec in OPPORTUNITIES:
            opp = db.session.scalar(select(Opportunity).where(Opportunity.title == spec["title"]))
            if opp is None:
                opp = create_opportunity(spec, None, date.today())
            ids.append(opp.id)
        db.session.commit()
        rng = random.Random(7)
        total = db.session.scalar(select(func.count()).select_from(Firm))
        rows = db.session.execute(select(Firm.id, Firm.tax_code).where(
            Firm.archived.is_(False)).order_by(Firm.id).offset(
                rng.randrange(max(1, total - 5000))).limit(5000)).all()
        sample = rng.sample(rows, min(2000, len(rows)))
    (out / "users.txt").write_text("\n".join(users) + "\n")
    (out / "firm_ids.txt").write_text("\n".join(str(r.id) for r in sample) + "\n")
    (out / "tax_codes.txt").write_text("\n".join(r.tax_code for r in sample) + "\n")
    print(",".join(map(str, ids)))


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]))
