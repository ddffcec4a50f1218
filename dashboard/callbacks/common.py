"""What the page's parts share: the outputs type, the error box, the outcome badge, the issue labels and the positional emitter."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from dash import html, no_update

from summitry.dashboard.layout import isolated
from summitry.dashboard.service import Service, browser_int
from summitry.sim import figures as F
from summitry.sim.errors import InputError
from summitry.sim.labels import outcome_label, pattern_window_text

Out = dict[str, Any]


def browser_step(value: Any) -> int:
    """A step the browser sent (the slider's value, a store's): a whole number of 0 or more, 0 for anything else.

    A forged value ("abc", a list) used to raise in ``int()`` and log a traceback on the server for each request.

    >>> [browser_step(v) for v in (3, 3.0, "4", None, "abc", [3], -2, True, 1e300)]
    [3, 3, 4, 0, 0, 0, 0, 0, 0]
    """
    return max(browser_int(value, 0) or 0, 0)


def is_whole_number(value: Any, high: float = math.inf) -> bool:
    """Whether a field's value is a whole number from 0 to ``high`` (a number box sends 7, 7.0 or "7").

    >>> [is_whole_number(v) for v in (7, 7.0, "7", -1, 1.5, "abc", None, True, 1e30)]
    [True, True, True, False, False, False, False, False, True]
    >>> is_whole_number(1e30, high=2**63 - 1), is_whole_number("99999999999999999999", high=2**63 - 1)
    (False, False)
    """
    if isinstance(value, bool):
        return False
    if isinstance(value, str):
        text = value.strip()
        return text.isdigit() and int(text) <= high
    try:
        number = float(value)
    except (TypeError, ValueError):
        return False
    return math.isfinite(number) and number.is_integer() and 0 <= number <= high


def error_box(messages: Sequence[str], title: str | None = None) -> list[Any]:
    """The error banner's content: the file:line: field: problem lines (empty list hides it)."""
    if not messages:
        return []
    head = [html.Div(title, style={"fontWeight": "700", "fontFamily": "inherit", "marginBottom": "4px"})] if title else []
    return [*head, *[html.Div(m) for m in messages]]


OUTCOME_BADGE = {k: (outcome_label(k), colour) for k, colour in F.OUTCOME_COLOURS.items()}


def dimension_labels(service: Service, config: Mapping[str, Any]) -> dict[str, str]:
    """Display labels of the issue dimensions (from the scenario: run manifests carry only their ids)."""
    try:
        sc, _ = service.base_scenario(service.config(config)["scenario"])
    except InputError:
        return {}
    return {d.id: d.label for d in sc.issues}


def _emit(names: Sequence[str], values: Mapping[str, Any]) -> tuple[Any, ...]:
    return tuple(values.get(n, no_update) for n in names)


def pattern_cells(pattern: Any, unit: str | None = None) -> list[Any]:
    """A historical pattern's first two cells in a record table: its text (with its weight when not 1) and its window
    (with its tolerance, as the CLI's backtest table and the reports print it; ``unit``: the scenario's step unit).

    >>> from summitry.sim.scenario.pattern_fields import Pattern
    >>> text, window = pattern_cells(Pattern(id="a", text="No test", kind="k", window=(0, 49), absent=True, weight=0.5))
    >>> [type(c).__name__ for c in text.children], text.children[0].children, text.children[1], window.children
    (['Bdi', 'str'], 'No test', ' (weight 0.5)', 'not 0–49')
    >>> pattern_cells(Pattern(id="a", text="A summit", kind="summit_held", window=(6, 6)))[1].children
    'week 6 ± 3'
    """
    weight = "" if pattern.weight == 1 else f" (weight {pattern.weight:g})"
    text = html.Td([isolated(pattern.text), weight] if weight else [isolated(pattern.text)])
    return [text, html.Td(pattern_window_text(pattern.model_dump(), unit), style={"whiteSpace": "nowrap"})]


def record_table(headings: Sequence[str], rows: list[Any], table_id: str, note: Sequence[Any]) -> list[Any]:
    """A record card's table (``headings``, then ``rows``) with its note underneath, as the card's children."""
    head = html.Tr([html.Th(h) for h in headings])
    return [html.Table([html.Thead(head), html.Tbody(rows)], className="compare", id=table_id), html.P(list(note), className="hint")]
