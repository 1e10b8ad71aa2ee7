"""HTML for the app's tables and texts: every string escaped, classes for the page's style sheet
and for the browser test to find. Pure functions: no Solara here."""

from __future__ import annotations

from html import escape
from typing import Any

from sim.app.about import blocks
from sim.app.live import IssueStatus, RoundView
from sim.glossary import TERMS


def table(header: list[str], rows: list[list[Any]], css: str, row_css: list[str] | None = None):
    """A plain HTML table; cells are escaped text."""
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = []
    for i, row in enumerate(rows):
        cls = f' class="{row_css[i]}"' if row_css and row_css[i] else ""
        body.append(f"<tr{cls}>" + "".join(f"<td>{escape(str(c))}</td>" for c in row) + "</tr>")
    return (
        f'<table class="{css}"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'
    )


def round_html(view: RoundView) -> str:
    """One round: events with what they changed, the proposal with each value's meaning, and
    every answer with its utility against its threshold."""
    parts = [f'<h3 class="negsim-round">Round {view.number}: {escape(view.proposer)} proposes</h3>']
    for name, changes in view.events:
        items = "".join(f"<li>{escape(c)}</li>" for c in changes)
        parts.append(
            f'<div class="negsim-event"><b>Event: {escape(name)}</b><ul>{items}</ul></div>'
        )
    rows = [[label, f"{value:.2f}", meaning] for label, value, meaning, _ in view.proposal]
    css = ["" if was_open else "negsim-closed" for *_, was_open in view.proposal]
    parts.append(table(["issue", "value", "meaning"], rows, "negsim-proposal", css))
    rows = [[a.actor, a.verdict, f"{a.utility:.3f}", _threshold(a.threshold), a.reason]
            for a in view.answers]  # fmt: skip
    css = [f"negsim-{a.verdict.replace(' ', '-')}" for a in view.answers]
    parts.append(
        table(["who", "answer", "utility", "threshold", "why"], rows, "negsim-answers", css)
    )
    if view.settled:
        parts.append(
            f'<p class="negsim-settled">Settled this round: {escape(", ".join(view.settled))}.</p>'
        )
    return "".join(parts)


def _threshold(value: float) -> str:
    return "∞" if value == float("inf") else f"{value:.3f}"


def status_html(rows: list[IssueStatus]) -> str:
    """Each issue: agreed, reverted or still open, with its value and meaning."""
    body = [
        [
            r.label,
            r.state if r.round is None else f"{r.state} (round {r.round})",
            "" if r.value is None else f"{r.value:.2f}",
            r.meaning,
        ]
        for r in rows
    ]
    css = [f"negsim-{r.state}" for r in rows]
    return table(["issue", "state", "value", "meaning"], body, "negsim-status", css)


def text_html(text: str) -> str:
    """Info text (paragraphs and "- " lists) as HTML."""
    out = []
    for kind, items in blocks(text):
        if kind == "ul":
            out.append("<ul>" + "".join(f"<li>{escape(i)}</li>" for i in items) + "</ul>")
        else:
            out.append(f"<p>{escape(items[0])}</p>")
    return "".join(out)


def glossary_html() -> str:
    """Every term the app shows, with its meaning."""
    rows = "".join(
        f"<dt>{escape(term)}</dt><dd>{escape(meaning)}</dd>" for term, meaning in TERMS.items()
    )
    return f'<dl class="negsim-glossary">{rows}</dl>'


def differences_html(table_: Any) -> str:
    """The A-against-B differences: each quantity, A, B, the difference and its 95% interval;
    rows whose interval excludes zero are marked."""
    rows, css = [], []
    for r in table_.itertuples():
        clear = not (r.lo <= 0 <= r.hi)
        rows.append([r.description, f"{r.a:.2f}", f"{r.b:.2f}",
                     f"{_signed(r.difference)} [{_signed(r.lo)}, {_signed(r.hi)}]",
                     "yes" if clear else "no"])  # fmt: skip
        css.append("negsim-clear" if clear else "")
    header = ["quantity", "A", "B", "A − B [95% interval]", "interval excludes 0"]
    return table(header, rows, "negsim-differences", css)


def _signed(x: float) -> str:
    """Three decimals, so a bound just above zero does not read as zero; never "-0.000"."""
    return f"{0.0 if abs(x) < 5e-4 else x:+.3f}"
