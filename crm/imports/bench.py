"""`crm bench import --rows 100000`: time a bulk import, then the same file again.

Writes a synthetic spreadsheet (CSV by default, --format xlsx for a workbook) with the headings
officers use, imports it into a fresh database (instance/bench-import.db unless --database-url)
and prints the time of the dry run, the import and the idempotent re-import.
"""

from __future__ import annotations

import csv
import random
import time
from pathlib import Path

import click

from crm.config import INSTANCE_DIR, Config

HEADINGS = ["STT", "Tên doanh nghiệp", "Mã số thuế", "Tỉnh/Thành phố", "Địa chỉ", "Số lao động",
            "Năm thành lập", "Sản phẩm chính", "Mã HS", "Thị trường xuất khẩu",
            "Thị trường mục tiêu", "Chứng nhận", "Ngày cấp", "Người liên hệ", "Điện thoại",
            "Email", "Website"]
PRODUCTS = (("Tổ yến tinh chế", "0410.90"), ("Cà phê nhân Robusta", "0901.11"),
            ("Hồ tiêu đen", "0904.11"), ("Hạt điều nhân", "0801.32"),
            ("Tôm thẻ đông lạnh", "0306.17"), ("Thanh long", "0810.90"),
            ("Bàn ghế gỗ", "9403.60"), ("Áo sơ mi", "6205.20"))
PROVINCES = ("Khánh Hòa", "Đắk Lắk", "Gia Lai", "TP Hồ Chí Minh", "Hà Nội", "Lâm Đồng",
             "Cà Mau", "Đồng Tháp", "Hải Phòng", "An Giang")
MARKETS = ("Trung Quốc", "Nhật Bản", "Hoa Kỳ", "Hàn Quốc", "Đức", "Úc", "Singapore", "UAE")
CERTS = ("HACCP", "ISO 22000", "Halal", "GlobalGAP", "VietGAP", "FSC")


def write_sample(path: Path, rows: int, seed: int = 6) -> None:
    """A spreadsheet of `rows` distinct firms in the shape officers send."""
    from crm.validators import synthetic_tax_codes

    rng = random.Random(seed)
    codes = synthetic_tax_codes(rows, prefix="37")
    records = []
    for i in range(rows):
        tax = next(codes)
        product, hs = rng.choice(PRODUCTS)
        records.append([
            i + 1, f"Công ty TNHH {product} {rng.choice(PROVINCES)} {i + 1}",
            f"{tax[:4]}.{tax[4:7]}.{tax[7:]}" if i % 3 == 0 else tax, rng.choice(PROVINCES),
            f"{rng.randint(1, 300)} Trần Phú", f"{rng.randint(5, 3000):,}".replace(",", "."),
            rng.randint(1990, 2024), product, hs,
            ", ".join(rng.sample(MARKETS, k=rng.randint(1, 3))), rng.choice(MARKETS),
            rng.choice(CERTS), f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/2023",
            "Nguyễn Văn An", f"0{rng.randint(900000000, 999999999)}",
            f"info{i}@example.vn", f"www.firm{i}.vn",
        ])
    if path.suffix == ".xlsx":
        import openpyxl

        wb = openpyxl.Workbook(write_only=True)
        ws = wb.create_sheet("DN")
        ws.append(HEADINGS)
        for record in records:
            ws.append(record)
        wb.save(path)
    else:
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh, delimiter=";")
            writer.writerow(HEADINGS)
            writer.writerows(records)


@click.command("import")
@click.option("--rows", type=click.IntRange(1, 1_000_000), default=100_000, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv",
              show_default=True)
@click.option("--database-url", default=None,
              help="Default: a fresh SQLite file, instance/bench-import.db.")
def import_bench(rows: int, fmt: str, database_url: str | None) -> None:
    """Time the import of ROWS synthetic firms and the re-import of the same file."""
    from flask_migrate import upgrade

    from crm import create_app
    from crm.extensions import db
    from crm.imports import parsing, services
    from crm.imports.mapping import guess_mapping
    from crm.refdata import load_reference_data

    INSTANCE_DIR.mkdir(exist_ok=True)
    db_file = INSTANCE_DIR / "bench-import.db"
    if database_url is None:
        db_file.unlink(missing_ok=True)
    url = database_url or f"sqlite:///{db_file}"
    if url.startswith(("postgres://", "postgresql://")):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]

    class BenchConfig(Config):
        SQLALCHEMY_DATABASE_URI = url

    app = create_app(BenchConfig)
    sample = INSTANCE_DIR / f"bench-import.{fmt}"
    t0 = time.perf_counter()
    write_sample(sample, rows)
    click.echo(f"wrote {rows} rows to {sample} in {time.perf_counter() - t0:.1f} s")
    with app.test_request_context():
        upgrade()
        load_reference_data()
        db.session.commit()
        for attempt in ("import", "re-import"):
            t0, cpu0 = time.perf_counter(), time.process_time()
            table = parsing.read_table(sample)
            t_read = time.perf_counter() - t0
            report = services.plan_import(table, guess_mapping(table.headings))
            t_plan = time.perf_counter() - t0
            services.apply_import(report, note="bench")
            db.session.commit()
            total = time.perf_counter() - t0
            cpu = time.process_time() - cpu0
            summary = report.summary()
            click.echo(f"{attempt}: {total:.1f} s wall, {cpu:.1f} s CPU (read {t_read:.1f} s, "
                       f"dry run {t_plan - t_read:.1f} s, write {total - t_plan:.1f} s); "
                       f"created {summary['create']}, updated {summary['update']}, "
                       f"unchanged {summary['unchanged']}, errors {summary['error']}, "
                       f"history rows {report.history_rows}")
            db.session.expunge_all()
