"""The CP-SAT scheduler: a valid agenda on random events (checked by tests/meetings/validator.py,
written from the rules, not from the solver), priorities, room-change buffers, the bound."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from crm.meetings.bench import synthetic_event
from crm.meetings.scheduler import Placement, Problem, Request
from crm.meetings.solver import MEET, MUST_MEET, Layout, greedy, solve
from tests.meetings.strategies import problems
from tests.meetings.validator import conflicts, fixed_untouched, room_change_conflicts


@st.composite
def events(draw) -> tuple[Problem, dict[int, str], Layout]:
    """A small random event: requests, availability, languages, interpreters, rooms, priorities,
    and some meetings already fixed (published / held) taken from a first agenda."""
    problem = draw(problems(max_slots=6, max_parties=5, max_requests=14))
    slots, tables, requests = problem.slots, problem.tables, problem.requests
    interpreters = problem.interpreters
    priorities = {r.id: draw(st.sampled_from((MUST_MEET, MEET))) for r in requests}
    rooms = draw(st.integers(1, min(2, tables)))
    layout = Layout(tuple(t % rooms for t in range(tables)) if rooms > 1 else (),
                    draw(st.frozensets(st.integers(1, slots - 1), max_size=slots))
                    if slots > 1 else frozenset())
    if draw(st.booleans()) and requests:
        first = greedy(problem, priorities, layout)
        keep = draw(st.lists(st.sampled_from(first.placements), unique=True)
                    if first.placements else st.just([]))
        problem = Problem(slots, tables, requests, interpreters, fixed=keep)
    return problem, priorities, layout


def _check(problem: Problem, layout: Layout, placements: list[Placement]) -> list[str]:
    return [*conflicts(problem, placements), *fixed_untouched(problem, placements),
            *room_change_conflicts(problem, placements, layout.table_rooms,
                                   layout.back_to_back)]


@settings(max_examples=60, deadline=None)
@given(events(), st.sampled_from(("slots", "blocks")))
def test_solver_agendas_break_no_rule_on_random_events(event, method):
    problem, priorities, layout = event
    result = solve(problem, priorities, layout, time_limit=2, workers=1, method=method)
    assert _check(problem, layout, result.placements) == []
    todo = {r.id for r in problem.requests} - {p.request_id for p in problem.fixed}
    assert {p.request_id for p in result.placements} | set(result.unplaced) == todo
    assert result.placed <= result.upper_bound <= len(todo)


@settings(max_examples=100, deadline=None)
@given(events())
def test_greedy_fallback_breaks_no_rule_on_random_events(event):
    problem, priorities, layout = event
    assert _check(problem, layout, greedy(problem, priorities, layout).placements) == []


def _best_count(problem: Problem) -> int:
    """The most requests any agenda places, by trying every subset (tiny events only)."""
    for size in range(len(problem.requests), 0, -1):
        for subset in itertools.combinations(problem.requests, size):
            if _fits(problem, list(subset), []):
                return size
    return 0


def _fits(problem: Problem, left: list[Request], placed: list[Placement]) -> bool:
    if not left:
        return True
    r, rest = left[0], left[1:]
    sub = Problem(problem.slots, problem.tables, problem.requests, problem.interpreters)
    options = [None, *problem.interpreters] if r.needs_interpreter else [None]
    for slot in range(problem.slots):
        for table in range(1, problem.tables + 1):
            for i in options:
                if r.needs_interpreter and i is None:
                    continue
                p = Placement(r.id, slot, table, i.id if i else None)
                if not conflicts(sub, [*placed, p]) and _fits(problem, rest, [*placed, p]):
                    return True
    return False


@settings(max_examples=40, deadline=None)
@given(events())
def test_exact_model_matches_exhaustive_search_on_tiny_events(event):
    problem, _priorities, _layout = event
    problem = Problem(min(problem.slots, 3), min(problem.tables, 2), problem.requests[:5],
                      problem.interpreters)
    result = solve(problem, time_limit=5, workers=1, method="slots")
    best = _best_count(problem)
    assert result.upper_bound >= best  # a bound: no agenda places more
    if result.status.startswith("OPTIMAL"):
        assert result.placed == best


def _cp_sat_ran(result) -> bool:
    """CP-SAT's agenda was kept, or it proved the greedy one (earlier slots) just as good."""
    return result.engine.startswith("cp-sat") or result.status.startswith("as good as CP-SAT")


def test_an_agenda_fills_the_earliest_slots_when_nothing_is_lost():
    # Two requests, eight slots: officers expect them first thing, not in the last slot.
    reqs = [Request(1, 1, 1, frozenset({"en"}), frozenset({"en"})),
            Request(2, 1, 2, frozenset({"en"}), frozenset({"en"}))]
    result = solve(Problem(8, 2, reqs), time_limit=5)
    assert sorted(p.slot for p in result.placements) == [0, 1]
    assert _cp_sat_ran(result)


