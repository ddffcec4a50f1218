"""A week's delivery, read from one state and applied together (ODD 3, step 3; 7.4).

Moves are synchronous: every signal of a week is read against the beliefs
held at the start of delivery, and the log-odds shifts (or, in the Beta
variant, the evidence counts) are summed and applied once, so the order in
which signals are delivered does not change these shifts (a pledge breach's
shift still reads touting and rapport as they stand when the test is
delivered; see docs/ODD.md §3). Signals of the same kind from the same side,
whose shifts are identical, are computed once and counted: a week with thousands of threats costs one array operation per
(kind, side), not one per threat. Uniform stance nudges (the same input for
every member of a side's roles) are counted the same way and added once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from summitry.sim.mechanisms import trust as tr
from summitry.sim.numeric import clip

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass
class Shift:
    """One trust move of ``rows`` in side ``col``, applied ``count`` times.

    ``meter`` is the summed change of mean trust it makes on its own, read
    from the start-of-delivery state (the event log's ``trust_change``).
    """

    rows: IntArray
    col: int
    logit: FloatArray
    alpha: FloatArray
    beta: FloatArray
    meter: float
    count: int = 0
    voice_sum: float | None = None
    """None for a shift applied ``count`` times; for a large side's factions (:meth:`DeliveryBatch.make_voiced`)
    the sum of the senders' voices, by which the per-unit shift is applied."""
    _at: dict[int, tuple[float, float, float]] | None = None

    def at(self, row: int) -> tuple[float, float, float]:
        """(log-odds shift, alpha evidence, beta evidence) of ``row`` (zeros if it is not moved)."""
        if self._at is None:
            self._at = {}
        found = self._at.get(row)
        if found is None:
            found = self._at[row] = self._lookup(row)
        return found

    def _lookup(self, row: int) -> tuple[float, float, float]:
        k = int(np.searchsorted(self.rows, row))
        if k < self.rows.size and self.rows[k] == row:
            if self.alpha.size:
                return float(self.logit[k]), float(self.alpha[k]), float(self.beta[k])
            return float(self.logit[k]), 0.0, 0.0
        return 0.0, 0.0, 0.0


SharedKey = tuple[str, int, bool, int]
"""(kind, sender's side, sent by a leader in its own name, the sending faction's row, -1 for a leader or
:data:`VOICED` for the factions of a large side): signals with the same key shift every updater alike in a week,
up to a faction's own weight (ODD 7.4)."""

LARGE_SIDE = 64
"""Members; from this size on, a side's factions' signals of one kind share one shift per unit of voice."""
VOICED = -2
"""The sender slot of a :data:`SharedKey` whose shift is per unit of voice (a large side's factions)."""


class DeliveryBatch:
    """Collects a week's trust shifts and stance nudges; :meth:`apply` moves the state once."""

    def __init__(self, trust_logit: FloatArray, beta_a: FloatArray, beta_b: FloatArray, use_beta: bool, beta_w: float) -> None:
        self.trust_logit = trust_logit
        self.beta_a = beta_a
        self.beta_b = beta_b
        self.use_beta = use_beta
        self.beta_w = beta_w
        self.groups: dict[SharedKey, Shift] = {}
        self.extra: list[Shift] = []
        self.seen: dict[tuple[int, int, float, float, float], float] = {}  # the model's trust reads, by key
        # uniform stance nudges of the week (the same input for every member of a side's roles), counted
        self.nudges: dict[tuple[int, int, float], int] = {}
        self.nudge_of: dict[tuple[int, int, float], tuple[IntArray, FloatArray]] = {}

    def shared(self, key: SharedKey) -> Shift | None:
        return self.groups.get(key)

    def make(self, rows: IntArray, col: int, shift: FloatArray, evidence: FloatArray | None) -> Shift:
        """A shift with its meter read from the current (start-of-delivery) state."""
        if self.use_beta:
            ev = evidence if evidence is not None else self.beta_w * shift
            alpha, beta = np.maximum(ev, 0), np.maximum(-ev, 0)
            a0, b0 = self.beta_a[rows, col], self.beta_b[rows, col]
            meter = float(np.abs((a0 + alpha) / (a0 + alpha + b0 + beta) - a0 / (a0 + b0)).sum())
        else:
            alpha = beta = np.zeros(0)
            before = self.trust_logit[rows, col]
            after = clip(before + shift, -tr.LOGIT_MAX, tr.LOGIT_MAX)
            meter = float(np.abs(tr.expit(after) - tr.expit(before)).sum())
        return Shift(rows=rows, col=col, logit=np.asarray(shift, dtype=float), alpha=alpha, beta=beta, meter=meter)

    def make_voiced(self, rows: IntArray, col: int, shift: FloatArray, evidence: FloatArray) -> Shift:
        """A shift per unit of voice, for the factions of a large side (:data:`LARGE_SIDE`).

        Every faction's signal of one kind moves the updaters by its voice
        times the same unit shift, so the week's signals are summed by voice
        and applied once: the week costs one array operation per (kind, side)
        instead of one per signal. Each signal's meter is read to first order
        in its voice (the slope of mean trust at the start-of-delivery state,
        zero where the clip blocks the move); a faction's voice on a side this
        large is small, so the error is of the order of its square.
        """
        if self.use_beta:
            alpha, beta = np.maximum(evidence, 0), np.maximum(-evidence, 0)
            a0, b0 = self.beta_a[rows, col], self.beta_b[rows, col]
            # d/dv of (a0 + v alpha) / (a0 + b0 + v (alpha + beta)) at v = 0
            meter = float((np.abs(alpha * b0 - beta * a0) / (a0 + b0) ** 2).sum())
        else:
            alpha = beta = np.zeros(0)
            before = self.trust_logit[rows, col]
            mu = tr.expit(before)
            blocked = ((before >= tr.LOGIT_MAX) & (shift > 0)) | ((before <= -tr.LOGIT_MAX) & (shift < 0))
            meter = float(np.abs(np.where(blocked, 0.0, mu * (1.0 - mu) * shift)).sum())
        return Shift(rows=rows, col=col, logit=np.asarray(shift, dtype=float), alpha=alpha, beta=beta, meter=meter, voice_sum=0.0)

    def add_shared(self, key: SharedKey, shift: Shift) -> None:
        self.groups[key] = shift

    def add_single(self, shift: Shift) -> None:
        shift.count = 1
        self.extra.append(shift)

    def nudge(self, key: tuple[int, int, float], members: IntArray, d: FloatArray) -> None:
        """Count one uniform stance nudge ``d`` of ``members`` (one per effect, side and size)."""
        self.nudges[key] = self.nudges.get(key, 0) + 1
        self.nudge_of[key] = (members, d)

    def apply(self, u: FloatArray) -> None:
        """Add the counted stance nudges to the inputs ``u``, then move trust (:meth:`apply_trust`)."""
        for key, count in self.nudges.items():
            members, d = self.nudge_of[key]
            u[members] += d if count == 1 else count * d
        self.apply_trust()

    def apply_trust(self) -> None:
        """Sum every shift (times its count) and move the state once.

        Shared shifts are summed in the order of their keys, so the result does
        not depend on the order the week's signals were delivered in."""
        shifts = [*(self.groups[k] for k in sorted(self.groups)), *self.extra]
        if not shifts:
            return
        if self.use_beta:
            da = np.zeros_like(self.beta_a)
            db = np.zeros_like(self.beta_b)
            for sh in shifts:
                w = sh.count if sh.voice_sum is None else sh.voice_sum
                da[sh.rows, sh.col] += w * sh.alpha
                db[sh.rows, sh.col] += w * sh.beta
            self.beta_a += da
            self.beta_b += db
            return
        total = np.zeros_like(self.trust_logit)
        for sh in shifts:
            total[sh.rows, sh.col] += (sh.count if sh.voice_sum is None else sh.voice_sum) * sh.logit
        clip(self.trust_logit + total, -tr.LOGIT_MAX, tr.LOGIT_MAX, out=self.trust_logit)
