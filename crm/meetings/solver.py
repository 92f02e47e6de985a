"""Place accepted meeting requests with OR-Tools CP-SAT; the greedy scheduler as hint and fallback.

Pure: no Flask, no database; plain data in (`scheduler.Problem` plus priorities and the room of
each table), plain data out (`Solution`). Slots are numbered 0..n-1 across the event's sessions
and never overlap, so "busy in a slot" is a yes / no.

Two models. The exact one ("slots", small events): one boolean per (request, slot both parties
attend, room); tables of one room and interpreters speaking the same languages are
interchangeable, so the model counts them per slot (a capacity) and the numbers and names are
handed out after solving. On the issue's synthetic fair (1,760 requests x 32 slots, 80,000
booleans) CP-SAT's LP does not even settle its root within 20 s on two shared cores, so large
events use the "blocks" model: which requests meet in which block of slots that every party
attends alike (a day, a session), under each block's capacities of parties, tables and
interpreters (Hall's condition over the interpreter pools). It is a relaxation of the exact
model, so its proven optimum is an upper bound of any agenda; the greedy scheduler then seats
the chosen requests slot by slot and fills what is left, and the better of that and the plain
greedy agenda is kept (the answer says which).

Priorities are lexicographic: the solver first places as many must-meet requests as it can, then,
keeping that many, as many requests as possible. The upper bound reported is CP-SAT's best
objective bound of that second step, which counts meetings (so placed / bound is meaningful).

A participant who meets in one room and then, in the slot right after, in another room needs a
free slot between the two to change rooms (the "buffer"). Events without rooms (one room, the
default) have no buffer.
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from crm.meetings.scheduler import (
    Agenda,
    InterpreterSpec,
    Placement,
    Problem,
    Request,
    feasible_slots,
    schedule,
    upper_bound,
)

MUST_MEET = "must"
MEET = "meet"
DEFAULT_TIME_LIMIT = 20.0
# Share of the time limit the must-meet step may use; it is usually proved optimal at once.
SLOT_MODEL_LIMIT = 5_000  # (request, slot) pairs for the exact model; above it, blocks
MAX_POOL_UNIONS = 64  # interpreter-pool unions checked per block (Hall's condition)


@dataclass(frozen=True)
class Layout:
    """Where the tables are and which slots follow each other without a break.

    `table_rooms[t - 1]` is the room of table t (empty: every table in one room);
    `back_to_back` holds each slot s whose start is the previous slot's end (same session).
    """

    table_rooms: tuple[int, ...] = ()
    back_to_back: frozenset[int] = frozenset()

    def room_of(self, table: int) -> int:
        """The room of a table (numbered from 1)."""
        return self.table_rooms[table - 1] if self.table_rooms else 0

    def too_close(self, slot: int, room: int, other_slot: int, other_room: int) -> bool:
        """The buffer rule: one participant's meetings in two rooms in slots that follow each
        other without a break leave no time to change rooms. The solver, the greedy
        scheduler and a move by hand (crm/meetings/agenda.py) all ask this."""
        if room == other_room or abs(slot - other_slot) != 1:
            return False
        return max(slot, other_slot) in self.back_to_back


@dataclass
class Solution(Agenda):
    """The scheduler's answer, with which engine gave it and how."""

    engine: str = "greedy"  # "cp-sat" or "greedy"
    status: str = ""  # CP-SAT's status ("OPTIMAL", "FEASIBLE", ...) or why it was not used
    must_placed: int = 0
    must_total: int = 0
    seconds: float = 0.0


def _must_ids(requests: Sequence[Request], priorities: Mapping[int, str]) -> set[int]:
    return {r.id for r in requests if priorities.get(r.id) == MUST_MEET}


