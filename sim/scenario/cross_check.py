"""Rules of a scenario file that span fields (docs/scenarios.md): each problem as (location, message).

The pydantic models in :mod:`summitry.sim.scenario.document` check each field
alone; :func:`cross_check` checks what only the whole file can say: unique
ids, influence shares that add up, receivers and clients that exist, events,
pledges and patterns that name real actors and kinds, capabilities the
catalogue needs. ``validate_data`` turns the problems into one error that
names the file, the field and the line.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

from pydantic import ValidationError

from summitry.sim.labels import unit_word
from summitry.sim.mechanisms.roles import CLIENT_ROLES
from summitry.sim.mechanisms.signals import SignalKind, build_catalogue
from summitry.sim.scenario import overrides as parameter_paths
from summitry.sim.scenario.limit_check import check_limits
from summitry.sim.scenario.loading import Loc, _humanise, did_you_mean, format_loc
from summitry.sim.scenario.overrides import parameter_value
from summitry.sim.scenario.pattern_check import loc_of, pattern_problems, unknown_actor
from summitry.sim.scenario.pattern_fields import pattern_shape

if TYPE_CHECKING:
    from summitry.sim.scenario.document import Scenario


MAX_GRID_SIZE = 200_000
"""Grid points of the issue space at most (grid_points ** issues): the engine keeps several arrays over the whole grid and
evaluates members' acceptance over it every step, so a larger grid would exhaust memory before the first step."""


def cross_check(sc: Scenario) -> list[tuple[Loc, str]]:
    """Rules that span fields; each problem as (location, message), in the order of the file's sections."""
    problems: list[tuple[Loc, str]] = []
    calendar = sc.time.past_calendar(sc.time.steps)
    if calendar is not None:
        problems.append((("time", "start"), calendar))
    dims = [d.id for d in sc.issues]
    size = sc.grid_points ** len(dims)
    if size > MAX_GRID_SIZE:
        problems.append(
            (
                ("grid_points",),
                f"{sc.grid_points} points per dimension over {len(dims)} issues make {size:,} grid points, more than the "
                f"{MAX_GRID_SIZE:,} the engine evaluates (e.g. 21 points with 4 issues make {21**4:,}); lower grid_points",
            )
        )
    if len(set(dims)) != len(dims):
        problems.append((("issues",), f"duplicate dimension ids {sorted({d for d in dims if dims.count(d) > 1})}"))
    seen: dict[str, Loc] = {}

    def claim(actor_id: str, loc: Loc) -> None:
        if actor_id in sc.sides:
            problems.append((loc, f"id {actor_id!r} is also a side id; actor and side ids must differ"))
        if actor_id in seen:
            problems.append((loc, f"duplicate id {actor_id!r} (first used at {format_loc(seen[actor_id])})"))
        else:
            seen[actor_id] = loc

    _check_sides(sc, dims, claim, problems)
    _check_third_parties(sc, claim, problems)
    ids = set(seen)
    _check_influence_and_summit(sc, ids, dims, problems)
    catalogue, bad_kind = _check_signals(sc, problems)
    _check_events_and_pledges(sc, ids, catalogue, problems)
    _check_record(sc, problems)
    _check_implementation(sc, catalogue, problems)
    _check_partners(sc, problems)
    _check_belligerents(sc, problems)
    _check_parameters_and_capabilities(sc, catalogue, problems)
    for i, pat in enumerate(sc.patterns):
        problems.extend(pattern_shape(pat, i, dims, list(sc.agreement)))
    if sc.patterns and not bad_kind:
        problems.extend(_pattern_names(sc))
    return problems


Problems = list[tuple[Loc, str]]


