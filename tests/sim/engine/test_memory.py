"""A finished run can be freed: nothing global keeps models alive (sweeps run thousands)."""

from __future__ import annotations

import gc
import weakref

from summitry.sim.engine.model import DiplomacyModel
from summitry.sim.run import result_of
from summitry.sim.scenario.document import load_scenario


def test_finished_models_are_garbage_collected() -> None:
    sc = load_scenario("teaching")
    refs = []
    for seed in range(3):
        model = DiplomacyModel(sc, seed=seed)
        while model.running:
            model.step()
        result_of(model)
        refs.append(weakref.ref(model))
        del model
    gc.collect()
    assert all(r() is None for r in refs)
