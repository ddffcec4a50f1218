"""Life after an agreement (ODD 7.20): ratification, terms that bind, compliance and collapse.

A mixin of :class:`summitry.sim.engine.model.DiplomacyModel`, like the summit
process. Without a scenario's ``implementation`` block an agreement ends the
run, as it always did; with it:

- a signed agreement goes to a ratification vote ``ratify_weeks`` later when
  the block names ratifiers (every one must accept the signed point with its
  threshold of that week), else it enters into force at once;
- in force, its terms are pledges (:class:`~summitry.sim.engine.state.Pledge`
  with ``deal`` set), charged in the decision rule and checked on delivery
  like any pledge; sending a covered kind breaks the agreement, which
  collapses (its terms lapse) instead of starting an escalation;
- kept for ``comply_weeks``, it counts as implemented;
- after a class in ``continue_after`` talks go on (the summit process is
  open again), after any other no further summit is held (status
  ``closed``); a later agreement that enters into force supersedes the
  earlier one's terms.

Each agreement keeps its ``stage`` and the week of every stage reached.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from summitry.sim.engine.state import Pledge
from summitry.sim.mechanisms import bargaining as bg

if TYPE_CHECKING:
    from summitry.sim.engine.model import DiplomacyModel

STAGES = ("signed", "awaiting_ratification", "ratified", "unratified", "in_force", "implemented", "collapsed", "superseded")
"""What can happen to a signed agreement, in the order it can happen (``stage`` is the last one reached)."""
LIVE = frozenset({"in_force", "implemented"})
"""Stages in which an agreement's terms bind."""


class AgreementLife:
    """What happens to a signed agreement, as methods of the model (see the module docstring)."""

    agreements: list[dict[str, Any]]

    @property
    def agreement(self) -> dict[str, Any] | None:
        """The latest agreement signed (the run's outcome), or None."""
        return self.agreements[-1] if self.agreements else None

    def _sign(self: DiplomacyModel, cls: str, q: int, t: int) -> None:
        """Record the agreement of class ``cls`` at grid point ``q``, signed at step t, and start its life."""
        deal: dict[str, Any] = {
            "type": cls,
            "week": t,
            "point": {d: float(v) for d, v in zip(self.dims, self.grid[q], strict=False)},
            "grid_index": int(q),
            "stage": "signed",
            "stages": {"signed": t},
        }
        self.agreements.append(deal)
        self.summit.results.append(f"agreement:{cls}")
        imp = self.scenario.implementation
        if imp is None:
            return
        if cls not in imp.continue_after:
            self.summit.status = "closed"
        if any(imp.ratifiers.values()):
            deal["vote_week"] = t + self.clock.steps(imp.ratify_weeks)
            self._stage(deal, "awaiting_ratification", t)
        else:
            self._enter_force(len(self.agreements) - 1, t)

    def _stage(self: DiplomacyModel, deal: dict[str, Any], stage: str, t: int) -> None:
        deal["stage"] = stage
        deal["stages"][stage] = t

    def _enter_force(self: DiplomacyModel, k: int, t: int) -> None:
        """Agreement k's terms become pledges; an earlier agreement still binding is superseded."""
        imp = self.scenario.implementation
        assert imp is not None
        for j, earlier in enumerate(self.agreements[:k]):
            if earlier["stage"] in LIVE:
                self._lapse(j)
                self._stage(earlier, "superseded", t)
        deal = self.agreements[k]
        self._stage(deal, "in_force", t)
        for term in imp.terms:
            if term.classes and deal["type"] not in term.classes:
                continue
            side = self.side_ids.index(term.side)
            self.pledges.append(Pledge(side, frozenset(term.scope), term.tie, t, kinds=frozenset(term.kinds), deal=k))

    def _lapse(self: DiplomacyModel, k: int) -> None:
        for pl in self.pledges:
            if pl.deal == k:
                pl.active = False

    def member_accepts(self: DiplomacyModel, i: int, q: int) -> bool:
        """Whether member i accepts grid point q now: its utility reaches its threshold, within its stated limits (ODD 7.1)."""
        s = self.state
        c = int(self.side_of[i])
        u = bg.member_utility(self.gains[c], self.gives[c], s.concession_weight[[i]])[0, q]
        inside = True if self.limits is None else bool(self.limits[i, q])
        return bool(u >= s.thresholds[i]) and inside

    def _implementation_step(self: DiplomacyModel, t: int) -> None:
        """Step 7b: ratification votes that fall due, and agreements kept long enough to count as implemented."""
        imp = self.scenario.implementation
        if imp is None:
            return
        comply = self.clock.steps(imp.comply_weeks)
        for k, deal in enumerate(self.agreements):
            if deal["stage"] == "awaiting_ratification" and t >= deal["vote_week"]:
                self._ratify(k, t)
            elif deal["stage"] == "in_force" and t - deal["stages"]["in_force"] >= comply:
                self._stage(deal, "implemented", t)
                a, b = (self.actor_ids[self.leader_of[int(c)]] for c in self.summit_sides)
                self._log(t, "agreement_implemented", a, b, "summit", detail=deal["type"])

    def _ratify(self: DiplomacyModel, k: int, t: int) -> None:
        """The vote on agreement k: it passes when every named ratifier accepts the signed point."""
        imp = self.scenario.implementation
        assert imp is not None
        deal = self.agreements[k]
        q = int(deal["grid_index"])
        voters = [self.index_of[m] for members in imp.ratifiers.values() for m in members]
        refused = [self.actor_names[i] for i in voters if not self.member_accepts(i, q)]
        a, b = (self.actor_ids[self.leader_of[int(c)]] for c in self.summit_sides)
        if refused:
            self._stage(deal, "unratified", t)
            if self.summit.status == "closed":
                self.summit.status = "none"  # the signed text is dead: talks may start again
            self._log(
                t,
                "ratification_failed",
                a,
                b,
                "summit",
                detail=f"{deal['type']} agreement fails ratification (refused by {', '.join(refused)})",
            )
            return
        self._stage(deal, "ratified", t)
        self._log(t, "ratified", a, b, "summit", detail=deal["type"])
        self._enter_force(k, t)

    def _collapse(self: DiplomacyModel, k: int, t: int, why: str) -> None:
        """Agreement k is broken: its terms lapse and, if no further summit was to be held, talks may start again."""
        deal = self.agreements[k]
        if deal["stage"] not in LIVE:
            return
        self._lapse(k)
        self._stage(deal, "collapsed", t)
        if self.summit.status == "closed":
            self.summit.status = "none"
        a, b = (self.actor_ids[self.leader_of[int(c)]] for c in self.summit_sides)
        self._log(t, "agreement_collapsed", a, b, "summit", detail=f"{deal['type']}: {why}")

    def runs_on_after_agreement(self: DiplomacyModel) -> bool:
        """Whether an agreement leaves the run going (the scenario declares life after an agreement)."""
        return self.scenario.implementation is not None
