"""The demo's year of work on top of the firms: the programme and its targets, overseas
partners, opportunities with shortlists built from the real ranking, the support log (with
tasks, outcome checks and outcomes), yearly indicators, and the enterprise login's pending
self-declared changes and a registration request.

Everything is written through the services staff use, so every rule applies; only the
choices (which firm, which day, what was said) are drawn from a seeded random generator.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from crm.demodata.history import build_history
from crm.demodata.meetings import add_demo_meeting_day, add_demo_past_meetings
from crm.errors import UserError
from crm.extensions import db
from crm.firms import services as firm_services
from crm.history import recording
from crm.interactions.services import (
    complete_task,
    create_outcome_checks,
    log_interaction,
    record_outcome,
    save_indicator,
)
from crm.models import (
    Firm,
    Interaction,
    Opportunity,
    Outcome,
    Partner,
    Programme,
    ShortlistEntry,
    Task,
    User,
)
from crm.opportunities.services import (
    bulk_change,
    change_status,
    create_opportunity,
    save_suggestions,
    shortlist_firms,
)
from crm.partners.services import create_partner
from crm.portal.services import register
from crm.programmes.seed import KHANH_HOA, seed_programmes
from crm.ranking import rank_opportunity

# A registration waiting for staff: the password only matters once it is approved.
REGISTRATION_PASSWORD = "htx-camlam-2026"  # nosec B105  # demo data, documented here
M = 1_000_000  # amounts below are in VND, written in millions


# --- partners --------------------------------------------------------------------------------

PARTNERS: tuple[dict[str, Any], ...] = (
    {"key": "jp_seafood", "name": "Sakura Foods Trading Co., Ltd.", "kind": "importer",
     "country_code": "JP", "city": "Tokyo", "website": "https://sakura-foods.example.jp",
     "hs_prefixes": "0306, 0304, 1605, 0810", "keywords": "tôm, cá ngừ, thanh long, chanh dây",
     "required_certifications": "HACCP", "annual_volume": 1200, "volume_unit": "tấn",
     "contact_name": "Tanaka Hiroshi", "contact_email": "h.tanaka@sakura-foods.example.jp",
     "contact_phone": "+81 3 5555 0142",
     "notes": "Nhập tôm đông lạnh và trái cây nhiệt đới cho chuỗi siêu thị vùng Kanto."},
    {"key": "jp_nest", "name": "Nihon Tsubame Shokuhin K.K.", "kind": "importer",
     "country_code": "JP", "city": "Osaka", "website": "https://tsubame-shokuhin.example.jp",
     "hs_prefixes": "0410", "keywords": "yến sào, tổ yến tinh chế",
     "required_certifications": "HACCP", "annual_volume": 800, "volume_unit": "kg",
     "contact_name": "Yamamoto Keiko", "contact_email": "k.yamamoto@tsubame-shokuhin.example.jp",
     "contact_phone": "+81 6 5555 0187",
     "notes": "Cần nhà cung cấp tổ yến tinh chế ổn định, có truy xuất nguồn gốc nhà yến."},
    {"key": "kr_seafood", "name": "Hanmaru Trading Co.", "kind": "importer",
     "country_code": "KR", "city": "Busan", "website": "https://hanmaru.example.kr",
     "hs_prefixes": "0303, 0304, 0306, 1604", "keywords": "cá ngừ, mực, tôm",
     "required_certifications": "HACCP, KR_MFDS", "annual_volume": 2500, "volume_unit": "tấn",
     "contact_name": "Kim Min-jun", "contact_email": "minjun.kim@hanmaru.example.kr",
     "contact_phone": "+82 51 555 0123", "notes": None},
    {"key": "kr_coffee", "name": "Seoul Green Import Co., Ltd.", "kind": "distributor",
     "country_code": "KR", "city": "Seoul", "website": "https://seoulgreen.example.kr",
     "hs_prefixes": "0901, 0810, 0804", "keywords": "cà phê Robusta, sầu riêng, xoài",
     "required_certifications": "", "annual_volume": 600, "volume_unit": "tấn",
     "contact_name": "Park Ji-woo", "contact_email": "jiwoo@seoulgreen.example.kr",
     "contact_phone": "+82 2 555 0178", "notes": None},
    {"key": "cn_gz", "name": "Guangzhou Jinhai Import & Export Co., Ltd.", "kind": "importer",
     "country_code": "CN", "city": "Quảng Châu", "website": "https://jinhai-gz.example.cn",
     "hs_prefixes": "0410, 0810, 0306", "keywords": "yến sào, sầu riêng, tôm hùm",
     "required_certifications": "GACC", "annual_volume": 3000, "volume_unit": "tấn",
     "contact_name": "Lý Kiến Quốc (Li Jianguo)", "contact_email": "li.jg@jinhai-gz.example.cn",
     "contact_phone": "+86 20 5555 0166",
     "notes": "Nhập chính ngạch; chỉ làm việc với cơ sở đã đăng ký với Hải quan Trung Quốc."},
    {"key": "us_import", "name": "Pacific Harvest Imports LLC", "kind": "importer",
     "country_code": "US", "city": "Los Angeles", "website": "https://pacificharvest.example.com",
     "hs_prefixes": "0901, 0904, 0801", "keywords": "cà phê, hồ tiêu, hạt điều",
     "required_certifications": "FDA", "annual_volume": 900, "volume_unit": "tấn",
     "contact_name": "Michael Tran", "contact_email": "mtran@pacificharvest.example.com",
     "contact_phone": "+1 213 555 0190", "notes": None},
    {"key": "de_chain", "name": "Tân Phát Asia Supermarkt GmbH", "kind": "supermarket_chain",
     "diaspora_owned": True, "country_code": "DE", "city": "Berlin",
     "website": "https://tanphat-asia.example.de",
     "hs_prefixes": "0901, 0904, 1006, 1605, 2008", "keywords": "cà phê, hồ tiêu, gạo ST25, "
     "bánh phồng tôm, trái cây sấy, đặc sản OCOP", "required_certifications": "HACCP",
     "annual_volume": 450, "volume_unit": "tấn", "contact_name": "Nguyễn Văn Thắng",
     "contact_email": "thang.nguyen@tanphat-asia.example.de", "contact_phone": "+49 30 5555 0133",
     "notes": "Chuỗi 14 siêu thị của kiều bào tại Berlin, Leipzig, Dresden; tìm nhà cung cấp "
              "hàng Việt đóng gói sẵn, nhãn tiếng Đức."},
    {"key": "cz_chain", "name": "Hương Việt Potraviny s.r.o.", "kind": "supermarket_chain",
     "diaspora_owned": True, "country_code": "CZ", "city": "Praha",
     "website": "https://huongviet.example.cz", "hs_prefixes": "1006, 2103, 1905, 0901",
     "keywords": "gạo, nước mắm, bánh tráng, cà phê", "required_certifications": "HACCP",
     "annual_volume": 200, "volume_unit": "tấn", "contact_name": "Trần Thị Hương",
     "contact_email": "huong@huongviet.example.cz", "contact_phone": "+420 2 5555 0121",
     "notes": None},
    {"key": "pl_chain", "name": "Đông Á Hurt Sp. z o.o.", "kind": "supermarket_chain",
     "diaspora_owned": True, "country_code": "PL", "city": "Warszawa",
     "website": "https://dongahurt.example.pl", "hs_prefixes": "1006, 1905, 2103, 0304",
     "keywords": "gạo, bánh tráng, nước mắm, cá phi lê", "required_certifications": "",
     "annual_volume": 350, "volume_unit": "tấn", "contact_name": "Lê Quang Hải",
     "contact_email": "hai.le@dongahurt.example.pl", "contact_phone": "+48 22 555 0147",
     "notes": "Bán buôn tại trung tâm thương mại Wólka Kosowska."},
    {"key": "us_chain", "name": "Saigon Phố Supermarket Inc.", "kind": "supermarket_chain",
     "diaspora_owned": True, "country_code": "US", "city": "Houston",
     "website": "https://saigonpho-market.example.com",
     "hs_prefixes": "0410, 0901, 1905, 2008", "keywords": "yến sào, cà phê, bánh tráng, mứt",
     "required_certifications": "FDA", "annual_volume": 300, "volume_unit": "tấn",
     "contact_name": "Phạm Minh Tuấn", "contact_email": "tuan@saigonpho-market.example.com",
     "contact_phone": "+1 713 555 0115", "notes": None},
    {"key": "au_chain", "name": "Lotus Việt Grocers Pty Ltd", "kind": "supermarket_chain",
     "diaspora_owned": True, "country_code": "AU", "city": "Sydney (Cabramatta)",
     "website": "https://lotusviet.example.com.au", "hs_prefixes": "0410, 2008, 1905, 0801",
     "keywords": "yến sào, trái cây sấy, hạt điều", "required_certifications": "HACCP",
     "annual_volume": 150, "volume_unit": "tấn", "contact_name": "Võ Thị Mai",
     "contact_email": "mai.vo@lotusviet.example.com.au", "contact_phone": "+61 2 5555 0109",
     "notes": None},
    {"key": "jp_assoc", "name": "Hội Doanh nhân Việt Nam tại Nhật Bản",
     "kind": "business_association", "diaspora_owned": True, "country_code": "JP",
     "city": "Tokyo", "website": "https://doanhnhanvietnhat.example.jp", "hs_prefixes": "",
     "keywords": "kết nối giao thương, hội chợ, kiều bào",
     "required_certifications": "", "contact_name": "Đỗ Thanh Bình",
     "contact_email": "lienhe@doanhnhanvietnhat.example.jp", "contact_phone": "+81 3 5555 0199",
     "notes": "Giới thiệu nhà nhập khẩu Nhật, hỗ trợ đoàn doanh nghiệp dự FOODEX Japan."},
    {"key": "amazon", "name": "Amazon Global Selling", "kind": "ecommerce_platform",
     "country_code": "US", "city": "Seattle", "website": "https://sell.amazon.com",
     "hs_prefixes": "", "keywords": "bán hàng xuyên biên giới, FBA",
     "required_certifications": "FDA", "contact_name": "Nhóm Global Selling Việt Nam",
     "contact_email": None, "contact_phone": None,
     "notes": "Thực phẩm bán tại Mỹ cần đăng ký cơ sở với FDA."},
    {"key": "alibaba", "name": "Alibaba.com", "kind": "ecommerce_platform",
     "country_code": "CN", "city": "Hàng Châu", "website": "https://www.alibaba.com",
     "hs_prefixes": "", "keywords": "B2B, gian hàng Gold Supplier",
     "required_certifications": "", "contact_name": "Alibaba.com Việt Nam",
     "contact_email": None, "contact_phone": None, "notes": None},
    {"key": "tiktok", "name": "TikTok Shop", "kind": "ecommerce_platform",
     "country_code": "SG", "city": "Singapore", "website": "https://seller.tiktokglobalshop.com",
     "hs_prefixes": "", "keywords": "livestream, OCOP, bán hàng xuyên biên giới",
     "required_certifications": "", "contact_name": "TikTok Shop Cross-Border",
     "contact_email": None, "contact_phone": None, "notes": None},
    {"key": "shopee", "name": "Shopee Xuyên Biên Giới (SIP)", "kind": "ecommerce_platform",
     "country_code": "SG", "city": "Singapore", "website": "https://banhang.shopee.vn",
     "hs_prefixes": "", "keywords": "Đông Nam Á, OCOP, bán lẻ",
     "required_certifications": "", "contact_name": "Shopee International Platform",
     "contact_email": None, "contact_phone": None, "notes": None},
)


def _partners() -> dict[str, Partner]:
    return {p["key"]: create_partner({k: v for k, v in p.items() if k != "key"})
            for p in PARTNERS}


# --- opportunities ---------------------------------------------------------------------------

def _opportunities(today: date, programme: Programme, partners: dict[str, Partner],
                   by: User) -> dict[str, Opportunity]:
    """Eight opportunities of the four kinds: what the centre works on this year and next."""
    nxt = today.year + 1
    past_start = _workday(today - timedelta(days=160))
    pid = programme.id
    specs: dict[str, dict[str, Any]] = {
        "halal": {
            "kind": "trade_mission",
            "title": f"Đoàn xúc tiến thương mại thực phẩm Halal tại UAE và Ả Rập Xê Út {nxt}",
            "description": "Làm việc với nhà nhập khẩu, chuỗi bán lẻ tại Dubai và Riyadh; "
                           "gặp gỡ Thương vụ Việt Nam. Chỉ nhận doanh nghiệp có chứng nhận Halal "
                           "còn hiệu lực khi đoàn đi.",
            "markets": "AE, SA", "hs_prefixes": "0410, 03, 1604, 1605, 0801, 2008",
            "required_certifications": "HALAL", "preferred_certifications": "HACCP, ISO22000",
            "starts_on": date(nxt, 3, 8), "ends_on": date(nxt, 3, 14),
            "deadline": date(nxt, 1, 15), "location": "Dubai (UAE), Riyadh (Ả Rập Xê Út)",
            "slots": 10, "budget_vnd": 1200 * M, "cofunding_share": 30, "quota_hs_chapter": 4,
            "min_size": "small",
        },
        "foodex": {
            "kind": "trade_fair", "partner_id": partners["jp_assoc"].id,
            "title": f"Gian hàng Khánh Hòa tại FOODEX Japan {nxt} (Tokyo)",
            "description": "Khu gian hàng chung 54 m² tại Makuhari Messe: thủy sản chế biến, "
                           "trái cây tươi và sấy. Hội Doanh nhân Việt Nam tại Nhật Bản giới "
                           "thiệu nhà nhập khẩu.",
            "markets": "JP", "hs_prefixes": "03, 1604, 1605, 0810, 0804, 2008",
            "preferred_certifications": "HACCP, GLOBALGAP, ASC",
            "starts_on": date(nxt, 3, 9), "ends_on": date(nxt, 3, 12),
            "deadline": today + timedelta(days=27), "location": "Makuhari Messe, Chiba",
            "slots": 8, "budget_vnd": 950 * M, "cofunding_share": 50, "quota_hs_chapter": 3,
        },
        "anuga": {
            "kind": "trade_fair",
            "title": f"Hội chợ Anuga {nxt} (Köln, Đức): cà phê, hồ tiêu, hạt điều",
            "description": "Gian hàng cà phê, hồ tiêu, hạt điều. Thị trường EU: quy định chống "
                           "phá rừng (EUDR) với cà phê, giới hạn dư lượng thuốc bảo vệ thực vật; "
                           "ưu tiên doanh nghiệp có truy xuất vùng trồng.",
            "markets": "DE, NL, BE", "hs_prefixes": "0901, 0904, 0801",
            "preferred_certifications": "EUDR, RAINFOREST, GLOBALGAP, ORGANIC_EU",
            "starts_on": date(nxt, 10, 9), "ends_on": date(nxt, 10, 13),
            "deadline": date(nxt, 6, 30), "location": "Koelnmesse, Köln", "slots": 6,
            "budget_vnd": 1100 * M, "cofunding_share": 50, "quota_province": 3,
        },
        "amazon": {
            "kind": "ecommerce_cohort", "platform": "amazon", "partner_id": partners["amazon"].id,
            "title": f"Nhóm doanh nghiệp bán hàng trên Amazon Hoa Kỳ {nxt}",
            "description": "Hỗ trợ đăng ký FDA, mở tài khoản Seller Central, chụp ảnh sản phẩm, "
                           "gửi hàng FBA lô đầu tiên; chuyên gia kèm cặp 6 tháng.",
            "markets": "US", "hs_prefixes": "0410, 0901, 0801, 0904, 2008",
            "preferred_certifications": "FDA, HACCP", "starts_on": date(nxt, 2, 1),
            "ends_on": date(nxt, 7, 31), "deadline": date(nxt, 1, 10),
            "location": "Trực tuyến và tại Trung tâm", "slots": 10, "budget_vnd": 600 * M,
            "cofunding_share": 40,
        },
        "ocop": {
            "kind": "ecommerce_cohort", "platform": "tiktok_shop",
            "partner_id": partners["tiktok"].id,
            "title": "Đưa sản phẩm OCOP lên TikTok Shop và Shopee xuyên biên giới",
            "description": "Livestream bán hàng, gian hàng xuyên biên giới Singapore, Malaysia, "
                           "Philippines cho sản phẩm OCOP 3 sao trở lên (cùng Shopee SIP).",
            "markets": "SG, MY, PH", "keywords": "OCOP, đặc sản, yến sào, trái cây sấy",
            "starts_on": today + timedelta(days=40), "ends_on": date(nxt, 6, 30),
            "deadline": today + timedelta(days=18), "location": "Nha Trang", "slots": 15,
            "budget_vnd": 350 * M, "cofunding_share": 20,
        },
        "de_chain": {
            "kind": "distribution_partner", "partner_id": partners["de_chain"].id,
            "title": "Tân Phát Asia Supermarkt (Berlin) tìm nhà cung cấp hàng Việt",
            "description": "Chuỗi siêu thị của kiều bào tại Đức cần 5-6 nhà cung cấp cà phê, "
                           "hồ tiêu, gạo thơm, thực phẩm chế biến đóng gói; nhãn tiếng Đức.",
            "deadline": date(nxt, 1, 31), "starts_on": date(nxt, 3, 1), "slots": 6,
            "location": "Berlin", "budget_vnd": 120 * M, "cofunding_share": 30,
        },
        "jp_nest": {
            "kind": "distribution_partner", "partner_id": partners["jp_nest"].id,
            "title": "Nhà nhập khẩu Nhật Bản tìm nguồn yến sào Khánh Hòa",
            "description": "Nihon Tsubame (Osaka) cần 800 kg tổ yến tinh chế mỗi năm, giao "
                           "theo quý; yêu cầu HACCP và hồ sơ truy xuất nhà yến.",
            "deadline": today + timedelta(days=45), "starts_on": today + timedelta(days=75),
            "slots": 4, "location": "Osaka", "budget_vnd": 80 * M, "cofunding_share": 30,
        },
        "mission_cn": {
            "kind": "trade_mission", "status": "done",
            "title": f"Đoàn xúc tiến thương mại tại Quảng Châu, Thâm Quyến {past_start.year}",
            "description": "Giao thương với nhà nhập khẩu yến sào, thủy sản, trái cây; thăm "
                           "chợ đầu mối Giang Nam và cửa khẩu; làm việc với Hải quan về đăng ký "
                           "cơ sở xuất khẩu.",
            "markets": "CN, HK", "hs_prefixes": "0410, 03, 1604, 1605, 0810",
            "preferred_certifications": "GACC, HACCP",
            "starts_on": past_start, "ends_on": past_start + timedelta(days=5),
            "deadline": past_start - timedelta(days=30), "location": "Quảng Châu, Thâm Quyến",
            "slots": 8, "budget_vnd": 1000 * M, "cofunding_share": 30, "quota_province": 6,
        },
    }
    out = {}
    for key, data in specs.items():
        data = {"status": "open", "programme_id": pid, **data}
        out[key] = create_opportunity(data, by, today)
    return out


# --- the support log -------------------------------------------------------------------------

TRAININGS = (  # (month, title, cost per firm, firm share) of this year's courses
    (2, "Hội thảo: Xuất khẩu chính ngạch sang Trung Quốc, đăng ký cơ sở với Hải quan "
        "Trung Quốc (GACC)", 1.2, 0),
    (3, "Khóa đào tạo Local Go Global: kinh doanh toàn cầu cho doanh nghiệp nhỏ và vừa",
     2.5, 0.5),
    (4, "Tập huấn: bán hàng xuyên biên giới trên Amazon, Alibaba.com, TikTok Shop", 1.8, 0.3),
    (5, "Hội thảo: quy định chống phá rừng của EU (EUDR) và truy xuất nguồn gốc", 1.0, 0),
    (7, "Tập huấn: chứng nhận Halal và thị trường Trung Đông", 1.5, 0.3),
    (8, "Khóa đào tạo: xây dựng thương hiệu, bảo hộ nhãn hiệu ở nước ngoài", 2.0, 0.5),
    (10, "Hội thảo: tận dụng CPTPP, EVFTA, RCEP và quy tắc xuất xứ", 1.0, 0),
)
# kind -> (summaries, cost range in millions, firm's share range, follow-up titles)
ONE_TO_ONE: dict[str, tuple[tuple[str, ...], tuple[float, float], tuple[float, float],
                            tuple[str, ...]]] = {
    "consulting": (
        ("Tư vấn hồ sơ năng lực và bảng giá xuất khẩu (FOB, CIF).",
         "Tư vấn hợp đồng mua bán quốc tế, điều khoản thanh toán L/C.",
         "Tư vấn lựa chọn thị trường mục tiêu theo sản phẩm chủ lực.",
         "Tư vấn bao bì, nhãn mác theo quy định thị trường nhập khẩu."),
        (3, 8), (0, 0.3),
        ("Gửi mẫu hồ sơ năng lực song ngữ", "Hẹn lịch làm việc lần 2")),
    "export_plan": (
        ("Xây dựng kế hoạch xuất khẩu 2027-2028: thị trường, kênh phân phối, ngân sách.",
         "Rà soát năng lực, lập lộ trình vươn ra thị trường quốc tế.",),
        (15, 30), (0.2, 0.4),
        ("Doanh nghiệp gửi số liệu sản lượng, giá thành", "Hoàn thiện kế hoạch, trình duyệt")),
    "certification_support": (
        ("Hỗ trợ hồ sơ chứng nhận HACCP.", "Hỗ trợ đăng ký cơ sở với Hải quan Trung Quốc "
         "(GACC).", "Hỗ trợ chứng nhận GlobalGAP cho vùng nguyên liệu.",
         "Hỗ trợ chứng nhận Halal.", "Hỗ trợ đăng ký cơ sở với FDA Hoa Kỳ."),
        (10, 40), (0.3, 0.5),
        ("Nhắc doanh nghiệp nộp hồ sơ đánh giá", "Kiểm tra kết quả đánh giá chứng nhận")),
    "trademark_support": (
        ("Hỗ trợ đăng ký nhãn hiệu quốc tế theo Nghị định thư Madrid.",
         "Hỗ trợ thiết kế bộ nhận diện và đăng ký nhãn hiệu."),
        (8, 25), (0.3, 0.5), ("Theo dõi đơn đăng ký nhãn hiệu",)),
    "ecommerce_onboarding": (
        ("Hỗ trợ mở gian hàng Amazon Hoa Kỳ: Seller Central, FDA, nhãn tiếng Anh.",
         "Hỗ trợ mở gian hàng Alibaba.com (Gold Supplier).",
         "Hỗ trợ mở gian hàng TikTok Shop xuyên biên giới, livestream thử.",
         "Hỗ trợ đưa sản phẩm lên Shopee xuyên biên giới (SIP)."),
        (12, 35), (0.2, 0.4), ("Kiểm tra gian hàng đã được duyệt", "Hỗ trợ đăng sản phẩm")),
    "b2b_meeting": (
        ("Gặp gỡ giao thương trực tuyến với nhà nhập khẩu.",
         "Kết nối B2B với đối tác kiều bào.",),
        (2, 6), (0, 0.2), ("Gửi báo giá và mẫu cho đối tác",)),
    "market_information": (
        ("Cung cấp thông tin thị trường và cảnh báo quy định mới.",
         "Gửi bản tin thị trường và danh sách nhà nhập khẩu."),
        (0.5, 2), (0, 0), ()),
    "investment_abroad": (
        ("Tư vấn chuyên sâu thủ tục đầu tư ra nước ngoài, lập văn phòng đại diện.",),
        (40, 80), (0.4, 0.5), ("Hoàn thiện hồ sơ đăng ký đầu tư ra nước ngoài",)),
    "value_chain": (
        ("Hỗ trợ toàn diện tham gia chuỗi cung ứng của nhà bán lẻ quốc tế.",),
        (50, 120), (0.4, 0.5), ("Đánh giá nhà máy theo yêu cầu của khách hàng",)),
}
# How many one-to-one interactions of each kind the year holds.
# Intensive support (investment abroad, value chains, cross-border e-commerce) is rare and
# costly: a first year reaches part of the five-year targets, not all of them.
ONE_TO_ONE_COUNTS = {"consulting": 60, "export_plan": 24, "certification_support": 24,
                     "trademark_support": 7, "ecommerce_onboarding": 6, "b2b_meeting": 20,
                     "market_information": 20, "investment_abroad": 1, "value_chain": 2}
FAIRS = (  # (days before today, title, HS chapter prefixes wanted, firm's share)
    (170, "Tham gia Hội chợ Seoul Food (Hàn Quốc)", ("03", "08", "16", "09"), 0.5),
    (62, "Tham gia Hội chợ CAEXPO Nam Ninh (Trung Quốc)", ("04", "08", "03", "20"), 0.4),
)


@dataclass
class Year:
    """What the support log holds, for the steps after it."""

    supported: list[Firm] = field(default_factory=list)
    interactions: list[Interaction] = field(default_factory=list)


def _money(rng: random.Random, lo: float, hi: float) -> Decimal:
    """A round amount in VND between lo and hi million (to the 100,000)."""
    return Decimal(round(rng.uniform(lo, hi) * 10)) * 100_000


def _workday(day: date) -> date:
    """The day, or the Friday before when it falls on a weekend."""
    return day - timedelta(days=max(0, day.weekday() - 4))


def _day(rng: random.Random, start: date, end: date) -> date:
    return _workday(start + timedelta(days=rng.randint(0, max(0, (end - start).days))))


def _fits(firm: Firm, prefixes: Iterable[str]) -> bool:
    return any(p.hs_code and p.hs_code.startswith(tuple(prefixes)) for p in firm.products)


def _support_log(rng: random.Random, today: date, firms: Sequence[Firm], programme: Programme,
                 officer: User, manager: User, showcase: Firm) -> Year:
    """~300 interactions over this year, with follow-ups and outcome checks."""
    # From the first working week of the year (or of the programme) to today.
    start = max(date(programme.start_year, 1, 5), date(today.year, 1, 5))
    kh = [f for f in firms if f.province_code == KHANH_HOA and f.legal_form != "household"
          and f is not showcase]
    others = [f for f in firms if f.province_code != KHANH_HOA and f.legal_form != "household"]
    # Support is focused, not spread thin: a core of firms gets most of it.
    core = [showcase, *rng.sample(kh, min(95, len(kh)))]
    wider = rng.sample(others, min(25, len(others)))
    year = Year()

    def log(firm: Firm, kind: str, day: date, summary: str, cost: Decimal | None,
            share: float, **extra: Any) -> Interaction:
        by = officer if rng.random() < 0.7 else manager
        contribution = (cost * Decimal(str(round(share, 2)))).quantize(Decimal(100_000)) \
            if cost and share else None
        interaction = log_interaction({
            "firm_id": firm.id, "kind": kind, "occurred_on": day, "officer_id": by.id,
            "programme_id": programme.id if firm.province_code == KHANH_HOA else None,
            "summary": summary, "cost_vnd": cost, "firm_contribution_vnd": contribution,
            **extra}, by=by)
        year.interactions.append(interaction)
        return interaction

    for month, title, cost, share in TRAININGS:
        day = _workday(date(today.year, month, rng.randint(8, 24)))
        if day > today:
            continue
        for firm in rng.sample(core, min(len(core), rng.randint(14, 22))):
            log(firm, "training", day, title, _money(rng, cost, cost),
                share / cost if share else 0, outcome_check_months=0)
    pool = core + wider
    for kind, n in ONE_TO_ONE_COUNTS.items():
        summaries, (lo, hi), (slo, shi), follow_ups = ONE_TO_ONE[kind]
        if kind == "value_chain":  # the target counts large firms separately
            large = [f for f in kh if f.size_class == "large"]
            medium = [f for f in core if f.size_class == "medium"]
            chosen = rng.sample(large, min(1, len(large))) + rng.sample(medium, min(1, len(medium)))
        elif kind == "investment_abroad":
            bigger = [f for f in core if f.size_class in ("medium", "large")]
            chosen = rng.sample(bigger, min(n, len(bigger)))
        else:
            chosen = [rng.choice(pool) for _ in range(n)]
        for firm in chosen:
            day = _day(rng, start, today - timedelta(days=2))
            extra: dict[str, Any] = {}
            if follow_ups and rng.random() < 0.35:
                extra = {"follow_up_title": rng.choice(follow_ups),
                         "follow_up_due_on": day + timedelta(days=rng.randint(10, 35))}
            log(firm, kind, day, rng.choice(summaries), _money(rng, lo, hi),
                rng.uniform(slo, shi), **extra)
    for days_ago, title, chapters, share in FAIRS:
        day = _workday(today - timedelta(days=days_ago))
        if day < start:
            continue
        fitting = [f for f in pool if _fits(f, chapters)]
        for firm in rng.sample(fitting, min(8, len(fitting))):
            log(firm, "trade_fair", day, title, _money(rng, 45, 70), share)
    year.supported = list(dict.fromkeys(i.firm for i in year.interactions))
    return year


# --- shortlists ------------------------------------------------------------------------------

def _top(opp: Opportunity, today: date, n: int) -> list[int]:
    return [int(r.firm_id) for r in rank_opportunity(opp, today, top=n, ineligible_limit=0).ranked]


def _confirm(entries: Iterable[ShortlistEntry], by: User, n: int) -> list[ShortlistEntry]:
    """Confirm up to n invited entries in rank order; slots and quotas may refuse some."""
    done = []
    for entry in entries:
        if len(done) == n:
            break
        try:
            change_status(entry, "confirmed", by, note="Doanh nghiệp xác nhận tham gia.")
        except UserError:
            continue  # over a quota: the next firm in line gets the place
        done.append(entry)
    return done


def _answers(opp: Opportunity, entries: list[ShortlistEntry], by: User, *, invite: int,
             confirm: int, declined_note: str, note: str | None = None) -> list[ShortlistEntry]:
    """Invite the first `invite` entries; the last invited declines, up to `confirm` accept.

    Returns the confirmed entries (short lists in a small demo set give fewer of each)."""
    invited = entries[:invite]
    if not invited:
        return []
    bulk_change(opp, [e.id for e in invited], "invited", by, note=note)
    if len(invited) > 1:
        change_status(invited[-1], "declined", by, note=declined_note)
        invited = invited[:-1]
    return _confirm(invited, by, confirm)


def _shortlists(opps: dict[str, Opportunity], today: date, officer: User, manager: User,
                showcase: Firm) -> None:
    """Shortlists built from the live ranking, moved through the pipeline as staff would."""
    # The past mission: the whole pipeline down to outcomes. The enterprise login's firm
    # went: its portal then shows a participation and a contract.
    mission = opps["mission_cn"]
    ids = [showcase.id, *[f for f in _top(mission, today, 10) if f != showcase.id][:9]]
    entries = shortlist_firms(mission, ids, manager, today, justification=(
        "Doanh nghiệp yến sào tiêu biểu, đã đăng ký cơ sở với Hải quan Trung Quốc."))
    entries.sort(key=lambda e: (e.firm_id != showcase.id, e.rank_at_shortlist or 99))
    for entry in entries[8:]:
        change_status(entry, "passed_over", manager, note="Đoàn chỉ có 8 suất.")
    confirmed = _answers(mission, entries, officer, invite=8, confirm=7,
                         declined_note="Doanh nghiệp bận mùa vụ.",
                         note="Gửi thư mời kèm chương trình đoàn.")
    if len(confirmed) > 2:
        change_status(confirmed[-1], "declined", officer,
                      note="Rút lui vì trùng lịch giao hàng.")
        confirmed = confirmed[:-1]
    for entry in confirmed:
        change_status(entry, "participated", officer)
    # The trip itself, in the support log, and the outcome checks it calls for.
    for entry in confirmed:
        log_interaction({
            "firm_id": entry.firm_id, "kind": "trade_mission", "occurred_on": mission.starts_on,
            "opportunity_id": mission.id, "officer_id": officer.id,
            "summary": "Tham gia đoàn, giao thương với 6 nhà nhập khẩu tại Quảng Châu.",
            "cost_vnd": Decimal(42 * M), "firm_contribution_vnd": Decimal(12_600_000),
            "outcome_check_months": 0}, by=officer)
    create_outcome_checks(mission, assignee=officer)
    for entry in confirmed[:3]:  # the showcase first, then the two best-ranked
        change_status(entry, "outcome", officer, note="Ký hợp đồng sau đoàn.")

    # FOODEX Japan: suggestions saved, a shortlist, invitations, answers coming in.
    fair = opps["foodex"]
    save_suggestions(fair, officer, today, top=20)
    entries = shortlist_firms(fair, ids, officer, today) if (ids := _top(fair, today, 8)) else []
    _answers(fair, entries, officer, invite=6, confirm=3, note="Mời tham gia gian hàng chung.",
             declined_note="Chưa đủ sản lượng cho thị trường Nhật.")
    # The enterprise login's firm has a place on the province's stand too: its portal then
    # shows the fair's B2B meeting day (a buyer's request to answer, suggestions, agenda).
    if showcase.id not in {e.firm_id for e in entries}:
        for entry in shortlist_firms(fair, [showcase.id], officer, today, justification=(
                "Doanh nghiệp yến sào tiêu biểu của tỉnh, đăng ký gian hàng chung.")):
            change_status(entry, "invited", officer, note="Mời tham gia gian hàng chung.")
            _confirm([entry], officer, 1)

    # The Amazon cohort: a bigger shortlist, half confirmed so far.
    cohort = opps["amazon"]
    ids = _top(cohort, today, 12)
    entries = shortlist_firms(cohort, ids, manager, today) if ids else []
    _answers(cohort, entries, manager, invite=10, confirm=5,
             declined_note="Chưa có đăng ký FDA.")

    # The Japanese bird's nest importer: the enterprise login is invited and may answer.
    nest = opps["jp_nest"]
    ids = [f for f in _top(nest, today, 5) if f != showcase.id][:4]
    entries = shortlist_firms(nest, [*ids, showcase.id], officer, today,
                              justification="Doanh nghiệp yến sào tiêu biểu của tỉnh.")
    invite = {e.id for e in entries if e.firm_id == showcase.id} | {e.id for e in entries[:2]}
    bulk_change(nest, sorted(invite), "invited", officer,
                note="Giới thiệu hồ sơ cho Nihon Tsubame.")


# --- tasks and outcomes ----------------------------------------------------------------------

def _settle_tasks(rng: random.Random, today: date, officer: User, manager: User,
                  partners: dict[str, Partner], mission: Opportunity) -> None:
    """The mission's contracts; most past-due tasks done, a few of the officer's overdue."""
    # The mission's outcome checks answered early, with contracts.
    checks = {t.firm_id: t for t in db.session.scalars(select(Task).where(
        Task.opportunity_id == mission.id, Task.kind == "outcome_check"))}
    winners = list(db.session.scalars(select(ShortlistEntry.firm_id).where(
        ShortlistEntry.opportunity_id == mission.id, ShortlistEntry.status == "outcome")
        .order_by(ShortlistEntry.id)))
    after = mission.ends_on or today
    for n, firm_id in enumerate(winners):
        partner = partners["cn_gz"] if n % 2 == 0 else None
        record_outcome({
            "firm_id": firm_id, "kind": "contract", "result": "orders_shipped",
            "occurred_on": min(today, after + timedelta(days=35 + 20 * n)),
            "opportunity_id": mission.id,
            "task_id": checks[firm_id].id if firm_id in checks else None,
            "partner_id": partner.id if partner else None,
            "partner_name": None if partner else "Shenzhen Haixin Food Co., Ltd.",
            "value_usd": Decimal((146_500, 85_000, 120_000)[n % 3]),
            "market": "CN", "note": "Hợp đồng khung 12 tháng, lô đầu đã giao."}, by=officer)

    tasks = list(db.session.scalars(select(Task).where(Task.done_at.is_(None))
                                    .order_by(Task.due_on, Task.id)))
    past = [t for t in tasks if t.due_on < today]
    # The latest ones are still open: the officer has not got round to them yet.
    mine = [t.id for t in past if t.assignee_id == officer.id]
    keep = set(mine[-3:] + mine[-9:-8] + [t.id for t in past if t.assignee_id == manager.id][-1:])
    for task in past:
        if task.id in keep:
            continue
        if task.kind == "outcome_check" and rng.random() < 0.6:
            record_outcome({
                "firm_id": task.firm_id, "kind": "follow_up_result", "task_id": task.id,
                "result": rng.choice(("no_result", "no_result", "negotiating",
                                      "agreement_signed")),
                "occurred_on": min(today, task.due_on + timedelta(days=rng.randint(0, 10))),
                "note": "Gọi điện hỏi doanh nghiệp."}, by=task.assignee or officer)
        else:
            complete_task(task, by=task.assignee or officer)


def _outcomes(rng: random.Random, today: date, year: Year, officer: User,
              partners: dict[str, Partner]) -> None:
    """Contracts, new markets and stores that came of the year's support."""
    by_kind: dict[str, list[Interaction]] = {}
    for i in year.interactions:
        by_kind.setdefault(i.kind, []).append(i)
    made = [
        ("contract", "b2b_meeting", partners["de_chain"], "DE", None, 48_000),
        ("contract", "b2b_meeting", partners["kr_seafood"], "KR", None, 312_000),
        ("contract", "trade_fair", partners["kr_coffee"], "KR", None, 96_500),
        ("contract", "consulting", partners["us_chain"], "US", None, 27_800),
        ("new_market", "trade_fair", None, "KR", None, None),
        ("new_market", "export_plan", None, "AE", None, None),
        ("new_market", "b2b_meeting", None, "CZ", None, None),
        ("ecommerce_store", "ecommerce_onboarding", partners["amazon"], "US", "amazon", None),
        ("ecommerce_store", "ecommerce_onboarding", partners["alibaba"], None, "alibaba", None),
        ("ecommerce_store", "ecommerce_onboarding", partners["tiktok"], "SG", "tiktok_shop",
         None),
    ]
    used: set[int] = set()
    for kind, source, partner, market, platform, value in made:
        pool = [i for i in by_kind.get(source, []) if i.id not in used
                and (today - i.occurred_on).days > 30]
        if not pool:
            continue
        interaction = rng.choice(pool)
        used.add(interaction.id)
        record_outcome({
            "firm_id": interaction.firm_id, "kind": kind,
            "result": "agreement_signed" if kind == "contract" else None,
            "occurred_on": interaction.occurred_on + timedelta(
                days=rng.randint(20, min(120, (today - interaction.occurred_on).days))),
            "interaction_id": interaction.id, "partner_id": partner.id if partner else None,
            "value_usd": Decimal(value) if value else None, "market": market,
            "platform": platform, "programme_id": interaction.programme_id,
            "note": {"contract": "Hợp đồng mua bán đầu tiên với đối tác.",
                     "new_market": "Lô hàng đầu tiên sang thị trường mới.",
                     "ecommerce_store": "Gian hàng đã được duyệt và có đơn đầu tiên."}[kind]},
            by=officer)


