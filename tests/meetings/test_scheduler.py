"""The scheduler: never a conflicting agenda, and it places what can be placed."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from crm.meetings.scheduler import (
    InterpreterSpec,
    Placement,
    Problem,
    Request,
    schedule,
)
from tests.meetings.strategies import problems
from tests.meetings.validator import conflicts


@settings(max_examples=300, deadline=None)
@given(problems())
def test_random_events_never_get_a_conflicting_agenda(problem):
    agenda = schedule(problem)
    assert conflicts(problem, agenda.placements) == []
    assert agenda.placed + len(agenda.unplaced) == len(problem.requests)
    assert agenda.placed <= agenda.upper_bound


@settings(max_examples=100, deadline=None)
@given(problems(), st.data())
def test_kept_meetings_are_not_moved_and_not_double_booked(problem, data):
    first = schedule(problem)
    keep = data.draw(st.lists(st.sampled_from(first.placements), unique=True)
                     if first.placements else st.just([]))
    kept = Problem(problem.slots, problem.tables, problem.requests, problem.interpreters,
                   fixed=keep)
    again = schedule(kept)
    assert conflicts(kept, again.placements) == []
    assert {p.request_id for p in keep}.isdisjoint(p.request_id for p in again.placements)


def test_parties_without_a_common_language_get_an_interpreter_who_speaks_both():
    req = Request(1, firm=1, counterpart=1, firm_languages=frozenset({"vi"}),
                  counterpart_languages=frozenset({"ja"}))
    problem = Problem(2, 1, [req], [InterpreterSpec(7, frozenset({"vi", "en"})),
                                    InterpreterSpec(8, frozenset({"vi", "ja"}))])
    assert schedule(problem).placements == [Placement(1, 0, 1, 8)]


def test_a_meeting_with_a_shared_language_takes_no_interpreter():
    req = Request(1, 1, 1, frozenset({"vi", "en"}), frozenset({"en"}))
    problem = Problem(1, 1, [req], [InterpreterSpec(8, frozenset({"vi", "en"}))])
    assert schedule(problem).placements[0].interpreter is None


def test_no_interpreter_for_the_pair_leaves_the_request_unplaced():
    req = Request(1, 1, 1, frozenset({"vi"}), frozenset({"ko"}))
    agenda = schedule(Problem(3, 2, [req], [InterpreterSpec(8, frozenset({"vi", "ja"}))]))
    assert (agenda.placed, agenda.unplaced, agenda.upper_bound) == (0, [1], 0)


def test_only_slots_both_parties_attend_are_used():
    req = Request(1, 1, 1, frozenset({"en"}), frozenset({"en"}),
                  firm_slots=frozenset({1, 2}), counterpart_slots=frozenset({2, 3}))
    assert schedule(Problem(4, 1, [req])).placements[0].slot == 2


def test_repair_moves_a_meeting_to_make_room():
    # Firm 1 attends only slot 0; firm 2 attends 0 and 1; both meet counterpart 1.
    # Greedy by id could give slot 0 to firm 2; hardest-first plus repair places both.
    easy = Request(1, 2, 1, frozenset({"en"}), frozenset({"en"}), firm_slots=frozenset({0, 1}))
    hard = Request(2, 1, 1, frozenset({"en"}), frozenset({"en"}), firm_slots=frozenset({0}))
    agenda = schedule(Problem(2, 1, [easy, hard]))
    assert agenda.placed == 2
    assert {p.request_id: p.slot for p in agenda.placements} == {2: 0, 1: 1}


def test_a_synthetic_fair_places_nearly_all_requests_within_the_bound():
    rng = random.Random(20)
    firms, cps, slots = 60, 30, 32  # 2 days of 16 slots
    pairs = set()
    for f in range(firms):
        for c in rng.sample(range(cps), 6):
            pairs.add((f, c))
    reqs = [Request(n, f, c, frozenset({"vi", "en"}), frozenset({"en"}))
            for n, (f, c) in enumerate(sorted(pairs))]
    problem = Problem(slots, 12, reqs)
    agenda = schedule(problem)
    assert conflicts(problem, agenda.placements) == []
    assert agenda.placed >= 0.95 * agenda.upper_bound