def test_must_meet_wins_the_last_table():
    # One slot, one table, two requests: the must-meet one takes it.
    reqs = [Request(1, 1, 1, frozenset({"en"}), frozenset({"en"})),
            Request(2, 2, 2, frozenset({"en"}), frozenset({"en"}))]
    result = solve(Problem(1, 1, reqs), {1: MEET, 2: MUST_MEET}, time_limit=5)
    assert [p.request_id for p in result.placements] == [2]
    assert (result.must_placed, result.must_total, result.upper_bound) == (1, 1, 1)
    assert _cp_sat_ran(result)


def test_must_meet_is_kept_even_when_two_meetings_could_replace_it():
    # Firm 1 is free only in slot 0, where its must-meet with counterpart 1 needs the table;
    # dropping it would seat two other meetings (one each in slots 0 and 1) instead of one.
    must = Request(1, 1, 1, frozenset({"en"}), frozenset({"en"}), firm_slots=frozenset({0}))
    other = Request(2, 2, 1, frozenset({"en"}), frozenset({"en"}), firm_slots=frozenset({0}))
    third = Request(3, 3, 1, frozenset({"en"}), frozenset({"en"}), firm_slots=frozenset({0}))
    result = solve(Problem(2, 1, [must, other, third]), {1: MUST_MEET}, time_limit=5)
    assert 1 in {p.request_id for p in result.placements}


def test_a_participant_changing_rooms_gets_a_free_slot_between():
    # Tables 1 and 2 are in two rooms; firm 1 has a published meeting at table 1 in slot 0,
    # and table 1 is taken in slot 1: its next meeting cannot be in room 2 in slot 1.
    a = Request(1, 1, 1, frozenset({"en"}), frozenset({"en"}))
    b = Request(2, 1, 2, frozenset({"en"}), frozenset({"en"}))
    c = Request(3, 2, 3, frozenset({"en"}), frozenset({"en"}))
    fixed = [Placement(1, 0, 1), Placement(3, 1, 1)]
    problem = Problem(3, 2, [a, b, c], fixed=fixed)
    layout = Layout(table_rooms=(0, 1), back_to_back=frozenset({1, 2}))
    result = solve(problem, layout=layout, time_limit=5)
    where = {p.request_id: p for p in result.placements}
    assert where[2].slot == 2  # slot 1 only has room 2 free
    assert room_change_conflicts(problem, result.placements, layout.table_rooms,
                                 layout.back_to_back) == []
    # Without rooms the same request takes slot 1 at table 2.
    plain = solve(problem, time_limit=5)
    assert {p.request_id: p.slot for p in plain.placements} == {2: 1}


def test_fixed_meetings_keep_their_place_and_new_ones_go_around_them():
    reqs = [Request(n, n % 3, n % 2, frozenset({"en"}), frozenset({"en"})) for n in range(6)]
    fixed = [Placement(0, 0, 1), Placement(1, 0, 2)]
    problem = Problem(4, 2, reqs, fixed=fixed)
    result = solve(problem, time_limit=5)
    assert all(p.request_id not in (0, 1) for p in result.placements)
    assert conflicts(problem, result.placements) == []


def test_synthetic_fair_is_scheduled_close_to_the_bound_without_conflict():
    event = synthetic_event(40, 20, seed=3)
    result = solve(event.problem, event.priorities, event.layout, time_limit=10,
                   method="slots")
    assert _check(event.problem, event.layout, result.placements) == []
    assert result.placed >= 0.95 * result.upper_bound
    assert _cp_sat_ran(result)


def test_large_fair_gets_the_block_models_bound_and_a_valid_agenda():
    event = synthetic_event(120, 60, seed=5, rooms=2)
    result = solve(event.problem, event.priorities, event.layout, time_limit=10)
    assert _check(event.problem, event.layout, result.placements) == []
    assert "blocks" in result.engine or "better than CP-SAT" in result.status
    assert result.placed >= 0.9 * result.upper_bound


def test_bench_schedule_command_prints_placed_bound_and_engine():
    from click.testing import CliRunner

    from crm.cli import cli

    result = CliRunner().invoke(cli, ["bench", "schedule", "--firms", "20", "--counterparts",
                                      "10", "--time-limit", "3"])
    assert result.exit_code == 0, result.output
    assert "engine: cp-sat" in result.output or "as good as CP-SAT" in result.output
    for line in ("requests: ", "placed: ", "upper bound: ", "placed/bound: ", "time: "):
        assert line in result.output
    bad = CliRunner().invoke(cli, ["bench", "schedule", "--firms", "0"])
    assert bad.exit_code == 2


def test_out_of_time_falls_back_to_greedy_with_a_true_bound():
    event = synthetic_event(60, 30, seed=7)
    result = solve(event.problem, event.priorities, event.layout, time_limit=0.1,
                   method="slots")
    assert _check(event.problem, event.layout, result.placements) == []
    assert 0 < result.placed <= result.upper_bound
