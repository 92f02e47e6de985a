"""An independent check of an agenda: written apart from the scheduler, from the rules only."""

from __future__ import annotations

from collections import Counter

from crm.meetings.scheduler import Placement, Problem


def conflicts(problem: Problem, placements: list[Placement]) -> list[str]:
    """Every broken rule of the agenda (fixed + new placements); [] if none."""
    out: list[str] = []
    reqs = {r.id: r for r in problem.requests}
    interps = {i.id: i for i in problem.interpreters}
    every = [*problem.fixed, *placements]
    seen = Counter(p.request_id for p in every)
    out += [f"request {rid} placed {n} times" for rid, n in seen.items() if n > 1]
    for key, what in ((lambda p: ("firm", reqs[p.request_id].firm, p.slot), "firm"),
                      (lambda p: ("cp", reqs[p.request_id].counterpart, p.slot), "counterpart"),
                      (lambda p: (p.slot, p.table), "table"),
                      (lambda p: (p.interpreter, p.slot), "interpreter")):
        counts = Counter(key(p) for p in every
                         if what != "interpreter" or p.interpreter is not None)
        out += [f"{what} double-booked at {k}" for k, n in counts.items() if n > 1]
    for p in placements:
        r = reqs[p.request_id]
        if not 0 <= p.slot < problem.slots:
            out.append(f"request {r.id} in a slot that does not exist")
        if not 1 <= p.table <= problem.tables:
            out.append(f"request {r.id} at a table that does not exist")
        for attends in (r.firm_slots, r.counterpart_slots):
            if attends is not None and p.slot not in attends:
                out.append(f"request {r.id} outside a party's availability")
        shared = r.firm_languages & r.counterpart_languages
        if shared and p.interpreter is not None:
            out.append(f"request {r.id} uses an interpreter it does not need")
        if not shared:
            i = interps.get(p.interpreter)  # type: ignore[arg-type]
            if i is None or not (i.languages & r.firm_languages
                                 and i.languages & r.counterpart_languages):
                out.append(f"request {r.id} without a suitable interpreter")
    return out


def room_change_conflicts(problem: Problem, placements: list[Placement],
                          table_rooms: tuple[int, ...], back_to_back: frozenset[int]) -> list[str]:
    """Meetings of one party in two rooms in slots that follow each other without a break."""
    reqs = {r.id: r for r in problem.requests}
    seen: dict[tuple[str, int, int], int] = {}  # (side, party, slot) -> room
    for p in [*problem.fixed, *placements]:
        r = reqs[p.request_id]
        room = table_rooms[p.table - 1] if table_rooms else 0
        seen[("firm", r.firm, p.slot)] = room
        seen[("cp", r.counterpart, p.slot)] = room
    out = []
    for (side, party, slot), room in seen.items():
        before = seen.get((side, party, slot - 1))
        if slot in back_to_back and before is not None and before != room:
            out.append(f"{side} {party} changes rooms between slots {slot - 1} and {slot}")
    return out


def fixed_untouched(problem: Problem, placements: list[Placement]) -> list[str]:
    """New placements never re-place a fixed (published, held, moved) meeting."""
    fixed = {p.request_id for p in problem.fixed}
    return [f"fixed request {p.request_id} placed again" for p in placements
            if p.request_id in fixed]
