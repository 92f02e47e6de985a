"""Benchmark: generate N firms, build the index, rank 20 varied opportunities.

Prints build time, p50/p95 rank latency and peak memory, and the same ranking done by a
straightforward per-firm Python loop (factors.assess on every firm, then sort), as a ratio.
"""

from __future__ import annotations

import gc
import os
import random
import resource
import sys
import time
from collections.abc import Iterator
from datetime import date, timedelta

import numpy as np

from matching import factors as fx
from matching.index import FirmIndex
from matching.rank import match
from matching.records import parse_firm, parse_opportunity
from matching.wording import Words

TODAY = date(2026, 12, 1)

# (name, hs, description, capacity range t/year)
CATALOGUE = [
    ("Tổ yến tinh chế", "041090", "Yến sào làm sạch, đóng hộp", (0.5, 10)),
    ("Yến sào chưng sẵn", "041090", "nước yến đóng lọ", (1, 50)),
    ("Tôm thẻ đông lạnh", "030617", "frozen whiteleg shrimp", (50, 3000)),
    ("Cá ngừ phi lê", "030487", "tuna loins, frozen", (100, 3000)),
    ("Mực khô", "030749", "dried squid", (5, 200)),
    ("Cá cơm khô", "030559", "dried anchovy", (5, 300)),
    ("Chả cá đóng hộp", "160420", "canned fish cake", (20, 800)),
    ("Cà phê nhân Robusta", "090111", "green robusta coffee beans", (100, 20000)),
    ("Cà phê rang xay", "090121", "roasted ground coffee", (5, 1000)),
    ("Cà phê hòa tan", "210111", "instant coffee", (10, 2000)),
    ("Hạt tiêu đen", "090411", "black pepper", (20, 3000)),
    ("Hạt điều rang muối", "080132", "roasted cashew nuts", (20, 3000)),
    ("Sầu riêng tươi", "081060", "fresh durian", (100, 5000)),
    ("Thanh long tươi", "081090", "fresh dragon fruit", (100, 5000)),
    ("Xoài sấy dẻo", "200899", "dried mango", (5, 300)),
    ("Chanh leo đông lạnh", "081190", "frozen passion fruit", (50, 2000)),
    ("Bàn ghế gỗ ngoài trời", "940360", "outdoor wooden furniture", (100, 5000)),
    ("Áo sơ mi nam", "620520", "men's shirts", (50, 2000)),
    ("Bánh tráng", "190590", "rice paper", (20, 1000)),
    ("Nước mắm cá cơm", "210390", "fish sauce", (10, 500)),
    ("Chè xanh Thái Nguyên", "090210", "green tea", (5, 500)),
    ("Gạo ST25", "100630", "fragrant rice", (500, 20000)),
    ("Cao su tự nhiên", "400122", "natural rubber sheets", (500, 10000)),
    ("Tinh dầu trầm hương", "330129", "agarwood oil", (0.1, 2)),
]
PROVINCES = [
    "Khánh Hòa",
    "Gia Lai",
    "Đắk Lắk",
    "Hải Phòng",
    "TP Hồ Chí Minh",
    "Đồng Nai",
    "Cần Thơ",
    "Lâm Đồng",
    "Hà Nội",
    "Quảng Ninh",
    "An Giang",
    "Đà Nẵng",
]
MARKETS = ["CN", "US", "JP", "KR", "DE", "NL", "FR", "AE", "SA", "SG", "MY", "TH", "AU", "GB"]
CERTS = [
    "HACCP",
    "ISO22000",
    "HALAL",
    "GLOBALGAP",
    "VIETGAP",
    "BRCGS",
    "FDA",
    "GACC",
    "EU_APPROVED",
    "FSC",
    "ASC",
    "RAINFOREST",
    "KR_MFDS",
]
LANGS = ["en", "zh", "ja", "ko", "ar", "de"]
PLATFORMS = ["shopee", "lazada", "tiktok_shop", "amazon", "alibaba"]
SIZES = ["micro", "small", "medium", "large"]
FORMS = ["Công ty TNHH", "Công ty CP", "HTX", "Hộ kinh doanh", "Cơ sở"]
SYLLABLES = [
    "Hòn",
    "Nội",
    "Phố",
    "Núi",
    "Xanh",
    "Việt",
    "Nam",
    "Sao",
    "Biển",
    "Đông",
    "Tây",
    "Hưng",
    "Thịnh",
    "Phát",
    "An",
    "Bình",
    "Minh",
    "Long",
    "Hải",
    "Ngọc",
    "Kim",
]


