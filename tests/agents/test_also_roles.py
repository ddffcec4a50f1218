"""An actor with more than one role (a faction's ``also``): it may send the kinds of each, and an envoy found among
the further roles receives the other side's envoy talks.

teaching.yaml's beta side has no staff faction, so alpha's diplomats have nobody to hold envoy talks with; seating
beta's reformers as also staff gives both a channel.
"""

from __future__ import annotations

from typing import Any

from summitry.agents import policy
from summitry.sim.engine.model import DiplomacyModel
from summitry.sim.run import run_scenario
from tests.strategies import edited, member


def teaching(also: list[str] | None) -> DiplomacyModel:
    def edit(data: dict[str, Any]) -> None:
        if also is not None:
            member(data, "beta-reformers")["also"] = also

    return DiplomacyModel(edited("teaching", edit), seed=0)


def feasible(m: DiplomacyModel, actor: str, kind: str) -> bool:
    return bool(policy.static_feasibility(m)[m.index_of[actor], m.kinds.index(kind) + 1])


def test_a_further_role_opens_its_kinds_and_its_channel() -> None:
    plain, envoy = teaching(None), teaching(["staff"])
    # without an envoy on beta's side, nobody holds envoy talks
    assert not feasible(plain, "beta-reformers", "envoy_talks")
    assert not feasible(plain, "alpha-diplomats", "envoy_talks")
    assert plain.receiver_of(plain.index_of["alpha-diplomats"], "envoy_talks") is None
    # the reformers, also staff, talk to alpha's diplomats and are the ones alpha's diplomats talk to
    assert feasible(envoy, "beta-reformers", "envoy_talks")
    assert feasible(envoy, "alpha-diplomats", "envoy_talks")
    assert envoy.receiver_of(envoy.index_of["alpha-diplomats"], "envoy_talks") == envoy.index_of["beta-reformers"]
    assert envoy.receiver_of(envoy.index_of["beta-reformers"], "envoy_talks") == envoy.index_of["alpha-diplomats"]
    # their main role is unchanged: they still lobby as reformers and lean dovish
    assert feasible(envoy, "beta-reformers", "lobby")
    assert envoy.roles[envoy.index_of["beta-reformers"]] == "reformer"
    assert bool(envoy.dovish[envoy.index_of["beta-reformers"]])


def test_the_channel_is_used_in_free_runs() -> None:
    def edit(data: dict[str, Any]) -> None:
        member(data, "beta-reformers")["also"] = ["staff"]

    sc = edited("teaching", edit)
    talks = 0
    for seed in range(20):
        events = run_scenario(sc, seed=seed).events.to_pylist()
        talks += sum(
            1 for e in events if e["kind"] == "envoy_talks" and {e["sender"], e["receiver"]} == {"alpha-diplomats", "beta-reformers"}
        )
    plain = sum(
        1 for seed in range(20) for e in run_scenario(edited("teaching"), seed=seed).events.to_pylist() if e["kind"] == "envoy_talks"
    )
    assert plain == 0
    assert talks > 0
