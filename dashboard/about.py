"""The dashboard explains itself: the "About this model" panel, the legend of signal kinds, the model description.

Each paragraph of the panel is one mechanism of the model in plain words and
links to its section of the ODD description (docs/ODD.md), which the server
renders at :data:`DOCS_ROUTE` with an anchor on every heading. The legend of
signal kinds is built from the default signal catalogue and the colours the
network draws with (:mod:`summitry.sim.figures`), so it cannot drift from them.
"""

from __future__ import annotations

import functools
import re
from importlib import resources
from pathlib import Path
from typing import Any

from dash import Dash, html
from flask import Response, abort
from markdown_it import MarkdownIt

from summitry.sim import figures as F
from summitry.sim.labels import MODE_HELP, kind_label

DOCS_ROUTE = "/docs/ODD"
"""Where the server renders the ODD description of the model."""


def odd_file() -> Path:
    """The ODD description: the checkout's docs/ODD.md, else the copy installed as package data (dashboard/docs)."""
    checkout = Path(__file__).resolve().parent.parent / "docs" / "ODD.md"
    if checkout.is_file() and (checkout.parent.parent / "pyproject.toml").is_file():
        return checkout

    installed = resources.files("summitry.dashboard") / "docs" / "ODD.md"
    return installed if isinstance(installed, Path) else Path(str(installed))


ODD_FILE = odd_file()

#: (title, ODD heading, paragraph): one per mechanism, in the order a week runs them.
MECHANISMS: tuple[tuple[str, str, str], ...] = (
    (
        "A run, step by step",
        "3. Process overview and scheduling",
        "One step of a run is the day, week or month its scenario declares (time.step; a week when it does not say). "
        "Dated events and shocks of the scenario happen first; then every actor chooses "
        "what to do from the state at the start of the step, all at once, so the order actors are visited in never "
        "changes a result; the signals are delivered together and trust, stances and pressures are updated.",
    ),
    (
        "Free and forcing runs",
        "6. Input data",
        f"A run is {MODE_HELP['free']}, or {MODE_HELP['forcing']}. The Mode switch in the sidebar picks one; "
        "“as the scenario says” keeps the scenario file's own.",
    ),
    (
        "Signals",
        "7.9 Signals and their effects",
        "Actors talk through signals: summit offers, concessions, pledges, praise, threats, tests, sanctions. A signal "
        "can be costly (it costs the sender something, so it is believed) or cheap talk; the legend below says which "
        "colour each kind is drawn in on the network.",
    ),
    (
        "Trust",
        "7.4 Trust, log-odds form",
        "Each actor holds a belief that the other side is trustworthy. Costly, verifiable signals raise it; hostile ones "
        "lower it, and hawkish actors discount reassurance and amplify hostility. Trust slowly forgets back toward its prior.",
    ),
    (
        "Pledges and breaches",
        "7.6 Pledges and breaches",
        "A pledge (a test moratorium, say) ties the sender's hands: breaking it costs trust with everyone who heard it, "
        "and costs the sender its audience.",
    ),
    (
        "Influence and factions",
        "7.10 Influence graph and stance update",
        "Leaders listen to the factions of their inner circle, and factions to their leader and to each other, over a "
        "weighted influence graph; stances (0 dove, 1 hawk) move toward what one listens to. Events that prove hawks or "
        "doves right shift influence between the factions.",
    ),
    (
        "Pressure",
        "7.15 Aggregate pressure",
        "Each side feels economic pain from sanctions, domestic pressure (the need for a win, or elite discontent) and "
        "military pressure from tension. Pressure makes a side readier to accept a deal.",
    ),
    (
        "What each side accepts",
        "7.2 Win-sets, zone of agreement, perceived win-sets",
        "Every member of a side accepts some deals in the issue space; the deals enough of a side accepts are its "
        "win-set. Where both sides' win-sets overlap is the zone of agreement: a deal is possible only there.",
    ),
    (
        "Choosing what to do",
        "7.16 Decision rule",
        "Each step every actor that chooses weighs what each signal would do to trust, to the zone of agreement and to pressure, "
        "against its cost and risk, and picks one with a little randomness (a logit choice); doing nothing is always an option.",
    ),
    (
        "Mediators and patrons",
        "7.7 Mediation",
        "Third parties carry messages between the sides (a mediator's credibility depends on its stake and its bias) or "
        "shield and pressure their client side.",
    ),
    (
        "Summits and how they end",
        "7.19 Summit resolution",
        "Offers, acceptance, cancellation and reinstatement schedule summits. At a summit the leaders look for a deal "
        "in the zone of agreement, settle for a declaration, or one of them walks away when walking out is worth more.",
    ),
    (
        "Outcomes",
        "7.20 Escalation, termination and outcome",
        "A run ends in a comprehensive or interim agreement, a declaration, a walk-away, an escalation (tension too high "
        "for too long, or a breached pledge), or a stalemate when nothing of that happens before the last step.",
    ),
)