def generate_firms(n: int, seed: int = 7, unverified_share: float = 0.0) -> Iterator[dict]:
    """Deterministic synthetic firm records in the spec's format (a generator).

    `unverified_share` of the certificates are self-declared and not yet verified, drawn from
    a generator of their own so that the other fields stay those of the same seed.
    """
    rnd = random.Random(seed)
    declared = random.Random(seed + 1)
    for i in range(n):
        k = rnd.choices([1, 2, 3], weights=[6, 3, 1])[0]
        items = rnd.sample(CATALOGUE, k)
        products = []
        for name, hs, desc, (lo, hi) in items:
            p = {
                "name": name,
                "description": desc,
                "annual_capacity_tonnes": round(rnd.uniform(lo, hi), 1),
            }
            if rnd.random() < 0.9:
                p["hs_code"] = hs if rnd.random() < 0.8 else hs[:4]
            if rnd.random() < 0.1:
                p["name"] = name.replace("ế", "e").replace("ê", "e").replace("à", "a")
            products.append(p)
        certs = []
        for code in rnd.sample(CERTS, rnd.choice([0, 1, 1, 2, 3])):
            start = TODAY - timedelta(days=rnd.randint(0, 1500))
            cert = {"code": code, "valid_from": start.isoformat()}
            if rnd.random() < 0.85:
                cert["valid_until"] = (start + timedelta(days=rnd.randint(200, 1800))).isoformat()
            if unverified_share and declared.random() < unverified_share:
                cert["verified"] = False
                if declared.random() < 0.9:
                    when = TODAY - timedelta(days=declared.randint(0, 60))
                    cert["declared_on"] = when.isoformat()
            certs.append(cert)
        stem = " ".join(rnd.sample(SYLLABLES, 2))
        firm = {
            "id": f"F{i:07d}",
            "name": f"{rnd.choice(FORMS)} {items[0][0].split()[0]} {stem}",
            "province": rnd.choice(PROVINCES),
            "size": rnd.choice([*SIZES, None]),
            "export_experience_years": rnd.choice([None, 0, 1, 2, 3, 5, 8, 12]),
            "export_revenue_usd": rnd.choice([None, 0, 50_000, 300_000, 2_000_000]),
            "languages": ["vi", *rnd.sample(LANGS, rnd.choice([0, 1, 1, 2]))],
            "products": products,
            "certifications": certs,
            "current_markets": rnd.sample(MARKETS, rnd.choice([0, 0, 1, 2, 3])),
            "target_markets": rnd.sample(MARKETS, rnd.choice([0, 1, 2, 3])),
            "ecommerce": [
                {"platform": p, "market": rnd.choice(["VN", "VN", "US", "SG"]), "status": "active"}
                for p in rnd.sample(PLATFORMS, rnd.choice([0, 0, 1, 2]))
            ],
            "trademarks": rnd.sample(["VN", "US", "CN", "EU", "JP"], rnd.choice([0, 1, 2])),
            "support_history": [
                {
                    "kind": rnd.choice(
                        [
                            "trade_mission",
                            "trade_fair",
                            "ecommerce_onboarding",
                            "b2b_meeting",
                            "training",
                        ]
                    ),
                    "date": (TODAY - timedelta(days=rnd.randint(0, 1400))).isoformat(),
                }
                for _ in range(rnd.choice([0, 0, 1, 2]))
            ],
        }
        yield firm


