"""`crm bench`: benchmark commands that print figures.

`crm bench search --firms 100000` loads synthetic firms into a separate database
(instance/bench.db unless --database-url says otherwise; reused when already loaded) and
times varied firm-list requests through the app, as a logged-in officer would make them.
"""

from __future__ import annotations

import importlib
import random
import statistics
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import click
from sqlalchemy import func, insert, select, text

from crm.config import INSTANCE_DIR, Config

# --- a fast bulk generator -------------------------------------------------------------------
# `crm generate` (crm/demo.py) is being written elsewhere; until it exposes a bulk function
# this keeps the benchmark self-contained. Core inserts: about 100k firms a minute on SQLite.

LEGAL = (("Công ty TNHH", "llc", 50), ("Công ty Cổ phần", "jsc", 25),
         ("Hợp tác xã", "cooperative", 10), ("Doanh nghiệp tư nhân", "private", 7),
         ("Hộ kinh doanh", "household", 8))
TRADE_WORDS = ("", "", "Thương mại", "Xuất nhập khẩu", "Thương mại Dịch vụ", "Sản xuất",
               "Chế biến", "Nông sản", "Đầu tư")
BRANDS = ("Phúc", "Lộc", "Thịnh", "Hưng", "An", "Phát", "Tân", "Việt", "Hoàng", "Gia",
          "Minh", "Thành", "Đại", "Nam", "Sao", "Kim", "Ngọc", "Thiên", "Hải", "Trường",
          "Bảo", "Khang", "Hòa", "Phú", "Quý", "Long", "Vạn", "Tín", "Đức", "Thuận", "Mỹ",
          "Xuân", "Đông", "Sơn", "Toàn", "Nhật", "Hồng", "Lam", "Vĩnh", "Trí")
PLACES = ("Khánh Hòa", "Nha Trang", "Cam Ranh", "Đắk Lắk", "Buôn Ma Thuột", "Gia Lai",
          "Tây Nguyên", "Sài Gòn", "Miền Trung", "Cửu Long", "Phương Nam", "Hải Phòng",
          "Cà Mau", "Bến Tre", "Đồng Tháp", "Lâm Đồng", "Bình Thuận", "Phú Yên", "Huế",
          "Đà Nẵng", "Quảng Ngãi", "Nghệ An", "Hà Nội", "Thái Nguyên", "Sơn La", "Mekong")
