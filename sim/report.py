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
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 1200px;
       margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }
h1 { border-bottom: 3px solid #0072B2; padding-bottom: .2em; }
h2 { margin-top: 2em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: .8em 0; font-size: .9em; }
th, td { border: 1px solid #ccc; padding: .25em .6em; text-align: left; vertical-align: top; }
th { background: #f0f0f0; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
figure { margin: 1.2em 0; } figure img { max-width: 100%; border: 1px solid #eee; }
figcaption { font-size: .85em; color: #555; }
.note { background: #fff8e1; border-left: 4px solid #E69F00; padding: .5em 1em; }
li { margin: .25em 0; }
"""

CAPTIONS = {
    "issue_values": "Share of runs ending at each value of each issue; dark = agreed, light = "
    "reverted. Triangles mark each actor's ideal point, the dashed line the reversion point.",
    "agreement": "Probability that each issue is agreed, with 95% Wilson intervals.",
    "utilities": "Each actor's utility of the final outcome: box = quartiles, whiskers = range, "
    "dot and bar = mean with its 95% bootstrap interval.",
    "rounds": "Round in which full agreement was reached (0 = first offer).",
    # sampled designs (sim/plots/sampled.py) and scenario discovery (sim/plots/discovery.py)
    "sampled_agreement": "Probability each issue is agreed at each design point (dots, 95% "
    "Wilson intervals) against each parameter while the others vary across their ranges; the "
    "line is the mean over the points in each bin, with a 95% bootstrap band.",
    "sampled_values": "Mean final value of each issue at each design point (dots, 95% t "
    "intervals) against each parameter; the line is the binned mean with its 95% band.",
    "sampled_utilities": "Each actor's mean utility at each design point (dots, 95% t "
    "intervals) against each parameter; the line is the binned mean with its 95% band.",
    "sampled_pairs": "The design points over the two parameters that matter most for full "
    "agreement (extra-trees importance), shaded by their share of runs with full agreement.",
}


def caption(stem: str) -> str:
    """The caption of a figure from its file stem."""
    if stem.startswith("sweep_"):
        return (
            "Outcomes against the swept parameter: probabilities with 95% Wilson bands, means "
            "with 95% bootstrap bands."
        )
    if stem.startswith("heatmap_"):
        return (
            "Outcomes over the two swept parameters; each cell is the share or mean at that point."
        )
    return CAPTIONS.get(stem, stem.replace("_", " "))


def e(text: Any) -> str:
    """HTML-escaped text."""
    return html.escape(str(text))


def png_base64(fig: Figure) -> str:
    """A figure as base64-encoded PNG bytes, for a data: URI."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def figure_html(fig: Figure, caption: str) -> str:
    """An <figure> with the image embedded and a caption."""
    data = png_base64(fig)
    return (
        f'<figure><img alt="{e(caption)}" src="data:image/png;base64,{data}">'
        f"<figcaption>{e(caption)}</figcaption></figure>"
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
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


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
        items = "".join(f"<li>{e(_event(ev))}</li>" for ev in spec.events)
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


def _event(ev: Any) -> str:
    when = f"round {ev.round}" if ev.round is not None else f"hazard {ev.hazard:g} per round"
    effects = [
        f"{f.actor} {f.parameter}{'/' + f.issue if f.issue else ''} "
        + (f"= {f.set:g}" if f.set is not None else f"+ {f.add:g}" if f.add is not None
           else f"× {f.scale:g}")
        for f in ev.effects
    ]  # fmt: skip
    effects += [f"closes {k} at {_shown(v)}" for k, v in ev.close.items()]
    return f"{ev.name} ({when}): " + "; ".join(effects)


def _sweep_sentence(r: Results) -> str:
    from sim.plots.outcomes import swept_parameters

    sweep = r.manifest.get("sweep") or {}
    runs = r.runs
    failed = int((runs["status"] != "ok").sum()) if "status" in runs.columns else 0
    text = f"{len(runs)} runs ({failed} failed)"
    params = swept_parameters(r.ok)
    if params:
        axes = "; ".join(f"{p.removeprefix('param.')} {_values(runs[p])}" for p in params)
        text += f", sweeping {axes}"
        if sweep.get("design") not in (None, "grid"):
            text += f" ({sweep['design']} design, {r.ok.groupby(params).ngroups} points)"
    if sweep:
        text += f"; {sweep.get('replications', '?')} replications per point, root seed {sweep.get('seed', '?')}"
    return text + "."


def _values(column: Any) -> str:
    """A swept parameter's values: listed when few ('∈ {0.5, 0.6}'), else its range rounded to
    the digits it resolves ('from 0.40 to 0.90, 200 values'), as a sampled design has."""
    from sim.discovery import rounded

    values = sorted(column.unique())
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
    from sim.stats import describe_proportion, wilson_interval

    ok, spec = r.ok, r.spec
    n = len(ok)
    if n == 0:
        return ["No run completed, so there is nothing to report."]
    params = swept_parameters(ok)
    pooled = f", pooled over {ok.groupby(params).ngroups} sweep points" if params else ""
    table = agreement_table(ok, spec).set_index("key")
    full = table.loc["all"]
    out = [
        f"Across {n} completed runs{pooled}, every issue was agreed in "
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
    for a, actor in spec.actors.items():
        m, lo, hi = mean_interval(ok[f"utility.{a}"].to_numpy(dtype=float))
        owner = actor.name + ("'" if actor.name.endswith("s") else "'s")
        out.append(f"{owner} mean utility is {m:.2f} (95% CI {lo:.2f}–{hi:.2f}).")
    agreed = ok[ok["agreed"].astype(bool)]
    if len(agreed):
        m, lo, hi = mean_interval(agreed["round"].to_numpy(dtype=float))
        out.append(
            f"When full agreement is reached it comes in round {m:.1f} on average "
            f"(95% CI {lo:.1f}–{hi:.1f}; round 0 is the first offer)."
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


def _sweep_findings(ok: Any, spec: Scenario, param: str) -> list[str]:
    """How full agreement and the most-moved issue change from the lowest to the highest value."""
    from sim.plots.outcomes import parameter_label, sweep_table
    from sim.stats import describe_proportion

    t = sweep_table(ok, spec, param)
    lo_x, hi_x = t["x"].min(), t["x"].max()
    at = {(r.x, r.quantity): r for r in t.itertuples()}
    name = parameter_label(param, spec)
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
        f"{a.estimate:.2f} (95% CI {a.lo:.2f}–{a.hi:.2f}) to {b.estimate:.2f} "
        f"(95% CI {b.lo:.2f}–{b.hi:.2f})."
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
        for row in clear.head(limit).itertuples():
            out.append(f"{row.description}: {ref} vs {other}, {row.text}.")
    return out


# --- the document ---------------------------------------------------------------------------
def build_report(results: list[Results], title: str = "Negotiation scenarios") -> tuple[str, int]:
    """The whole HTML document and the number of images embedded in it."""
    from sim.plots.compare import compare_figure, differences_table
    from sim.plots.outcomes import outcome_figures

    body = [
        f"<h1>{e(title)}</h1>",
        '<p class="note">Every number in these scenarios is a judgment made for teaching and '
        "exploration, not a measurement. Percentages are shares of simulated runs; brackets "
        "give 95% intervals (Wilson for shares, bootstrap for means, Newcombe for differences "
        "of shares).</p>",
        "<p>Contents: " + ", ".join(f'<a href="#r{i}">{e(r.name)}</a>' for i, r in enumerate(results))
        + (', <a href="#comparison">comparison</a>' if len(results) > 1 else "") + "</p>",
    ]  # fmt: skip
    images = 0
    for i, r in enumerate(results):
        body.append(f'<h2 id="r{i}">{e(r.name)} (scenario {e(r.spec.name)})</h2>')
        body.append("<h3>What it assumes</h3>")
        body.append(assumptions_html(r))
        body.append("<h3>Findings</h3><ul>")
        found = discovery_of(r)  # scenario discovery (sim/discovery), two or more parameters
        body.extend(f"<li>{e(line)}</li>" for line in findings(r, found))
        body.append("</ul>")
        if found is not None:
            from sim.plots.discovery import discovery_figure

            body.append("<h3>Where it happens: scenario discovery</h3><pre>")
            lines = [*found.box_lines(), "", "Classification tree, densest leaves:"]
            lines += [f"  {line}" for line in found.leaf_lines()]
            lines += ["", "Feature scores (extra trees):"]
            lines += [f"  {line}" for line in found.score_lines()]
            body.extend(e(line) + "\n" for line in lines)
            body.append("</pre>")
            body.append(figure_html(discovery_figure(found, r.name), "PRIM's peeling trajectory "
                        "(coverage against density), the chosen box's limits with their "
                        "quasi-p-values, each parameter's importance, and the design points "
                        "with the box."))  # fmt: skip
            images += 1
        body.append("<h3>Plots</h3>")
        for stem, fig in outcome_figures(r.runs, r.spec, r.name).items():
            body.append(figure_html(fig, caption(stem)))
            images += 1
    if len(results) > 1:
        table = differences_table(results)
        body.append('<h2 id="comparison">Comparison</h2>')
        from sim.plots.compare import sweep_mismatch

        mismatch = sweep_mismatch(results)
        if mismatch:
            body.append(f'<p class="note"><strong>Caution:</strong> {e(mismatch)}</p>')
        body.append("<h3>Findings</h3><ul>")
        body.extend(f"<li>{e(line)}</li>" for line in comparison_findings(table))
        body.append("</ul>")
        body.append(figure_html(compare_figure(results), "The panels of every scenario on "
                                "shared axes; each scenario has its own grey shade."))  # fmt: skip
        images += 1
        body.append("<h3>Differences with 95% intervals</h3>")
        from sim.stats import number

        rows = [
            [row.description, row.reference, row.other, number(row.a, row.digits),
             number(row.b, row.digits), number(row.difference, row.digits),
             f"[{number(row.lo, row.digits)}, {number(row.hi, row.digits)}]"]
            for row in table.itertuples()
        ]  # fmt: skip
        body.append(
            table_html(["quantity", "A", "B", "A value", "B value", "A − B", "95% CI"], rows)
        )
    page = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{e(title)}</title><style>{CSS}</style></head><body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )
    return page, images


def write_report(results: list[Results], path: str | Path, title: str | None = None) -> Path:
    """Write the report for `results` to `path` (one self-contained HTML file)."""
    names = ", ".join(r.name for r in results)
    page, _ = build_report(results, title or f"Negotiation outcomes: {names}")
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return out