def opportunities() -> list[dict]:
    """20 varied opportunities over the generated catalogue."""
    base = [
        (
            "trade_mission",
            ["AE", "SA"],
            ["0410", "0901", "0305"],
            ["yến sào", "cà phê"],
            ["HALAL"],
            "small",
        ),
        ("trade_fair", ["DE", "NL", "FR"], ["03", "1604"], ["thủy sản", "tôm"], [], None),
        ("ecommerce_cohort", ["US"], ["0901", "0904", "0801"], ["cà phê", "hạt tiêu"], [], None),
        ("distribution_partner", ["JP"], ["08", "2008"], ["trái cây", "xoài"], [], None),
        ("distribution_partner", ["DE"], ["1905", "2103"], ["bánh tráng", "nước mắm"], [], None),
        ("trade_mission", ["CN"], ["0410"], ["yến sào"], [], None),
        ("trade_fair", ["US"], ["9403"], ["đồ gỗ", "nội thất"], [], "medium"),
        ("trade_mission", ["KR"], ["08"], ["sầu riêng", "thanh long"], [], None),
        ("ecommerce_cohort", ["SG", "MY"], [], ["đặc sản"], [], None),
        ("trade_fair", ["GB"], ["62", "61"], ["may mặc", "áo"], ["ISO9001"], None),
        ("trade_mission", ["CN"], ["4001"], ["cao su"], [], "medium"),
        ("distribution_partner", ["AU"], ["1006"], ["gạo"], [], None),
        ("trade_fair", ["JP"], ["0902"], ["chè", "trà"], [], None),
        ("trade_mission", ["AE"], ["3301"], ["trầm hương"], [], None),
        ("ecommerce_cohort", ["US"], ["0410"], ["yến sào"], [], None),
        ("trade_fair", ["DE"], ["0901"], ["cà phê"], ["RAINFOREST"], None),
        ("distribution_partner", ["US"], ["030617"], ["tôm"], ["HACCP"], "small"),
        ("trade_mission", ["TH", "MY"], [], ["hạt điều", "cashew"], [], None),
        ("trade_fair", ["FR"], ["2008", "0811"], ["trái cây sấy"], [], None),
        ("ecommerce_cohort", [], [], [], [], None),
    ]
    out = []
    for i, (kind, markets, hs, kw, req, size) in enumerate(base):
        opp = {
            "id": f"BENCH-{i:02d}",
            "kind": kind,
            "title": " ".join(kw),
            "markets": markets,
            "hs_prefixes": hs,
            "keywords": kw,
            "required_certifications": req,
            "preferred_certifications": ["HACCP"],
            "starts_on": "2027-03-10",
            "platform": "amazon" if kind == "ecommerce_cohort" else None,
        }
        if size:
            opp["min_size"] = size
        out.append(opp)
    return out


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def naive_rank(index: FirmIndex, firms: list, opp: dict, top: int = 20) -> list[str]:
    """The straightforward per-firm Python loop: assess every firm, filter, sort."""
    ctx = fx.Context.build(parse_opportunity(opp), TODAY, index.text)
    scored = []
    for firm in firms:
        a = fx.assess(firm, ctx, text_index=index.text)
        if a.relevant and not a.missing:
            scored.append((-fx.final_score(a), firm.id))
    scored.sort()
    return [fid for _, fid in scored[:top]]