# --- yearly indicators -----------------------------------------------------------------------

def _indicators(rng: random.Random, today: date, supported: Sequence[Firm],
                firms: Sequence[Firm]) -> int:
    """Figures for the last three years: supported firms grow faster than the others."""
    this = today.year
    chosen = set(id(f) for f in supported)
    candidates = [f for f in firms if f.province_code == KHANH_HOA
                  and id(f) not in chosen and f.export_revenue_usd]
    comparison = rng.sample(candidates, min(60, len(candidates)))
    rows = 0
    for group, firms_of in (("supported", supported), ("comparison", comparison)):
        for firm in firms_of:
            base = float(firm.export_revenue_usd or 0)
            if not base and (group == "comparison" or rng.random() < 0.7):
                continue  # no exports, nothing to report (some supported firms start)
            markets = sum(1 for m in firm.markets if m.kind == "current")
            stores = bool(firm.stores)
            if group == "supported":
                growth = rng.uniform(1.12, 1.6)
                starts = base == 0  # first exports after support
                new_markets = rng.choice((0, 1, 1, 2))
            else:
                growth = rng.uniform(0.9, 1.12)
                starts = False
                new_markets = rng.choice((0, 0, 0, 1))
            before = base / growth if base else 0.0
            for year, revenue, n_markets in (
                (this - 2, before * rng.uniform(0.85, 1.0), max(0, markets - 1)),
                (this - 1, before, markets),
                (this, base * growth if base else (rng.uniform(15, 60) * 1000 if starts else 0),
                 markets + new_markets + (1 if starts else 0)),
            ):
                save_indicator(firm, {
                    "year": year, "export_revenue_usd": Decimal(round(revenue, -2)),
                    "export_markets": n_markets,
                    "ecommerce_revenue_usd": Decimal(round(revenue * 0.04, -2)) if stores
                    else None,
                    "employees": firm.employees})
                rows += 1
    return rows


