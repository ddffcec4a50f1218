"""The long drop-downs: parameters and actors found by typing, each list capped so a 10,000-actor scenario stays usable."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from summitry.sim import figures as F
from summitry.sim.labels import parameter_label
from summitry.sim.scenario.loading import close_matches
from summitry.sim.scenario.overrides import canonical


def _note(text: str, search: str | None = None) -> dict[str, Any]:
    """A line of a pick-list that says something and cannot be picked. Its value is its text: the dropdown
    indexes options by value, so an empty one would not be shown; ``search``: what was typed (see below)."""
    out: dict[str, Any] = {"label": text, "value": "note: " + text, "disabled": True}
    if search is not None:
        out["search"] = search
    return out


#: At most this many faction fields are offered for one search in the fork's parameter list.
FORK_PARAM_LIMIT = 40


def _actor_count(sc: Any) -> int:
    return sum(1 + len(side.factions) for side in sc.sides.values()) + len(sc.third_parties)


def _fork_param_option(path: str) -> dict[str, str]:
    """A model parameter by its label (its path still finds it when typed); an actor's field by its path."""
    if path.startswith("parameters."):
        label = parameter_label(path)
        return {"label": label, "value": path, "search": f"{path} {label}"}
    return {"label": path, "value": path}


def fork_param_options(sc: Any, table: Sequence[Any], search: str | None = None, value: str | None = None) -> list[dict[str, Any]]:
    """The fork's parameter list for scenario ``sc`` (``table``: its :func:`~sim.scenario.overrides.parameter_table`).

    Up to :data:`~sim.figures.AGGREGATE_THRESHOLD` actors, every parameter. Above it, the
    model's parameters and those of sides, leaders and third parties, then the faction fields and
    signal numbers (``signals.KIND...``) that match ``search`` (every word of it, at most :data:`FORK_PARAM_LIMIT`), or, when none does, the
    parameter that ``search`` names in any spelling :func:`~sim.scenario.overrides.canonical` accepts
    (``sides.a.factions.3.influence``), or a disabled line saying that no parameter has that name,
    with close matches. ``value`` (the one picked) is always kept in the list.
    """
    every = [_fork_param_option(p.path) for p in table]
    if _actor_count(sc) <= F.AGGREGATE_THRESHOLD:
        return every

    factions = {f.id for side in sc.sides.values() for f in side.factions}
    is_faction = [p.path.split(".", 1)[0] in factions for p in table]
    is_signal = [p.path.startswith("signals.") for p in table]
    # faction fields and the signal catalogue's numbers are found by search, not listed up front
    hidden = [f or g for f, g in zip(is_faction, is_signal, strict=True)]
    out: list[dict[str, Any]] = [o for o, f in zip(every, hidden, strict=True) if not f]
    offered = {o["value"] for o in out}
    text = (search or "").strip()
    if value and value not in offered:
        out.append({"label": value, "value": value})
        offered.add(value)
    if not text:
        signals = f" and {sum(is_signal)} signal numbers" if any(is_signal) else ""
        out.append(_note(f"… {sum(is_faction)} faction fields{signals}: type a faction's id, a signal kind or a path to find them"))
        return out
    words = text.lower().split()
    if any(all(w in o["value"].lower() for w in words) for o in out):
        return out  # the list shown already has what was typed
    found = [o for o, f in zip(every, hidden, strict=True) if f and all(w in o["value"].lower() for w in words)]
    # "search": what was typed, so that the dropdown's own filter of the list keeps what the server found for it
    for o in found[:FORK_PARAM_LIMIT]:
        if o["value"] not in offered:
            out.append({**o, "search": text})
    if len(found) > FORK_PARAM_LIMIT:
        out.append(
            {
                "label": f"{text}: {len(found) - FORK_PARAM_LIMIT} more match; type more of the path",
                "value": "",
                "disabled": True,
                "search": text,
            }
        )
    if found:
        return out
    try:
        key = canonical(sc, text)
    except KeyError:
        paths = [p.path for p in table]
        near = close_matches(text, paths + [p.removeprefix("parameters.") for p in paths], n=5)
        hint = f"; close matches: {', '.join(dict.fromkeys(near))}" if near else ""
        out.append(_note(f"{text}: no such parameter{hint}", text))
        return out
    if key not in offered:
        out.append({"label": f"{text} = {key}", "value": key, "search": text})
    return out


def _actor_names(sc: Any) -> dict[str, str]:
    out = {}
    for side in sc.sides.values():
        out[side.leader.id] = side.leader.name
        for f in side.factions:
            out[f.id] = f.name
    for t in sc.third_parties:
        out[t.id] = t.name
    return out


#: At most this many actors are offered for one search in a large run's actor pick-lists.
ACTOR_SEARCH_LIMIT = 40


def searched_options(
    every: Sequence[Mapping[str, str]], shown: Sequence[str], search: str | None, value: str | None, limit: int = ACTOR_SEARCH_LIMIT
) -> list[dict[str, Any]]:
    """A large pick-list sent in part: the options whose value is in ``shown`` (in ``every``'s order), the one
    picked (``value``), and those whose label holds every word of ``search`` (case aside; at most ``limit``,
    then a disabled line counting the rest), or a disabled line saying nothing matches. Without a search, a
    disabled last line says how many more there are to find by typing.

    >>> every = [{"label": n, "value": n} for n in ("Leader A", "Hawks A1", "Hawks A2", "Doves A1", "Mediator")]
    >>> [o["value"] for o in searched_options(every, ["Leader A", "Mediator"], "hawks", None)]
    ['Leader A', 'Mediator', 'Hawks A1', 'Hawks A2']
    >>> searched_options(every, ["Leader A"], None, "Doves A1")[-1]["label"]
    '… 3 more: type a name to find one'
    """
    keep = set(shown) | ({value} if value else set())
    out: list[dict[str, Any]] = [dict(o) for o in every if o["value"] in keep]
    offered = {o["value"] for o in out}
    text = (search or "").strip()
    if not text:
        out.append(_note(f"… {len(every) - len(offered)} more: type a name to find one"))
        return out
    words = text.lower().split()
    found = [o for o in every if o["value"] not in offered and all(w in o["label"].lower() for w in words)]
    # "search": what was typed, so that the dropdown's own filter of the list keeps what the server found for it
    out += [{**o, "search": text} for o in found[:limit]]
    if len(found) > limit:
        out.append(_note(f"{text}: {len(found) - limit} more match; type more of the name", text))
    elif not found and not any(all(w in o["label"].lower() for w in words) for o in out):
        out.append(_note(f"{text}: no actor of that name", text))
    return out


def _principal_names(sc: Any) -> list[str]:
    """Ids of the leaders and third parties of ``sc`` (what a large scenario's actor lists show before a search)."""
    return [side.leader.id for side in sc.sides.values()] + [t.id for t in sc.third_parties]
