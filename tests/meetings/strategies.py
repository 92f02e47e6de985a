"""Random B2B events for the property tests of the scheduler and the CP-SAT solver."""

from __future__ import annotations

from hypothesis import strategies as st

from crm.meetings.scheduler import InterpreterSpec, Problem, Request

LANGS = ("vi", "en", "ja", "ko")


@st.composite
def problems(draw, max_slots: int = 8, max_parties: int = 6, max_requests: int = 20) -> Problem:
    """Slots, tables, meeting requests between firms and counterparts with their languages
    and availability (None: any slot), and interpreters with theirs."""
    slots = draw(st.integers(1, max_slots))
    tables = draw(st.integers(1, 4))
    firms = draw(st.integers(1, max_parties))
    cps = draw(st.integers(1, max_parties))
    langs = st.frozensets(st.sampled_from(LANGS), min_size=1, max_size=2)
    avail = st.one_of(st.none(), st.frozensets(st.integers(0, slots - 1), max_size=slots))
    pairs = draw(st.lists(st.tuples(st.integers(0, firms - 1), st.integers(0, cps - 1)),
                          unique=True, max_size=max_requests))
    firm_langs = [draw(langs) for _ in range(firms)]
    cp_langs = [draw(langs) for _ in range(cps)]
    firm_av = [draw(avail) for _ in range(firms)]
    cp_av = [draw(avail) for _ in range(cps)]
    requests = [Request(n, f, c, firm_langs[f], cp_langs[c], firm_av[f], cp_av[c])
                for n, (f, c) in enumerate(pairs)]
    interpreters = [InterpreterSpec(i, draw(langs)) for i in range(draw(st.integers(0, 3)))]
    return Problem(slots, tables, requests, interpreters)
