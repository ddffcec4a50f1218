"""Case-specific sentences live in the scenario files (``wording``), not in the engine's code."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from summitry.sim.mechanisms.signals import DEFAULT_CATALOGUE, DEFAULT_WORDING, build_catalogue, sentence_for
from summitry.sim.run import run_scenario
from summitry.sim.scenario.document import Wording, load_scenario, schema_text, validate_data

ROOT = Path(__file__).resolve().parents[3]
CASE_WORDS = ("nuclear", "long-range", "ICBM", "Korea", "DPRK", "Trump", "Kim")


def test_the_engine_catalogue_holds_no_case_specific_words() -> None:
    for name, kind in DEFAULT_CATALOGUE.items():
        sentence = kind["sentence"]
        for word in ("nuclear and long-range", "Korea", "Trump", "Kim"):
            assert word not in sentence, (name, sentence)
    for words in DEFAULT_WORDING.values():
        assert not any(w in words for w in CASE_WORDS), words


def test_the_generic_case_says_generic_things_and_the_record_cases_their_own() -> None:
    teaching = load_scenario("teaching")
    fields = {"sender": "Ada", "receiver": "Bo"}
    generic = sentence_for("moratorium_pledge", teaching.catalogue, **fields)
    assert generic == "Ada pledges to Bo a moratorium on the tests its pledge covers"
    for name in ("singapore-2018", "hanoi-2019"):
        sc = load_scenario(name)
        assert sentence_for("moratorium_pledge", sc.catalogue, **fields) == "Ada pledges to Bo a moratorium on nuclear and long-range tests"


def test_a_scenario_s_wording_reaches_the_event_log() -> None:
    data = yaml.safe_load((ROOT / "scenarios" / "singapore-2018.yaml").read_text())
    data["wording"] = {"moratorium": "a freeze on {all} its {missile} tests"}  # braces are words, not fields
    sc = validate_data(data, "custom")
    result = run_scenario(sc, seed=1, mode="forcing")
    pledges = [e["text"] for e in result.events.to_pylist() if e["kind"] == "moratorium_pledge"]
    assert pledges and all(t.endswith("a freeze on {all} its {missile} tests") for t in pledges), pledges


def test_wording_is_checked_and_described_in_the_schema() -> None:
    assert Wording.model_fields["moratorium"].description
    schema = json.loads(schema_text())
    assert "moratorium" in json.dumps(schema["$defs"]["Wording"])
    catalogue = build_catalogue(None, {"moratorium": "x"})
    assert catalogue["moratorium_pledge"].sentence == "{sender} pledges to {receiver} x"