SIGNAL_CLASS_TEXT = {
    "conciliatory": "reassures: raises the receivers' trust in the sender's side (offers, concessions, pledges, praise)",
    "hostile": "threatens or hurts: lowers the receivers' trust and strengthens their hawks (threats, tests, sanctions)",
    "neutral": "moves no trust directly: lobbying, demands and other moves inside a side",
}


def slug(heading: str) -> str:
    """The anchor of a heading of the rendered ODD (lower case, punctuation dropped, spaces to hyphens).

    >>> slug("7.4 Trust, log-odds form")
    '74-trust-log-odds-form'
    >>> slug("3. Process overview and scheduling")
    '3-process-overview-and-scheduling'
    """
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return re.sub(r"\s+", "-", text)


def odd_link(heading: str, prefix: str = "") -> str:
    return f"{prefix.rstrip('/')}{DOCS_ROUTE}#{slug(heading)}"


def signal_classes() -> dict[str, list[str]]:
    """Kinds of the default catalogue by the class the network draws them in (conciliatory, hostile, neutral)."""
    out: dict[str, list[str]] = {c: [] for c in F.SIGNAL_CLASSES}
    for kind in F._default_catalogue():
        out[F._signal_class(kind)].append(kind)
    return out


def signal_legend(detailed: bool = False) -> html.Div:
    """The colours of the network's signal arrows and what each class of signal does; with ``detailed``, its kinds."""
    classes = signal_classes()
    items = []
    for cls in F.SIGNAL_CLASSES:
        colour = F._SIGNAL_COLOURS[cls]
        swatch = html.Span(className="swatch", style={"background": colour})
        children: list[Any] = [swatch, html.B(cls), html.Span(f": {SIGNAL_CLASS_TEXT[cls]}")]
        if detailed and classes[cls]:
            children.append(html.Div(", ".join(kind_label(k) for k in sorted(classes[cls])), className="kinds"))
        items.append(html.Li(children, className=f"signal-{cls}"))
    nodes = html.Li(
        [
            html.Span(className="swatch stance"),
            html.B("nodes"),
            html.Span(": actors, coloured by stance (green dove, yellow, orange hawk), sized by influence"),
        ]
    )
    return html.Div(
        className="signal-legend" + (" detailed" if detailed else ""),
        id="signal-legend-detailed" if detailed else "signal-legend",
        children=[html.Span("Arrows: this step's signals, sender → receiver", className="muted"), html.Ul([*items, nodes])],
    )


def about_panel(prefix: str = "") -> html.Div:
    """The "About this model" tab: one paragraph per mechanism, each linking to its ODD section, and the legend."""
    paragraphs = [
        html.Div(
            className="mechanism",
            children=[
                html.H4(title),
                html.P(
                    [text, " ", html.A(f"ODD §{heading.split(' ', 1)[0].rstrip('.')} →", href=odd_link(heading, prefix), target="_blank")]
                ),
            ],
        )
        for title, heading, text in MECHANISMS
    ]
    return html.Div(
        id="about-panel",
        className="about",
        children=[
            html.H3("About this model"),
            html.P(
                [
                    "summitry simulates summit diplomacy: leaders, the factions of their inner circles and third parties "
                    "exchange signals over an influence graph, step by step. Each mechanism below links to its section of the ",
                    html.A("ODD description of the model", href=prefix.rstrip("/") + DOCS_ROUTE, target="_blank"),
                    " (the standard Overview, Design concepts and Details protocol).",
                ],
                className="lead",
            ),
            html.Div(paragraphs, className="mechanisms"),
            html.H3("Signals on the network"),
            signal_legend(detailed=True),
        ],
    )


@functools.lru_cache(maxsize=1)
def _render_odd(mtime_ns: int) -> str:
    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    tokens = md.parse(ODD_FILE.read_text(encoding="utf-8"))
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open" and i + 1 < len(tokens):
            tok.attrSet("id", slug(tokens[i + 1].content))
    body = md.renderer.render(tokens, md.options, {})
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>summitry: ODD description of the model</title>'
        "<style>body{font-family:Inter,'Segoe UI',Helvetica,Arial,sans-serif;max-width:860px;margin:24px auto;padding:0 16px;"
        "line-height:1.5;color:#222}pre{background:#f5f6f8;padding:8px;overflow-x:auto}code{font-size:12.5px}"
        "table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:3px 6px}:target{background:#fff6d5}</style>"
        f"</head><body>{body}</body></html>"
    )


def register_docs(app: Dash) -> None:
    """Serve the ODD description at :data:`DOCS_ROUTE` (404 when the docs are not installed beside the code)."""

    @app.server.route(app.config.requests_pathname_prefix.rstrip("/") + DOCS_ROUTE)
    def _odd() -> Any:
        try:
            mtime = ODD_FILE.stat().st_mtime_ns
        except OSError:
            abort(404)
        return Response(_render_odd(mtime), mimetype="text/html")
