"""A self-contained HTML report for a class or a briefing: what each scenario assumes, its plots
(embedded as base64 PNG), the comparison, and plain-language findings with their uncertainty.
Nothing in the file points outside it, so it opens offline."""

from __future__ import annotations

import base64
import html
import io
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from sim.plots import Results
    from sim.scenario.models import Scenario

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif;
       max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }
h1 { border-bottom: 3px solid #333; padding-bottom: .2em; }
h2 { margin-top: 2em; border-bottom: 1px solid #bbb; }
table { border-collapse: collapse; margin: .8em 0; font-size: .9em; }
th, td { border: 1px solid #bbb; padding: .25em .6em; text-align: left; vertical-align: top; }
th { background: #eee; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1.2em 0; } figure img { width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: .85em; color: #555; }
.note { background: #f4f4f4; border-left: 4px solid #333; padding: .5em 1em; }
.headline { border: 2px solid #333; padding: .4em 1.2em .8em; margin: 1.5em 0; }
.headline h2 { margin-top: .6em; } .headline ol { font-size: 1.15em; } .headline li { margin: .5em 0; }
dl.glossary dt { font-weight: bold; margin-top: .5em; } dl.glossary dd { margin-left: 1.5em; }
code { font-size: .9em; word-break: break-all; }
li { margin: .25em 0; }
@page { margin: 14mm 13mm; }
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 10.5pt; line-height: 1.35; }
  nav { display: none; }
  h1 { font-size: 18pt; margin-top: 0; }
  h2 { font-size: 14pt; }
  h2.part { break-before: page; }
  h2, h3, h4 { break-after: avoid; }
  div.table, div.keep, figure, .headline, .note, dl.glossary div, li {
    break-inside: avoid; }
  table { font-size: 8.5pt; width: 100%; }
  thead { display: table-header-group; }
  tr { break-inside: avoid; }
  figure { margin: .6em 0; }
  figure img { border: none; max-height: 118mm; width: auto; max-width: 100%; }
  a { color: inherit; text-decoration: none; }
  .note, th { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


def e(text: Any) -> str:
    """HTML-escaped text."""
    return html.escape(str(text))


def png_base64(fig: Figure) -> str:
    """A figure as base64-encoded PNG bytes, for a data: URI."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def figure_html(fig: Figure, number: int) -> str:
    """A <figure> with the image embedded, its question as alt text and a figure number (the
    question and how to read the figure are in the image itself)."""
    from sim.plots.style import title_of

    data = png_base64(fig)
    question = title_of(fig).replace("\n", " ")
    return (
        f'<figure><img alt="{e(question)}" src="data:image/png;base64,{data}">'
        f"<figcaption>Figure {number}.</figcaption></figure>"
    )


def table_html(header: list[str], rows: list[list[Any]]) -> str:
    """A plain HTML table; numbers are right-aligned."""
    head = "".join(f"<th>{e(h)}</th>" for h in header)
    body = []
    for row in rows:
        cells = []
        for v in row:
            cls = ' class="num"' if isinstance(v, int | float) else ""
            cells.append(f"<td{cls}>{e(_fmt(v))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    table = f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    return f'<div class="table">{table}</div>'  # a block, so printing keeps it on one page


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return "∞" if math.isinf(v) else f"{v:.3g}"
    return "—" if v is None else str(v)


# --- what a scenario assumes ----------------------------------------------------------------
def assumptions_html(r: Results) -> str:
    """Tables of the key parameters: per actor, per issue (with every actor's ideal and salience),
    events, and the sweep that produced the runs."""
    spec = r.spec
    parts = [f"<p>{e(spec.description)}</p>"] if spec.description else []
    rows = [
        [a.name, a.capability, a.patience, a.outside_option, a.rho, a.rationality,
         a.perception_noise, _strategy(a.strategy)]
        for a in spec.actors.values()
    ]  # fmt: skip
    parts.append(
        table_html(
            [
                "actor",
                "capability",
                "patience δ",
                "outside option",
                "ρ (risk)",
                "λ (rationality)",
                "perception noise",
                "strategy",
            ],
            rows,
        )
    )
    header = ["issue", "reversion", "veto"] + [
        f"{a.name.split(' (')[0]}: ideal (salience)" for a in spec.actors.values()
    ]
    rows = []
    for k, issue in spec.issues.items():
        row: list[Any] = [
            issue.label,
            issue.show(issue.reversion_value),
            ", ".join(spec.actors[v].name.split(" (")[0] for v in issue.veto),
        ]
        for a in spec.actors.values():
            p = a.preferences.get(k)
            row.append("—" if p is None else f"{_position(p)} ({p.salience:g})")
        rows.append(row)
    parts.append(table_html(header, rows))
    p = spec.protocol
    parts.append(
        f"<p>Protocol: {e(p.type.replace('_', ' '))}, deadline {p.deadline} rounds, "
        f"recognition by {e(p.recognition)}, partial agreements {'on' if p.partial else 'off'}, "
        f"{p.grid} levels per issue in the proposers' search.</p>"
    )
    if spec.events:
        items = "".join(f"<li>{e(_event(spec, ev))}</li>" for ev in spec.events)
        parts.append(f"<p>Events:</p><ul>{items}</ul>")
    parts.append(f"<p>{e(_sweep_sentence(r))}</p>")
    return "\n".join(parts)


def _strategy(s: Any) -> str:
    if s.type == "concession":
        kind = "Boulware" if s.e < 1 else "conceder" if s.e > 1 else "linear"
        return f"concession e={s.e:g} ({kind})"
    if s.type == "reciprocal":
        return f"reciprocal β={s.beta:g}"
    return s.type


def _event(spec: Scenario, ev: Any) -> str:
    """An event in words: when it fires (rounds from 1) and what it changes."""
    from sim.scenario.words import possessive, short_name

    when = (
        f"in round {ev.round + 1}"
        if ev.round is not None
        else f"with chance {ev.hazard:.0%} each round"
    )
    effects = []
    for f in ev.effects:
        who = short_name(spec, f.actor)
        what = f.parameter.replace("_", " ")
        if f.issue is not None:
            what = f"{what} on {spec.issues[f.issue].label}"
        how = (
            f"set to {f.set:g}" if f.set is not None
            else f"{f.add:+g}" if f.add is not None
            else f"× {f.scale:g}"
        )  # fmt: skip
        effects.append(f"{possessive(who)} {what} {how}")
    effects += [f"imposes {spec.issues[k].label} at {_shown(v)}" for k, v in ev.close.items()]
    return f"{ev.name} ({when}): " + "; ".join(effects)


def _sweep_sentence(r: Results) -> str:
    from sim.plots.outcomes import swept_parameters
    from sim.scenario.words import parameter_phrase

    sweep = r.manifest.get("sweep") or {}
    runs = r.runs
    failed = int((runs["status"] != "ok").sum()) if "status" in runs.columns else 0
    text = f"{len(runs):,} runs ({failed:,} failed)"
    params = swept_parameters(r.ok)
    if params:
        axes = "; ".join(f"{parameter_phrase(p, r.spec)} {_values(runs, p)}" for p in params)
        text += f", sweeping {axes}"
        if sweep.get("design") not in (None, "grid"):
            text += f" ({sweep['design']} design, {r.ok.groupby(params).ngroups} points)"
    if sweep:
        text += f"; {sweep.get('replications', '?')} replications per point, root seed {sweep.get('seed', '?')}"
    return text + "."


def _values(runs: Any, param: str) -> str:
    """A swept parameter's values: listed when few ('∈ {0.5, 0.6}'), else its range rounded to
    the digits it resolves ('from 0.40 to 0.90, 200 values'), as a sampled design has."""
    from sim.discovery import rounded
    from sim.plots.outcomes import axis_values

    values = axis_values(runs, param)
    if len(values) <= 12 or isinstance(values[0], str):  # names are always listed
        return "∈ {" + ", ".join(_shown(v) for v in values) + "}"
    width = values[-1] - values[0]
    return f"from {rounded(values[0], width)} to {rounded(values[-1], width)}, {len(values)} values"


# --- findings -------------------------------------------------------------------------------
def findings(r: Results, found: Any = None) -> list[str]:
    """Plain-language statements computed from the runs, each with its 95% interval; `found` is
    the scenario discovery to quote (computed here when not given)."""
    from sim.plots.compare import threshold_events
    from sim.plots.outcomes import agreement_table, mean_interval, swept_parameters
    from sim.scenario.words import possessive, short_name
    from sim.stats import describe_mean, describe_proportion, wilson_interval

    ok, spec = r.ok, r.spec
    n = len(ok)
    if n == 0:
        return ["No run completed, so there is nothing to report."]
    params = swept_parameters(ok)
    pooled = f", pooled over {ok.groupby(params).ngroups} sweep points" if params else ""
    table = agreement_table(ok, spec).set_index("key")
    full = table.loc["all"]
    out = [
        f"Across {n:,} completed runs{pooled}, every issue was agreed in "
        f"{describe_proportion(full.p, full.lo, full.hi)} of runs."
    ]
    for k, issue in spec.issues.items():
        x = ok[f"issue.{k}.value"].to_numpy(dtype=float)
        values, counts = np.unique(x.round(3), return_counts=True)
        top = int(np.argmax(counts))
        lo, hi = wilson_interval(int(counts[top]), n)
        parts = [
            f"{issue.label} most often ends at {_quoted(issue, values[top])}, "
            f"in {describe_proportion(counts[top] / n, lo, hi)} of runs"
        ]
        for _, (low, high), text in threshold_events(spec, [k]):
            if issue.options is not None and abs(low - values[top]) < 1e-3:
                continue  # already said
            s = int(np.count_nonzero((x >= low - 1e-9) & (x <= high + 1e-9)))
            lo, hi = wilson_interval(s, n)
            phrase = text.removeprefix(issue.label + " ").split(" (≥")[0]
            parts.append(f"it {phrase} in {describe_proportion(s / n, lo, hi)}")
        row = table.loc[k]
        parts.append(f"it is agreed (not reverted) in {describe_proportion(row.p, row.lo, row.hi)}")
        out.append("; ".join(parts) + ".")
    for a in spec.actors:
        m, lo, hi = mean_interval(ok[f"utility.{a}"].to_numpy(dtype=float))
        out.append(f"{possessive(short_name(spec, a))} mean utility is {describe_mean(m, lo, hi)}.")
    agreed = ok[ok["agreed"].astype(bool)]
    if len(agreed):
        m, lo, hi = mean_interval(agreed["round"].to_numpy(dtype=float))
        out.append(
            f"When full agreement is reached it comes in round {m + 1:.1f} on average "
            f"(95% CI {lo + 1:.1f}–{hi + 1:.1f}; round 1 is the first offer)."
        )
    # --- sampled designs: findings come from scenario discovery, not from end samples ---
    found = discovery_of(r) if found is None else found
    if found is not None:
        from sim.plots.sampled import is_sampled

        out.extend(found.findings())
        if is_sampled(ok, params):
            return out
    # --- end of scenario discovery ---
    for p in params:
        out.extend(_sweep_findings(ok, spec, p))
    out.extend(_textbook_finding(ok, spec))
    return out


def discovery_of(r: Results) -> Any:
    """Scenario discovery (sim.discovery) for results with two or more swept parameters, for the
    rarer of full agreement and its absence; None otherwise."""
    from sim.discovery import discover
    from sim.plots.outcomes import swept_parameters

    ok = r.ok
    if len(swept_parameters(ok)) < 2 or not len(ok):
        return None
    rate = ok["agreed"].astype(bool).mean()
    if not 0 < rate < 1:
        return None
    return discover(ok, r.spec, "breakdown" if rate > 0.5 else "agreed")


def _textbook_finding(ok: Any, spec: Scenario) -> list[str]:
    """In the textbook case, the runs against Rubinstein's split and the finite-horizon one."""
    from sim.analysis.textbook import rubinstein_case
    from sim.plots.outcomes import mean_interval
    from sim.scenario.words import short_name

    case = rubinstein_case(spec)
    if case is None:
        return []
    m, lo, hi = mean_interval(ok[f"issue.{case.issue}.value"].to_numpy(dtype=float))
    return [
        f"The textbook case: with {short_name(spec, case.first)} proposing first, Rubinstein's "
        f"split puts {spec.issues[case.issue].label} at {case.value:.3f}, and backward "
        f"induction with a {spec.protocol.deadline}-round deadline at {case.finite_value:.3f}; "
        f"the runs end at {m:.3f} on average (95% CI {lo:.3f}–{hi:.3f})."
    ]


def _sweep_findings(ok: Any, spec: Scenario, param: str) -> list[str]:
    """How full agreement and the most-moved issue change from the lowest to the highest value."""
    from sim.plots.outcomes import sweep_table
    from sim.scenario.words import parameter_phrase
    from sim.stats import describe_mean, describe_proportion

    t = sweep_table(ok, spec, param)
    lo_x, hi_x = t["x"].min(), t["x"].max()
    at = {(r.x, r.quantity): r for r in t.itertuples()}
    name = parameter_phrase(param, spec)
    a, b = at[(lo_x, "agreed")], at[(hi_x, "agreed")]
    lines = [
        f"As {name} goes from {_shown(lo_x)} to {_shown(hi_x)}, full agreement goes from "
        f"{describe_proportion(a.estimate, a.lo, a.hi)} to "
        f"{describe_proportion(b.estimate, b.lo, b.hi)} of runs."
    ]
    moves = {
        k: at[(hi_x, f"issue.{k}.value")].estimate - at[(lo_x, f"issue.{k}.value")].estimate
        for k in spec.issues
        if spec.issues[k].options is None  # options have no mean to move
    }
    if not moves:
        return lines
    k = max(moves, key=lambda key: abs(moves[key]))
    a, b = at[(lo_x, f"issue.{k}.value")], at[(hi_x, f"issue.{k}.value")]
    lines.append(
        f"The issue that moves most is {spec.issues[k].label}: its mean final value goes from "
        f"{describe_mean(a.estimate, a.lo, a.hi)} to {describe_mean(b.estimate, b.lo, b.hi)}."
    )
    return lines


def _shown(x: Any) -> str:
    """A swept value in a sentence: a number compactly, a name quoted."""
    return f'"{x}"' if isinstance(x, str) else f"{x:g}"


def _position(p: Any) -> str:
    """A preference as the assumptions table shows it: the ideal point, or the best option."""
    if p.utilities is None:
        return f"{p.ideal:g}"
    return f"best: {max(p.utilities, key=p.utilities.get)}"


def _quoted(issue: Any, value: float) -> str:
    """A final value in a sentence: an option's name, or the number and its anchor label."""
    if issue.options is not None:
        return f'"{issue.option_at(value)}"'
    return f'{value:g} "{issue.label_of(value)}"'


def comparison_findings(table: Any, limit: int = 8) -> list[str]:
    """The differences whose 95% interval excludes zero, largest first; or a plain 'no clear
    difference' for each pair that has none."""
    out = []
    for (ref, other), group in table.groupby(["reference", "other"], sort=False):
        clear = group[group["significant"]]
        if clear.empty:
            out.append(
                f"No difference between {ref} and {other} is clear at the 95% level with "
                "these runs (every interval includes zero)."
            )
            continue
        clear = clear.reindex(clear["difference"].abs().sort_values(ascending=False).index)
        out.extend(plain_difference(row) for row in clear.head(limit).itertuples())
    return out


def plain_difference(row: Any) -> str:
    """One row of the differences table in plain words: 'Full agreement on every issue: 86%
    of baseline runs against 75% of africa_option runs; 11 points more often in baseline (95%
    CI 5 to 18 points).'"""
    import re

    ref, other, d = row.reference, row.other, row.difference
    lo, hi = _size_interval(d, row.lo, row.hi)
    if row.kind == "probability":
        what = row.description.removeprefix("probability that ").removeprefix("probability of ")
        what = re.sub(r" \(≥ [0-9.]+\)$", "", what)
        return (
            f"{what[0].upper()}{what[1:]}: {row.a:.0%} of {ref} runs against {row.b:.0%} of "
            f"{other} runs; {abs(d) * 100:.0f} points {'more' if d > 0 else 'less'} often in "
            f"{ref} (95% CI {lo * 100:.0f} to {hi * 100:.0f} points)."
        )
    what = row.description
    return (
        f"{what[0].upper()}{what[1:]}: {row.a:.2f} in {ref} against {row.b:.2f} in {other}; "
        f"{abs(d):.2f} {'higher' if d > 0 else 'lower'} in {ref} (95% CI {lo:.2f} to {hi:.2f})."
    )


def _size_interval(d: float, lo: float, hi: float) -> tuple[float, float]:
    """The interval of a difference's size, as the words give it ('18 points less often'): a
    negative difference's interval (−20, −17) is read as 17 to 20."""
    return (lo, hi) if d >= 0 else (-hi, -lo)


# --- the headline ---------------------------------------------------------------------------
def _full_agreement(r: Results) -> tuple[float, float, float]:
    from sim.plots.outcomes import agreement_table

    row = agreement_table(r.ok, r.spec).set_index("key").loc["all"]
    return float(row.p), float(row.lo), float(row.hi)


def _hardest_issue(r: Results) -> str:
    """The issue agreed least often, and where it most often ends."""
    from sim.plots.outcomes import agreement_table
    from sim.stats import describe_proportion, wilson_interval

    table = agreement_table(r.ok, r.spec).set_index("key").drop("all")
    k = str(table["p"].idxmin())
    row, issue, n = table.loc[k], r.spec.issues[k], len(r.ok)
    values, counts = np.unique(r.ok[f"issue.{k}.value"].to_numpy(dtype=float).round(3),
                               return_counts=True)  # fmt: skip
    top = int(np.argmax(counts))
    lo, hi = wilson_interval(int(counts[top]), n)
    said = issue.option_at(values[top]) or issue.label_of(values[top])
    where = f'"{said}", in {describe_proportion(counts[top] / n, lo, hi)}'
    if len(table) == 1 or table["p"].min() >= 1.0:
        return f"{issue.label} most often ends at {where} of runs."
    return (
        f"{issue.label} is the hardest issue: it is agreed in "
        f"{describe_proportion(row.p, row.lo, row.hi)} of runs, and most often ends at {where} "
        "of runs."
    )


def _gains(r: Results) -> str:
    """Who gains most and least against no deal, with intervals on the mean utilities."""
    from sim.narration import fallbacks
    from sim.plots.outcomes import mean_interval
    from sim.scenario.words import short_name
    from sim.stats import describe_mean

    fall = fallbacks(r.spec)
    rows = []
    for a in r.spec.actors:
        m, lo, hi = mean_interval(r.ok[f"utility.{a}"].to_numpy(dtype=float))
        rows.append((m - fall[a].value, short_name(r.spec, a), m, lo, hi, fall[a].value))
    rows.sort(reverse=True)

    def said(row: tuple) -> str:
        m, lo, hi, f = row[2:]
        return f"mean utility {describe_mean(m, lo, hi)} against {f:.2f} with no deal"

    best, worst = rows[0], rows[-1]
    verb = "gains least" if worst[0] > 0 else "loses most"
    return f"Against no deal, {best[1]} gains most: {said(best)}; {worst[1]} {verb}: {said(worst)}."


def headline(results: list[Results], table: Any = None) -> list[str]:
    """The three findings that matter most, in plain words with their intervals.

    One results set: how often a full agreement is reached; how that moves across the swept
    parameter (with several, where in their space scenario discovery finds it fails or holds;
    unswept, which issue is hardest); who gains most and least against no deal.
    Several: full agreement in each and whether it differs clearly from the first; then the two
    largest clear differences on different subjects (or, short of them, who gains most and least
    in the first)."""
    from sim.plots.outcomes import swept_parameters
    from sim.stats import describe_proportion

    first = results[0]
    if not len(first.ok):
        return ["No run completed, so there is nothing to report."]
    if len(results) == 1:
        p, lo, hi = _full_agreement(first)
        lines = [
            f"A full agreement on every issue is reached in {describe_proportion(p, lo, hi)} of "
            f"the {len(first.ok):,} simulated negotiations."
        ]
        params = swept_parameters(first.ok)
        found = discovery_of(first) if len(params) > 1 else None
        if found is not None:  # several parameters: where in their space agreement fails
            lines.append(found.findings()[0])
        elif len(params) == 1:
            lines.append(_sweep_findings(first.ok, first.spec, params[0])[0])
        else:
            lines.append(_hardest_issue(first))
        lines.append(_gains(first))
        return lines
    lines = [_full_agreement_compared(results, table)]
    clear = table[table["significant"] & (table["quantity"] != "agreed")]
    clear = clear.reindex(clear["difference"].abs().sort_values(ascending=False).index)
    subjects: set[str] = set()
    for row in clear.itertuples():
        subject = ".".join(row.quantity.split(".")[:2])  # issue.<k> or utility.<a>
        if subject not in subjects:
            lines.append(plain_difference(row))
            subjects.add(subject)
        if len(lines) == 3:
            return lines
    if len(lines) == 1:
        lines.append(
            "No other difference between the scenarios is clear at the 95% level with these "
            "runs (every interval includes zero)."
        )
    return [*lines, _gains(first)]


def _full_agreement_compared(results: list[Results], table: Any) -> str:
    """Full agreement in each results set, and whether each difference from the first is
    clear."""
    from sim.stats import describe_proportion

    first = results[0]
    parts = [f"{describe_proportion(*_full_agreement(r))} of {r.name} runs" for r in results]
    said = f"A full agreement on every issue is reached in {', '.join(parts)}"
    for row in table[table["quantity"] == "agreed"].itertuples():
        points = f"{abs(row.difference) * 100:.0f} points"
        if row.significant:
            lo, hi = _size_interval(row.difference, row.lo, row.hi)
            more = "more" if row.difference > 0 else "less"
            said += (
                f"; {first.name} reaches it {points} {more} often than {row.other} "
                f"(95% CI {lo * 100:.0f} to {hi * 100:.0f} points)"
            )
        else:
            ci = f"95% CI {row.lo * 100:+.0f} to {row.hi * 100:+.0f} points"
            said += f"; the difference from {row.other} is not clear ({ci}, {first.name} minus it)"
    return said + "."


# --- the glossary and the provenance ---------------------------------------------------------
def glossary_html() -> str:
    """Every term the report uses, defined in plain words (sim.glossary, shared with the app)."""
    from sim.glossary import TERMS

    items = "".join(
        f"<div><dt>{e(term)}</dt><dd>{e(text)}</dd></div>" for term, text in TERMS.items()
    )
    return f'<dl class="glossary">{items}</dl>'


def sha256_of(data: Any) -> str:
    """SHA-256 of bytes, or of plain data as canonical JSON."""
    import hashlib
    import json

    raw = data if isinstance(data, bytes) else json.dumps(data, sort_keys=True).encode()
    return hashlib.sha256(raw).hexdigest()


def provenance(results: list[Results], command: list[str] | None = None) -> list[list[str]]:
    """Where the report came from: per results folder its scenario file and hashes, the
    command and seed of its sweep, the negsim version and commit, and when; then the report's
    own command, version and date. Rows of (what, value)."""
    import datetime
    import shlex

    import sim

    rows = []
    for r in results:
        m = r.manifest
        sweep = m.get("sweep") or {}
        file = m.get("scenario_file", "?")
        rows.append([f"{r.name}: results folder", str(r.path or "?")])
        rows.append([f"{r.name}: scenario file", file])
        if m.get("document") is not None:
            rows.append(
                [f"{r.name}: scenario as run (SHA-256 of its data)", sha256_of(m["document"])]
            )
        on_disk = Path(file)
        if on_disk.is_file():
            rows.append([f"{r.name}: scenario file now (SHA-256 of its bytes)",
                         sha256_of(on_disk.read_bytes())])  # fmt: skip
            if m.get("document") is not None:
                rows.append([f"{r.name}: scenario file now, against the scenario as run",
                             _same_as_run(on_disk, m)])  # fmt: skip
        rows.append([f"{r.name}: sweep command", shlex.join(map(str, m.get("command") or []))])
        rows.append([
            f"{r.name}: seed and design",
            f"root seed {sweep.get('seed', '?')}; {sweep.get('design', '?')} design, "
            f"{sweep.get('replications', '?')} replications per point",
        ])  # fmt: skip
        rows.append([
            f"{r.name}: run by",
            f"negsim {m.get('version', '?')} (git {str(m.get('git_commit') or '?')[:12]}), "
            f"{m.get('started', '?')} to {m.get('ended', '?')}",
        ])  # fmt: skip
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    rows.append(["report command", shlex.join(command) if command else "(from Python)"])
    rows.append(["report written by", f"negsim {sim.__version__}, {when}"])
    return rows


def _same_as_run(file: Path, manifest: dict) -> str:
    """Whether the scenario file, read now with the sweep command's --set changes, is the data the
    sweep ran (the two hashes above differ always: one is of the data, one of the file's bytes)."""
    from sim.scenario.loading import ScenarioError, apply_overrides, read_document
    from sim.sweep.run import _jsonable

    command = [str(w) for w in manifest.get("command") or []]
    sets = [command[i + 1] for i, w in enumerate(command[:-1]) if w == "--set"]
    try:
        doc = read_document(file)
        apply_overrides(doc, sets)
    except ScenarioError:
        return "cannot be read as a scenario now"
    data = _jsonable({k: v for k, v in doc.data.items() if k != "sweep"})
    with_sets = " (with the sweep's --set changes)" if sets else ""
    if data == manifest["document"]:
        return f"the same data{with_sets}"
    return (
        f"differs{with_sets}: the file was edited after the sweep, or the sweep changed it in a "
        "way its recorded command does not show"
    )


# --- the document ---------------------------------------------------------------------------
def build_report(
    results: list[Results],
    title: str = "Negotiation scenarios",
    command: list[str] | None = None,
) -> tuple[str, int]:
    """The whole HTML document and the number of images embedded in it."""
    from sim.plots import incomplete_note
    from sim.plots.compare import compare_figures, differences_table, sweep_mismatch
    from sim.plots.outcomes import outcome_figures
    from sim.plots.style import mark_incomplete

    table = differences_table(results) if len(results) > 1 else None
    mismatch = sweep_mismatch(results) if table is not None else None
    contents = [f'<a href="#r{i}">{e(r.name)}</a>' for i, r in enumerate(results)]
    contents += ['<a href="#comparison">comparison</a>'] if len(results) > 1 else []
    contents += ['<a href="#glossary">glossary</a>', '<a href="#provenance">sources</a>']
    body = [
        f"<h1>{e(title)}</h1>",
        '<p class="note">Every number in these scenarios is a judgment made for teaching and '
        "exploration, not a measurement. Percentages are shares of simulated negotiations; each "
        "comes with its 95% interval (see the glossary at the end for every term).</p>",
        '<section class="headline"><h2>The three findings that matter most</h2>'
        "<ol>"
        + "".join(f"<li>{e(line)}</li>" for line in headline(results, table))
        + "</ol>"
        + (
            f'<p class="note"><strong>Not like-for-like:</strong> {e(mismatch)}</p>'
            if mismatch
            else ""
        )
        + "</section>",
        "<nav><p>Contents: " + ", ".join(contents) + "</p></nav>",
    ]
    images = 0
    for i, r in enumerate(results):
        body.append(f'<h2 id="r{i}" class="part">{e(r.name)} (scenario {e(r.spec.name)})</h2>')
        if r.note:
            body.append(
                f'<p class="note"><strong>Incomplete sweep — {e(r.note)}.</strong> The findings '
                "and plots below use only the runs stored.</p>"
            )
        body.append("<h3>What it assumes</h3>")
        body.append(assumptions_html(r))
        body.append("<h3>Findings</h3><ul>")
        found = discovery_of(r)  # scenario discovery (sim/discovery), two or more parameters
        body.extend(f"<li>{e(line)}</li>" for line in findings(r, found))
        body.append("</ul>")
        if found is not None:
            from sim.plots.discovery import discovery_figures

            body.append("<h3>Where it happens: scenario discovery</h3><pre>")
            lines = [*found.box_lines(), "", "Classification tree, densest leaves:"]
            lines += [f"  {line}" for line in found.leaf_lines()]
            lines += ["", "Feature scores (extra trees):"]
            lines += [f"  {line}" for line in found.score_lines()]
            body.extend(e(line) + "\n" for line in lines)
            body.append("</pre>")
            for fig in discovery_figures(found, r.name).values():
                images += 1
                body.append(figure_html(mark_incomplete(fig, r.note), images))
        # With several results the comparison shows the shared figures side by side, so each
        # scenario keeps only those it alone has (its sweep or sampled design).
        own = {
            stem: fig
            for stem, fig in outcome_figures(r.runs, r.spec, r.name).items()
            if table is None or stem.startswith(("sweep_", "heatmap_", "sampled_"))
        }
        if own:
            body.append("<h3>Figures</h3>")
        else:
            body.append("<p>Its figures are in the comparison below, beside the others'.</p>")
        for fig in own.values():
            images += 1
            body.append(figure_html(mark_incomplete(fig, r.note), images))
    if table is not None:
        body.append('<h2 id="comparison" class="part">Comparison</h2>')
        if mismatch:
            body.append(f'<p class="note"><strong>Caution:</strong> {e(mismatch)}</p>')
        body.append("<h3>Findings</h3><ul>")
        body.extend(f"<li>{e(line)}</li>" for line in comparison_findings(table))
        body.append("</ul><h3>Figures</h3>")
        for fig in compare_figures(results).values():
            images += 1
            body.append(figure_html(mark_incomplete(fig, incomplete_note(results)), images))
        body.append("<h3>Differences with 95% intervals</h3>")
        from sim.stats import number

        for kind, heading in (("probability", "Probabilities"), ("mean", "Means")):
            rows = [
                [row.description, row.reference, row.other, number(row.a, row.digits),
                 number(row.b, row.digits), number(row.difference, row.digits),
                 f"[{number(row.lo, row.digits)}, {number(row.hi, row.digits)}]"
                 + (" *" if row.significant else "")]
                for row in table[table["kind"] == kind].itertuples()
            ]  # fmt: skip
            header = ["quantity", "A", "B", "A value", "B value", "A − B", "95% CI"]
            body.append(f'<div class="keep"><h4>{heading}</h4>{table_html(header, rows)}</div>')
        body.append(
            "<p>* the interval excludes zero at the printed precision: a clear difference.</p>"
        )
    body.append('<h2 id="glossary">Glossary</h2>')
    body.append(glossary_html())
    body.append(
        '<div class="keep"><h2 id="provenance">Where this report came from</h2>'
        + table_html(["what", "value"], provenance(results, command))
        + "</div>"
    )
    page = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(title)}</title><style>{CSS}</style></head><body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )
    return page, images


def write_report(
    results: list[Results],
    path: str | Path,
    title: str | None = None,
    command: list[str] | None = None,
) -> Path:
    """Write the report for `results` to `path` (one self-contained HTML file)."""
    names = ", ".join(r.name for r in results)
    page, _ = build_report(results, title or f"Negotiation outcomes: {names}", command)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return out
