"""Parameter paths: list, read and override any number a scenario declares.

A path names one number. Three spellings are accepted:

* a model parameter by name (``kappa``) or as ``parameters.kappa``;
* an actor's field after its id (``trump.traits.impulsiveness``,
  ``hawks.influence``) and a side's after its id (``us.audience_cost``);
* the full path through the file (``sides.us.leader.traits.impulsiveness``);
* a number of a signal kind of the scenario's catalogue (the default kinds
  and the scenario's own): ``signals.KIND.cost`` (also ``tie``,
  ``verification``, ``breach_probability``), ``signals.KIND.trust.magnitude``
  and ``signals.KIND.effects.N.delta`` (``N`` counts the kind's effects from
  0; ``effects[N]`` is accepted too). An override of such a number lands in
  the scenario's ``signals:`` block (a whole ``effects`` list or ``trust``
  copied from the catalogue first, since a kind's override replaces them
  whole).

The canonical spelling (what sweeps record) is the second one, with model
parameters as ``parameters.NAME``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Annotated, Any

import yaml
from annotated_types import Ge, Gt, Le, Lt
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from summitry.sim.errors import ParameterError
from summitry.sim.mechanisms.parameters import DEFAULT_RANGES
from summitry.sim.mechanisms.signals import Effect, SignalKind, TrustEffect
from summitry.sim.scenario.loading import PARAMS_FILE_KEYS, close_matches, parse_document, read_text, untabbed_json, validation_messages

RawLoc = tuple[str | int, ...]


@dataclass(frozen=True)
class ParameterInfo:
    """One overridable number of a scenario."""

    path: str
    value: float
    low: float
    high: float
    description: str
    group: str
    integer: bool = False
    typical: tuple[float, float] | None = None
    """The default sweep range when the scenario's ``ranges`` and :data:`DEFAULT_RANGES` give none (the bounds when None)."""
    bounds: tuple[float, float] | None = None
    """In :func:`parameter_table` (where ``low``/``high`` are the sweep range): the values the scenario accepts."""


def _bounds(model: type[BaseModel], field: str) -> tuple[float, float, str, bool]:
    info = model.model_fields[field]
    lo, hi = -float("inf"), float("inf")
    for m in info.metadata:
        if isinstance(m, Ge):
            lo = float(m.ge)  # type: ignore[arg-type]
        elif isinstance(m, Gt):
            lo = float(m.gt)  # type: ignore[arg-type]
        elif isinstance(m, Le):
            hi = float(m.le)  # type: ignore[arg-type]
        elif isinstance(m, Lt):
            hi = float(m.lt)  # type: ignore[arg-type]
    ann = info.annotation
    args = getattr(ann, "__args__", ())
    for a in args:  # Unit | None, Annotated[...] inside a union
        for m in getattr(a, "__metadata__", ()):
            # Annotated[float, Field(ge=..., le=...)] keeps its bounds in the FieldInfo's metadata
            for c in (*getattr(m, "metadata", ()), m):
                if isinstance(c, Ge):
                    lo = float(c.ge)  # type: ignore[arg-type]
                elif isinstance(c, Le):
                    hi = float(c.le)  # type: ignore[arg-type]
    for m in getattr(ann, "__metadata__", ()):
        if isinstance(m, Ge):
            lo = float(m.ge)  # type: ignore[arg-type]
        elif isinstance(m, Le):
            hi = float(m.le)  # type: ignore[arg-type]
    integer = ann is int
    return lo, hi, info.description or "", integer


