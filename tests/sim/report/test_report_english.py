"""Reports' sentences read correctly whatever the scenario's names: no verb agrees with a faction's or third party's name,
no article is guessed for a side's, counts agree with their nouns, and the baselines are said in English."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from summitry.sim import report
from summitry.sim.experiments.backtest import baseline_description
from summitry.sim.figures import events_table_rows
from summitry.sim.report.tables import metric_rows
from summitry.sim.results.run_result import RunResult
from summitry.sim.run import run_scenario
from summitry.sim.scenario.document import load_scenario


@pytest.fixture(scope="module")
def hanoi_0(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """hanoi-2019, seed 0: the United Front Department threatens Donald Trump in week 2; factions lobby their leaders,
    a mediator shuttles and patrons hold summits of their own."""
    d = tmp_path_factory.mktemp("english") / "run"
    run_scenario(load_scenario("hanoi-2019"), seed=0).save(d)
    return d


@pytest.fixture(scope="module")
def hanoi_19(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """hanoi-2019, seed 19: a walk-away in week 44, after which each leader blames a faction."""
    d = tmp_path_factory.mktemp("english") / "run19"
    run_scenario(load_scenario("hanoi-2019"), seed=19).save(d)
    return d


def sentences(run_dir: Path) -> list[tuple[str, str, str]]:
    """(sender, kind, sentence) of each row of the run's event table."""
    return [(r["sender"], r["kind"], r["sentence"]) for r in events_table_rows(RunResult.load(run_dir))]


def test_a_faction_or_third_partys_signal_is_worded_without_a_verb_on_its_name(hanoi_0: Path) -> None:
    rows = sentences(hanoi_0)
    said = {s for _, _, s in rows}
    assert "A threat from United Front Department (Kim Yong Chol) to Donald Trump" in said
    assert "Lobbying of Donald Trump by NSC hawks (Bolton)" in said
    assert "Shuttle diplomacy by South Korea (Moon Jae-in) between the principals" in said
    assert any(
        re.fullmatch(r"A separate summit for Kim Jong Un, hosted by (China \(Xi Jinping\)|Russia \(Putin; Lavrov\))", s) for s in said
    )
    assert not any(re.search(r"\) (threatens|lobbies|shuttles|urges|hosts) ", s) for s in said)
    # a leader, one person, keeps the log's sentence
    assert any(sender == "Donald Trump" and s.startswith("Donald Trump ") for sender, _, s in rows)
    # the report's event log says the same
    page = report.write_run_report(hanoi_0, hanoi_0 / "report.html").read_text(encoding="utf-8")
    assert "Lobbying of Donald Trump by NSC hawks (Bolton)" in page and "NSC hawks (Bolton) lobbies" not in page


def test_a_blamed_faction_is_not_called_it(hanoi_19: Path) -> None:
    items = [i["text"] for i in report.narrative(RunResult.load(hanoi_19)) if i["kind"] == "blame"]
    assert items == [
        "Donald Trump blames State Department (Pompeo) for the failed summit; the faction's influence is halved",
        "Kim Jong Un blames Cabinet (economic reformers) for the failed summit; the faction's influence is halved",
    ]


def test_trust_and_pressure_name_a_side_where_no_article_is_needed(hanoi_19: Path) -> None:
    result = RunResult.load(hanoi_19)
    rows = dict(metric_rows(result.manifest))
    assert {k: v for k, v in rows.items() if k.startswith("Final trust") or k.startswith("Final pressure")}.keys() == {
        "Final trust: Kim Jong Un → United States",
        "Final trust: Donald Trump → North Korea",
        "Final pressure: North Korea",
        "Final pressure: United States",
    }
    effects = " ".join(i["effect"] for i in report.narrative(result))
    assert "the trust of Kim Jong Un in the sender's side (United States) falls from 0.37 to 0.29" in effects
    assert "the hawks' influence on the receiver's side (North Korea) rises to 0.54" in effects
    assert "trust in United States" not in effects and "influence in North Korea" not in effects


def test_an_ablation_baseline_reads_as_english() -> None:
    assert baseline_description("ablation:leader_alone") == (
        "the model in which each leader ratifies alone: each side's win-set is its leader's own acceptance set"
    )
    assert baseline_description("ablation:trust").startswith("the model with trust frozen: ")


def test_a_censored_duration_reads_as_no_event_not_as_one_at_the_runs_end() -> None:
    """time_to_agreement is the steps run when no agreement came (agreement_censored); the report said "Time to
    agreement (weeks) 40", as if one came in week 40."""
    manifest = {
        "step_unit": "week",
        "metrics": {"time_to_agreement": 40, "agreement_censored": True, "moratorium_survival": 12, "moratorium_censored": False},
    }
    rows = dict(metric_rows(manifest))
    assert rows["Time to agreement (weeks)"] == "no agreement in 40 weeks (the whole run; censored)"
    assert rows["Moratorium survival (weeks)"] == "12"
    manifest["metrics"] |= {"agreement_censored": False, "moratorium_censored": True}
    rows = dict(metric_rows(manifest))
    assert rows["Time to agreement (weeks)"] == "40"
    assert rows["Moratorium survival (weeks)"] == "no test in 12 weeks (the whole run; censored)"
