"""How often a case's summits end as history says, in forcing and free mode, with Wilson 95% intervals.

For each run: the result of the case's first summit held in the run (a
declaration, an agreement or a walk-away, and who walked) and, when it was
rejected, why each leader's offer was (the binding dimension). Seeds are
derived like the backtest's (``sim.experiments.backtest.run_seeds``).

    python tools/case_outcomes.py singapore-2018 --mode forcing --runs 100
    python tools/case_outcomes.py hanoi-2019 --mode free --runs 500
    python tools/case_outcomes.py hanoi-2019 --mode forcing --set renege_u=0.5
"""

from __future__ import annotations

import argparse
import os
from collections import Counter
from concurrent.futures import ProcessPoolExecutor

from summitry.sim.errors import SummitryError
from summitry.sim.experiments.backtest import run_seeds
from summitry.sim.run import run_scenario
from summitry.sim.scenario.document import load_scenario
from summitry.sim.stats import wilson


def _bound(detail: str) -> str:
    """' r' for "...; binding: r", else ''."""
    tail = detail.split("; ")[-1]
    return " " + tail.split(": ", 1)[1] if tail.startswith("binding: ") else ""


def _first_summit(args: tuple[str, str, int, dict[str, float]]) -> tuple[str, str, str]:
    """(result of the first summit, why offers were rejected there, how far the run's latest agreement got)."""
    name, mode, seed, overrides = args
    result = run_scenario(load_scenario(name, overrides), seed=seed, mode=mode, overrides=overrides)
    stage = result.manifest["metrics"]["agreement_stage"] or "no agreement"
    first, binding = _summit_result(result.events.to_pylist())
    return first, binding, stage


def _summit_result(events: list[dict]) -> tuple[str, str]:
    held = [e["step"] for e in events if e["kind"] == "summit_held"]
    if not held:
        return "no summit", ""
    week = held[0]
    # a summit of several steps ends at a later step: read it up to its outcome
    end = next((e["step"] for e in events if e["step"] >= week and e["kind"] in ("walk_away", "declaration", "agreement")), week)
    at = [e for e in events if week <= e["step"] <= end]
    binding = "; ".join(
        sorted(
            {
                f"{e['sender']}: {e['detail'].split('; ')[-1].split(':')[0]}{_bound(e['detail'])}"
                for e in at
                if e["kind"] == "offer_rejected"
            }
        )
    )
    for e in at:
        if e["kind"] == "walk_away":
            return f"walk-away by {e['sender']}", binding
        if e["kind"] in ("declaration", "agreement"):
            return e["kind"], binding
    return "other", binding


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("case")
    ap.add_argument("--mode", choices=("free", "forcing"), default="free")
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--set", action="append", default=[], metavar="PATH=VALUE", help="a parameter override, as for `summitry run`")
    a = ap.parse_args(argv)
    overrides: dict[str, float] = {}
    for item in a.set:
        path, _, value = item.partition("=")
        try:
            overrides[path] = float(value)
        except ValueError:
            ap.error(f"--set {item}: must be PATH=NUMBER")
    try:
        load_scenario(a.case, overrides or None)  # bad names and values are refused here, not in a worker
    except SummitryError as exc:
        ap.error(str(exc))
    tasks = [(a.case, a.mode, s, overrides) for s in run_seeds(0, a.runs)]
    with ProcessPoolExecutor(a.workers) as ex:
        results = list(ex.map(_first_summit, tasks, chunksize=8))
    outcomes = Counter(r[0] for r in results)
    print(f"{a.case}, {a.mode} mode, {a.runs} runs: result of the first summit held")
    for k, n in outcomes.most_common():
        est, lo, hi = wilson(n, a.runs)
        print(f"  {k:<28} {n:>4}  {est:.2f} [{lo:.2f}, {hi:.2f}]")
    if load_scenario(a.case, overrides or None).implementation is not None:
        print("how far the latest agreement got (life after an agreement, docs/ODD.md 7.20):")
        for k, n in Counter(r[2] for r in results).most_common():
            est, lo, hi = wilson(n, a.runs)
            print(f"  {k:<28} {n:>4}  {est:.2f} [{lo:.2f}, {hi:.2f}]")
    reasons = Counter(r[1] for r in results if r[1])
    if reasons:
        print("why offers were rejected (proposer: reason), most common:")
        for k, n in reasons.most_common(6):
            print(f"  {n:>4}  {k}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
