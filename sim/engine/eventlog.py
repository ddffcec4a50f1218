"""The run's event log: rows in order, stored compactly.

Most events of a large scenario are bulk signals (thousands of factions
lobbying their leaders every week). Holding each as a Python dict with its
own sentence costs about a kilobyte a row, gigabytes for a 100,000-agent run,
and building those dicts dominated the step. So the log keeps two kinds of
segment, in order:

- rows: a list of plain dicts (summits, outcomes, trust-moving signals);
- blocks: one week's delivered signals as columns (numpy arrays), whose
  sentences are rendered only when the log is read.

Reading the log (iteration, :meth:`EventLog.to_table`) gives exactly the rows
a list of dicts would have held.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from summitry.sim.mechanisms.signals import SignalKind, sentence_for

COLUMNS = (
    "step",
    "date",
    "sender",
    "receiver",
    "kind",
    "source",
    "cost",
    "trust_before",
    "trust_after",
    "trust_change",
    "stance_change",
    "pressure_change",
    "detail",
    "text",
)
FLOAT_COLUMNS = ("cost", "trust_before", "trust_after", "trust_change", "stance_change", "pressure_change")
OBJECT_COLUMNS = ("sender", "receiver", "kind", "source", "detail", "text")

Renderer = Callable[[str, int, int, int, str], str]
"""(kind, sender index, receiver index, week, date) -> the event's sentence."""


@dataclass(frozen=True)
class SentenceRenderer:
    """Sentences of bulk-delivered signals from a catalogue and the actors' names.

    Each block keeps the renderer of the model that wrote it, so a fork with
    other names or templates never rewrites the past it shares.
    """

    catalogue: dict[str, SignalKind]
    names: Sequence[str]

    def __call__(self, kind: str, sender: int, receiver: int, week: int, date: str) -> str:
        return sentence_for(kind, self.catalogue, sender=self.names[sender], receiver=self.names[receiver], week=week, date=date)


@dataclass
class Block:
    """One week's rows as columns; ``text`` is None where it is rendered lazily.

    ``lazy`` holds, for those rows, (row, sender index, receiver index).
    """

    step: int
    date: str
    columns: dict[str, NDArray[Any]]
    render: Renderer
    lazy: NDArray[np.int64] = field(default_factory=lambda: np.empty((0, 3), dtype=np.int64))

    def __len__(self) -> int:
        return int(self.columns["kind"].shape[0])

    def texts(self) -> NDArray[Any]:
        text = self.columns["text"].copy()
        kinds = self.columns["kind"]
        for row, snd, rcv in self.lazy.tolist():
            text[row] = self.render(kinds[row], snd, rcv, self.step, self.date)
        return text


