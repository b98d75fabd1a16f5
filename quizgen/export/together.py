"""Several LMS formats written in one pass over a key: each exporter is handed the same numbered
question in turn, so that its variants are read, their Markdown rendered and their diagrams drawn
once for all formats, and only a batch of variants is in memory at a time."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator
from typing import Any

from quizgen.errors import ExportError
from quizgen.export import EXPORTERS
from quizgen.export.common import Slot, SlotFeed, Variant, Variants, slots_of
from quizgen.export.sink import Sink

BATCH = 50  # variants handed out at a time: few steps, little memory
STEP_TIMEOUT = 60.0  # seconds one exporter may wait for the others: far beyond any real step


class _Lockstep:
    """Hands the exporters (one thread each) the same numbered question, then its variants a batch at
    a time, the next only when every exporter has asked for it."""

    def __init__(self, slots: Iterator[Slot], readers: int) -> None:
        self._slots = slots
        self._barrier = threading.Barrier(readers, timeout=STEP_TIMEOUT)
        self._current: Slot | None = None

    def slots(self) -> Iterator[Slot]:
        """Each exporter's own iterator over the one shared sequence of numbered questions."""
        while True:
            self.step(self._next_slot)
            current = self._current
            if current is None:
                return
            yield current

    def _next_slot(self) -> None:
        slot = next(self._slots, None)
        self._current = (
            None if slot is None else Slot(slot.number, {t: _Shared(v, self) for t, v in slot.templates.items()})
        )

    def step(self, fetch: Callable[[], None]) -> None:
        """Every thread waits here; one of them runs ``fetch`` while the others wait again."""
        if self._barrier.wait() == 0:
            fetch()
        self._barrier.wait()

    def abort(self) -> None:
        self._barrier.abort()


class _Shared:
    """One template's variants, iterated by every exporter together, a batch at a time: each variant
    read (and its items' HTML and diagrams made) once, and only a batch of them in memory."""

    def __init__(self, source: Variants, lockstep: _Lockstep) -> None:
        self._source = source
        self._lockstep = lockstep
        self._iterator: Iterator[Variant] | None = None
        self._batch: list[Variant] = []

    def __getitem__(self, index: int, /) -> Variant:
        return self._source[index]

    def __iter__(self) -> Iterator[Variant]:
        while True:
            self._lockstep.step(self._advance)
            batch = self._batch
            if not batch:
                return
            yield from batch

    def _advance(self) -> None:
        if self._iterator is None:
            self._iterator = iter(self._source)
        self._batch = list(itertools.islice(self._iterator, BATCH))


def export_together(key: dict[str, Any], formats: list[str], sink: Sink) -> None:
    """Write every format in ``formats`` into ``sink`` (the same files as one exporter after another)."""
    if len(formats) < 2:
        for fmt in formats:
            EXPORTERS[fmt](key, sink)
        return
    lockstep = _Lockstep(slots_of(key), len(formats))
    errors: list[BaseException] = []

    def run(fmt: str) -> None:
        try:
            EXPORTERS[fmt](SlotFeed(key, lockstep.slots), sink)
        except BaseException as error:  # handed to the caller below, after the other threads stop
            errors.append(error)
            lockstep.abort()

    threads = [threading.Thread(target=run, args=(fmt,), name=f"export-{fmt}") for fmt in formats]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        first = next((e for e in errors if not isinstance(e, threading.BrokenBarrierError)), None)
        if first is None:
            raise ExportError("the LMS exporters fell out of step (each must read every question once)")
        raise first
