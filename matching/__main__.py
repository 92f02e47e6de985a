"""Command line: ``python -m matching rank|bench|quality ...``.

Bad input exits 2 with one line on stderr naming the file and line; never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import NoReturn

from matching.records import InputError, parse_date, parse_firm, parse_opportunity


class UsageError(Exception):
    """Bad command-line or file input: one line for stderr."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _read_text(path: str) -> str:
    try:
        data = Path(path).read_bytes()
    except OSError as err:
        raise UsageError(f"{path}: cannot read file ({err.strerror or err})") from None
    return (
        data.decode("utf-8-sig", errors="replace")
        if data.startswith(b"\xef\xbb\xbf")
        else _decode(path, data)
    )


def _decode(path: str, data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise UsageError(f"{path} line {line}: not valid UTF-8") from None


def load_opportunity(path: str) -> object:
    """Parse OPP.json; UsageError naming the file (and line) on bad input."""
    text = _read_text(path)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise UsageError(f"{path} line {err.lineno}: invalid JSON ({err.msg})") from None
    try:
        return parse_opportunity(data)
    except InputError as err:
        raise UsageError(f"{path}: {err}") from None


def load_firms(path: str) -> list:
    """Parse FIRMS.jsonl; UsageError naming the file and line on bad input."""
    text = _read_text(path)
    firms = []
    seen: dict[str, int] = {}
    for n, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as err:
            raise UsageError(f"{path} line {n}: invalid JSON ({err.msg})") from None
        try:
            firm = parse_firm(data)
        except InputError as err:
            raise UsageError(f"{path} line {n}: {err}") from None
        if firm.id in seen:
            raise UsageError(
                f"{path} line {n}: duplicate id {firm.id!r} (first on line {seen[firm.id]})"
            )
        seen[firm.id] = n
        firms.append(firm)
    return firms


def _cmd_rank(args: argparse.Namespace) -> int:
    from matching.index import FirmIndex
    from matching.rank import rank

    try:
        today = parse_date(args.today, "--today") if args.today else date.today()
    except InputError as err:
        raise UsageError(str(err)) from None
    if args.top < 0:
        raise UsageError(f"--top must be 0 or more, not {args.top}")
    opp = load_opportunity(args.opportunity)
    firms = load_firms(args.firms)
    index = FirmIndex.build(firms)
    result = rank(index, opp, today=today, top=args.top, explain=args.explain)
    json.dump(result, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
    return 0


def _cmd_bench(args: argparse.Namespace) -> int:
    from matching.bench import run

    if args.firms <= 0:
        raise UsageError("--firms must be positive")
    return run(args.firms, seed=args.seed, naive_sample=args.naive_sample, queries=args.queries)


DEFAULT_SET = Path(__file__).resolve().parents[1] / "tests/matching/data/quality/cases.json"
PARTS = ("all", "tuning", "held-out")


def _cmd_quality(args: argparse.Namespace) -> int:
    from matching.evaluate import evaluate, load_set, summary
    from matching.index import FirmIndex

    path = Path(args.cases)
    try:
        lset = load_set(path)
    except OSError as err:
        raise UsageError(f"{path}: cannot read file ({err.strerror or err})") from None
    except json.JSONDecodeError as err:
        raise UsageError(f"{path} line {err.lineno}: invalid JSON ({err.msg})") from None
    except (ValueError, KeyError, TypeError) as err:
        raise UsageError(f"{path}: {err}") from None
    firms = [f for name in lset.firm_files for f in load_firms(str(name))]
    ids = [f.id for f in firms]
    if len(set(ids)) != len(ids):
        dup = sorted({i for i in ids if ids.count(i) > 1})[0]
        raise UsageError(f"{path}: firm id {dup!r} appears in more than one firm file")
    index = FirmIndex.build(firms)
    parts = {"all": lset.cases, "tuning": lset.tuning(), "held-out": lset.held_out()}
    reports = {}
    for name, cases in parts.items():
        try:
            reports[name] = evaluate(index, cases, lset.today, k=10)
        except InputError as err:
            raise UsageError(f"{path}: {err}") from None
    shown, rep = parts[args.part], reports[args.part]
    s = summary(rep, shown)
    out = sys.stdout.write
    out(
        f"labelled set: {path} ({len(lset.cases)} cases, {len(firms)} firms, "
        f"today {lset.today.isoformat()})\n"
    )
    out(
        f"mean nDCG@10: {reports['all']['ndcg']:.3f}  (tuning {len(parts['tuning'])} cases: "
        f"{reports['tuning']['ndcg']:.3f}; held-out {len(parts['held-out'])} cases, every 4th: "
        f"{reports['held-out']['ndcg']:.3f})\n"
    )
    out(f"part shown: {args.part} ({s['n']} cases)\n")
    kinds = s["kinds"]
    counts = {k: sum(c["opportunity"]["kind"] == k for c in shown) for k in kinds}
    out("per kind: " + "  ".join(f"{k} {v:.3f} ({counts[k]})" for k, v in kinds.items()) + "\n")
    out(f"mean recall@10: {rep['recall']:.3f}\n")
    out(f"hard-requirement violations: {rep['violations']}\n")
    bad = [(r["opportunity"], f) for r in rep["cases"] for f in r["violations"]]
    for opp, firm in bad:
        out(f"  violation: {opp} ranks {firm}\n")
    worst = sorted(
        zip(shown, rep["cases"], strict=True),
        key=lambda cr: (cr[1]["ndcg"], str(cr[1]["opportunity"])),
    )
    out("worst 5:\n")
    for case, row in worst[:5]:
        out(f"  {row['ndcg']:.3f}  {row['opportunity']}  ({case['opportunity']['kind']})\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    parser = _Parser(prog="python -m matching", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    r = sub.add_parser("rank", help="rank firms for one opportunity (matching-io.md)")
    r.add_argument("--opportunity", required=True, metavar="OPP.json")
    r.add_argument("--firms", required=True, metavar="FIRMS.jsonl")
    r.add_argument("--today", metavar="YYYY-MM-DD")
    r.add_argument("--top", type=int, default=20, metavar="K")
    r.add_argument("--explain", action="store_true")
    b = sub.add_parser("bench", help="generate N firms and time build and ranking")
    b.add_argument("--firms", type=int, required=True, metavar="N")
    b.add_argument("--seed", type=int, default=7)
    b.add_argument("--queries", type=int, default=20)
    b.add_argument(
        "--naive-sample",
        type=int,
        default=5_000,
        help="firms the per-firm Python loop scores per query (time scaled to N)",
    )
    q = sub.add_parser("quality", help="nDCG@10 of the ranking on a labelled set")
    q.add_argument("--cases", default=str(DEFAULT_SET), metavar="PATH")
    q.add_argument("--part", choices=PARTS, default="all", help="cases shown per kind / worst")
    try:
        args = parser.parse_args(argv)
        handler = {"rank": _cmd_rank, "bench": _cmd_bench, "quality": _cmd_quality}[args.command]
        return handler(args)
    except UsageError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as err:  # never a traceback for the user
        print(f"error: internal error: {type(err).__name__}: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