def greedy(problem: Problem, priorities: Mapping[int, str] | None = None,
           layout: Layout | None = None) -> Agenda:
    """The greedy scheduler, must-meet requests first, with room-change buffers enforced."""
    priorities = priorities or {}
    layout = layout or Layout()
    must = _must_ids(problem.requests, priorities)
    fixed_ids = {p.request_id for p in problem.fixed}
    # The scheduler needs the fixed meetings' requests to know whom they keep busy.
    first = schedule(Problem(problem.slots, problem.tables,
                             [r for r in problem.requests if r.id in must or r.id in fixed_ids],
                             problem.interpreters, problem.fixed)) if must else None
    fixed = [*problem.fixed, *(first.placements if first else [])]
    second = schedule(Problem(problem.slots, problem.tables, problem.requests,
                              problem.interpreters, fixed))
    placements = [*(first.placements if first else []), *second.placements]
    if layout.table_rooms and layout.back_to_back:
        placements = _drop_room_changes(problem, placements, layout)
    placed = {p.request_id for p in placements}
    todo = [r for r in problem.requests if r.id not in fixed_ids]
    return Agenda(sorted(placements, key=lambda p: (p.slot, p.table)),
                  sorted(r.id for r in todo if r.id not in placed), upper_bound(problem, todo))


def _drop_room_changes(problem: Problem, placements: list[Placement],
                       layout: Layout) -> list[Placement]:
    """Keep placements in slot order, dropping any that would leave no time to change rooms."""
    by_id = {r.id: r for r in problem.requests}
    room_at: dict[tuple[str, int, int], int] = {}
    for p in problem.fixed:
        r = by_id[p.request_id]
        for party in (("f", r.firm), ("c", r.counterpart)):
            room_at[(*party, p.slot)] = layout.room_of(p.table)
    kept = []
    for p in sorted(placements, key=lambda p: (p.slot, p.table)):
        r = by_id[p.request_id]
        room = layout.room_of(p.table)
        clash = False
        for party in (("f", r.firm), ("c", r.counterpart)):
            for other in (p.slot - 1, p.slot + 1):
                near = room_at.get((*party, other))
                if near is not None and layout.too_close(p.slot, room, other, near):
                    clash = True
        if not clash:
            kept.append(p)
            for party in (("f", r.firm), ("c", r.counterpart)):
                room_at[(*party, p.slot)] = room
    return kept


def _live_slots(problem: Problem, todo: list[Request]) -> dict[int, list[int]]:
    """Per request, the slots both parties attend and no fixed meeting of theirs takes."""
    by_id = {r.id: r for r in problem.requests}
    busy = set()
    for p in problem.fixed:
        r = by_id[p.request_id]
        busy.update({("f", r.firm, p.slot), ("c", r.counterpart, p.slot)})
    return {r.id: [s for s in feasible_slots(r, problem.slots)
                   if ("f", r.firm, s) not in busy and ("c", r.counterpart, s) not in busy]
            for r in todo}


