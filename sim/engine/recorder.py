"""Recording every state variable each step, as arrays, into a tidy table.

The recorder keeps one copy of each array per recorded step (every
``stride``-th step and the last) and turns them into the tidy
(step, agent, variable, value) table of a :class:`~sim.results.run_result.RunResult`
with array operations only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from summitry.sim.scenario.document import SUMMIT_CODES
from summitry.sim.series_names import AGENT_VARS, SIDE_VARS, THIRD_VARS, WORLD_VARS

if TYPE_CHECKING:
    from summitry.sim.engine.model import DiplomacyModel


class Recorder:
    """Collects the model's arrays every ``stride`` steps."""

    def __init__(self, model: DiplomacyModel, stride: int = 1) -> None:
        self.model = model
        self.stride = max(1, int(stride))
        self.steps: list[int] = []
        self.agent: dict[str, list[np.ndarray]] = {v: [] for v in AGENT_VARS}
        self.trust: list[np.ndarray] = []
        self.rapport: list[np.ndarray] = []
        self.side: dict[str, list[np.ndarray]] = {v: [] for v in SIDE_VARS}
        self.world: dict[str, list[float]] = {v: [] for v in WORLD_VARS}
        self.third: dict[str, list[np.ndarray]] = {v: [] for v in THIRD_VARS}
        self._pending: int | None = None

    def record(self, t: int) -> None:
        m = self.model
        last = (not m.running) or t >= m.horizon - 1
        if t % self.stride and not last:
            return
        s = m.state
        self.steps.append(t)
        self.agent["stance"].append(s.stance.copy())
        self.agent["influence"].append(s.omega.copy())
        self.agent["threshold"].append(s.thresholds.copy())
        self.trust.append(m.trust_matrix().astype(np.float64, copy=True))
        self.rapport.append(s.rapport[m.rapport_rows].copy())
        for name, arr in (
            ("pressure_economic", s.economic),
            ("pressure_domestic", s.domestic),
            ("pressure_military", s.military),
            ("pressure", s.pressure),
            ("sanctions", s.sanctions),
            ("sanctions_effective", s.sanctions_effective),
            ("hostility", s.hostility),
            ("win_set_area", s.win_sets.mean(axis=1)),
        ):
            self.side[name].append(np.asarray(arr, dtype=float).copy())
        self.world["tension"].append(float(s.tension))
        self.world["zone_area"].append(float(s.zone_area))
        self.world["summit_status"].append(float(SUMMIT_CODES[m.summit.status]))
        self.world["summits_held"].append(float(m.summit.held))
        self.third["enforcement"].append(s.enforcement.copy())
        self.third["pressure_domestic"].append(s.tp_domestic.copy())

    def to_table(self) -> pa.Table:
        """Tidy table: step (int32), agent (string), variable (string), value (float64)."""
        m = self.model
        T = len(self.steps)
        steps = np.asarray(self.steps, dtype=np.int32)
        parts_step: list[np.ndarray] = []
        parts_agent: list[np.ndarray] = []
        parts_var: list[np.ndarray] = []
        parts_val: list[np.ndarray] = []

        def add(ids: list[str], var: str, values: np.ndarray) -> None:
            # values: (T, len(ids))
            n = len(ids)
            if n == 0 or T == 0:
                return
            parts_step.append(np.repeat(steps, n))
            parts_agent.append(np.tile(np.asarray(ids, dtype=object), T))
            parts_var.append(np.full(T * n, var, dtype=object))
            parts_val.append(np.asarray(values, dtype=np.float64).reshape(-1))

        ids = m.actor_ids
        for var in AGENT_VARS:
            add(ids, var, np.stack(self.agent[var]))
        trust = np.stack(self.trust)  # (T, N, C)
        for c, sid in enumerate(m.side_ids):
            rows = m.trust_rows[c]
            add([ids[i] for i in rows], f"trust_{sid}", trust[:, rows, c])
        rapport = np.stack(self.rapport)  # (T, R, C)
        r_ids = [ids[i] for i in m.rapport_rows]
        for c, sid in enumerate(m.side_ids):
            keep = [k for k, i in enumerate(m.rapport_rows) if m.side_of[i] != c]
            add([r_ids[k] for k in keep], f"rapport_{sid}", rapport[:, keep, c])
        for var in SIDE_VARS:
            add(m.side_ids, var, np.stack(self.side[var]))
        for var in WORLD_VARS:
            add(["world"], var, np.asarray(self.world[var], dtype=float)[:, None])
        tp_ids = [ids[i] for i in m.tp_agent]
        for var in THIRD_VARS:
            if tp_ids:
                add(tp_ids, var, np.stack(self.third[var]))
        if parts_step:
            table = pa.table(
                {
                    "step": pa.array(np.concatenate(parts_step), pa.int32()),
                    "agent": pa.array(np.concatenate(parts_agent), pa.string()),
                    "variable": pa.array(np.concatenate(parts_var), pa.string()),
                    "value": pa.array(np.concatenate(parts_val), pa.float64()),
                }
            )
        else:
            table = pa.table(
                {
                    "step": pa.array([], pa.int32()),
                    "agent": pa.array([], pa.string()),
                    "variable": pa.array([], pa.string()),
                    "value": pa.array([], pa.float64()),
                }
            )
        return table