def _walk(obj: BaseModel, loc: RawLoc, name: str, group: str, out: dict[str, tuple[RawLoc, ParameterInfo]]) -> None:
    cls = type(obj)
    for field in cls.model_fields:
        value = getattr(obj, field)
        sub_loc = (*loc, field)
        sub_name = f"{name}.{field}"
        if isinstance(value, BaseModel):
            _walk(value, sub_loc, sub_name, group, out)
        elif isinstance(value, bool):
            continue
        elif isinstance(value, (int, float)):
            lo, hi, desc, integer = _bounds(cls, field)
            out[sub_name] = (sub_loc, ParameterInfo(sub_name, float(value), lo, hi, desc, group, integer))
        elif value is None and field == "susceptibility":
            lo, hi, desc, _ = _bounds(cls, field)
            out[sub_name] = (sub_loc, ParameterInfo(sub_name, float("nan"), 0.0, 1.0, desc, group))
        elif isinstance(value, dict) and field == "bounds":
            # a stated bound {dim: [lo, hi]}: each end is a number of its own (ODD 7.1)
            for dim, pair in value.items():
                for k, end in enumerate(("low", "high")):
                    path = f"{sub_name}.{dim}.{end}"
                    words = f"The {'lower' if k == 0 else 'upper'} stated bound on {dim} (0 to 1; low <= high)."
                    out[path] = ((*sub_loc, dim, k), ParameterInfo(path, float(pair[k]), 0.0, 1.0, words, group))
        elif isinstance(value, list) and field == "constraints":
            for i, limit in enumerate(value):
                _walk(limit, (*sub_loc, i), f"{sub_name}.{i}", group, out)
        elif isinstance(value, dict) and field == "weights":
            # a stated linear constraint's coefficients a_i (sim.mechanisms.limits.LinearLimit)
            for dim, a in value.items():
                path = f"{sub_name}.{dim}"
                out[path] = (
                    (*sub_loc, dim),
                    ParameterInfo(path, float(a), -10.0, 10.0, f"The constraint's coefficient a_i on {dim}.", group),
                )
        elif isinstance(value, dict) and field in ("trust", "rapport"):
            # listed where the file states them (a side it leaves out has the default: 0.5 trust, 0 rapport)
            words = "Initial trust in {}." if field == "trust" else "Initial rapport with {}'s leader."
            for other, v in value.items():
                out[f"{sub_name}.{other}"] = (
                    (*sub_loc, other),
                    ParameterInfo(f"{sub_name}.{other}", float(v), 0.0, 1.0, words.format(other), group),
                )


SIGNAL_NUMBERS: tuple[str, ...] = ("cost", "tie", "verification", "breach_probability")
"""The numbers of a signal kind addressed as ``signals.KIND.FIELD`` (``breach_probability`` for kinds with a test class)."""
_WHOSE = {"sender": "the sender's side", "receiver": "the receiver's side", "principals": "both principals"}


def _typical(value: float, lo: float, hi: float) -> tuple[float, float]:
    """A signal magnitude's default sweep range: from 0 to twice its value, inside its bounds (the bounds when it is 0).

    >>> _typical(0.05, 0, 1), _typical(-0.2, -5, 5), _typical(0.0, 0, 1)
    ((0.0, 0.1), (-0.4, 0.0), (0.0, 1.0))
    """
    if value == 0:
        return float(lo), float(hi)
    a, b = sorted((0.0, 2 * value))
    return float(max(lo, a)), float(min(hi, b))


def _signal_info(path: str, value: float, model: type[BaseModel], field: str, description: str) -> ParameterInfo:
    lo, hi, _, _ = _bounds(model, field)
    return ParameterInfo(path, float(value), lo, hi, description, "signals", typical=_typical(float(value), lo, hi))


def _effect_words(e: Effect) -> str:
    roles = f", {', '.join(e.roles)} only" if e.roles else ""
    scale = f", times the {e.scale}" if e.scale != "none" else ""
    return f"change of {e.var} of {_WHOSE[e.who]}{roles}{scale}"


