"""A week's outgoing signals as columns.

Thousands of factions lobby every week in a large scenario; a Python object
per signal would cost more than delivering it. The outbox keeps sender,
kind, receiver, source and note as arrays, and makes :class:`Signal` objects
only for the signals delivered one by one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from agents.base import Signal

IntArray = NDArray[np.int64]
ObjArray = NDArray[Any]


def _objects(values: Sequence[Any]) -> ObjArray:
    out = np.empty(len(values), dtype=object)
    out[:] = list(values)
    return out


@dataclass(frozen=True)
class Outbox:
    sender: IntArray
    kind: ObjArray
    receiver: IntArray
    source: ObjArray
    note: ObjArray

    @classmethod
    def of(cls, signals: Sequence[Signal]) -> Outbox:
        return cls(
            sender=np.array([z.sender for z in signals], dtype=np.int64),
            kind=_objects([z.kind for z in signals]),
            receiver=np.array([z.receiver for z in signals], dtype=np.int64),
            source=_objects([z.source for z in signals]),
            note=_objects([z.note for z in signals]),
        )

    def __len__(self) -> int:
        return int(self.sender.size)

    def extended(self, sender: IntArray, kind: ObjArray, receiver: IntArray, source: str = "chosen") -> Outbox:
        """These rows appended (chosen signals, with an empty note)."""
        n = sender.size
        return Outbox(
            sender=np.concatenate([self.sender, sender.astype(np.int64)]),
            kind=np.concatenate([self.kind, kind]),
            receiver=np.concatenate([self.receiver, receiver.astype(np.int64)]),
            source=np.concatenate([self.source, np.full(n, source, dtype=object)]),
            note=np.concatenate([self.note, np.full(n, "", dtype=object)]),
        )

    def take(self, rows: IntArray) -> Outbox:
        return Outbox(self.sender[rows], self.kind[rows], self.receiver[rows], self.source[rows], self.note[rows])

    def sorted(self) -> Outbox:
        """Ordered by (sender, kind, receiver, source), ties kept in their order (a stable sort)."""
        if len(self) < 2:
            return self
        kind_rank = np.unique(self.kind, return_inverse=True)[1].reshape(-1)
        source_rank = np.unique(self.source, return_inverse=True)[1].reshape(-1)
        order = np.lexsort((source_rank, self.receiver, kind_rank, self.sender))
        return self.take(order)

    def signal(self, i: int) -> Signal:
        return Signal(
            sender=int(self.sender[i]),
            kind=str(self.kind[i]),
            receiver=int(self.receiver[i]),
            source=str(self.source[i]),
            note=self.note[i],
        )