# --- the enterprise login --------------------------------------------------------------------

def _enterprise(today: date, showcase: Firm, user: User, tax_code: str) -> None:
    """The firm's own pending changes, and a cooperative asking for an account."""
    with recording("self", by=user):
        firm_services.update_firm(showcase, {"employees": 55,
                                             "export_revenue_usd": Decimal(1_120_000)})
        firm_services.add_certification(showcase, {
            "scheme_code": "HALAL", "number": f"HCA-{today.year}-0815",
            "issuer": "Trung tâm Chứng nhận Halal Việt Nam (HCA)",
            "issued_on": today - timedelta(days=12), "expires_on": today + timedelta(days=3 * 365)})
        firm_services.add_product(showcase, {
            "name": "Nước yến sào đóng lon", "name_en": "Bird's nest drink",
            "hs_code": "220299", "annual_capacity": Decimal(120000), "capacity_unit": "litres",
            "description": "Dòng sản phẩm mới từ tháng 9."})
    register({"tax_code": tax_code, "firm_name": "Hợp tác xã Yến sào Cam Lâm",
              "contact_name": "Nguyễn Thị Thu Hà", "email": "lienhe@htxyensaocamlam.vn",
              "phone": "0905 123 468", "password": REGISTRATION_PASSWORD,
              "confirm": REGISTRATION_PASSWORD})


