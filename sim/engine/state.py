"""The model's state (ODD 2): every number of a run, in arrays indexed by agent, side or third party.

:class:`State` holds the arrays, :class:`SummitState` the summit process and
:class:`Pledge` one side's pledge. The model (sim/engine/model.py) owns them and
its step, delivery (sim/engine/delivery.py) and summit (sim/engine/summit.py) update them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


@dataclass
class State:
    """Every number of the model, indexed by agent (N), side (C) or third party (M)."""

    stance: FloatArray
    anchor: FloatArray
    susceptibility: FloatArray
    omega: FloatArray
    concession_weight: FloatArray
    threshold0: FloatArray
    threshold_shift: FloatArray
    erosion: FloatArray
    horizon: FloatArray
    iota: FloatArray
    psi: FloatArray
    zeta: FloatArray
    patience: FloatArray
    trust_logit: FloatArray  # (N, C)
    trust_logit0: FloatArray
    beta_a: FloatArray
    beta_b: FloatArray
    beta_a0: FloatArray
    beta_b0: FloatArray
    rapport: FloatArray  # (N, C)
    affect: FloatArray
    economic: FloatArray  # (C,)
    domestic: FloatArray
    military_extra: FloatArray
    military: FloatArray
    sanctions: FloatArray
    sanctions_effective: FloatArray
    leak: FloatArray
    hostility: FloatArray
    credit: FloatArray
    demand: FloatArray
    unreciprocated: FloatArray
    pressure: FloatArray
    is_t: NDArray[np.bool_]
    enforcement: FloatArray  # (M,)
    stake: FloatArray
    tp_domestic: FloatArray
    tension: float = 0.0
    tension_streak: int = 0
    perception_log: float = 0.0
    thresholds: FloatArray = field(default_factory=lambda: np.zeros(0))
    win_sets: NDArray[np.bool_] = field(default_factory=lambda: np.zeros((0, 0), dtype=bool))
    zone_area: float = 0.0


@dataclass
class SummitState:
    """The summit process between the two summit sides (ODD 7.16-7.19)."""

    status: str = "none"
    offered_by: int = -1
    week: int = -1
    held: int = 0
    first_week: int = -1
    cancellations: int = 0
    reinstated: bool = False
    results: list[str] = field(default_factory=list)
    walked_by: list[str] = field(default_factory=list)
    offers: dict[int, int | None] = field(default_factory=dict)  # side -> grid index at last summit
    letdowns: list[tuple[int, int]] = field(default_factory=list)  # (week, side): a declaration's unmet promise comes due
    values: dict[str, float] = field(default_factory=dict)  # the last summit's compared values (walk, declaration), by leader
    session_end: int = -1  # last step of a summit in session (a summit of several steps), -1 when none is
    session_rejected: set[int] = field(default_factory=set)  # sides that refused an offer or the text in this session
    session_rounds: int = 0  # rounds held in this session
    payments: dict[int, float] = field(default_factory=dict)  # side -> side payment the mediator promised in this session


@dataclass
class Pledge:
    """A side's commitment: no tests of the classes in ``scope`` and no signals of the ``kinds`` named.

    ``deal`` is -1 for a pledge a side made (or held at step 0); for a term of
    a signed agreement it is the agreement's index in ``model.agreements``,
    and breaking it ends that agreement instead of starting an escalation.
    """

    side: int
    scope: frozenset[str]
    tie: float
    week: int
    active: bool = True
    touted_by: set[int] = field(default_factory=set)
    kinds: frozenset[str] = frozenset()
    deal: int = -1

    def covers(self, kind_name: str, test_class: str | None) -> bool:
        """Whether sending ``kind_name`` (of test class ``test_class``) breaks this pledge."""
        return (test_class is not None and test_class in self.scope) or kind_name in self.kinds
