"""The run's event rows: one per delivered signal, one per other event (shock, summit, escalation, ...), each with its sentence.

A mixin of :class:`summitry.sim.engine.model.DiplomacyModel` (``self`` is the model). The
rows go to the model's sink, the run's :class:`~sim.engine.eventlog.EventLog` (or a
week's list of dicts while a bulk delivery is being logged); the sentences
come from the signal catalogue (:func:`summitry.sim.mechanisms.signals.sentence_for`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from summitry.sim.labels import unit_word
from summitry.sim.mechanisms.signals import Signal, sentence_for

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

if TYPE_CHECKING:
    from summitry.sim.engine.model import DiplomacyModel


class EventRows:
    """Writing event rows, as methods of the model (see the module docstring)."""

    def _log(
        self: DiplomacyModel, t: int, kind: str, sender: str | None, receiver: str | None, source: str, detail: str = "", **extra: Any
    ) -> None:
        text = sentence_for(
            kind,
            self.catalogue,
            sender=self._name(sender),
            receiver=self._name(receiver),
            detail=detail,
            week=t,
            date=self.date_of(t),
            unit=unit_word(self.clock.unit),
        )
        row = {
            "step": t,
            "date": self.date_of(t),
            "sender": sender or "",
            "receiver": receiver or "",
            "kind": kind,
            "source": source,
            "cost": 0.0,
            "trust_before": math.nan,
            "trust_after": math.nan,
            "trust_change": 0.0,
            "stance_change": 0.0,
            "pressure_change": 0.0,
            "detail": detail,
            "text": text,
        }
        row.update(extra)
        self._sink.append(row)

    def _name(self: DiplomacyModel, actor: str | None) -> str:
        if actor is None:
            return ""
        i = self.index_of.get(actor)
        return self.actor_names[i] if i is not None else actor

    def _log_signal(self: DiplomacyModel, sig: Signal, t: int, trust_before: float) -> None:
        """One event row for a delivered signal, with the effect metered while applying it."""
        kind = self.catalogue[sig.kind]
        sender_side = self._side_py[sig.sender]
        receiver = sig.receiver
        recv_name = self.actor_ids[receiver] if receiver >= 0 else self._principals_name
        date = self.date_of(t)
        text = sentence_for(
            sig.kind,
            self.catalogue,
            sender=self.actor_names[sig.sender],
            receiver=self.actor_names[receiver] if receiver >= 0 else "both principals",
            week=t,
            date=date,
        )
        self._sink.append(
            {
                "step": t,
                "date": date,
                "sender": self.actor_ids[sig.sender],
                "receiver": recv_name,
                "kind": sig.kind,
                "source": sig.source,
                "cost": float(kind.cost + kind.tie * (self.audience[sender_side] if sender_side >= 0 else 0.0)),
                "trust_before": trust_before,
                "trust_after": self._receiver_trust(sig),
                "trust_change": self._meter[0],
                "stance_change": self._meter[1],
                "pressure_change": self._meter[2],
                "detail": sig.note,
                "text": text,
            }
        )