def _check_sides(sc: Scenario, dims: list[str], claim: Callable[[str, Loc], None], problems: Problems) -> None:
    """Each side: unique actor ids, influence shares, utility signs, pressure weights, trust targets."""
    for sid, side in sc.sides.items():
        claim(side.leader.id, ("sides", sid, "leader", "id"))
        for i, f in enumerate(side.factions):
            claim(f.id, ("sides", sid, "factions", i, "id"))
        if side.factions:
            total = sum(f.influence for f in side.factions)
            if abs(total - 1.0) > 0.01:
                problems.append((("sides", sid, "factions"), f"faction influence shares must sum to 1 (got {total:.3g})"))
        for d in side.utility:
            if d not in dims:
                problems.append((("sides", sid, "utility", d), f"unknown dimension {d!r}; dimensions are {dims}"))
        if not any(v > 0 for v in side.utility.values()) or not any(v < 0 for v in side.utility.values()):
            problems.append((("sides", sid, "utility"), "needs a dimension it gains (> 0) and one it gives (< 0)"))
        pw = side.pressure_weights
        weights = pw.economic + pw.domestic + pw.military
        if abs(weights - 1.0) > 0.01:
            problems.append((("sides", sid, "pressure_weights"), f"weights must sum to 1 (got {weights:.3g})"))
        for field in ("trust", "rapport"):
            for other in getattr(side.leader, field):
                if other not in sc.sides or other == sid:
                    problems.append((("sides", sid, "leader", field, other), f"{other!r} is not another side"))
        for i, f in enumerate(side.factions):
            for j, extra in enumerate(f.also):
                if extra == f.role or extra in f.also[:j]:
                    problems.append((("sides", sid, "factions", i, "also", j), f"{extra!r} is already one of its roles"))
            for other in f.trust:
                if other not in sc.sides or other == sid:
                    problems.append((("sides", sid, "factions", i, "trust", other), f"{other!r} is not another side"))
        check_limits(side.leader.acceptance, ("sides", sid, "leader", "acceptance"), dims, problems)
        for i, f in enumerate(side.factions):
            check_limits(f.acceptance, ("sides", sid, "factions", i, "acceptance"), dims, problems)


def _check_third_parties(sc: Scenario, claim: Callable[[str, Loc], None], problems: Problems) -> None:
    """Third parties: unique ids, clients that exist (and are given where the role needs one), trust targets."""
    for i, tp in enumerate(sc.third_parties):
        claim(tp.id, ("third_parties", i, "id"))
        if tp.client is not None and tp.client not in sc.sides:
            problems.append((("third_parties", i, "client"), f"unknown side {tp.client!r}"))
        if tp.role in CLIENT_ROLES and tp.client is None:
            problems.append((("third_parties", i, "client"), f"a {tp.role} needs a client side"))
        if tp.budget > 0 and tp.role != "mediator":
            problems.append((("third_parties", i, "budget"), f"only a mediator makes side payments; this is a {tp.role}"))
        for other in tp.trust:
            if other not in sc.sides:
                problems.append((("third_parties", i, "trust", other), f"{other!r} is not a side"))


def _check_influence_and_summit(sc: Scenario, ids: set[str], dims: list[str], problems: Problems) -> None:
    """Influence edges between known actors; the summit's sides and status; agreement boxes on known dimensions."""
    for i, e in enumerate(sc.influence):
        for end in ("listener", "speaker"):
            v = getattr(e, end)
            if v not in ids:
                problems.append((("influence", i, end), unknown_actor(v, sc)))
        if e.listener == e.speaker:
            problems.append((("influence", i), "an actor cannot listen to itself through an edge (self-weights are set elsewhere)"))
    for i, s in enumerate(sc.summit.sides):
        if s not in sc.sides:
            problems.append((("summit", "sides", i), f"unknown side {s!r}"))
    if len(set(sc.summit.sides)) != len(sc.summit.sides):
        problems.append((("summit", "sides"), "a summit needs two different sides"))
    if sc.summit.status in ("offered",) and sc.summit.offered_by not in sc.summit.sides:
        problems.append((("summit", "offered_by"), "must name a summit side when status is 'offered'"))
    if sc.summit.status == "scheduled" and sc.summit.week is None:
        problems.append((("summit", "week"), "must be given when status is 'scheduled'"))
    elif sc.summit.status == "scheduled" and sc.summit.week is not None and sc.summit.week >= sc.time.steps:
        problems.append((("summit", "week"), f"falls at step {sc.summit.week}, outside the horizon 0..{sc.time.steps - 1}"))
    if sc.summit.mediator is not None:
        roles = {t.id: t.role for t in sc.third_parties}
        if sc.summit.mediator not in roles:
            problems.append(
                (("summit", "mediator"), f"{sc.summit.mediator!r} is not a third party{did_you_mean(sc.summit.mediator, list(roles))}")
            )
        elif roles[sc.summit.mediator] != "mediator":
            problems.append((("summit", "mediator"), f"{sc.summit.mediator!r} is a {roles[sc.summit.mediator]}, not a mediator"))
    for cls, box in sc.agreement.items():
        for d, (lo, hi) in box.items():
            if d not in dims:
                problems.append((("agreement", cls, d), f"unknown dimension {d!r}"))
            if not (0 <= lo <= hi <= 1):
                problems.append((("agreement", cls, d), f"must be [lo, hi] with 0 <= lo <= hi <= 1 (got [{lo}, {hi}])"))