def signal_parameters(catalogue: Mapping[str, SignalKind]) -> dict[str, tuple[RawLoc, ParameterInfo]]:
    """The numbers of each kind of a signal catalogue as parameters: ``signals.KIND.cost``, ``signals.KIND.effects.N.delta``, ...

    Listed where the kind uses them: ``trust.magnitude`` for hostile and shift
    trust effects, ``breach_probability`` for kinds with a test class, an
    effect's ``min_verification`` where it sets one. Bounds are the catalogue
    model's own (what validation accepts).

    >>> from summitry.sim.mechanisms.signals import build_catalogue
    >>> params = signal_parameters(build_catalogue())
    >>> params["signals.threat.cost"][1].value, params["signals.threat.cost"][0]
    (0.05, ('signals', 'threat', 'cost'))
    >>> info = params["signals.walk_away.effects.0.delta"][1]
    >>> info.value, info.low, info.high
    (0.1, -5.0, 5.0)
    >>> info.description
    "Walk-away: change of pressure.economic of the receiver's side (effect 0)."
    """
    out: dict[str, tuple[RawLoc, ParameterInfo]] = {}
    for kind, sk in catalogue.items():
        base = f"signals.{kind}"
        for field in SIGNAL_NUMBERS:
            if field == "breach_probability" and sk.test_class is None:
                continue
            desc = SignalKind.model_fields[field].description or field
            desc = desc[:1].lower() + desc[1:]
            out[f"{base}.{field}"] = (
                ("signals", kind, field),
                _signal_info(f"{base}.{field}", getattr(sk, field), SignalKind, field, f"{sk.label}: {desc}"),
            )
        if sk.trust.mode in ("hostile", "shift"):
            what = (
                "hostility h (the receivers' trust falls by kappa_h * h)"
                if sk.trust.mode == "hostile"
                else "fixed logit shift of the receivers' trust"
            )
            path = f"{base}.trust.magnitude"
            out[path] = (
                ("signals", kind, "trust", "magnitude"),
                _signal_info(path, sk.trust.magnitude, TrustEffect, "magnitude", f"{sk.label}: {what}."),
            )
        for i, e in enumerate(sk.effects):
            path = f"{base}.effects.{i}.delta"
            desc = f"{sk.label}: {_effect_words(e)} (effect {i})."
            out[path] = (("signals", kind, "effects", i, "delta"), _signal_info(path, e.delta, Effect, "delta", desc))
            if e.min_verification > 0:
                path = f"{base}.effects.{i}.min_verification"
                desc = f"{sk.label}: verification below which effect {i} ({e.var}) does not apply."
                out[path] = (
                    ("signals", kind, "effects", i, "min_verification"),
                    _signal_info(path, e.min_verification, Effect, "min_verification", desc),
                )
    return out


def parameter_map(sc: Any) -> dict[str, tuple[RawLoc, ParameterInfo]]:
    """Every overridable number: canonical path -> (location in the file, info)."""
    out: dict[str, tuple[RawLoc, ParameterInfo]] = {}
    params = sc.parameters
    for field in type(params).model_fields:
        value = getattr(params, field)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        lo, hi, desc, integer = _bounds(type(params), field)
        out[f"parameters.{field}"] = (
            ("parameters", field),
            ParameterInfo(f"parameters.{field}", float(value), lo, hi, desc, "model", integer),
        )
    for sid, side in sc.sides.items():
        for field in ("audience_cost", "ratification_threshold", "position", "concession_curvature"):
            v = getattr(side, field)
            lo, hi, desc, _ = _bounds(type(side), field)
            out[f"{sid}.{field}"] = (
                ("sides", sid, field),
                ParameterInfo(f"{sid}.{field}", float("nan") if v is None else float(v), lo, hi, desc, sid),
            )
        for sub in ("initial", "pressure_weights"):
            _walk(getattr(side, sub), ("sides", sid, sub), f"{sid}.{sub}", sid, out)
        for dim, w in side.utility.items():
            out[f"{sid}.utility.{dim}"] = (
                ("sides", sid, "utility", dim),
                ParameterInfo(f"{sid}.utility.{dim}", float(w), -10.0, 10.0, f"Weight of {dim} for {sid}.", sid),
            )
        _walk(side.leader, ("sides", sid, "leader"), side.leader.id, sid, out)
        for i, f in enumerate(side.factions):
            _walk(f, ("sides", sid, "factions", i), f.id, sid, out)
    for i, tp in enumerate(sc.third_parties):
        _walk(tp, ("third_parties", i), tp.id, "third parties", out)
    try:
        catalogue = sc.catalogue
    except ValidationError:  # a scenario whose signals block does not validate: its kinds have no parameters to list
        return out
    out.update(signal_parameters(catalogue))
    return out


def parameter_table(sc: Any) -> list[ParameterInfo]:
    """Every overridable number with its value and its sweep range."""
    table = []
    pmap = parameter_map(sc)
    ranges: dict[str, tuple[float, float]] = {}
    for key, rng in sc.ranges.items():  # any spelling of a path; canonical wins
        try:
            ranges[canonical(sc, key, pmap)] = rng
        except KeyError:
            continue
    for path, (_, info) in pmap.items():
        lo, hi = info.low, info.high
        name = path.removeprefix("parameters.")
        if path in ranges:
            lo, hi = ranges[path]
        elif path.startswith("parameters.") and name in sc.ranges:
            lo, hi = sc.ranges[name]
        elif path.startswith("parameters.") and name in DEFAULT_RANGES:
            lo, hi = DEFAULT_RANGES[name]
        elif info.typical is not None:
            lo, hi = info.typical
        table.append(ParameterInfo(path, info.value, lo, hi, info.description, info.group, info.integer, bounds=(info.low, info.high)))
    return table


