"""The sweep report's summary: the most frequent outcome (or the tied ones) and the parameters with a measured effect on it."""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pytest

from summitry.sim.report import render_sweep_report


def sweep_frame(params: Mapping[str, Sequence[float]], outcomes: Sequence[str]) -> pd.DataFrame:
    """Stored runs of a sweep: one row per run, its parameters' values and its outcome, all finished."""
    n = len(outcomes)
    frame = pd.DataFrame(
        {
            "run_id": np.arange(n),
            "point": np.arange(n),
            "replicate": np.zeros(n, dtype=int),
            "seed": np.arange(n),
            "status": ["ok"] * n,
            "error": [""] * n,
            "outcome": list(outcomes),
        }
    )
    for path, values in params.items():
        frame[f"param.{path}"] = np.asarray(values, dtype=float)
    frame["metric.walk_away"] = (frame["outcome"] == "walk_away").astype(float)
    return frame


def manifest(params: Sequence[str], design: str = "grid", sensitivity: Mapping[str, Any] | None = None) -> dict[str, Any]:
    spec = {"scenario": "not-built-in", "parameters": {p: {"low": 0.0, "high": 1.0} for p in params}, "design": design}
    return {"spec": spec, "design": design, "scenario": "not-built-in", "parameters": list(params), "sensitivity": sensitivity or {}}


def summary(page: str) -> str:
    """The text of the report's summary (its abstract), without tags and with single spaces."""
    found = re.search(r'<section class="abstract">(.*?)</section>', page, re.S)
    if found is None:
        pytest.fail("the report has no summary (no abstract section)")
    return " ".join(html.unescape(re.sub("<[^>]+>", "", found.group(1))).split())


def test_an_agreement_is_measured_by_the_indices_of_any_agreement_and_says_so() -> None:
    rng = np.random.default_rng(3)
    kappa, phi = rng.uniform(0, 4, 30), rng.uniform(0, 1, 30)
    runs = sweep_frame({"parameters.kappa": kappa, "parameters.phi": phi}, np.where(kappa > 1.5, "agreement_interim", "walk_away"))
    indices = {
        "parameters.kappa": {"S1": 0.5, "S1_conf": 0.05, "ST": 0.6, "ST_conf": 0.1},
        "parameters.phi": {"S1": 0.0, "S1_conf": 0.05, "ST": 0.02, "ST_conf": 0.05},
    }
    m = manifest(list(indices), "sobol", {"agreement": {"method": "sobol", "indices": indices}})
    page = render_sweep_report(m, runs)[0]
    assert (
        "Of the 2 varied parameters, only credibility per unit of signal cost (kappa) has a measurable effect on it (measured by "
        "the sweep's Sobol total-order indices of agreement (any class))."
    ) in summary(page)
    assert "ranked by the sweep's Sobol total-order index ST of agreement (any class); an effect is measurable" in html.unescape(page)


def test_four_runs_with_four_outcomes_have_no_most_frequent_outcome() -> None:
    runs = sweep_frame({"parameters.kappa": [0.5, 1, 2, 4]}, ["agreement_interim", "declaration", "stalemate", "walk_away"])
    page, _ = render_sweep_report(manifest(["parameters.kappa"]), runs)
    assert (
        "There is no single most frequent outcome: interim agreement, declaration, stalemate and walk-away each ended 1 of the "
        "4 finished runs (25%, 95% CI 5–70%). The varied parameter, credibility per unit of signal cost (kappa), has no "
        "measurable effect on the outcome (measured by a χ² test of independence on the finished runs)."
    ) in summary(page)
    assert "most frequent outcome is" not in summary(page)


def test_two_tied_outcomes_are_named_and_the_third_is_not() -> None:
    outcomes = ["walk_away"] * 5 + ["declaration"] * 5 + ["stalemate"] * 2
    runs = sweep_frame({"parameters.kappa": np.linspace(0, 1, 12)}, outcomes)
    text = summary(render_sweep_report(manifest(["parameters.kappa"]), runs)[0])
    assert "There is no single most frequent outcome: declaration and walk-away each ended 5 of the 12 finished runs (42%, 95% CI " in text


