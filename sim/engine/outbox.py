"""A week's outgoing signals as columns.

Thousands of factions lobby every week in a large scenario; a Python object
per signal would cost more than delivering it. The outbox keeps sender,
kind, receiver, source and note as arrays (kinds and sources as codes whose
order is their names' order), and makes :class:`Signal` objects only for the
signals delivered one by one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from summitry.sim.mechanisms.signals import Signal

IntArray = NDArray[np.int64]
ObjArray = NDArray[Any]

SOURCES = ("chosen", "derived", "forced")  # in name order, so codes sort like names
SOURCE_CODE = {name: i for i, name in enumerate(SOURCES)}
SOURCE_NAMES = np.array(SOURCES, dtype=object)


class KindCodes:
    """Kind names <-> integer codes numbered in name order (so codes sort as names do)."""

    def __init__(self, names: Sequence[str]) -> None:
        self.names = np.array(sorted(set(names)), dtype=object)
        self.code = {name: i for i, name in enumerate(self.names.tolist())}

    def codes(self, names: Sequence[str]) -> IntArray:
        return np.array([self.code[n] for n in names], dtype=np.int64)


@dataclass(frozen=True)
class Outbox:
    codes: KindCodes
    sender: IntArray
    kind_code: IntArray
    receiver: IntArray
    source_code: IntArray
    note: ObjArray

    @classmethod
    def of(cls, signals: Sequence[Signal], codes: KindCodes) -> Outbox:
        note = np.empty(len(signals), dtype=object)
        note[:] = [z.note for z in signals]
        return cls(
            codes=codes,
            sender=np.array([z.sender for z in signals], dtype=np.int64),
            kind_code=codes.codes([z.kind for z in signals]),
            receiver=np.array([z.receiver for z in signals], dtype=np.int64),
            source_code=np.array([SOURCE_CODE[z.source] for z in signals], dtype=np.int64),
            note=note,
        )

    def __len__(self) -> int:
        return int(self.sender.size)

    @property
    def kind(self) -> ObjArray:
        """Kind names (the strings are shared, not copied)."""
        return self.codes.names[self.kind_code]  # type: ignore[no-any-return]

    @property
    def source(self) -> ObjArray:
        return SOURCE_NAMES[self.source_code]  # type: ignore[no-any-return]

    def extended(self, sender: IntArray, kind_code: IntArray, receiver: IntArray, source: str = "chosen") -> Outbox:
        """These rows appended (with an empty note)."""
        n = sender.size
        return Outbox(
            codes=self.codes,
            sender=np.concatenate([self.sender, sender.astype(np.int64)]),
            kind_code=np.concatenate([self.kind_code, kind_code.astype(np.int64)]),
            receiver=np.concatenate([self.receiver, receiver.astype(np.int64)]),
            source_code=np.concatenate([self.source_code, np.full(n, SOURCE_CODE[source], dtype=np.int64)]),
            note=np.concatenate([self.note, np.full(n, "", dtype=object)]),
        )

    def take(self, rows: IntArray) -> Outbox:
        return Outbox(self.codes, self.sender[rows], self.kind_code[rows], self.receiver[rows], self.source_code[rows], self.note[rows])

    def sorted(self) -> Outbox:
        """Ordered by (sender, kind, receiver, source), ties kept in their order (a stable sort)."""
        if len(self) < 2:
            return self
        return self.take(np.lexsort((self.source_code, self.receiver, self.kind_code, self.sender)))

    def signal(self, i: int) -> Signal:
        return Signal(
            sender=int(self.sender[i]),
            kind=str(self.codes.names[self.kind_code[i]]),
            receiver=int(self.receiver[i]),
            source=SOURCES[int(self.source_code[i])],
            note=self.note[i],
        )