_INDEX = re.compile(r"\[(\d+)\]")


def canonical(sc: Any, path: str, pmap: Mapping[str, Any] | None = None) -> str:
    """The canonical spelling of ``path``; KeyError if it names nothing."""
    pmap = pmap if pmap is not None else parameter_map(sc)
    if path in pmap:
        return path
    path = _INDEX.sub(r".\1", path)  # effects[0] -> effects.0, factions[2] -> factions.2
    if path in pmap:
        return path
    if f"parameters.{path}" in pmap:
        return f"parameters.{path}"
    parts = path.split(".")
    if parts[0] == "sides" and len(parts) >= 3:
        sid = parts[1]
        side = sc.sides.get(sid)
        if side is not None:
            if parts[2] == "leader":
                cand = ".".join([side.leader.id, *parts[3:]])
            elif parts[2] == "factions" and len(parts) >= 4:
                ids = [f.id for f in side.factions]
                key = parts[3]
                fid = ids[int(key)] if key.isdigit() and int(key) < len(ids) else key
                cand = ".".join([fid, *parts[4:]])
            else:
                cand = ".".join([sid, *parts[2:]])
            if cand in pmap:
                return cand
    if parts[0] == "third_parties" and len(parts) >= 3:
        ids = [t.id for t in sc.third_parties]
        key = parts[1]
        tid = ids[int(key)] if key.isdigit() and int(key) < len(ids) else key
        cand = ".".join([tid, *parts[2:]])
        if cand in pmap:
            return cand
    raise KeyError(path)


class CalibrationDeclaration(BaseModel):
    """A scenario's ``calibration`` block: how a joint calibration over several cases treats its parameters."""

    model_config = ConfigDict(extra="forbid")

    case_specific: list[str] = Field(
        default_factory=list,
        max_length=200,
        description="Parameter paths (as `summitry params` lists them, e.g. trump.traits.impulsiveness) that a joint "
        "calibration fits for this case alone; every other parameter is shared by the cases fitted together.",
    )


def case_specific_problems(sc: Any, paths: list[str]) -> list[tuple[int, str]]:
    """A scenario's ``calibration.case_specific`` paths that name no parameter, or one named twice: (item, message)."""
    pmap = parameter_map(sc)
    seen: dict[str, int] = {}
    out: list[tuple[int, str]] = []
    for i, path in enumerate(paths):
        try:
            key = canonical(sc, path, pmap)
        except KeyError:
            near = close_matches(path, [*pmap, *(k.removeprefix("parameters.") for k in pmap)], n=3)
            out.append(
                (i, f"no parameter {path!r}" + (f"; close matches: {', '.join(near)}" if near else "; `summitry params` lists them"))
            )
            continue
        if key in seen:
            out.append((i, f"{path!r} is declared twice (first as item {seen[key]})"))
        seen.setdefault(key, i)
    return out


def parameter_value(sc: Any, path: str) -> float:
    """Current value of the number at ``path``; KeyError if none."""
    pmap = parameter_map(sc)
    return pmap[canonical(sc, path, pmap)][1].value


MAX_NUMBER_CHARS = 40
"""Longest number text an override accepts (no parameter needs more: 17 significant digits and an exponent)."""
_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d{1,4})?")