class EventLog:
    """An ordered, append-only event log (see the module docstring)."""

    def __init__(self) -> None:
        self._segments: list[list[dict[str, Any]] | Block] = []
        self._n = 0

    # ----------------------------------------------------------- writing
    def append(self, row: dict[str, Any]) -> None:
        if not self._segments or isinstance(self._segments[-1], Block):
            self._segments.append([])
        tail = self._segments[-1]
        assert isinstance(tail, list)
        tail.append(row)
        self._n += 1

    def extend(self, rows: Sequence[dict[str, Any]]) -> None:
        for row in rows:
            self.append(row)

    def add_block(self, block: Block) -> None:
        if len(block):
            self._segments.append(block)
            self._n += len(block)

    def copy(self) -> EventLog:
        """An independent log with the same rows (blocks are never mutated, so they are shared)."""
        new = EventLog()
        for seg in self._segments:
            new._segments.append([dict(r) for r in seg] if isinstance(seg, list) else seg)
        new._n = self._n
        return new

    # ----------------------------------------------------------- reading
    def __len__(self) -> int:
        return self._n

    def __bool__(self) -> bool:
        return self._n > 0

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for seg in self._segments:
            if isinstance(seg, list):
                yield from seg
            else:
                yield from self._block_rows(seg)

    def rows_of_step(self, step: int) -> Iterator[dict[str, Any]]:
        """The rows of one step, in log order; other steps' bulk rows are not laid out (their texts not rendered)."""
        for seg in self._segments:
            if isinstance(seg, list):
                yield from (row for row in seg if row["step"] == step)
            elif seg.step == step:
                yield from self._block_rows(seg)

    @staticmethod
    def _block_rows(seg: Block) -> Iterator[dict[str, Any]]:
        text = seg.texts()
        cols = seg.columns
        for i in range(len(seg)):
            row = {name: cols[name][i] for name in COLUMNS if name not in ("step", "date", "text")}
            for name in FLOAT_COLUMNS:
                row[name] = float(row[name])
            yield {"step": seg.step, "date": seg.date, **row, "text": text[i]}

    def count_source(self, sources: Sequence[str]) -> int:
        """Rows whose ``source`` is one of ``sources``."""
        n = 0
        for seg in self._segments:
            if isinstance(seg, list):
                n += sum(1 for r in seg if r["source"] in sources)
            else:
                n += int(np.isin(seg.columns["source"], list(sources)).sum())
        return n

    def to_table(self, schema: pa.Schema, rows_per_batch: int = 100_000) -> pa.Table:
        """The log as an Arrow table of ``schema`` (the columns of :data:`COLUMNS`).

        Segments are gathered into record batches of about ``rows_per_batch``
        rows, so a long log is converted a batch at a time (its sentences are
        rendered batch by batch, never all at once).
        """
        batches: list[pa.RecordBatch] = []
        pending: list[dict[str, NDArray[Any]]] = []
        size = 0

        def flush() -> None:
            nonlocal pending, size
            if not pending:
                return
            arrays = []
            for name in schema.names:
                parts = [cols[name] for cols in pending]
                values = parts[0] if len(parts) == 1 else np.concatenate(parts)
                arrays.append(pa.array(values, schema.field(name).type))
            batches.append(pa.RecordBatch.from_arrays(arrays, schema=schema))
            pending, size = [], 0

        for seg in self._segments:
            cols = self._columns(seg)
            pending.append(cols)
            size += len(cols["kind"])
            if size >= rows_per_batch:
                flush()
        flush()
        if not batches:
            return schema.empty_table()
        return pa.Table.from_batches(batches, schema=schema)

    def _columns(self, seg: list[dict[str, Any]] | Block) -> dict[str, NDArray[Any]]:
        """A segment as numpy columns (object arrays for strings)."""
        if isinstance(seg, list):
            cols: dict[str, NDArray[Any]] = {}
            for name in COLUMNS:
                if name == "step":
                    cols[name] = np.array([r[name] for r in seg], dtype=np.int32)
                elif name in FLOAT_COLUMNS:
                    cols[name] = np.array([r[name] for r in seg], dtype=np.float64)
                else:
                    col = np.empty(len(seg), dtype=object)
                    col[:] = [r[name] for r in seg]
                    cols[name] = col
            return cols
        n = len(seg)
        date = np.empty(n, dtype=object)
        date[:] = seg.date
        return {
            "step": np.full(n, seg.step, dtype=np.int32),
            "date": date,
            **{name: seg.columns[name] for name in COLUMNS[2:] if name != "text"},
            "text": seg.texts(),
        }


def merge_block(
    step: int,
    date: str,
    n_rows: int,
    bulk_rows: NDArray[np.int64],
    bulk: dict[str, NDArray[Any]],
    lazy: NDArray[np.int64],
    others: Sequence[tuple[int, dict[str, Any]]],
    render: Renderer,
) -> Block:
    """A block of ``n_rows`` rows: ``bulk`` columns at positions ``bulk_rows``, dict rows at theirs.

    ``others`` is a list of (position, row dict); ``lazy`` holds (sender,
    receiver) indices of the bulk rows, whose text is rendered on reading.
    """
    columns: dict[str, NDArray[Any]] = {}
    for name in COLUMNS[2:]:
        if name in FLOAT_COLUMNS:
            col = np.empty(n_rows, dtype=np.float64)
        else:
            col = np.empty(n_rows, dtype=object)
        if name in bulk:
            col[bulk_rows] = bulk[name]
        elif name not in FLOAT_COLUMNS:
            col[bulk_rows] = None
        for pos, row in others:
            col[pos] = row[name]
        columns[name] = col
    lazy_rows = np.column_stack([bulk_rows, lazy]) if bulk_rows.size else np.empty((0, 3), dtype=np.int64)
    return Block(step=step, date=date, columns=columns, render=render, lazy=lazy_rows.astype(np.int64))