def run(n: int, seed: int = 7, naive_sample: int = 5_000, queries: int = 20) -> int:
    """Run the benchmark and print a report; returns the exit code."""
    out = sys.stdout
    gc.collect()
    rss0 = _rss_mb()
    t0 = time.perf_counter()
    c0 = time.process_time()
    for _ in generate_firms(n, seed):
        pass
    gen = time.perf_counter() - t0
    gen_cpu = time.process_time() - c0
    t0 = time.perf_counter()
    c0 = time.process_time()
    index = FirmIndex.build(generate_firms(n, seed))
    build = time.perf_counter() - t0 - gen
    build_cpu = time.process_time() - c0 - gen_cpu
    rss_build = _rss_mb()
    opps = (opportunities() * ((queries + 19) // 20))[:queries]
    match(index, opps[0], today=TODAY, top=20).ranked()  # warm-up (excluded)
    lat, cpu, inel_t, inel_cpu, inel_n, say_t = [], [], [], [], [], []
    en, vi = Words("en"), Words("vi")
    for opp in opps:
        t = time.perf_counter()
        c = time.process_time()
        ranking = match(index, opp, today=TODAY, top=20)
        ranked = ranking.ranked()
        lat.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
        t = time.perf_counter()
        for item in ranked:
            item.to_dict(en, vi)
        say_t.append(time.perf_counter() - t)
        t = time.perf_counter()
        c = time.process_time()
        inel_n.append(len(ranking.ineligible()))
        inel_t.append(time.perf_counter() - t)
        inel_cpu.append(time.process_time() - c)
    rss_rank = _rss_mb()
    sample = min(n, naive_sample)
    firms = [parse_firm(f) for f in generate_firms(sample, seed)]
    naive, naive_cpu = [], []
    for opp in opps:
        t = time.perf_counter()
        c = time.process_time()
        naive_rank(index, firms, opp)
        naive.append((time.perf_counter() - t) * n / sample)
        naive_cpu.append((time.process_time() - c) * n / sample)
    p = np.percentile
    ms = 1000.0
    print(
        f"firms: {n:,}  queries: {len(opps)}  (2-core machine, Python {sys.version.split()[0]})",
        file=out,
    )
    print(
        f"build: {build:.2f} s wall, {build_cpu:.2f} s CPU  (parse + index + TF-IDF fit; "
        f"generating the records took {gen:.2f} s more, measured apart and excluded)",
        file=out,
    )
    print(f"index arrays + sparse text matrices: {index.nbytes() / 2**20:.0f} MB", file=out)
    print(
        f"rank (vectorised, all firms scored, hard requirements, top-20 with typed reasons): "
        f"p50 {p(lat, 50) * ms:.1f} ms  p95 {p(lat, 95) * ms:.1f} ms",
        file=out,
    )
    print(
        f"  same, CPU time of this process (robust to other load on the machine): "
        f"p50 {p(cpu, 50) * ms:.1f} ms  p95 {p(cpu, 95) * ms:.1f} ms; load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores",
        file=out,
    )
    print(
        f"words of the top-20 reasons in English and Vietnamese (what a page or the CLI adds): "
        f"p50 {p(say_t, 50) * ms:.1f} ms  p95 {p(say_t, 95) * ms:.1f} ms",
        file=out,
    )
    print(
        f"ineligible list materialised as typed items (mean {np.mean(inel_n):,.0f} firms): "
        f"p50 {p(inel_t, 50) * ms:.1f} ms  p95 {p(inel_t, 95) * ms:.1f} ms (wall); "
        f"CPU p50 {p(inel_cpu, 50) * ms:.1f} ms  p95 {p(inel_cpu, 95) * ms:.1f} ms",
        file=out,
    )
    print(f"rank + full ineligible list: p95 {p(np.add(lat, inel_t), 95) * ms:.1f} ms", file=out)
    scaled = "" if sample == n else f", measured on {sample:,} firms and scaled x{n / sample:g}"
    print(
        f"per-firm Python loop (same factors{scaled}): p50 {p(naive, 50) * ms:.1f} ms  "
        f"p95 {p(naive, 95) * ms:.1f} ms (wall); CPU p50 {p(naive_cpu, 50) * ms:.1f} ms  "
        f"p95 {p(naive_cpu, 95) * ms:.1f} ms",
        file=out,
    )
    print(
        f"speed-up ratio (loop / vectorised): p50 {p(naive, 50) / p(lat, 50):.1f}x  "
        f"p95 {p(naive, 95) / p(lat, 95):.1f}x (wall); CPU p50 "
        f"{p(naive_cpu, 50) / p(cpu, 50):.1f}x  p95 {p(naive_cpu, 95) / p(cpu, 95):.1f}x",
        file=out,
    )
    print(
        f"peak RSS: before build {rss0:.0f} MB, after build {rss_build:.0f} MB, "
        f"after ranking {rss_rank:.0f} MB (whole process, incl. Python and libraries)",
        file=out,
    )
    return 0