# --- all of it -------------------------------------------------------------------------------

def build_activity(rng: random.Random, today: date, firms: Sequence[Firm], users: dict[str, User],
                   showcase: Firm, spare_tax_code: str) -> dict[str, int]:
    """Add the programme, partners, opportunities, support log and portal data; flush only."""
    officer, manager = users["officer"], users["manager"]
    programme = seed_programmes()
    partners = _partners()
    opps = _opportunities(today, programme, partners, manager)
    year = _support_log(rng, today, firms, programme, officer, manager, showcase)
    _shortlists(opps, today, officer, manager, showcase)
    meetings = add_demo_meeting_day(opps["foodex"], officer, showcase=showcase)
    meetings += add_demo_past_meetings(opps["mission_cn"], officer)
    _settle_tasks(rng, today, officer, manager, partners, opps["mission_cn"])
    _outcomes(rng, today, year, officer, partners)
    history = build_history(today, programme, manager, officer, showcase)
    # Only firms supported within the programme count as "supported" in the before/after view.
    in_programme = [f for f in year.supported if f.province_code == programme.province_code]
    indicators = _indicators(rng, today, in_programme, firms)
    _enterprise(today, showcase, users["enterprise"], spare_tax_code)
    db.session.flush()

    def count(model: type) -> int:
        return db.session.scalar(select(func.count()).select_from(model)) or 0

    return {"partners": count(Partner), "opportunities": count(Opportunity),
            "shortlist entries": count(ShortlistEntry), "interactions": count(Interaction),
            "tasks": count(Task), "outcomes": count(Outcome), "indicators": indicators,
            "B2B meetings": meetings,
            **history}