def solve(problem: Problem, priorities: Mapping[int, str] | None = None,
          layout: Layout | None = None, time_limit: float = DEFAULT_TIME_LIMIT,
          workers: int = 2, seed: int = 0, method: str = "auto") -> Solution:
    """Place the requests not fixed with CP-SAT within `time_limit` seconds; fall back to greedy.

    Never double-books a party, table or interpreter; respects availability; fixed placements
    (published, held, moved by hand) stay as they are. `method`: "slots" (the exact model),
    "blocks" (large events: CP-SAT chooses which requests meet in which block of slots, the
    greedy scheduler seats them), "auto" (slots while the model stays small).
    """
    started = time.perf_counter()
    priorities = priorities or {}
    layout = layout or Layout()
    if layout.table_rooms and len(layout.table_rooms) != problem.tables:
        raise ValueError("layout.table_rooms must name a room for every table")
    if method not in ("auto", "slots", "blocks"):
        raise ValueError(f"unknown method {method!r}")
    hint = greedy(problem, priorities, layout)
    must = _must_ids(problem.requests, priorities)
    fixed_ids = {p.request_id for p in problem.fixed}
    todo = [r for r in problem.requests if r.id not in fixed_ids]
    must_total = len(must - fixed_ids)

    def answer(agenda: Agenda, engine: str, status: str, bound: int) -> Solution:
        return Solution(agenda.placements, agenda.unplaced, bound,
                        engine=engine, status=status,
                        must_placed=sum(p.request_id in must for p in agenda.placements),
                        must_total=must_total, seconds=time.perf_counter() - started)

    try:
        from ortools.sat.python import cp_model
    except ImportError:  # pragma: no cover - ortools is a dependency; keep working without it
        return answer(hint, "greedy", "ortools not installed", hint.upper_bound)
    if not todo:
        return answer(hint, "greedy", "nothing to place", 0)
    live = _live_slots(problem, todo)
    rooms = len(set(layout.table_rooms)) or 1
    if method == "auto":
        method = "slots" if sum(map(len, live.values())) * rooms <= SLOT_MODEL_LIMIT else "blocks"
    # Keep time for seating the blocks' answer (greedy runs, as long as the hint's).
    reserve = (time.perf_counter() - started) if method == "blocks" else 0.0
    budget = max(0.1, time_limit - (time.perf_counter() - started) - reserve)
    if method == "slots":
        model = _Model(cp_model, problem, layout, todo)
        start = model.hint(hint.placements)
        run = _lexicographic(cp_model, model.model, model.by_request, must, budget, workers,
                             seed, [y for y in model.y.values() if y is not None],
                             start=start)
        if run is None:
            # Without an answer CP-SAT's bound is not reliable (it may read 0): use the
            # greedy scheduler's own bound.
            return answer(hint, "greedy", "CP-SAT found no agenda in time", hint.upper_bound)
        agenda = Agenda(model.placements(run.values), [], 0)
        engine = "cp-sat"
    else:
        blocks = _Blocks(cp_model, problem, todo, live)
        start = blocks.hint(hint.placements)
        # CP-SAT's presolve spends seconds turning the block model's dominance relations into
        # tens of thousands of implications; without it the LP proves the optimum at once.
        # Its LP does the work: one worker (default_lp) gets there sooner than two splitting
        # the CPU with local search, on a busy 2-core machine.
        run = _lexicographic(cp_model, blocks.model, blocks.by_request, must, budget, 1,
                             seed, presolve=False, start=start)
        if run is None:
            # Without an answer CP-SAT's bound is not reliable (it may read 0): use the
            # greedy scheduler's own bound.
            return answer(hint, "greedy", "CP-SAT found no selection in time", hint.upper_bound)
        agenda = blocks.seat(run.values, priorities, layout)
        engine = "cp-sat blocks + greedy seating"
    placed = {p.request_id for p in agenda.placements}
    agenda.unplaced = sorted(r.id for r in todo if r.id not in placed)
    bound = min(len(todo), run.bound)
    mine = (sum(p.request_id in must for p in agenda.placements), agenda.placed)
    theirs = (sum(p.request_id in must for p in hint.placements), hint.placed)
    if theirs > mine:
        # CP-SAT did worse than its own starting point in the time given: keep the greedy one.
        return answer(hint, "greedy", f"better than CP-SAT ({run.status})", bound)
    if theirs == mine:
        # As many meetings either way: the greedy agenda fills the earliest free slots, which
        # is what participants expect; CP-SAT's equal answer may leave the mornings empty.
        return answer(hint, "greedy", f"as good as CP-SAT ({run.status}), earlier slots",
                      bound)
    return answer(agenda, engine, run.status, bound)


@dataclass
class _Run:
    """What the lexicographic solve found: the values of the variables, bound and status."""

    values: dict[int, bool]  # variable index -> value
    bound: int  # on the number of requests placed, whatever the priorities
    status: str