def parse_number(text: str) -> float | int:
    """An override's value: a plain decimal number (``3``, ``-0.25``, ``1e-3``), or ValueError saying why not.

    Hexadecimal, octal and binary literals, YAML's sexagesimal ``1:30`` (which
    YAML 1.1 reads as 90), digit separators and numbers longer than
    :data:`MAX_NUMBER_CHARS` characters are refused rather than reinterpreted.

    >>> parse_number("3"), parse_number("-2.5e-1")
    (3, -0.25)
    """
    t = text.strip()
    if not t:
        raise ValueError("is empty; give a number")
    if len(t) > MAX_NUMBER_CHARS:
        raise ValueError(f"is a number of {len(t)} characters; at most {MAX_NUMBER_CHARS} are accepted")
    low = t.lower().lstrip("+-")
    if low.startswith(("0x", "0o", "0b")):
        raise ValueError(f"{t!r}: hexadecimal, octal and binary numbers are not accepted; write it in decimal")
    if ":" in t:
        raise ValueError(f"{t!r}: takes one number, not a range or a time (LOW:HIGH ranges belong in sweep specs and --parameters)")
    if low in ("inf", "infinity", "nan", ".inf", ".nan"):
        raise ValueError(f"must be a finite number (got {t!r})")
    if not _DECIMAL.fullmatch(t):
        raise ValueError(f"must be a number (got {t!r}); write e.g. 3, 0.25 or 1e-3")
    if re.fullmatch(r"[+-]?\d+", t):
        return int(t)
    value = float(t)
    if not math.isfinite(value):
        raise ValueError(f"must be a finite number (got {t!r})")
    return value


def parse_value(text: str) -> Any:
    """Parse an override's value: a number (:func:`parse_number`); anything else is kept as text (and refused later)."""
    try:
        return parse_number(text)
    except ValueError:
        return text


def shown(value: Any) -> str:
    """A value for a message, never thousands of digits long."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 64:
        return f"a number of about {int(value.bit_length() * 0.30103) + 1} digits"
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def checked_number(value: Any, where: str, parse: bool = True) -> float | int:
    """``value`` as a number: a string (with ``parse``) read as a plain decimal, else it must be a number already.

    A :class:`ValueError` carries the message, starting with ``where``.

    >>> checked_number("0.25", "--set kappa")
    0.25
    >>> checked_number(True, "--set kappa")
    Traceback (most recent call last):
    ...
    ValueError: --set kappa: must be a number (got True)
    """
    if parse and isinstance(value, str):
        try:
            value = parse_number(value)
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{where}: must be a number (got {shown(value)})")
    return value


def accepted_range(info: ParameterInfo) -> str:
    """The values ``--set`` accepts for a parameter, as ``[0, 20]`` or ``[0, ∞)``."""
    lo = "(-∞" if info.low == -math.inf else f"[{info.low:g}"
    hi = "∞)" if info.high == math.inf else f"{info.high:g}]"
    return f"{lo}, {hi}"


class CalibrationBlock(BaseModel):
    """A parameter file's ``calibration`` block: the calibration its values come from (sim/experiments/provenance.py).

    ``summitry calibrate`` writes it; a run, a backtest or the dashboard given the file shows a "fitted" badge
    linking to ``report``. Checked with the rest of the file when it is read, so that a block written by hand
    with a wrong type or an impossible path is an error at once, not a crash after the runs.
    """

    model_config = ConfigDict(extra="forbid", strict=True)

    method: str = Field("", max_length=100, description="smc or rejection: how the values were fitted.")
    scenarios: list[Annotated[str, Field(max_length=200)]] = Field(default_factory=list, max_length=1000, description="The cases fitted.")
    seed: int | None = Field(None, ge=0, description="The calibration's seed.")
    report: str = Field("posterior.html", min_length=1, description="The calibration's report, relative to the parameter file.")

    @field_validator("report")
    @classmethod
    def _a_path(cls, value: str) -> str:
        """A path the file system can look up: no NUL, names and the whole within the system's limits."""
        if "\x00" in value:
            raise ValueError("a path cannot hold a NUL character")
        size = len(value.encode("utf-8", "surrogatepass"))
        if size > MAX_REPORT_BYTES:
            raise ValueError(f"a path of {size} bytes; the report's path is at most {MAX_REPORT_BYTES} bytes")
        longest = max((len(part.encode("utf-8", "surrogatepass")) for part in PurePath(value).parts), default=0)
        if longest > MAX_NAME_BYTES:
            raise ValueError(f"a file or folder name of {longest} bytes; a name is at most {MAX_NAME_BYTES} bytes")
        return value


MAX_NAME_BYTES = 255
"""Longest name of one file or folder in a path (NAME_MAX of Linux and macOS file systems)."""
MAX_REPORT_BYTES = 1024
"""Longest report path a calibration block may give (a quarter of Linux's PATH_MAX, to leave room for the file's folder)."""


