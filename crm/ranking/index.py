"""One live firm index per app process, kept in step with the database.

The index is built lazily on first use and kept in ``app.extensions``. Every ranking request
first calls ``live_index()``, which asks the database a few cheap questions (newest
``Firm.updated_at``, newest interaction and shortlist event, count of active firms) and upserts
only the firms changed since the last look, removing archived ones. Firm services bump
``updated_at`` on every profile change (product, certificate, market...), so that is the
high-water mark. When counts disagree (rows deleted, a rolled-back transaction) or many firms
were upserted since the build (the text vocabulary was fitted on the old set), it rebuilds.
Verifying or rejecting a declared certificate moves the firm's updated_at
(crm.verification.services), so the next look re-reads that firm.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import numpy as np
from flask import current_app
from sqlalchemy import func, select

from crm.extensions import db
from crm.memory import settle_long_lived
from crm.models import Firm, Interaction, ShortlistEntry, ShortlistEvent
from crm.ranking.records import firm_key, firm_records
from crm.replica import on_primary
from matching.index import FirmIndex

log = logging.getLogger(__name__)

# Firms whose timestamps fall this close before the mark are looked at again: a transaction
# that started earlier may commit after we read the mark.
MARK_SLACK = timedelta(seconds=5)
REBUILD_SHARE = 0.2  # rebuild when this share of the index was upserted since the build
# Counting the active firms is a full scan (~35 ms at 100,000 on PostgreSQL): too dear for
# every page. Firms are archived, not deleted, and archiving moves updated_at, so the change
# check above catches it at once; the count only guards against rows removed behind the
# app's back (a restore, a rolled-back bulk load), and for that once a minute is enough.
COUNT_CHECK_SECONDS = 60.0


@dataclass
class LiveIndex:
    """The app's firm index and what it has seen of the database."""

    index: FirmIndex | None = None
    seen: dict[int, Any] = field(default_factory=dict)  # firm id -> updated_at indexed
    attrs: dict[str, tuple[int | None, str | None]] = field(default_factory=dict)
    mark: Any = None  # newest Firm.updated_at seen
    mark_seen_at: float = 0.0  # time.monotonic() when `mark` was first read
    # Whether the MARK_SLACK window below `mark` was read once the slack had passed since
    # `mark` was first seen: every transaction that could still land in it has committed.
    settled: bool = False
    mark_interaction: int = 0
    mark_event: int = 0
    upserts: int = 0
    built_at: float = 0.0
    build_seconds: float = 0.0
    counted_at: float = 0.0  # time.monotonic() of the last full count check
    # firm id -> (newest interaction id, newest shortlist event id) replayed for that firm
    # alone by refresh_firm, beyond mark_interaction / mark_event
    firm_marks: dict[int, tuple[int, int]] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    # `attrs` per index row (province code, size class code; -1 unknown), for filtering
    # thousands of rows at once; extended for the rows upserts append (see row_places)
    _places: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False)
    _size_codes: dict[str, int] = field(default_factory=dict, repr=False)

    def build(self) -> None:
        """Index every active firm from scratch."""
        started, read_at = time.perf_counter(), time.monotonic()
        marks = _marks()
        rows = db.session.execute(select(Firm.id, Firm.updated_at, Firm.province_code,
                                         Firm.size_class).where(Firm.archived.is_(False))).all()
        self.index = FirmIndex.build(firm_records())
        self.seen = {r.id: r.updated_at for r in rows}
        self.attrs = {firm_key(r.id): (r.province_code, r.size_class) for r in rows}
        self.mark, self.mark_interaction, self.mark_event = marks
        self.mark_seen_at, self.settled = read_at, False
        self.firm_marks = {}
        self._places = None
        self.upserts = 0
        self.built_at = time.time()
        self.build_seconds = time.perf_counter() - started
        self.counted_at = time.monotonic()
        settle_long_lived()
        log.info("ranking index built: %d firms in %.1f s", len(self.index), self.build_seconds)

    def row_places(self) -> tuple[np.ndarray, np.ndarray]:
        """Province code and size class code (see size_code) of every index row, -1 where
        unknown, as `attrs` has them. Only the rows appended since the last call are read:
        a row never changes (an upsert appends a new one)."""
        assert self.index is not None
        ids, n = self.index.ids, self.index.n_rows
        known = 0 if self._places is None else len(self._places[0])
        if known < n:
            province = np.full(n - known, -1, dtype=np.int64)
            size = np.full(n - known, -1, dtype=np.int64)
            for k, firm_id in enumerate(ids[known:n]):
                code, size_class = self.attrs.get(firm_id, (None, None))
                if code is not None:
                    province[k] = code
                if size_class:
                    size[k] = self.size_code(size_class)
            if self._places is not None:
                province = np.concatenate([self._places[0], province])
                size = np.concatenate([self._places[1], size])
            self._places = (province, size)
        return self._places  # type: ignore[return-value]

    def size_code(self, size_class: str) -> int:
        """A small int for a size class (the codes of row_places)."""
        return self._size_codes.setdefault(size_class, len(self._size_codes))

    def refresh(self) -> None:
        """Upsert the firms changed since the last look; rebuild when out of step."""
        if self.index is None:
            self.build()
            return
        read_at = time.monotonic()
        mark, last_interaction, last_event = _marks()
        changed: set[int] = set()
        # Re-reading the whole slack window on every page cost ~60 ms after a bulk load had
        # put thousands of firms in it; once settled, nothing new can appear at or below it.
        if mark is not None and not (self.settled and mark == self.mark):
            since = select(Firm.id, Firm.updated_at, Firm.archived)
            if self.mark is not None:
                since = since.where(Firm.updated_at > (
                    self.mark if self.settled else self.mark - MARK_SLACK))
            for fid, updated, archived in db.session.execute(since):
                if archived:
                    if self.index.remove(firm_key(fid)):
                        self.seen.pop(fid, None)
                        self.attrs.pop(firm_key(fid), None)
                elif self.seen.get(fid) != updated:
                    changed.add(fid)
        if last_interaction > self.mark_interaction:
            changed |= set(db.session.scalars(select(Interaction.firm_id).where(
                Interaction.id > self.mark_interaction)))
        if last_event > self.mark_event:
            changed |= set(db.session.scalars(
                select(ShortlistEntry.firm_id).join(ShortlistEvent).where(
                    ShortlistEvent.id > self.mark_event)))
        if changed:
            self._upsert(changed)
        self._settle(mark, read_at)
        self.mark, self.mark_interaction, self.mark_event = (
            mark, last_interaction, last_event)
        self.firm_marks.clear()  # all replayed now
        if self.upserts > REBUILD_SHARE * max(len(self.index), 50):
            self.build()  # the text vocabulary grew stale
        elif time.monotonic() - self.counted_at >= COUNT_CHECK_SECONDS:
            self.counted_at = time.monotonic()
            active = db.session.scalar(select(func.count()).select_from(Firm)
                                       .where(Firm.archived.is_(False)))
            if active != len(self.index):
                self.build()  # rows vanished behind the app's back

    def refresh_firm(self, firm_id: int) -> None:
        """Bring one firm's record up to date, leaving the others as they are.

        A firm page needs only that firm: the whole refresh there replayed every firm other
        officers had changed, in each worker (~12 ms of every firm page under load). One
        query when the firm is unchanged; the next whole refresh still sees everything.
        """
        if self.index is None:
            self.refresh()
            return
        updated_at, last_interaction, last_event = _marks(firm_id)
        replayed = self.firm_marks.get(firm_id, (0, 0))
        if (self.seen.get(firm_id) != updated_at
                or last_interaction > max(self.mark_interaction, replayed[0])
                or last_event > max(self.mark_event, replayed[1])):
            self._upsert({firm_id})
            self.firm_marks[firm_id] = (last_interaction, last_event)

    def _settle(self, mark: Any, read_at: float) -> None:
        """Note whether the window below `mark` is settled after a read begun at `read_at`."""
        if mark != self.mark:
            self.mark_seen_at, self.settled = read_at, False
        elif not self.settled and read_at >= self.mark_seen_at + MARK_SLACK.total_seconds():
            self.settled = True

    def _upsert(self, firm_ids: Iterable[int]) -> None:
        ids = set(firm_ids)
        rows = {r.id: r for r in db.session.execute(
            select(Firm.id, Firm.updated_at, Firm.province_code, Firm.size_class,
                   Firm.archived).where(Firm.id.in_(ids)))}
        for record in firm_records(ids):
            self.index.upsert(record)
            fid = int(record["id"])
            self.seen[fid] = rows[fid].updated_at
            self.attrs[record["id"]] = (rows[fid].province_code, rows[fid].size_class)
            self.upserts += 1
        for fid in ids:
            if fid not in rows or rows[fid].archived:
                self.index.remove(firm_key(fid))
                self.seen.pop(fid, None)
                self.attrs.pop(firm_key(fid), None)