def _lexicographic(cp_model, model, by_request: Mapping[int, list], must: set[int],
                   budget: float, workers: int, seed: int, extra: Sequence = (),
                   presolve: bool = True, start: dict[int, bool] | None = None) -> _Run | None:
    """Most meetings (its bound is the one reported), then most must-meet, then most meetings
    keeping those must-meet ones; each step starts from the previous answer."""
    started = time.perf_counter()
    every = [v for vs in by_request.values() for v in vs]
    kept = [*every, *extra]  # every variable whose value is read back
    must_vars = [v for rid, vs in by_request.items() if rid in must for v in vs]
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = max(1, workers)
    solver.parameters.random_seed = seed
    solver.parameters.cp_model_presolve = presolve
    ok = (cp_model.OPTIMAL, cp_model.FEASIBLE)

    def step(objective: list, share: float, enough: int | None = None) -> int | None:
        model.Maximize(sum(objective))
        left = budget - (time.perf_counter() - started)
        solver.parameters.max_time_in_seconds = max(0.05, min(left, budget * share))
        if enough is None:
            return solver.Solve(model)
        return solver.Solve(model, _StopAt(cp_model, enough))

    status = step(every, 0.8 if must_vars else 1.0)
    bound = math.floor(solver.BestObjectiveBound() + 1e-6)
    names = [solver.StatusName(status)]
    if status not in ok:
        return None  # no answer in time
    values = {v.Index(): bool(solver.BooleanValue(v)) for v in kept}

    def count(vals: dict[int, bool], variables: list) -> int:
        return sum(vals.get(v.Index(), False) for v in variables)

    # Each step starts from the best answer known for it, the greedy one included.
    if must_vars:
        best = max([values, *([start] if start else [])],
                   key=lambda vals: (count(vals, must_vars), count(vals, every)))
        floor = count(best, must_vars)
        if floor < len({rid for rid in by_request if rid in must}):
            _rehint(model, kept, best)
            status = step(must_vars, 0.15)
            if status in ok and solver.ObjectiveValue() > floor:
                floor = round(solver.ObjectiveValue())
                best = {v.Index(): bool(solver.BooleanValue(v)) for v in kept}
                names.append(solver.StatusName(status))
        if count(values, must_vars) < floor:
            values = best
            if count(best, every) < bound:
                # The most meetings again, now keeping that many must-meet requests.
                model.Add(sum(must_vars) >= floor)
                _rehint(model, kept, best)
                status = step(every, 1.0, enough=bound)
                if status in ok:
                    names.append(solver.StatusName(status))
                    found = {v.Index(): bool(solver.BooleanValue(v)) for v in kept}
                    # A hint is a guide, not a promise: keep the better of the two.
                    if count(found, every) > count(best, every):
                        values = found
    elif start and count(start, every) > count(values, every):
        values = start
    return _Run(values, bound, "/".join(names))


def _StopAt(cp_model, target: int):  # noqa: N802 - builds a callback class
    """A callback that stops the search once an answer reaches `target` (a known bound)."""

    class StopAt(cp_model.CpSolverSolutionCallback):
        def on_solution_callback(self) -> None:
            if self.ObjectiveValue() >= target:
                self.StopSearch()

    return StopAt()


def _rehint(model, variables: list, values: dict[int, bool]) -> None:
    model.ClearHints()
    for v in variables:
        model.AddHint(v, values.get(v.Index(), False))


