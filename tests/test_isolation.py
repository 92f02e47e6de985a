"""Each test starts from the same database: what one test commits, the next does not see."""

import pytest
from sqlalchemy import func, select

from crm.models import Firm
from tests import factories

MARK = "Công ty Kiểm Tra Cô Lập"


@pytest.mark.parametrize("attempt", [1, 2])
def test_committed_rows_do_not_leak_into_the_next_test(db, attempt):
    before = db.session.scalar(select(func.count()).select_from(Firm).where(Firm.name == MARK))
    factories.make_firm(name=MARK)
    db.session.commit()
    assert before == 0, f"attempt {attempt} saw a firm committed by an earlier test"