# sector -> (words in firm names, products (vi, en, HS), likely certificates, provinces)
SECTORS: dict[str, tuple[tuple[str, ...], tuple[tuple[str, str, str], ...], tuple[str, ...],
                         tuple[int, ...]]] = {
    "birds_nest": (("Yến sào", "Tổ yến", "Yến Việt"), (
        ("Tổ yến tinh chế", "Refined bird's nest", "041090"),
        ("Yến sào chưng đường phèn", "Bird's nest drink with rock sugar", "220299"),
        ("Tổ yến thô", "Raw bird's nest", "041010")),
        ("HACCP", "ISO22000", "GACC", "HALAL"), (56, 56, 56, 51, 79, 48)),
    "coffee": (("Cà phê", "Cà Phê"), (
        ("Cà phê nhân Robusta", "Robusta green coffee", "090111"),
        ("Cà phê rang xay", "Roasted ground coffee", "090121"),
        ("Cà phê hòa tan", "Instant coffee", "210111")),
        ("RAINFOREST", "ORGANIC_EU", "EUDR", "FAIRTRADE", "HACCP"), (66, 66, 52, 68, 79)),
    "seafood": (("Thủy sản", "Hải sản", "Thủy Hải sản"), (
        ("Tôm thẻ chân trắng đông lạnh", "Frozen whiteleg shrimp", "030617"),
        ("Cá ngừ đại dương", "Ocean tuna", "030487"),
        ("Cá tra phi lê", "Pangasius fillet", "030462"),
        ("Mực khô", "Dried squid", "030749"),
        ("Tôm chế biến", "Processed shrimp", "160521"),
        ("Nước mắm", "Fish sauce", "210390")),
        ("HACCP", "BRCGS", "ASC", "BAP", "EU_APPROVED", "GACC", "IUU_CATCH", "MSC"),
        (56, 96, 91, 82, 31, 48, 51, 86)),
    "pepper_spices": (("Gia vị", "Hồ tiêu", "Nông sản"), (
        ("Hồ tiêu đen", "Black pepper", "090411"), ("Quế", "Cinnamon", "090611"),
        ("Hoa hồi", "Star anise", "090961")),
        ("HACCP", "ORGANIC_EU", "USDA_ORGANIC", "RAINFOREST"), (52, 66, 20, 8, 75)),
    "cashew_nuts": (("Hạt điều", "Điều"), (
        ("Hạt điều nhân", "Cashew kernels", "080132"),
        ("Hạt điều rang muối", "Salted roasted cashews", "200819")),
        ("HACCP", "BRCGS", "KOSHER", "HALAL"), (75, 80, 52)),
    "fruit_vegetables": (("Nông sản", "Trái cây", "Rau quả"), (
        ("Thanh long", "Dragon fruit", "081090"), ("Sầu riêng", "Durian", "081060"),
        ("Chuối", "Banana", "080390"), ("Chanh dây", "Passion fruit", "081090"),
        ("Xoài sấy dẻo", "Soft dried mango", "081340"), ("Khoai lang", "Sweet potato", "071420")),
        ("GLOBALGAP", "VIETGAP", "GACC", "HACCP"), (82, 86, 52, 66, 80, 91, 14)),
    "rice_agri": (("Nông sản", "Lương thực"), (
        ("Gạo ST25", "ST25 rice", "100630"), ("Tinh bột sắn", "Cassava starch", "110814"),
        ("Chè xanh", "Green tea", "090210"), ("Mật ong", "Honey", "040900")),
        ("VIETGAP", "HACCP", "ORGANIC_EU", "ISO22000"), (91, 92, 82, 19, 25, 80)),
    "food_processing": (("Thực phẩm", "Chế biến Thực phẩm"), (
        ("Bánh tráng", "Rice paper", "190590"), ("Nước mắm", "Fish sauce", "210390"),
        ("Trái cây sấy", "Dried fruit", "081340")),
        ("HACCP", "ISO22000", "FSSC22000", "HALAL", "FDA"), (79, 1, 48, 56, 92)),
    "furniture_wood": (("Gỗ", "Nội thất", "Lâm sản"), (
        ("Bàn ghế gỗ", "Wooden tables and chairs", "940360"),
        ("Đồ gỗ nội thất", "Wooden interior furniture", "940360"),
        ("Viên nén gỗ", "Wood pellets", "440131")),
        ("FSC", "PEFC", "ISO9001"), (75, 51, 52, 37)),
    "garments_textiles": (("May mặc", "Dệt may"), (
        ("Áo sơ mi", "Shirts", "620520"), ("Áo thun dệt kim", "Knitted T-shirts", "610910")),
        ("ISO9001", "ISO14001"), (79, 1, 33, 31, 38)),
    "handicrafts": (("Mỹ nghệ", "Thủ công Mỹ nghệ"), (
        ("Sản phẩm mây tre đan", "Bamboo and rattan ware", "460219"),
        ("Gốm sứ mỹ nghệ", "Decorative ceramics", "691390")),
        ("FSC", "ISO9001"), (1, 37, 86, 46)),
    "rubber": (("Cao su",), (("Cao su tự nhiên", "Natural rubber", "400122"),),
               ("ISO9001", "FSC"), (52, 75, 80)),
}
MARKETS = ("CN", "CN", "JP", "JP", "KR", "US", "US", "DE", "NL", "FR", "AE", "SA", "AU",
           "SG", "TH", "MY", "RU", "IN", "GB", "CA", "TW", "BR", "IT", "QA", "LA", "KH")
TAX_PREFIX = "48"