class _Blocks:
    """Large events: which requests meet, and in which block of slots (slots that every party
    attends alike), under each block's capacities. A relaxation of the slot model, so its
    bound is a bound of the event; the greedy scheduler then seats the chosen requests."""

    def __init__(self, cp_model, problem: Problem, todo: list[Request],
                 live: dict[int, list[int]]) -> None:
        self.problem = problem
        self.todo = todo
        self.model = m = cp_model.CpModel()
        # Blocks: slots alike for every request (same requests can use them).
        signature: dict[int, list[int]] = defaultdict(list)
        attends = sorted({frozenset(sl) for sl in live.values()}, key=sorted)
        for s in range(problem.slots):
            signature[tuple(s in a for a in attends)].append(s)  # type: ignore[arg-type]
        self.blocks = [frozenset(v) for v in signature.values()]
        used_tables: dict[int, int] = defaultdict(int)
        used_interp: set[tuple[int, int]] = set()
        for p in problem.fixed:
            used_tables[p.slot] += 1
            if p.interpreter is not None:
                used_interp.add((p.interpreter, p.slot))
        pools: dict[frozenset[str], list[int]] = defaultdict(list)
        for i in problem.interpreters:
            pools[i.languages].append(i.id)
        pool_list = list(pools.items())
        self.z: dict[tuple[int, int], object] = {}
        self.by_request: dict[int, list] = defaultdict(list)
        party: dict[tuple[str, int, int], list] = defaultdict(list)
        party_slots: dict[tuple[str, int, int], set[int]] = defaultdict(set)
        block_vars: dict[int, list] = defaultdict(list)
        needs: dict[tuple[int, frozenset[int]], list] = defaultdict(list)
        for r in todo:
            bridge = frozenset(g for g, (langs, _ids) in enumerate(pool_list)
                               if InterpreterSpec(-1, langs).bridges(r))
            if r.needs_interpreter and not bridge:
                continue
            mine = set(live[r.id])
            for b, block in enumerate(self.blocks):
                here = mine & block
                if not here:
                    continue
                v = m.NewBoolVar("")
                self.z[r.id, b] = v
                self.by_request[r.id].append(v)
                block_vars[b].append(v)
                for key in (("f", r.firm, b), ("c", r.counterpart, b)):
                    party[key].append(v)
                    party_slots[key] |= here
                if r.needs_interpreter:
                    needs[b, bridge].append(v)
        for vs in self.by_request.values():
            m.AddAtMostOne(vs)
        for key, vs in party.items():
            if len(vs) > len(party_slots[key]):
                m.Add(sum(vs) <= len(party_slots[key]))
        for b, vs in block_vars.items():
            m.Add(sum(vs) <= sum(problem.tables - used_tables[s] for s in self.blocks[b]))
        # Interpreters (Hall's condition): requests that only pools P can serve fit in what
        # P's interpreters have free in the block, for every union P of requests' pools.
        for b in range(len(self.blocks)):
            kinds = {bridge for (bb, bridge) in needs if bb == b}
            unions = set(kinds)
            while len(unions) <= MAX_POOL_UNIONS:
                more = {a | k for a in unions for k in kinds} - unions
                if not more:
                    break
                unions |= more
            for union in unions:
                vs = [v for (bb, bridge), lst in needs.items()
                      if bb == b and bridge <= union for v in lst]
                cap = sum(1 for s in self.blocks[b] for g in union
                          for i in pool_list[g][1] if (i, s) not in used_interp)
                if len(vs) > cap:
                    m.Add(sum(vs) <= cap)

    def hint(self, placements: list[Placement]) -> dict[int, bool]:
        """Start from the greedy agenda; its values by variable index."""
        where = {p.request_id: p.slot for p in placements}
        values = {}
        for (rid, b), v in self.z.items():
            values[v.Index()] = where.get(rid, -1) in self.blocks[b]
            self.model.AddHint(v, values[v.Index()])
        return values

    def seat(self, values: dict[int, bool], priorities: Mapping[int, str],
             layout: Layout) -> Agenda:
        """Seat the chosen requests in their blocks, then anything else that still fits."""
        chosen = []
        by_id = {r.id: r for r in self.todo}
        for (rid, b), v in self.z.items():
            if values[v.Index()]:
                r = by_id[rid]
                block = self.blocks[b]
                mine = block if r.firm_slots is None else block & r.firm_slots
                chosen.append(Request(r.id, r.firm, r.counterpart, r.firm_languages,
                                      r.counterpart_languages, frozenset(mine),
                                      r.counterpart_slots))
        p = self.problem
        first = greedy(Problem(p.slots, p.tables, [*chosen, *self._fixed_reqs()],
                               p.interpreters, p.fixed), priorities, layout)
        rest = greedy(Problem(p.slots, p.tables, p.requests, p.interpreters,
                              [*p.fixed, *first.placements]), priorities, layout)
        return Agenda(sorted([*first.placements, *rest.placements],
                             key=lambda x: (x.slot, x.table)), [], 0)

    def _fixed_reqs(self) -> list[Request]:
        ids = {p.request_id for p in self.problem.fixed}
        return [r for r in self.problem.requests if r.id in ids]