def _marks(firm_id: int | None = None) -> tuple[Any, int, int]:
    """Newest Firm.updated_at, interaction id and shortlist event id, of one firm if given.

    One round trip: every firm and ranking page asks, and each max is one index probe.
    """
    updated = select(func.max(Firm.updated_at))
    interaction = select(func.max(Interaction.id))
    event = select(func.max(ShortlistEvent.id))
    if firm_id is not None:
        updated = updated.where(Firm.id == firm_id)
        interaction = interaction.where(Interaction.firm_id == firm_id)
        event = event.join(ShortlistEntry).where(ShortlistEntry.firm_id == firm_id)
    mark, last_interaction, last_event = db.session.execute(select(
        updated.scalar_subquery(), interaction.scalar_subquery(), event.scalar_subquery(),
    )).one()
    return mark, last_interaction or 0, last_event or 0


def live() -> LiveIndex:
    """This app's LiveIndex (not refreshed)."""
    return current_app.extensions.setdefault("crm_ranking_index", LiveIndex())


def live_index() -> LiveIndex:
    """This app's LiveIndex, brought up to date with the database."""
    state = live()
    with state.lock, on_primary():  # a lagging replica would move the marks back
        state.refresh()
    return state


def reset_index() -> None:
    """Forget the index (tests, after bulk loads): the next use rebuilds it."""
    current_app.extensions.pop("crm_ranking_index", None)
