"""Place accepted meeting requests into slots and tables: greedy, then a repair pass.

Pure: no Flask, no database. Slots are numbered 0..n-1 across the event's sessions; sessions
of one day never overlap (checked when they are saved), so two slots are never at the same
time and a party, table or interpreter is busy in a slot or not.

The CP-SAT scheduler (crm/meetings/solver.py) starts from this greedy agenda and falls back
to it: placing the hardest requests first (fewest common slots, needing an interpreter) and
then moving one or two blocking meetings to free a slot for each left-over request is fast
and never yields a conflicting agenda by construction.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

REPAIR_PASSES = 3


@dataclass(frozen=True)
class Request:
    """An accepted request: the two parties, their languages and the slots they attend."""

    id: int
    firm: int
    counterpart: int
    firm_languages: frozenset[str] = frozenset()
    counterpart_languages: frozenset[str] = frozenset()
    firm_slots: frozenset[int] | None = None  # None = every slot
    counterpart_slots: frozenset[int] | None = None

    @property
    def needs_interpreter(self) -> bool:
        """True when the two parties share no language."""
        return not (self.firm_languages & self.counterpart_languages)


@dataclass(frozen=True)
class InterpreterSpec:
    """An interpreter and the languages they speak."""

    id: int
    languages: frozenset[str]

    def bridges(self, req: Request) -> bool:
        """Whether they speak a language of each party."""
        return bool(self.languages & req.firm_languages
                    and self.languages & req.counterpart_languages)


@dataclass(frozen=True)
class Placement:
    """A request placed in a slot at a table (numbered from 1), maybe with an interpreter."""

    request_id: int
    slot: int
    table: int
    interpreter: int | None = None


@dataclass
class Problem:
    """What to schedule: slots, tables, interpreters, requests; `fixed` placements stay."""

    slots: int
    tables: int
    requests: list[Request]
    interpreters: list[InterpreterSpec] = field(default_factory=list)
    fixed: list[Placement] = field(default_factory=list)


@dataclass
class Agenda:
    """The scheduler's answer."""

    placements: list[Placement]  # new ones, not the fixed
    unplaced: list[int]  # request ids
    upper_bound: int  # no agenda places more of the requests to schedule

    @property
    def placed(self) -> int:
        """How many requests were placed."""
        return len(self.placements)


def feasible_slots(req: Request, slots: int) -> list[int]:
    """Slots both parties attend."""
    both = set(range(slots))
    for mine in (req.firm_slots, req.counterpart_slots):
        if mine is not None:
            both &= mine
    return sorted(both)


class _State:
    """Who is busy when; every write goes through place/remove, which keep it consistent."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.by_id = {r.id: r for r in problem.requests}
        self.party: set[tuple[str, int, int]] = set()
        self.tables: dict[int, set[int]] = defaultdict(set)
        self.interp: set[tuple[int, int]] = set()
        self.placed: dict[int, Placement] = {}

    def _parties(self, req: Request, slot: int) -> tuple[tuple, tuple]:
        return ("f", req.firm, slot), ("c", req.counterpart, slot)

    def fit(self, req: Request, slot: int) -> Placement | None:
        """A placement of `req` in `slot` if everything it needs is free there."""
        if any(p in self.party for p in self._parties(req, slot)):
            return None
        free_tables = [t for t in range(1, self.problem.tables + 1)
                       if t not in self.tables[slot]]
        if not free_tables:
            return None
        interpreter = None
        if req.needs_interpreter:
            interpreter = next((i.id for i in self.problem.interpreters
                                if i.bridges(req) and (i.id, slot) not in self.interp), None)
            if interpreter is None:
                return None
        return Placement(req.id, slot, free_tables[0], interpreter)

    def place(self, p: Placement) -> None:
        """Book the placement's parties, table and interpreter."""
        req = self.by_id[p.request_id]
        self.party.update(self._parties(req, p.slot))
        self.tables[p.slot].add(p.table)
        if p.interpreter is not None:
            self.interp.add((p.interpreter, p.slot))
        self.placed[p.request_id] = p

    def remove(self, request_id: int) -> Placement:
        """Free what the placement booked."""
        p = self.placed.pop(request_id)
        req = self.by_id[p.request_id]
        self.party.difference_update(self._parties(req, p.slot))
        self.tables[p.slot].discard(p.table)
        if p.interpreter is not None:
            self.interp.discard((p.interpreter, p.slot))
        return p

    def try_place(self, req: Request, slots: list[int]) -> bool:
        """Place `req` in the first of `slots` where it fits."""
        for slot in slots:
            p = self.fit(req, slot)
            if p is not None:
                self.place(p)
                return True
        return False