def test_a_grid_where_one_parameter_decides_names_that_parameter_alone() -> None:
    """kappa decides (walk-away at 2 and 3, a declaration at 1); phi's two levels end alike at every kappa."""
    cells = list(itertools.product([1.0, 2.0, 3.0], [0.1, 0.5], range(10)))
    runs = sweep_frame(
        {"parameters.kappa": [k for k, _, _ in cells], "parameters.phi": [f for _, f, _ in cells]},
        ["walk_away" if k >= 2 else "declaration" for k, _, _ in cells],
    )
    text = summary(render_sweep_report(manifest(["parameters.kappa", "parameters.phi"]), runs)[0])
    assert (
        "The most frequent outcome is walk-away (67% of finished runs, 95% CI 54–77%). Of the 2 varied parameters, only "
        "credibility per unit of signal cost (kappa) has a measurable effect on it (measured by a χ² test of independence on "
        "the finished runs)."
    ) in text


def test_a_parameter_whose_morris_mu_star_is_zero_is_left_out() -> None:
    rng = np.random.default_rng(0)
    kappa, phi = rng.uniform(0, 4, 40), rng.uniform(0, 1, 40)
    runs = sweep_frame({"parameters.kappa": kappa, "parameters.phi": phi}, np.where(kappa > 1, "walk_away", "declaration"))
    indices = {
        "parameters.kappa": {"mu_star": 0.4, "mu_star_conf": 0.1, "sigma": 0.2},
        "parameters.phi": {"mu_star": 0.0, "mu_star_conf": 0.0, "sigma": 0.0},
    }
    m = manifest(["parameters.kappa", "parameters.phi"], "morris", {"walk_away": {"method": "morris", "indices": indices}})
    page = render_sweep_report(m, runs)[0]
    assert (
        "Of the 2 varied parameters, only credibility per unit of signal cost (kappa) has a measurable effect on it "
        "(measured by the sweep's Morris μ* of walk-away)."
    ) in summary(page)
    assert "phi" not in summary(page)


def test_no_measurable_effect_is_said_as_such() -> None:
    """Two parameters, and outcomes that alternate run by run: neither parameter's levels tell them apart."""
    cells = list(itertools.product([1.0, 2.0], [0.1, 0.5], range(6)))
    runs = sweep_frame(
        {"parameters.kappa": [k for k, _, _ in cells], "parameters.phi": [f for _, f, _ in cells]},
        ["walk_away" if r % 3 else "declaration" for _, _, r in cells],
    )
    text = summary(render_sweep_report(manifest(["parameters.kappa", "parameters.phi"]), runs)[0])
    assert (
        "None of the 2 varied parameters has a measurable effect on it (measured by a χ² test of independence on the finished runs)."
    ) in text


def test_sobol_indices_rank_two_measurable_parameters_by_their_total_index() -> None:
    rng = np.random.default_rng(1)
    kappa, phi, nu = rng.uniform(0, 4, 30), rng.uniform(0, 1, 30), rng.uniform(0, 1, 30)
    runs = sweep_frame(
        {"parameters.kappa": kappa, "parameters.phi": phi, "parameters.nu": nu}, np.where(kappa > 1, "walk_away", "stalemate")
    )
    indices = {
        "parameters.kappa": {"S1": 0.1, "S1_conf": 0.05, "ST": 0.2, "ST_conf": 0.05},
        "parameters.phi": {"S1": 0.5, "S1_conf": 0.05, "ST": 0.6, "ST_conf": 0.1},
        "parameters.nu": {"S1": 0.0, "S1_conf": 0.05, "ST": 0.03, "ST_conf": 0.05},  # its interval reaches 0
    }
    m = manifest(list(indices), "sobol", {"walk_away": {"method": "sobol", "indices": indices}})
    text = summary(render_sweep_report(m, runs)[0])
    assert (
        "The parameters that move it most are hawks' discount of reassurance (phi) and credibility per unit of signal cost "
        "(kappa); the other one has no measurable effect (measured by the sweep's Sobol total-order indices of walk-away)."
    ) in text


def test_one_stored_run_is_counted_in_the_singular() -> None:
    runs = sweep_frame({"parameters.kappa": [1.0]}, ["walk_away"])
    page, _ = render_sweep_report({**manifest(["parameters.kappa"]), "counts": {"total": 1, "done": 1, "failed": 0}}, runs)
    assert "<span>1 run stored of 1</span>" in page
    assert "1 runs" not in page
