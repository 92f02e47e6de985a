"""Seed the programmes of the domain brief: Khánh Hòa Local Go Global 2026-2030 and its plans.

Targets come from seed 000 (draft decision, section II.2 and section V); idempotent:
running it twice changes nothing, and a target edited since is set back to the document.
"""

from __future__ import annotations

from decimal import Decimal

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from crm.extensions import db
from crm.kpi import KPIS
from crm.models import Programme, ProgrammeTarget

KHANH_HOA = 56
LOCAL_GO_GLOBAL = {
    "code": "KH-LGG-2026-2030",
    "name": "Chương trình Local Go Global tỉnh Khánh Hòa giai đoạn 2026-2030",
    "province_code": KHANH_HOA,
    "start_year": 2026,
    "end_year": 2030,
    "description": (
        "Chương trình địa phương vươn ra thị trường quốc tế: hỗ trợ doanh nghiệp tỉnh Khánh Hòa "
        "xuất khẩu, đầu tư ra nước ngoài, tham gia chuỗi giá trị khu vực và toàn cầu, kinh doanh "
        "trên sàn thương mại điện tử xuyên biên giới. Báo cáo hằng năm gửi Sở Công Thương."
    ),
}
# (kpi_code, year or None for the whole period, target, note quoting the document)
LOCAL_GO_GLOBAL_TARGETS: tuple[tuple[str, int | None, int, str], ...] = (
    ("training_participations", None, 300,
     "Tối thiểu 300 lượt doanh nghiệp được đào tạo về triển khai hoạt động đầu tư và kinh "
     "doanh toàn cầu"),
    ("firms_export_plan", None, 30,
     "30 doanh nghiệp được tư vấn và xây dựng kế hoạch vươn ra thị trường quốc tế"),
    ("firms_investment_abroad", None, 3,
     "Tối thiểu 03 doanh nghiệp được hỗ trợ chuyên sâu, toàn diện để đầu tư ra nước ngoài"),
    ("firms_value_chain", None, 5,
     "Tối thiểu 05 doanh nghiệp được hỗ trợ chuyên sâu, toàn diện để tham gia vào chuỗi giá "
     "trị khu vực và toàn cầu"),
    ("large_firms_value_chain", None, 2,
     "trong đó tối thiểu 02 doanh nghiệp lớn trong các ngành mũi nhọn, chiến lược của tỉnh"),
    ("firms_ecommerce_support", None, 3,
     "Tối thiểu 03 doanh nghiệp được hỗ trợ chuyên sâu, toàn diện hoạt động hiệu quả trên các "
     "sàn giao dịch thương mại điện tử xuyên biên giới"),
    # Plan for the last six months of 2026 (section V.1.đ).
    ("firms_ecommerce_support", 2026, 1,
     "Kế hoạch 6 tháng cuối năm 2026: hỗ trợ ít nhất 01 doanh nghiệp tham gia sàn giao dịch "
     "thương mại điện tử quốc tế"),
    # Plan for 2027 (section V.2.a).
    ("training_events", 2027, 1,
     "Năm 2027: tổ chức từ 01-02 hội nghị, hội thảo, khóa đào tạo chuyên đề"),
    ("firms_export_plan", 2027, 8,
     "Năm 2027: hỗ trợ chuyên sâu từ 8-10 doanh nghiệp xây dựng kế hoạch vươn ra thị trường "
     "nước ngoài"),
    ("firms_value_chain", 2027, 1,
     "Năm 2027: hỗ trợ ít nhất 01 doanh nghiệp tham gia chuỗi giá trị khu vực hoặc toàn cầu"),
    ("firms_active_ecommerce", 2027, 1,
     "Năm 2027: ít nhất 01 doanh nghiệp triển khai hiệu quả hoạt động thương mại điện tử "
     "xuyên biên giới"),
)


def seed_programmes() -> Programme:
    """Create or update the Local Go Global programme and its targets; flush, no commit."""
    programme = db.session.scalar(
        select(Programme).where(Programme.code == LOCAL_GO_GLOBAL["code"])
    )
    if programme is None:
        programme = Programme(**LOCAL_GO_GLOBAL)
        db.session.add(programme)
    else:
        for key, value in LOCAL_GO_GLOBAL.items():
            setattr(programme, key, value)
    existing = {(t.kpi_code, t.year): t for t in programme.targets}
    for code, year, value, note in LOCAL_GO_GLOBAL_TARGETS:
        assert code in KPIS, code  # the catalogue and the seed must agree
        target = existing.get((code, year))
        if target is None:
            programme.targets.append(
                ProgrammeTarget(kpi_code=code, year=year, target_value=Decimal(value), note=note)
            )
        else:
            target.target_value = Decimal(value)
            target.note = note
    db.session.flush()
    return programme


@click.command("seed-programmes")
@with_appcontext
def seed_programmes_command() -> None:
    """Create the Khánh Hòa Local Go Global 2026-2030 programme and its targets."""
    programme = seed_programmes()
    db.session.commit()
    click.echo(f"{programme.code}: {len(programme.targets)} targets")