def upper_bound(problem: Problem, todo: list[Request]) -> int:
    """A bound on how many of `todo` any agenda places: each party meets at most once per slot
    it attends and has free, each slot holds at most `tables` meetings, each interpreter
    serves one meeting per slot."""
    fixed_by_slot: dict[int, int] = defaultdict(int)
    for p in problem.fixed:
        fixed_by_slot[p.slot] += 1
    table_cap = sum(max(0, problem.tables - fixed_by_slot[s]) for s in range(problem.slots))
    feasible = [r for r in todo if feasible_slots(r, problem.slots)
                and (not r.needs_interpreter
                     or any(i.bridges(r) for i in problem.interpreters))]
    # Meetings needing an interpreter: at most one per interpreter and free slot.
    interp_cap = len(problem.interpreters) * problem.slots - sum(
        p.interpreter is not None for p in problem.fixed)
    needing = sum(r.needs_interpreter for r in feasible)
    interp_bound = len(feasible) - needing + min(needing, max(0, interp_cap))
    by_id = {r.id: r for r in problem.requests}
    busy: dict[tuple[str, int], set[int]] = defaultdict(set)
    for p in problem.fixed:
        r = by_id[p.request_id]
        busy["f", r.firm].add(p.slot)
        busy["c", r.counterpart].add(p.slot)

    def side(key: str, party_of, slots_of) -> int:
        groups: dict[int, list[Request]] = defaultdict(list)
        for r in feasible:
            groups[party_of(r)].append(r)
        total = 0
        for party, reqs in groups.items():
            attends: set[int] = set()
            for r in reqs:
                mine = slots_of(r)
                attends |= set(range(problem.slots)) if mine is None else set(mine)
            total += min(len(reqs), len(attends - busy[key, party]))
        return total

    return min(len(feasible), table_cap, interp_bound,
               side("f", lambda r: r.firm, lambda r: r.firm_slots),
               side("c", lambda r: r.counterpart, lambda r: r.counterpart_slots))


def schedule(problem: Problem) -> Agenda:
    """Place the requests that are not fixed; never double-book anyone or anything."""
    state = _State(problem)
    for p in problem.fixed:
        state.place(p)
    fixed_ids = {p.request_id for p in problem.fixed}
    todo = [r for r in problem.requests if r.id not in fixed_ids]
    options = {r.id: feasible_slots(r, problem.slots) for r in todo}
    # Hardest first: fewest common slots, then those needing a scarce interpreter.
    order = sorted(todo, key=lambda r: (len(options[r.id]), not r.needs_interpreter, r.id))
    left = [r for r in order if not state.try_place(r, options[r.id])]
    for _ in range(REPAIR_PASSES):
        still = [r for r in left if not _repair(state, r, options, fixed_ids)]
        if len(still) == len(left):
            break
        left = still
    placements = sorted((p for rid, p in state.placed.items() if rid not in fixed_ids),
                        key=lambda p: (p.slot, p.table))
    return Agenda(placements, sorted(r.id for r in left), upper_bound(problem, todo))


def _repair(state: _State, req: Request, options: dict[int, list[int]],
            fixed_ids: set[int]) -> bool:
    """Free a slot for `req` by moving the (at most two) meetings that block its parties."""
    for slot in options[req.id]:
        blockers = [rid for rid, p in state.placed.items()
                    if p.slot == slot and rid not in fixed_ids
                    and (state.by_id[rid].firm == req.firm
                         or state.by_id[rid].counterpart == req.counterpart)]
        if not blockers:
            continue
        saved = [state.remove(rid) for rid in blockers]
        p = state.fit(req, slot)
        if p is not None:
            state.place(p)
            moved = []
            for rid in blockers:
                others = [s for s in options[rid] if s != slot]
                if state.try_place(state.by_id[rid], others):
                    moved.append(rid)
                else:
                    break
            else:
                return True
            for rid in moved:
                state.remove(rid)
            state.remove(req.id)
        for old in saved:
            state.place(old)
    return False
