"""`crm bench schedule`: a synthetic fair in memory, scheduled by the solver, with its figures.

The event (no database): 2 days of 16 slots (two sessions of 8 a day, a lunch break between),
40 tables, ~6 requests per firm to counterparts of uneven popularity, 15 % of them must-meet,
languages that leave some pairs without a common one (they need one of a few interpreters), a
fifth of the firms and a tenth of the counterparts there on one day only.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

import click

from crm.meetings.scheduler import InterpreterSpec, Problem, Request
from crm.meetings.solver import DEFAULT_TIME_LIMIT, MEET, MUST_MEET, Layout, solve

DAYS = 2
SESSIONS_PER_DAY = 2
SLOTS_PER_SESSION = 8
TABLES = 40
REQUESTS_PER_FIRM = 6
MUST_SHARE = 0.15
# Counterparts' languages: importers speaking English, Japanese and Korean buyers, Gulf
# distributors, diaspora associations speaking Vietnamese.
CP_LANGUAGES = ((("en",), 40), (("ja", "en"), 15), (("ko", "en"), 10), (("vi", "en"), 10),
                (("ja",), 10), (("ko",), 5), (("ar",), 5), (("zh",), 5))
INTERPRETERS = (("vi", "ja"), ("vi", "ja"), ("vi", "ko"), ("vi", "ar"), ("vi", "zh"),
                ("vi", "en"), ("vi", "en", "ja"), ("vi", "en"))


@dataclass
class SyntheticEvent:
    """The problem, its priorities and layout."""

    problem: Problem
    priorities: dict[int, str]
    layout: Layout


def synthetic_event(firms: int, counterparts: int, seed: int = 20, rooms: int = 1,
                    tables: int = TABLES, per_firm: int = REQUESTS_PER_FIRM) -> SyntheticEvent:
    """A fair like the ones the centres run, built from `seed` (same seed, same event)."""
    rng = random.Random(seed)
    slots = DAYS * SESSIONS_PER_DAY * SLOTS_PER_SESSION
    day_slots = [set(range(d * slots // DAYS, (d + 1) * slots // DAYS)) for d in range(DAYS)]
    back_to_back = frozenset(s for s in range(slots) if s % SLOTS_PER_SESSION)

    def availability(share: float) -> frozenset[int] | None:
        return frozenset(rng.choice(day_slots)) if rng.random() < share else None

    firm_langs = [frozenset({"vi", "en"} if rng.random() < 0.7 else {"vi"})
                  for _ in range(firms)]
    firm_av = [availability(0.2) for _ in range(firms)]
    cp_langs = [frozenset(rng.choices([c for c, _w in CP_LANGUAGES],
                                      weights=[w for _c, w in CP_LANGUAGES])[0])
                for _ in range(counterparts)]
    cp_av = [availability(0.1) for _ in range(counterparts)]
    # Some buyers are wanted by many firms: popularity weights 1..4.
    popularity = [rng.choice((1, 1, 1, 2, 2, 4)) for _ in range(counterparts)]
    requests: list[Request] = []
    priorities: dict[int, str] = {}
    for f in range(firms):
        chosen: set[int] = set()
        want = min(counterparts, max(1, round(rng.gauss(per_firm, 1.5))))
        while len(chosen) < want:
            chosen.add(rng.choices(range(counterparts), weights=popularity)[0])
        for c in sorted(chosen):
            rid = len(requests) + 1
            requests.append(Request(rid, f, c, firm_langs[f], cp_langs[c], firm_av[f],
                                    cp_av[c]))
            priorities[rid] = MUST_MEET if rng.random() < MUST_SHARE else MEET
    interpreters = [InterpreterSpec(n + 1, frozenset(langs))
                    for n, langs in enumerate(INTERPRETERS)]
    per_room = -(-tables // rooms)
    layout = Layout(tuple(min(t // per_room, rooms - 1) for t in range(tables))
                    if rooms > 1 else (), back_to_back)
    return SyntheticEvent(Problem(slots, tables, requests, interpreters), priorities, layout)


@click.command("schedule")
@click.option("--firms", type=click.IntRange(1, 5000), default=300, show_default=True)
@click.option("--counterparts", type=click.IntRange(1, 5000), default=150, show_default=True)
@click.option("--rooms", type=click.IntRange(1, TABLES), default=1, show_default=True,
              help="Rooms the 40 tables are spread over (a participant changing rooms "
                   "needs a free slot between).")
@click.option("--time-limit", type=click.FloatRange(0.1, 3600), default=DEFAULT_TIME_LIMIT,
              show_default=True, help="Seconds CP-SAT may use.")
@click.option("--seed", type=int, default=20, show_default=True)
@click.option("--method", type=click.Choice(["auto", "slots", "blocks"]), default="auto",
              show_default=True, help="CP-SAT model: exact slots, blocks of slots, or by size.")
def schedule_bench(firms: int, counterparts: int, rooms: int, time_limit: float,
                   seed: int, method: str) -> None:
    """Schedule a synthetic fair (in memory) and print placed meetings against the bound."""
    started = time.perf_counter()
    event = synthetic_event(firms, counterparts, seed=seed, rooms=rooms)
    built = time.perf_counter() - started
    result = solve(event.problem, event.priorities, event.layout, time_limit=time_limit,
                   method=method)
    elapsed = time.perf_counter() - started
    requests = len(event.problem.requests)
    must = sum(v == MUST_MEET for v in event.priorities.values())
    share = 100 * result.placed / result.upper_bound if result.upper_bound else 100.0
    click.echo(f"event: {firms} firms, {counterparts} counterparts, "
               f"{event.problem.slots} slots, {event.problem.tables} tables in {rooms} "
               f"room(s), {len(event.problem.interpreters)} interpreters (seed {seed})")
    click.echo(f"requests: {requests} ({must} must-meet, "
               f"{sum(r.needs_interpreter for r in event.problem.requests)} need an "
               f"interpreter)")
    click.echo(f"placed: {result.placed} (must-meet {result.must_placed}/{result.must_total})")
    click.echo(f"upper bound: {result.upper_bound}")
    click.echo(f"placed/bound: {share:.1f}%")
    click.echo(f"engine: {result.engine} ({result.status})")
    click.echo(f"time: {elapsed:.1f} s (event built in {built:.1f} s, solver "
               f"{result.seconds:.1f} s, limit {time_limit:g} s)")
