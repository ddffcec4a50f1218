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


def is_whole_number(value: Any, high: float = math.inf, low: int = 0) -> bool:
    """Whether a field's value is a whole number from ``low`` (0 or more) to ``high`` (a number box sends 7, 7.0 or "7").

    >>> [is_whole_number(v) for v in (7, 7.0, "7", -1, 1.5, "abc", None, True, 1e30)]
    [True, True, True, False, False, False, False, False, True]
    >>> is_whole_number(1e30, high=2**63 - 1), is_whole_number("99999999999999999999", high=2**63 - 1)
    (False, False)
    >>> [is_whole_number(v, high=5000, low=1) for v in (1, "5000", 0, "0", 5001)]
    [True, True, False, False, False]

    Text is read by :func:`browser_int`: forged digits that ``str.isdigit`` takes ("²", 5,000 nines) made ``int()`` raise.

    >>> [is_whole_number(v) for v in ("²", "9" * 5000, " 12 ", "-0")]
    [False, False, True, True]
    """
    if isinstance(value, bool):
        return False
    if isinstance(value, str):
        whole = browser_int(value)
        return whole is not None and low <= whole <= high
    try:
        number = float(value)
    except (TypeError, ValueError):
        return False
    return math.isfinite(number) and number.is_integer() and low <= number <= high


def whole_number_problem(field: str, value: Any, high: int, low: int = 0) -> str | None:
    """Why a number box's ``value`` is refused (None if it is a whole number from ``low`` to ``high``), in words
    that name the ``field`` and show what the box sent.

    The boxes have no ``min`` or ``step``: Chromium sends a number it holds invalid under them (-1 under min=0, 1.5
    under step=1) as empty, and the server then ran its default while the box still showed what was typed.

    >>> whole_number_problem("Seed", 7, 99) is None, whole_number_problem("Runs", "12", 5000, low=1) is None
    (True, True)
    >>> whole_number_problem("Seed", -1, 99), whole_number_problem("Runs", 0, 5000, low=1)
    ('Seed: -1 is not a whole number from 0 to 99', 'Runs: 0 is not a whole number from 1 to 5,000')
    >>> whole_number_problem("Seed", 1.5, 99), whole_number_problem("Seed", "abc", 99)
    ('Seed: 1.5 is not a whole number from 0 to 99', "Seed: 'abc' is not a whole number from 0 to 99")

    A long value (only a forged request sends one) is shown by its first characters:

    >>> whole_number_problem("Seed", "9" * 5000, 99)
    "Seed: '999999999999999999999999999999… is not a whole number from 0 to 99"
    """
    if is_whole_number(value, high=high, low=low):
        return None
    shown = repr(value)
    shown = shown if len(shown) <= 32 else f"{shown[:31]}…"
    return f"{field}: {shown} is not a whole number from {low:,} to {high:,}"


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