def _check_signals(sc: Scenario, problems: Problems) -> tuple[dict[str, SignalKind], bool]:
    """The scenario's signal kinds, each validated on its own; (the catalogue to check against, whether a kind is bad)."""
    catalogue = build_catalogue()
    bad_kind = False
    for name, fields in sc.signals.items():
        try:
            build_catalogue({name: fields})
        except ValidationError as exc:
            bad_kind = True
            for err in exc.errors(include_url=False):
                loc = ("signals", name, *err["loc"])
                problems.append((loc, _humanise(err, SignalKind)))
    if not bad_kind:
        catalogue = sc.catalogue
    return catalogue, bad_kind


def _check_events_and_pledges(sc: Scenario, ids: set[str], catalogue: Mapping[str, SignalKind], problems: Problems) -> None:
    """Events inside the horizon, of known kinds and actors; pledges of known sides, touted by known actors."""
    for i, ev in enumerate(sc.events):
        week = ev.week if ev.week is not None else (sc.week_of(ev.date) if ev.date else None)
        if week is None:
            problems.append((("events", i), "needs a week or a date"))
        elif ev.week is not None and ev.date is not None:
            # the engine reads the week and would ignore the date: one of them is wrong, or both say the same twice
            problems.append(
                (("events", i, "date"), f"give week or date, not both (week {ev.week}; the date {ev.date} is step {sc.week_of(ev.date)})")
            )
        elif not 0 <= week < sc.time.steps:
            problems.append(
                (
                    ("events", i, "week" if ev.week is not None else "date"),
                    f"falls at step {week}, outside the horizon 0..{sc.time.steps - 1}",
                )
            )
        if ev.kind not in catalogue and ev.kind not in ("shock", "summit"):
            problems.append(
                (("events", i, "kind"), f"unknown kind {ev.kind!r}{did_you_mean(ev.kind, [*list(catalogue), 'shock', 'summit'])}")
            )
        for end in ("sender", "receiver"):
            v = getattr(ev, end)
            if v is not None and v not in ids:
                problems.append((("events", i, end), unknown_actor(v, sc)))
        if ev.kind in catalogue and ev.sender is None:
            problems.append((("events", i, "sender"), "a signal event needs a sender"))
    for i, pl in enumerate(sc.pledges):
        if pl.side not in sc.sides:
            problems.append((("pledges", i, "side"), f"unknown side {pl.side!r}"))
        for j, a in enumerate(pl.touted_by):
            if a not in ids:
                problems.append((("pledges", i, "touted_by", j), unknown_actor(a, sc)))


def _check_record(sc: Scenario, problems: Problems) -> None:
    """A record entry's week, when given, is the step its date falls on (reports place the entry by its week)."""
    unit = unit_word(sc.time.clock.unit)
    for i, entry in enumerate(sc.record):
        if entry.week is None:
            continue
        step = sc.week_of(entry.date)
        if entry.week != step:
            problems.append(
                (
                    ("record", i, "week"),
                    f"week {entry.week} contradicts the date {entry.date}, which is step {step} ({unit} {step} of the clock "
                    f"from {sc.time.start}, {sc.time.step_days} day{'' if sc.time.step_days == 1 else 's'} a step); "
                    f"write week: {step}, or leave week out (it is worked out from the date)",
                )
            )


def _check_partners(sc: Scenario, problems: Problems) -> None:
    """Co-negotiators: partners of a summit side are other sides, each at the table once."""
    seen: set[str] = set()
    for principal, partners in sc.summit.partners.items():
        loc = ("summit", "partners", principal)
        if principal not in sc.summit.sides:
            problems.append((loc, f"{principal!r} is not a summit side; partners sit beside one of {', '.join(sc.summit.sides)}"))
            continue
        for j, p in enumerate(partners):
            if p not in sc.sides:
                problems.append(((*loc, j), f"unknown side {p!r}{did_you_mean(p, list(sc.sides))}"))
            elif p in sc.summit.sides:
                problems.append(((*loc, j), f"{p!r} is a summit side already; a partner is a third side at the table"))
            elif p in seen:
                problems.append(((*loc, j), f"{p!r} is a partner twice; a side sits at the table once"))
            seen.add(p)