class _Model:
    """The CP-SAT model of one problem, and turning its answer back into placements."""

    def __init__(self, cp_model, problem: Problem, layout: Layout,
                 todo: list[Request]) -> None:
        self.problem = problem
        self.layout = layout
        self.model = cp_model.CpModel()
        m = self.model
        by_id = {r.id: r for r in problem.requests}
        rooms = sorted(set(layout.table_rooms)) if layout.table_rooms else [0]
        tables_of_room: dict[int, list[int]] = defaultdict(list)
        for t in range(1, problem.tables + 1):
            tables_of_room[layout.room_of(t)].append(t)
        # What the fixed placements already take.
        busy: set[tuple[str, int, int]] = set()
        fixed_room: dict[tuple[str, int, int], int] = {}
        self.free_tables: dict[tuple[int, int], list[int]] = {
            (s, k): list(tables_of_room[k]) for s in range(problem.slots) for k in rooms}
        used_interp: set[tuple[int, int]] = set()
        for p in problem.fixed:
            r = by_id[p.request_id]
            for party in (("f", r.firm), ("c", r.counterpart)):
                busy.add((*party, p.slot))
                fixed_room[(*party, p.slot)] = layout.room_of(p.table)
            k = layout.room_of(p.table)
            if p.table in self.free_tables.get((p.slot, k), []):
                self.free_tables[p.slot, k].remove(p.table)
            if p.interpreter is not None:
                used_interp.add((p.interpreter, p.slot))
        # Interpreters with the same languages are one pool.
        pools: dict[frozenset[str], list[int]] = defaultdict(list)
        for i in problem.interpreters:
            pools[i.languages].append(i.id)
        self.pools = list(pools.items())
        self.free_interp: dict[tuple[int, int], list[int]] = {
            (s, g): [i for i in ids if (i, s) not in used_interp]
            for s in range(problem.slots) for g, (_langs, ids) in enumerate(self.pools)}

        self.x: dict[tuple[int, int, int], object] = {}
        self.y: dict[tuple[int, int, int], object] = {}  # (request, slot, pool)
        self.by_request: dict[int, list] = defaultdict(list)
        self.all_vars: list = []
        party_slot: dict[tuple[str, int, int], list] = defaultdict(list)
        party_slot_room: dict[tuple[str, int, int, int], list] = defaultdict(list)
        room_slot: dict[tuple[int, int], list] = defaultdict(list)
        pool_slot: dict[tuple[int, int], list] = defaultdict(list)
        self.pools_of: dict[int, list[int]] = {}
        for r in todo:
            pools_r: list[int] = []
            if r.needs_interpreter:
                pools_r = [g for g, (langs, _ids) in enumerate(self.pools)
                           if InterpreterSpec(-1, langs).bridges(r)]
                if not pools_r:
                    continue  # nobody can interpret: the request cannot be placed
            self.pools_of[r.id] = pools_r
            for s in feasible_slots(r, problem.slots):
                if ("f", r.firm, s) in busy or ("c", r.counterpart, s) in busy:
                    continue
                if pools_r and not any(self.free_interp[s, g] for g in pools_r):
                    continue
                in_slot = []
                for k in rooms:
                    if not self.free_tables[s, k]:
                        continue
                    if self._room_change_blocked(fixed_room, r, s, k):
                        continue
                    v = m.NewBoolVar("")
                    self.x[r.id, s, k] = v
                    in_slot.append(v)
                    self.by_request[r.id].append(v)
                    self.all_vars.append(v)
                    party_slot["f", r.firm, s].append(v)
                    party_slot["c", r.counterpart, s].append(v)
                    party_slot_room["f", r.firm, s, k].append(v)
                    party_slot_room["c", r.counterpart, s, k].append(v)
                    room_slot[s, k].append(v)
                if not in_slot:
                    continue
                live = [g for g in pools_r if self.free_interp[s, g]]
                if len(live) == 1:
                    pool_slot[s, live[0]].extend(in_slot)
                    self.y[r.id, s, live[0]] = None  # implied by x
                elif live:
                    ys = []
                    for g in live:
                        y = m.NewBoolVar("")
                        self.y[r.id, s, g] = y
                        ys.append(y)
                        pool_slot[s, g].append(y)
                    m.Add(sum(ys) == sum(in_slot))
        for vs in self.by_request.values():
            m.AddAtMostOne(vs)
        for vs in party_slot.values():
            if len(vs) > 1:
                m.AddAtMostOne(vs)
        for (s, k), vs in room_slot.items():
            if len(vs) > len(self.free_tables[s, k]):
                m.Add(sum(vs) <= len(self.free_tables[s, k]))
        for (s, g), vs in pool_slot.items():
            if len(vs) > len(self.free_interp[s, g]):
                m.Add(sum(vs) <= len(self.free_interp[s, g]))
        if len(rooms) > 1:
            for (who, party, s, k), vs in party_slot_room.items():
                for k2 in rooms:
                    before = party_slot_room.get((who, party, s - 1, k2))
                    if before and layout.too_close(s, k, s - 1, k2):
                        m.Add(sum(vs) + sum(before) <= 1)

    def _room_change_blocked(self, fixed_room: dict, r: Request, s: int, k: int) -> bool:
        """Whether a fixed meeting right before or after leaves no time to change rooms."""
        if not self.layout.table_rooms:
            return False
        for party in (("f", r.firm), ("c", r.counterpart)):
            for other in (s - 1, s + 1):
                near = fixed_room.get((*party, other))
                if near is not None and self.layout.too_close(s, k, other, near):
                    return True
        return False

    def hint(self, placements: list[Placement]) -> dict[int, bool]:
        """Start from a known agenda (the greedy one); its values by variable index."""
        chosen = {(p.request_id, p.slot, self.layout.room_of(p.table)): p
                  for p in placements}
        interp_pool = {i: g for g, (_l, ids) in enumerate(self.pools) for i in ids}
        values = {}
        for key, v in self.x.items():
            values[v.Index()] = key in chosen
            self.model.AddHint(v, key in chosen)
        at = {(p.request_id, p.slot): p for p in placements}
        for (rid, s, g), y in self.y.items():
            if y is None:
                continue
            p = at.get((rid, s))
            values[y.Index()] = p is not None and interp_pool.get(p.interpreter) == g
            self.model.AddHint(y, values[y.Index()])
        return values

    def placements(self, values: dict[int, bool]) -> list[Placement]:
        """Placements of the solver's answer, with table numbers and interpreters handed out."""
        tables = {key: list(v) for key, v in self.free_tables.items()}
        interps = {key: list(v) for key, v in self.free_interp.items()}
        out = []
        for (rid, s, k), v in sorted(self.x.items()):
            if not values[v.Index()]:
                continue
            table = tables[s, k].pop(0)
            interpreter = None
            if self.pools_of[rid]:
                pool = next(g for g in self.pools_of[rid]
                            if (rid, s, g) in self.y
                            and (self.y[rid, s, g] is None
                                 or values[self.y[rid, s, g].Index()]))
                interpreter = interps[s, pool].pop(0)
            out.append(Placement(rid, s, table, interpreter))
        return sorted(out, key=lambda p: (p.slot, p.table))