@dataclass(frozen=True)
class ParamsFile:
    """A parameter file as read: the scenario it is for, the overrides, where each came from, and its calibration block."""

    scenario: str | None
    values: dict[str, Any]
    origins: dict[str, str]
    calibration: CalibrationBlock | None
    scenario_origin: str = ""
    """Where the file names its scenario (``FILE:LINE: scenario``), for messages."""


class _Calibrated(BaseModel):
    """The calibration block under its key, so that a problem's location reads ``calibration.FIELD``."""

    calibration: CalibrationBlock | None = None


def other_scenario(got: ParamsFile, scenario: str) -> str:
    """The message for a parameter file used with another scenario than the one it names, at the file's line.

    >>> got = ParamsFile("hanoi-2019", {}, {}, None, "cal.yaml:1: scenario")
    >>> other_scenario(got, "singapore-2018")
    "--params cal.yaml:1: scenario: the file is for 'hanoi-2019', not 'singapore-2018'; give that scenario, or change or remove the file's scenario line to use its values with another"
    """
    return (
        f"--params {got.scenario_origin}: the file is for {got.scenario!r}, not {scenario!r}; "
        "give that scenario, or change or remove the file's scenario line to use its values with another"
    )


def load_params_file(path: str | Path) -> tuple[str | None, dict[str, Any]]:
    """Read a parameter file (e.g. a calibration's ``calibrated.yaml``).

    Format: ``{scenario: NAME (optional), parameters: {PATH: VALUE, ...}}``.
    Returns (scenario name or None, overrides).
    """
    scenario, values, _ = read_params_file(path)
    return scenario, values


def read_params_file(path: str | Path) -> tuple[str | None, dict[str, Any], dict[str, str]]:
    """:func:`load_params_file` with, for each override, where it came from (``FILE:LINE: parameters.PATH``) for messages."""
    got = read_params(path)
    return got.scenario, got.values, got.origins


def read_params(path: str | Path) -> ParamsFile:
    """Read and check a whole parameter file; ParameterError naming the file, the line and the field of every problem.

    Every key is checked, the ``calibration`` block too, before any run is made with the values.
    """
    p = Path(path)
    source = str(path)
    text = read_text(p, "parameter", ParameterError)
    data, lines = parse_document(text, source, "parameter", ParameterError)
    unknown = [k for k in data if k not in PARAMS_FILE_KEYS]
    if unknown:
        raise ParameterError(f"{source}:{lines.get((unknown[0],), 1)}: {unknown[0]}: unknown key (expected scenario, parameters)")
    if "calibration" in data and not isinstance(data["calibration"], dict):
        # where the values come from (summitry.sim.experiments.provenance): method, scenarios, seed, report
        raise ParameterError(f"{source}:{lines.get(('calibration',), 1)}: calibration: must be a mapping (method, scenarios, seed, report)")
    params = data.get("parameters")
    if not isinstance(params, dict) or not params:
        raise ParameterError(f"{source}:{lines.get(('parameters',), 1)}: parameters: must be a mapping of parameter paths to numbers")
    errors = []
    for key in ("scenario", "description", "source"):
        if data.get(key) is not None and not isinstance(data[key], str):
            errors.append(f"{source}:{lines.get((key,), 1)}: {key}: must be text (got {shown(data[key])})")
    calibration = None
    try:
        calibration = _Calibrated.model_validate({"calibration": data.get("calibration")}).calibration
    except ValidationError as exc:
        errors.extend(validation_messages(exc, source, lines, model=_Calibrated))
    # the values as written (YAML 1.1 would read 0x10 as 16 and 1:30 as 90): each must be a plain decimal number
    raw = yaml.load(untabbed_json(text), Loader=yaml.BaseLoader)
    raw_params = raw.get("parameters") if isinstance(raw, dict) else None
    out: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for key, value in params.items():
        where = f"{source}:{lines.get(('parameters', key), 1)}: parameters.{key}"
        written = raw_params.get(str(key)) if isinstance(raw_params, dict) else None
        as_written = isinstance(written, str) and not isinstance(value, bool)
        try:
            value = checked_number(written if as_written else value, where, parse=as_written)
        except ValueError as exc:
            errors.append(str(exc))
            continue
        out[str(key)] = value
        origins[str(key)] = where
    if errors:
        raise ParameterError(errors)
    scenario = data.get("scenario")
    return ParamsFile(scenario, out, origins, calibration, f"{source}:{lines.get(('scenario',), 1)}: scenario")
