"""A sweep's spec and design: the spec file (validated like scenarios), the design matrix and each run's seed.

* **Spec** (:class:`SweepSpec`): YAML, validated like scenarios; parameter
  paths are checked against the scenario's parameter list when loaded
  (:func:`load_spec`, :func:`resolve_spec`).
* **Design** (:func:`design_matrix`): grid, Latin hypercube
  (``scipy.stats.qmc``), Saltelli (Sobol indices) and Morris samples (SALib).
* **Seeds** (:func:`run_seed`): run ``(point, replicate)`` gets
  ``SeedSequence(sweep seed, spawn_key=(point, replicate))`` — never worker
  identity or completion order.

Running the design is :mod:`summitry.sim.experiments.sweep`, on an executor of :mod:`summitry.sim.experiments.executors`.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import ConfigDict, Field, ValidationError, model_validator

from summitry.sim.analysis.sweeps import salib_problem
from summitry.sim.errors import InputError, SweepSpecError
from summitry.sim.numeric import NumbersOnly
from summitry.sim.scenario.document import (
    apply_overrides,
    choice_parameter,
    document_hash,
    legacy_document_hash,
    load_raw,
    scenario_problems,
    validate_data,
)
from summitry.sim.scenario.loading import Loc, close_matches, format_loc, names_builtin, parse_document, read_text, validation_messages
from summitry.sim.scenario.overrides import canonical, parameter_map
from summitry.sim.scenario.pattern_check import pattern_problems, series_variables

DEFAULT_BATCH = 20

METRICS: tuple[str, ...] = (
    "summit_held",
    "first_summit_week",
    "summits",
    "cancellations",
    "reinstated",
    "walk_away",
    "agreement",
    "agreement_week",
    "time_to_agreement",
    "agreement_ratified",
    "agreement_implemented",
    "agreement_collapsed",
    "escalation",
    "escalation_week",
    "moratorium_survival",
    "moratorium_censored",
    "steps_run",
    "trust_a_to_b",
    "trust_b_to_a",
    "pressure_a",
    "pressure_b",
    "final_tension",
    "final_zone_area",
    "mean_zone_area",
    "hardliner_influence",
    "signals_sent",
)
"""Per-run metrics a sweep can keep (side a/b are the scenario's summit sides in order)."""


class _Data(NumbersOnly):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class ParameterRange(_Data):
    """A varied parameter: a range [low, high] or a list of levels."""

    low: float | None = Field(None, description="Lower end of the range.")
    high: float | None = Field(None, description="Upper end of the range.")
    levels: list[float] | None = Field(None, min_length=1, description="Explicit levels (grid) instead of a range.")

    @model_validator(mode="before")
    @classmethod
    def _a_range_or_levels(cls, data: Any) -> Any:
        """One plain message for a parameter given a value instead of a range (pydantic's names the class)."""
        if not isinstance(data, Mapping) and not isinstance(data, ParameterRange):
            shown = repr(data) if isinstance(data, str) else str(data)
            raise ValueError(f"must be a range {{low: 1, high: 3}} or levels {{levels: [1, 2, 3]}} (got {shown})")
        return data

    @model_validator(mode="after")
    def _one_kind(self) -> ParameterRange:
        if self.levels is None:
            if self.low is None or self.high is None:
                raise ValueError("give low and high, or levels")
            if self.low > self.high:
                raise ValueError(f"low ({self.low}) must be <= high ({self.high})")
        elif self.low is not None or self.high is not None:
            raise ValueError("give either low/high or levels, not both")
        return self


class Trajectories(_Data):
    """Per-step trajectories to keep (off by default: they are large)."""

    keep: bool = Field(False, description="Write a trajectories dataset beside the runs.")
    stride: int = Field(1, ge=1, le=100_000, description="Keep every stride-th step.")
    variables: list[str] | None = Field(None, description="Series variables to keep (all when absent).")


class SweepSpec(_Data):
    """A sweep: which scenario, what varies, how it is sampled and replicated."""

    scenario: str = Field(min_length=1, description="Built-in scenario name or path (relative to the spec file).")
    parameters: dict[str, ParameterRange] = Field(min_length=1, description="Parameter path -> range or levels (see `summitry params`).")
    design: Literal["grid", "lhs", "sobol", "morris"] = Field(description="grid, lhs (Latin hypercube), sobol (Saltelli sampling), morris.")
    points: int = Field(
        10, ge=1, le=10_000_000, description="grid: levels per ranged parameter; lhs: points; sobol: base sample N; morris: trajectories."
    )
    replicates: int = Field(1, ge=1, le=100_000, description="Seeds per design point.")
    seed: int = Field(0, ge=0, le=2**63 - 1, description="Sweep seed; every run's seed derives from it, the point and the replicate.")
    metrics: list[str] | None = Field(None, description="Metrics to keep (all when absent).")
    trajectories: Trajectories = Field(default_factory=Trajectories)
    mode: Literal["free", "forcing"] | None = Field(None, description="Run mode; the scenario's when absent.")
    steps: int | None = Field(
        None, ge=1, le=100_000, description="Steps per run (of the scenario's clock); the scenario's horizon when absent."
    )
    fixed: dict[str, float] = Field(default_factory=dict, description="Parameter overrides applied to every run.")
    batch_size: int = Field(DEFAULT_BATCH, ge=1, le=100_000, description="Runs per task (and per Parquet part).")
    morris_levels: int = Field(4, ge=2, le=20, description="Grid levels of the Morris design.")
    patterns: bool = Field(
        False,
        description="Also score each run against the scenario's historical patterns: "
        "columns metric.pattern.<id> (a score in [0, 1]; empty where the pattern does not apply) and metric.pattern_score "
        "(weighted; see sim.experiments.backtest).",
    )


@dataclass
class LoadedSpec:
    """A validated spec with its scenario and the resolved parameter paths."""

    spec: SweepSpec
    source: str
    scenario_data: dict[str, Any]
    scenario_source: str
    paths: list[str]
    bounds: list[tuple[float, float]]
    integer: list[bool]
    fixed: dict[str, float]
    metrics: list[str]

    def _payload(self) -> dict[str, Any]:
        return {"spec": self.spec.model_dump(mode="json"), "scenario": json.loads(json.dumps(self.scenario_data, default=str))}

    @property
    def hash(self) -> str:
        """SHA-256 of the spec and its scenario, every mapping in its own order (a parameter's column and a side's index
        follow the order they are listed in, so reordering changes the runs)."""
        return document_hash(self._payload())

    @property
    def legacy_hash(self) -> str:
        """The hash sweeps recorded until 7 December 2026 (mappings sorted), to recognise their directories on resume."""
        return legacy_document_hash(self._payload())


# ------------------------------------------------------------------ loading


def load_spec(path: str | Path) -> LoadedSpec:
    """Read and validate a sweep spec, including its parameter paths against the scenario."""
    p = Path(path)
    source = str(path)
    text = read_text(p, "sweep spec", SweepSpecError)
    data, lines = parse_document(text, source, "sweep spec", SweepSpecError)
    try:
        spec = SweepSpec.model_validate(data)
    except ValidationError as exc:
        raise SweepSpecError(validation_messages(exc, source, lines, model=SweepSpec)) from None
    return resolve_spec(spec, source, lines, base_dir=p.parent)


def _where(source: str, lines: Mapping[Loc, int], loc: Loc) -> str:
    while loc:
        if loc in lines:
            return f"{source}:{lines[loc]}"
        loc = loc[:-1]
    return source


def _bound_order(
    pmap: Mapping[str, Any], varied: Mapping[str, tuple[float, float]], fixed: Mapping[str, float], source: str, lines: Mapping[Loc, int]
) -> list[str]:
    """A stated bound [low, high] must keep low <= high at every point of the design (checked at load, not per run)."""

    def span(path: str) -> tuple[float, float]:
        if path in varied:
            return varied[path]
        if path in fixed:
            return fixed[path], fixed[path]
        value = float(pmap[path][1].value)
        return value, value

    out = []
    bases = {p.rsplit(".", 1)[0] for p in (*varied, *fixed) if ".acceptance.bounds." in p and p.endswith((".low", ".high"))}
    for base in sorted(bases):
        low, high = span(f"{base}.low"), span(f"{base}.high")
        if low[1] > high[0]:
            key = f"{base}.low" if f"{base}.low" in varied or f"{base}.low" in fixed else f"{base}.high"
            group = "parameters" if key in varied else "fixed"
            out.append(
                f"{_where(source, lines, (group,))}: {group}.{key}: the bound's low end reaches {low[1]:g} and its high end "
                f"goes down to {high[0]:g}; every point of the design needs low <= high"
            )
    return out


def _run_problems(spec: SweepSpec, scenario: Any, source: str, lines: Mapping[Loc, int]) -> list[str]:
    """What each run would do wrong: ``steps`` past the calendar, ``trajectories.variables`` that the runs do not
    record (they would keep nothing of them, silently), ``patterns: true`` with no patterns to score."""
    out = []
    if spec.steps is not None and (calendar := scenario.time.past_calendar(spec.steps)) is not None:
        out.append(f"{_where(source, lines, ('steps',))}: steps: {calendar} (the scenario starts on {scenario.time.start})")
    if spec.patterns:
        # the whole list's rules (each pattern's own were checked with the scenario): with none to score, or none
        # weighing anything, every run's pattern_score would be empty
        out += [
            f"{_where(source, lines, ('patterns',))}: patterns: true asks for pattern scores, but {m}"
            for m in _pattern_list_problems(scenario)
        ]
    recorded = sorted(set().union(*series_variables(scenario).values()))
    for i, name in enumerate(spec.trajectories.variables or []):
        if name not in recorded:
            near = close_matches(name, recorded, n=3)
            hint = f"; close matches: {', '.join(near)}" if near else f"; the series records {', '.join(recorded)}"
            where = _where(source, lines, ("trajectories", "variables", i))
            out.append(f"{where}: trajectories.variables[{i}]: {scenario.name}'s runs record no variable {name!r}{hint}")
    return out


def _pattern_list_problems(scenario: Any) -> list[str]:
    """What keeps the scenario's pattern list as a whole from being scored (no patterns, no weight), in words."""
    return [m.split(": ", 1)[1] for m in pattern_problems(scenario) if m.startswith("patterns: ")]


@dataclass(frozen=True)
class Design:
    """What a design sets, by canonical path: the varied values (with the spec's key), which are whole numbers, the fixed."""

    varied: Mapping[str, tuple[str, list[float]]]
    integer: Mapping[str, bool]
    fixed: Mapping[str, float]
    fixed_keys: Mapping[str, str]


MAX_DESIGN_CHECKS = 128
"""Most points of a design whose scenario is validated when the spec is loaded (each takes a few milliseconds)."""
DESIGN_CHECK_WORK = 30_000
"""The work of the checks at load, in actors and edges validated: a scenario's validation grows with its size (about 2 s
for this much), so a large generated scenario gets only its two extreme corners checked, the teaching case every corner."""
_ALL_CORNERS = 6
"""Up to this many varied parameters every corner of the design's box is checked (2**6 = 64 scenarios)."""


def _check_points(design: Design, size: int) -> list[dict[str, float]]:
    """The points of the design checked at load, most telling first: the box's two extreme corners, each parameter
    flipped alone from them, every other corner (up to six parameters), then each parameter's listed levels inside
    the box; as many as :data:`DESIGN_CHECK_WORK` allows for a scenario of ``size`` actors and edges (two at least).

    The scenario's rules across fields (shares and weights that sum to 1, ``tau_prep_min <= tau_prep_max``, ...)
    hold or fail at the corners, where the values are furthest apart; a listed level is checked too, since a rule
    can refuse one value inside a range (an edge weight of 0).
    """
    paths = list(design.varied)

    def value(path: str, v: float) -> float:
        return float(round(v)) if design.integer.get(path) else float(v)

    ends = {p: sorted({value(p, min(vs)), value(p, max(vs))}) for p, (_, vs) in design.varied.items()}
    low = {p: ends[p][0] for p in paths}
    high = {p: ends[p][-1] for p in paths}
    points = [low, high, *({**low, p: high[p]} for p in paths), *({**high, p: low[p]} for p in paths)]
    if len(paths) <= _ALL_CORNERS:
        points += [dict(zip(paths, corner, strict=True)) for corner in itertools.product(*(ends[p] for p in paths))]
    for p, (_, vs) in design.varied.items():
        points += [{**low, p: value(p, v)} for v in sorted(set(vs)) if low[p] < value(p, v) < high[p]]
    unique = list({tuple(pt.items()): pt for pt in points}.values())
    return unique[: max(2, min(MAX_DESIGN_CHECKS, DESIGN_CHECK_WORK // max(1, size)))]


def _design_problems(
    design: Design, scenario: Any, raw: Mapping[str, Any], scen_source: str, pmap: Mapping[str, Any], source: str, lines: Mapping[Loc, int]
) -> list[str]:
    """A design's points whose scenario breaks the scenario's rules, each message at the spec entry that causes it.

    The bounds of each parameter are checked alone (:func:`resolve_spec`); this checks them together, with the
    fixed values, against the rules a scenario file must meet, so that a design with such points is refused when
    it is loaded instead of storing failed runs. An entry causes a problem when the problem's place in the
    scenario is the number the entry sets or contains it; a rule between numbers (``tau_prep_min <= tau_prep_max``)
    placed at a number the spec does not set is reported at the ``parameters`` block, with the point.
    """
    out: dict[tuple[str, Loc, str], str] = {}
    entries = {
        **{p: ("parameters", key) for p, (key, _) in design.varied.items()},
        **{p: ("fixed", k) for p, k in design.fixed_keys.items()},
    }
    size = len(scenario.actor_ids()) + len(scenario.influence) + len(scenario.events)
    for point in _check_points(design, size):
        try:
            origins = {p: f"{group}.{key}" for p, (group, key) in entries.items()}  # the spec's entries, not --set
            data = apply_overrides(raw, {**design.fixed, **point}, scen_source, origins)
        except InputError as exc:  # values inside each parameter's bounds (checked above) are accepted; kept as a message
            problems: list[tuple[Loc, str]] = [((), m) for m in exc.messages]
        else:
            problems = scenario_problems(data)
        for loc, message in problems:
            blamed: list[str | None] = [p for p in entries if _overlaps(tuple(pmap[p][0]), loc)] or [None]
            for path in blamed:
                group, key = entries[path] if path is not None else ("parameters", "")
                at = _point_words(design, point, path)
                where = _where(source, lines, (group, key) if key else (group,))
                field = f"{group}.{key}" if key else group
                rule = f"{format_loc(loc)}: {message}" if loc else message
                out.setdefault(
                    (field, loc, message),
                    f"{where}: {field}: {at} the scenario breaks a rule ({rule}); every point of the design must be a valid scenario",
                )
    return list(out.values())


def _overlaps(a: Loc, b: Loc) -> bool:
    """Whether one location in a scenario file contains the other (or they are the same)."""
    n = min(len(a), len(b))
    return n > 0 and a[:n] == b[:n]


def _point_words(design: Design, point: Mapping[str, float], blamed: str | None) -> str:
    """Where in the design a problem was found, in words: ``at 50``, ``at 1 (with kappa = 1)`` for the entry blamed,
    ``at the design's point tau_prep_max = 8, kappa = 1`` when no entry is."""
    varied = [(design.varied[p][0], v) for p, v in point.items()]
    if blamed is None:
        return "at the design's point " + ", ".join(f"{k} = {v:g}" for k, v in varied)
    others = ", ".join(f"{k} = {v:g}" for (k, v), p in zip(varied, point, strict=True) if p != blamed)
    value = point[blamed] if blamed in point else design.fixed[blamed]
    return f"at {value:g}" + (f" (with {others})" if others else "")


def resolve_spec(spec: SweepSpec, source: str, lines: Mapping[Loc, int] | None = None, base_dir: Path | None = None) -> LoadedSpec:
    """Check a spec against its scenario: real parameter paths, ranges inside bounds, known metrics."""
    lines = lines if lines is not None else {}
    name = spec.scenario
    candidate = (base_dir / name) if base_dir is not None and not Path(name).is_absolute() else Path(name)
    target: str | Path = candidate if candidate.exists() and not names_builtin(candidate, name) else name
    try:
        raw, raw_lines, scen_source = load_raw(target)
        scenario = validate_data(raw, scen_source, raw_lines)
    except InputError as exc:
        where = _where(source, lines, ("scenario",))
        raise SweepSpecError([f"{where}: scenario: {m}" for m in exc.messages]) from None
    pmap = parameter_map(scenario)
    problems: list[str] = []
    paths: list[str] = []
    bounds: list[tuple[float, float]] = []
    integer: list[bool] = []
    written: dict[str, tuple[str, list[float]]] = {}  # varied path -> (the spec's key, the values the design takes at least)
    for key, rng in spec.parameters.items():
        where = _where(source, lines, ("parameters", key))
        try:
            path = canonical(scenario, key, pmap)
        except KeyError:
            choice = choice_parameter(key)
            if choice is not None:
                problems.append(
                    f"{where}: parameters.{key}: not a number but a choice ({' or '.join(choice)}); a sweep varies numbers, "
                    "so state it in the scenario's parameters block and sweep each choice as its own spec"
                )
                continue
            near = list(dict.fromkeys(close_matches(key, list(pmap) + [q.removeprefix("parameters.") for q in pmap], n=8)))[:5]
            hint = (
                f"; close matches: {', '.join(near)}"
                if near
                else f"; the scenario's parameters include {', '.join(list(pmap)[:8])}, ... (`summitry params {name}` lists all)"
            )
            problems.append(f"{where}: parameters.{key}: no such parameter in scenario {name}{hint}")
            continue
        info = pmap[path][1]
        values = rng.levels if rng.levels is not None else [rng.low, rng.high]
        for v in values:
            assert v is not None
            if not info.low <= v <= info.high:
                problems.append(f"{where}: parameters.{key}: {v:g} is outside the parameter's bounds [{info.low:g}, {info.high:g}]")
                break
        if path in paths:
            problems.append(f"{where}: parameters.{key}: names the same parameter as another entry ({path})")
        paths.append(path)
        finite = [float(v) for v in values if v is not None]
        bounds.append((min(finite), max(finite)))
        integer.append(info.integer)
        written[path] = (key, finite)
    fixed: dict[str, float] = {}
    fixed_keys: dict[str, str] = {}
    for key, value in spec.fixed.items():
        where = _where(source, lines, ("fixed", key))
        try:
            path = canonical(scenario, key, pmap)
        except KeyError:
            near = close_matches(key, list(pmap), n=3)
            problems.append(f"{where}: fixed.{key}: no such parameter{'; close matches: ' + ', '.join(near) if near else ''}")
            continue
        info = pmap[path][1]
        if not info.low <= value <= info.high:
            problems.append(f"{where}: fixed.{key}: {value:g} is outside the parameter's bounds [{info.low:g}, {info.high:g}]")
        if path in paths:
            problems.append(f"{where}: fixed.{key}: is also varied")
        fixed[path] = value
        fixed_keys[path] = key
    problems += _bound_order(pmap, dict(zip(paths, bounds, strict=True)), fixed, source, lines)
    problems += _run_problems(spec, scenario, source, lines)
    metrics = list(spec.metrics) if spec.metrics is not None else list(METRICS)
    for i, m in enumerate(metrics):
        if m not in METRICS:
            near = close_matches(m, METRICS, n=3)
            problems.append(
                f"{_where(source, lines, ('metrics', i))}: metrics[{i}]: unknown metric {m!r}{'; did you mean ' + ', '.join(near) if near else '; metrics are ' + ', '.join(METRICS)}"
            )
    if spec.design == "grid":
        ranged = [k for k, r in spec.parameters.items() if r.levels is None]
        if ranged and spec.points < 2:
            problems.append(f"{_where(source, lines, ('points',))}: points: a grid needs at least 2 levels per ranged parameter")
    elif any(r.levels is not None for r in spec.parameters.values()) and spec.design in ("sobol", "morris"):
        problems.append(f"{_where(source, lines, ('design',))}: design: {spec.design} needs ranges (low/high), not levels")
    if spec.design == "sobol" and spec.points & (spec.points - 1):
        # the Sobol sequence is balanced only over a power of 2 of points, and the indices' estimates rest on it
        below = 1 << (spec.points.bit_length() - 1)
        problems.append(
            f"{_where(source, lines, ('points',))}: points: sobol's base sample must be a power of 2 for the Sobol sequence "
            f"to be balanced (got {spec.points}; {below} or {2 * below})"
        )
    if spec.design == "morris" and spec.points < 2:
        problems.append(f"{_where(source, lines, ('points',))}: points: morris needs at least 2 trajectories")
    if not problems:
        n_points, n_runs = design_size(spec)
        if n_runs > MAX_SWEEP_RUNS:
            problems.append(
                f"{_where(source, lines, ('points',))}: points: the {spec.design} design has {n_points:,} points x {spec.replicates:,} "
                f"replicates = {n_runs:,} runs; a sweep is limited to {MAX_SWEEP_RUNS:,} runs (split it, or lower points or replicates)"
            )
    if not problems:
        design = Design(written, dict(zip(paths, integer, strict=True)), fixed, fixed_keys)
        problems += _design_problems(design, scenario, raw, scen_source, pmap, source, lines)
    if problems:
        raise SweepSpecError(problems)
    return LoadedSpec(spec, source, raw, scen_source, paths, bounds, integer, fixed, metrics)


MAX_SWEEP_RUNS = 1_000_000
"""Most runs one sweep (or calibration) may have: its run list and design are built in memory (about 200 bytes a run)."""


def design_size(spec: SweepSpec) -> tuple[int, int]:
    """(design points, runs) of a spec, computed from its sizes alone (nothing is built)."""
    D = len(spec.parameters)
    if spec.design == "grid":
        n = 1
        for r in spec.parameters.values():
            n *= len(r.levels) if r.levels is not None else spec.points
    elif spec.design == "lhs":
        n = spec.points
    elif spec.design == "sobol":
        n = spec.points * (D + 2)  # Saltelli without second-order terms
    else:
        n = spec.points * (D + 1)  # Morris trajectories
    return n, n * spec.replicates


# ------------------------------------------------------------------- design


def design_matrix(loaded: LoadedSpec) -> np.ndarray:
    """The design's points, shape (n_points, n_parameters), in the parameters' own units."""
    spec = loaded.spec
    ranges = list(spec.parameters.values())
    D = len(ranges)
    seed = np.random.SeedSequence(spec.seed)
    if spec.design == "grid":
        axes = [np.asarray(r.levels, dtype=float) if r.levels is not None else np.linspace(r.low, r.high, spec.points) for r in ranges]  # type: ignore[arg-type]
        X = np.array(list(itertools.product(*axes)), dtype=float).reshape(-1, D)
    elif spec.design == "lhs":
        from scipy.stats import qmc  # heavy (scipy.stats): only for a Latin hypercube design

        U = qmc.LatinHypercube(d=D, seed=np.random.default_rng(seed)).random(spec.points)
        X = np.empty_like(U)
        for j, r in enumerate(ranges):
            if r.levels is not None:
                idx = np.minimum((U[:, j] * len(r.levels)).astype(int), len(r.levels) - 1)
                X[:, j] = np.asarray(r.levels, dtype=float)[idx]
            else:
                X[:, j] = r.low + U[:, j] * (r.high - r.low)  # type: ignore[operator]
    else:
        problem = salib_problem(loaded)
        salib_seed = int(seed.generate_state(1, np.uint32)[0])
        if spec.design == "sobol":
            from SALib.sample import sobol as sobol_sample  # heavy (SALib): only for Sobol designs

            X = sobol_sample.sample(problem, spec.points, calc_second_order=False, seed=salib_seed)
        else:
            from SALib.sample import morris as morris_sample  # heavy (SALib): only for Morris designs

            X = morris_sample.sample(problem, spec.points, num_levels=spec.morris_levels, seed=salib_seed)
        X = np.asarray(X, dtype=float)
    for j, is_int in enumerate(loaded.integer):
        if is_int:
            X[:, j] = np.round(X[:, j])
    return X


def run_seed(sweep_seed: int, point: int, replicate: int) -> int:
    """The seed of run (point, replicate): independent of workers and completion order.

    >>> run_seed(0, 0, 0) == run_seed(0, 0, 0) != run_seed(0, 0, 1)
    True
    """
    ss = np.random.SeedSequence(entropy=sweep_seed, spawn_key=(point, replicate))
    return int(ss.generate_state(1, np.uint64)[0] >> np.uint64(1))