def generate_bench_firms(n: int, seed: int = 2026) -> int:
    """Bulk-insert `n` synthetic firms with products, certificates and markets; returns n."""
    from crm.extensions import db
    from crm.firms.sizing import size_class
    from crm.models import Certification, Firm, FirmMarket, Product
    from crm.search import search_text_for
    from crm.validators import synthetic_tax_codes
    from matching.text import fold

    rng = random.Random(seed + n)
    last = db.session.scalar(select(func.max(Firm.tax_code))
                             .where(Firm.tax_code.like(f"{TAX_PREFIX}%")))
    start = int(last[2:9]) + 1 if last else 1
    codes = synthetic_tax_codes(n, prefix=TAX_PREFIX, start=start)
    sector_names = list(SECTORS)
    now = datetime.now(UTC)
    chunk = 5000
    for offset in range(0, n, chunk):
        firms, children = [], []
        for _ in range(min(chunk, n - offset)):
            sector = rng.choice(sector_names)
            words, products, certs, provinces = SECTORS[sector]
            legal, legal_form, _w = rng.choices(LEGAL, weights=[w[2] for w in LEGAL])[0]
            brand = f"{rng.choice(BRANDS)} {rng.choice(BRANDS)}"
            name = rng.choice((
                f"{legal} {rng.choice(TRADE_WORDS)} {rng.choice(words)} {brand}",
                f"{legal} {rng.choice(words)} {rng.choice(PLACES)}",
                f"{legal} {brand} {rng.choice(PLACES)}",
            )).replace("  ", " ")
            picked = rng.sample(products, k=min(len(products), rng.choice((1, 1, 2, 3))))
            employees = int(rng.lognormvariate(3.2, 1.1))
            revenue = Decimal(str(round(employees * rng.uniform(0.2, 2.5), 1)))
            tax_code = next(codes)
            prods = [SimpleNamespace(name=p[0], name_en=p[1], hs=p[2]) for p in picked]
            shim = SimpleNamespace(name=name, name_en=None, tax_code=tax_code, products=prods)
            firms.append({
                "tax_code": tax_code, "name": name, "name_en": None, "name_search": fold(name),
                "search_text": search_text_for(shim),  # type: ignore[arg-type]
                "legal_form": legal_form, "province_code": rng.choice(provinces),
                "employees": employees, "revenue_bn_vnd": revenue,
                "size_class": size_class(employees, revenue, None, [sector]),
                "sectors": [sector], "languages": ["vi"], "is_pioneer": rng.random() < 0.02,
                "verification_status": "unverified", "archived": rng.random() < 0.03,
                "version": 1, "created_at": now - timedelta(days=900),
                "updated_at": now - timedelta(minutes=rng.randrange(0, 900 * 24 * 60)),
            })
            children.append((prods, certs))
        ids = db.session.scalars(
            insert(Firm.__table__).returning(Firm.__table__.c.id,
                                             sort_by_parameter_order=True), firms).all()
        products, certifications, markets = [], [], []
        for firm_id, (prods, certs) in zip(ids, children, strict=True):
            products += [{"firm_id": firm_id, "name": p.name, "name_en": p.name_en,
                          "name_search": fold(f"{p.name} {p.name_en}"), "hs_code": p.hs}
                         for p in prods]
            for scheme in rng.sample(certs, k=min(len(certs), rng.choice((0, 0, 1, 1, 2, 3)))):
                issued = date(2019, 1, 1) + timedelta(days=rng.randrange(0, 2500))
                expires = None if rng.random() < 0.15 else issued + timedelta(days=3 * 365)
                certifications.append({"firm_id": firm_id, "scheme_code": scheme,
                                       "issued_on": issued, "expires_on": expires})
            for rank, country in enumerate(
                    dict.fromkeys(rng.choices(MARKETS, k=rng.randint(1, 4))), 1):
                markets.append({"firm_id": firm_id, "country_code": country,
                                "kind": "target" if rank % 2 else "current", "priority": rank})
        db.session.execute(insert(Product.__table__), products)
        if certifications:
            db.session.execute(insert(Certification.__table__), certifications)
        db.session.execute(insert(FirmMarket.__table__), markets)
        db.session.commit()
        click.echo(f"  {offset + len(firms)} / {n} firms", err=True)
    return n


# --- the benchmark ---------------------------------------------------------------------------


def _bench_config(url: str) -> type[Config]:
    if url.startswith(("postgres://", "postgresql://")):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]

    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = url
        WTF_CSRF_ENABLED = False

    return BenchConfig