def _check_belligerents(sc: Scenario, problems: Problems) -> None:
    """The sides whose hostility makes the tension: known sides, each once."""
    seen: set[str] = set()
    for j, c in enumerate(sc.belligerents or []):
        if c not in sc.sides:
            problems.append((("belligerents", j), f"unknown side {c!r}{did_you_mean(c, list(sc.sides))}"))
        elif c in seen:
            problems.append((("belligerents", j), f"{c!r} is listed twice"))
        seen.add(c)


def _check_implementation(sc: Scenario, catalogue: Mapping[str, SignalKind], problems: Problems) -> None:
    """Ratifiers who are members of their side; classes, test classes and kinds the scenario has."""
    imp = sc.implementation
    if imp is None:
        return
    classes = list(sc.agreement)
    tests = sorted({k.test_class for k in catalogue.values() if k.test_class})
    for sid, members in imp.ratifiers.items():
        if sid not in sc.sides:
            problems.append((("implementation", "ratifiers", sid), f"unknown side {sid!r}{did_you_mean(sid, list(sc.sides))}"))
            continue
        side = sc.sides[sid]
        own = [side.leader.id, *(f.id for f in side.factions)]
        for j, m in enumerate(members):
            if m not in own:
                problems.append((("implementation", "ratifiers", sid, j), f"{m!r} is not a member of side {sid!r}{did_you_mean(m, own)}"))
    for j, cls in enumerate(imp.continue_after):
        if cls not in classes:
            problems.append((("implementation", "continue_after", j), f"unknown agreement class {cls!r}{did_you_mean(cls, classes)}"))
    for i, term in enumerate(imp.terms):
        loc = ("implementation", "terms", i)
        if term.side not in sc.sides:
            problems.append(((*loc, "side"), f"unknown side {term.side!r}{did_you_mean(term.side, list(sc.sides))}"))
        for j, cls in enumerate(term.classes):
            if cls not in classes:
                problems.append(((*loc, "classes", j), f"unknown agreement class {cls!r}{did_you_mean(cls, classes)}"))
        for j, tc in enumerate(term.scope):
            if tc not in tests:
                problems.append(
                    (
                        (*loc, "scope", j),
                        f"unknown test class {tc!r}{did_you_mean(tc, tests)}; the signals test {', '.join(tests) or 'none'}",
                    )
                )
        for j, k in enumerate(term.kinds):
            if k not in catalogue:
                problems.append(((*loc, "kinds", j), f"unknown signal kind {k!r}{did_you_mean(k, list(catalogue))}"))


def _check_parameters_and_capabilities(sc: Scenario, catalogue: Mapping[str, SignalKind], problems: Problems) -> None:
    """Preparation times in order; ranges that contain their parameter's value; capabilities some signal requires."""
    p = sc.parameters
    if p.tau_prep_min > p.tau_prep_max:
        problems.append((("parameters", "tau_prep_min"), "must be <= tau_prep_max"))
    for path, (lo, hi) in sc.ranges.items():
        if lo > hi:
            problems.append((("ranges", path), f"range [{lo}, {hi}] is empty"))
            continue
        try:
            value = parameter_value(sc, path)
        except KeyError:
            problems.append((("ranges", path), f"no parameter {path!r}"))
            continue
        if not lo <= value <= hi:
            problems.append((("ranges", path), f"range [{lo}, {hi}] does not contain the value {value}"))
    if sc.calibration is not None:
        problems.extend(
            (("calibration", "case_specific", i), m) for i, m in parameter_paths.case_specific_problems(sc, sc.calibration.case_specific)
        )
    known_caps = sorted({k.requires for k in catalogue.values() if k.requires})
    for sid, side in sc.sides.items():
        for j, cap in enumerate(side.capabilities):
            if cap not in known_caps:
                problems.append(
                    (
                        ("sides", sid, "capabilities", j),
                        f"unknown capability {cap!r}{did_you_mean(cap, known_caps)}; signals require {', '.join(known_caps) or 'none'}",
                    )
                )


def _pattern_names(sc: Scenario) -> list[tuple[Loc, str]]:
    """Patterns naming an event kind, an actor or a series variable the scenario does not have.

    The same rules the backtest applies before scoring (sim.scenario.pattern_check.pattern_problems), checked
    when the file is validated so that a misspelt name is an error at once, not a pattern that
    silently never matches. Whole-list rules (no patterns, all weights 0) stay the backtest's.
    """
    out: list[tuple[Loc, str]] = []
    for problem in pattern_problems(sc):
        loc = loc_of(problem)
        if len(loc) < 2:
            continue
        out.append((loc, problem.split(": ", 1)[1]))
    return out


# ------------------------------------------------------------------- loading