def bench_requests(sample_tax_code: str, pages: int) -> list[str]:
    """Varied firm-list URLs: text with and without diacritics, typos, filters, sorts, pages."""
    deep = max(pages * 3 // 4, 1)
    return [
        "/firms/",
        "/firms/?q=ca+phe+dak+lak",
        "/firms/?q=C%C3%A0+ph%C3%AA+%C4%90%E1%BA%AFk+L%E1%BA%AFk",  # Cà phê Đắk Lắk
        "/firms/?q=CA+PHE",
        "/firms/?q=yen+sao+khanh+hoa",
        "/firms/?q=y%E1%BA%BFm+s%C3%A0o",  # yếm sào: typo
        "/firms/?q=ca+phe+dak+lac",  # typo
        "/firms/?q=tom+the+dong+lanh",
        "/firms/?q=thanh+lng",  # typo
        f"/firms/?q={sample_tax_code}",
        f"/firms/?q={sample_tax_code[:5]}",
        "/firms/?province=56",
        "/firms/?province=66&q=ca+phe",
        "/firms/?hs=03",
        "/firms/?hs=0901&cert=RAINFOREST",
        "/firms/?cert=HACCP",
        "/firms/?market=EU27",
        "/firms/?market=JP&size=large",
        "/firms/?size=micro&sort=updated",
        "/firms/?sort=province",
        "/firms/?sort=size",
        "/firms/?sort=updated",
        f"/firms/?page={deep}",
        f"/firms/?sort=updated&archived=y&page={deep}",
        f"/firms/?q=cong+ty&page={deep // 2}",
        "/firms/?q=thuy+san&sort=name&page=100",
        "/firms/?market=ASEAN&hs=08&page=50",
        "/firms/?q=hat+dieu&market=CN&cert=HACCP",
        "/firms/?q=xuat+nhap+khau&province=79&sort=size",
        "/firms/?q=ca+tra+phi+le",
        "/firms/?q=khongcotukhoanay",  # nothing, even after typo correction
        "/firms/?province=999&page=abc",  # bad values: a message, never a 500
    ]


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * pct / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


@click.group("bench")
def bench_command() -> None:
    """Benchmarks (print p50/p95)."""


@bench_command.command("search")
@click.option("--firms", "n_firms", type=int, default=100_000, show_default=True)
@click.option("--database-url", default=None,
              help="Default: a separate SQLite file, instance/bench.db.")
@click.option("--rounds", type=int, default=3, show_default=True,
              help="Timed passes over the request list (after one warm-up pass).")
def search_bench(n_firms: int, database_url: str | None, rounds: int) -> None:
    """Time varied firm-list searches through the app; print p50/p95 in ms."""
    from flask_migrate import upgrade

    from crm import create_app
    from crm.extensions import db
    from crm.models import Country, Firm, User
    from crm.refdata import load_reference_data

    INSTANCE_DIR.mkdir(exist_ok=True)
    url = database_url or f"sqlite:///{INSTANCE_DIR / 'bench.db'}"
    app = create_app(_bench_config(url))
    with app.app_context():
        upgrade()
        if not db.session.scalar(select(func.count()).select_from(Country)):
            load_reference_data()
            db.session.commit()
        have = db.session.scalar(select(func.count()).select_from(Firm)) or 0
        if have < n_firms:
            click.echo(f"Loading {n_firms - have} firms ({have} already there)...", err=True)
            t0 = time.perf_counter()
            generate_bench_firms(n_firms - have)
            click.echo(f"  loaded in {time.perf_counter() - t0:.0f} s", err=True)
        # Fresh planner statistics, as a production database would have them.
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        total = db.session.scalar(select(func.count()).select_from(Firm)) or 0
        officer = db.session.scalar(select(User).where(User.email == "bench@example.vn"))
        if officer is None:
            officer = User(email="bench@example.vn", name="Bench Officer", role="officer")
            officer.set_password("bench-only-password")
            db.session.add(officer)
            db.session.commit()
        officer_session_id = officer.get_id()  # "id:session_version" (User.get_id)
        sample = db.session.scalar(select(Firm.tax_code).order_by(Firm.id.desc()).limit(1))
        db.session.remove()
    client = app.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"] = officer_session_id
        sess["_fresh"] = True
    urls = bench_requests(sample or "4800000001", total // app.config["FIRMS_PER_PAGE"])
    timings: dict[str, list[float]] = {u: [] for u in urls}
    for n_pass in range(rounds + 1):
        for u in urls:
            t0 = time.perf_counter()
            resp = client.get(u)
            elapsed = (time.perf_counter() - t0) * 1000
            if resp.status_code != 200:
                raise click.ClickException(f"{u} answered {resp.status_code}")
            if n_pass:  # pass 0 warms caches (templates, the typo vocabulary)
                timings[u].append(elapsed)
    _report(timings, total, app.config["SQLALCHEMY_DATABASE_URI"])


def _report(timings: dict[str, list[float]], total: int, url: str) -> None:
    everything = [t for ts in timings.values() for t in ts]
    engine = url.split(":", 1)[0]
    click.echo(f"{engine}: {total} firms, {len(timings)} request kinds x "
               f"{len(everything) // max(len(timings), 1)} passes")
    click.echo("slowest (median ms):")
    slowest: list[tuple[float, Any]] = sorted(
        ((statistics.median(ts), u) for u, ts in timings.items()), reverse=True)
    for ms, u in slowest[:8]:
        click.echo(f"  {ms:8.1f}  {u}")
    click.echo(f"p50 {_percentile(everything, 50):.1f} ms  p95 {_percentile(everything, 95):.1f} ms"
               f"  max {max(everything):.1f} ms")


from crm.opportunities.bench import ranking_bench  # noqa: E402

bench_command.add_command(ranking_bench)
bench_command.add_command(importlib.import_module("crm.imports.bench").import_bench)
