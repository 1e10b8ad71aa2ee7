"""Several results side by side: the outcome figures on shared axes (one grey style per
scenario) and a table of differences with 95% intervals (Newcombe for proportions, bootstrap for
means)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.plots.outcomes import (
    agreement_table,
    draw_agreement,
    draw_rounds,
    draw_utilities,
    draw_value_distribution,
    ok_rows,
    rounds_distribution,
    utility_samples,
    value_distribution,
)
from sim.plots.style import (
    MIN_FONT,
    ask,
    colours_of,
    new_axes,
    percent_axis,
    scenario_style,
)

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from sim.plots import Results
    from sim.scenario.models import Scenario


def shared_keys(results: list[Results]) -> tuple[list[str], list[str]]:
    """Issues and actors present in every results set, in the first one's order."""
    issues = [k for k in results[0].spec.issues if all(k in r.spec.issues for r in results)]
    actors = [a for a in results[0].spec.actors if all(a in r.spec.actors for r in results)]
    return issues, actors


def threshold_events(
    spec: Scenario, issues: list[str]
) -> list[tuple[str, tuple[float, float], str]]:
    """The outcomes worth comparing, as (issue, (low, high) range of final values, description):
    on an issue on [0, 1], ending at each anchor above its lowest "or higher", e.g. 'Russian
    basing ends at "reduced presence…" or higher'; on an issue of named options, ending at each
    option (options have no order, so no "or higher")."""
    events = []
    for k in issues:
        issue = spec.issues[k]
        if issue.options is not None:
            for point, text in issue.anchors.items():
                events.append((k, (point, point), f'{issue.label} ends at "{text}"'))
            continue
        anchors = list(issue.anchors.items())[1:]
        for j, (point, text) in enumerate(anchors):
            more = "" if j == len(anchors) - 1 else " or higher"
            high = math.inf if more else point
            events.append((k, (point, high), f'{issue.label} ends at "{text}"{more} (≥ {point:g})'))
    return events


def _counts(
    runs: pd.DataFrame, column: str, within: tuple[float, float] | None = None
) -> tuple[int, int]:
    """Successes and trials among completed runs: a true flag, or a value within [low, high]."""
    x = ok_rows(runs)[column]
    if within is None:
        return int(x.astype(bool).sum()), len(x)
    v = x.to_numpy(dtype=float)
    v = v[~np.isnan(v)]
    low, high = within
    return int(np.count_nonzero((v >= low - 1e-9) & (v <= high + 1e-9))), v.size


def differences_table(results: list[Results], confidence: float = 0.95) -> pd.DataFrame:
    """Each later results set against the first: probabilities (full agreement, each issue agreed,
    each "at least" outcome) and means (final values, utilities), with 95% intervals of A − B.

    Columns: quantity, description, kind, reference, other, a, b, difference, lo, hi, digits
    (decimals the interval needs), significant (its rounded interval excludes zero), text.
    """
    import pandas as pd

    from sim.stats import (
        describe_difference,
        difference_digits,
        mean_difference_interval,
        proportion_difference_interval,
        significant,
    )

    ref = results[0]
    spec = ref.spec
    issues, actors = shared_keys(results)
    props: list[tuple[str, str, str, float | None]] = [
        ("agreed", "probability of full agreement on every issue", "agreed", None)
    ]
    props += [
        (f"issue.{k}.agreed", f"probability that {spec.issues[k].label} is agreed",
         f"issue.{k}.agreed", None)
        for k in issues
    ]  # fmt: skip
    props += [
        (f"issue.{k}.at_least_{low:g}" if high > low else f"issue.{k}.at_{low:g}",
         f"probability that {text}", f"issue.{k}.value", (low, high))
        for k, (low, high), text in threshold_events(spec, issues)
    ]  # fmt: skip
    means = [
        (f"issue.{k}.value", f"mean final value of {spec.issues[k].label}")
        for k in issues
        if spec.issues[k].options is None  # options have no mean
    ]
    means += [(f"utility.{a}", f"mean utility of {spec.actors[a].name}") for a in actors]
    rows = []
    for other in results[1:]:
        for quantity, text, column, within in props:
            s1, n1 = _counts(ref.runs, column, within)
            s2, n2 = _counts(other.runs, column, within)
            d, lo, hi = proportion_difference_interval(s1, n1, s2, n2, confidence)
            rows.append((quantity, text, "probability", other.name, s1 / n1, s2 / n2, d, lo, hi))
        for column, text in means:
            a = ok_rows(ref.runs)[column].dropna().to_numpy(dtype=float)
            b = ok_rows(other.runs)[column].dropna().to_numpy(dtype=float)
            d, lo, hi = mean_difference_interval(a, b, confidence, rng=0)
            rows.append((column, text, "mean", other.name, a.mean(), b.mean(), d, lo, hi))
    table = pd.DataFrame(
        rows,
        columns=["quantity", "description", "kind", "other", "a", "b", "difference", "lo", "hi"],
    )
    table.insert(3, "reference", ref.name)
    table["digits"] = [difference_digits(lo, hi) for lo, hi in zip(table.lo, table.hi, strict=True)]
    table["significant"] = [
        significant(r.difference, r.lo, r.hi, r.digits) for r in table.itertuples()
    ]
    table["text"] = [
        describe_difference(r.a, r.b, r.difference, r.lo, r.hi, r.digits)
        for r in table.itertuples()
    ]
    return table


def format_differences(table: pd.DataFrame) -> list[str]:
    """The table as lines for a terminal: 'description (A vs B): 0.62 vs 0.41, difference …'."""
    lines = []
    for r in table.itertuples():
        clear = "  *" if r.significant else ""
        lines.append(f"{r.description} ({r.reference} vs {r.other}): {r.text}{clear}")
    lines.append("(* the 95% interval of the difference excludes zero at the printed precision)")
    return lines


def compare_figures(results: list[Results]) -> dict[str, Figure]:
    """The outcome figures for every results set on shared axes, one question each, keyed by
    stem: where each shared issue ends up (`issue_<key>`), how often each issue is agreed
    (`agreement`), what each party gets (`utilities`) and when agreement comes (`rounds`).
    Scenarios are told apart by grey shades and hatching, never by colour."""
    from matplotlib.patches import Patch

    spec = results[0].spec
    issues, actors = shared_keys(results)
    n = len(results)
    names = " vs ".join(r.name for r in results)
    handles: list[Any] = [
        Patch(label=f"{r.name} ({len(ok_rows(r.runs)):,} runs)", **scenario_style(i))
        for i, r in enumerate(results)
    ]
    figures: dict[str, Figure] = {}
    for k in issues:
        fig, ax = new_axes(size=(11, 4.6))
        data = [value_distribution(r.runs, k) for r in results]
        values = np.unique(np.concatenate([d["value"].to_numpy() for d in data]))
        step = np.diff(values).min() if len(values) > 1 else 0.25
        width = min(0.8 * step, 0.3) / n
        top = 0.0
        for i, (r, d) in enumerate(zip(results, data, strict=True)):
            offset = (i - (n - 1) / 2) * width
            draw_value_distribution(d, spec, k, ax=ax, offset=offset, width=width,
                                    bar=scenario_style(i), label=r.name, markers=i == 0,
                                    wrap=24, names=True)  # fmt: skip
            total = (d["agreed"] + d["reverted"]).to_numpy()
            top = max(top, float(total.max(initial=0.0)))
            if n <= 3:
                for x, v in zip(d["value"].to_numpy() + offset, total, strict=True):
                    if v >= 0.01:
                        ax.annotate(f"{v:.0%}", (x, v), xytext=(0, 3), textcoords="offset points",
                                    ha="center", va="bottom", fontsize=MIN_FONT)  # fmt: skip
        percent_axis(ax, "y", top=max(0.1, min(1.0, top)) / 0.64)
        ax.set_title("")
        ax.set_ylabel("share of runs")
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 0.85))
        ask(fig, f"Where does {spec.issues[k].label} end up: {names}?",
            "Bars: share of runs ending at each value, one shade per scenario. Triangles: what "
            f"each party wants and dashed line: the no-deal value, both as in {results[0].name}.")  # fmt: skip
        figures[f"issue_{k}"] = fig
    fig, ax = new_axes(size=(11, min(6.9, 0.35 * n * (len(issues) + 1) + 2.8)))
    height = 0.8 / n
    for i, r in enumerate(results):
        table = agreement_table(r.runs, r.spec)
        table = table[table["key"].isin(["all", *issues])].reset_index(drop=True)
        draw_agreement(table, ax=ax, offset=((n - 1) / 2 - i) * height, height=height,
                       bar=scenario_style(i), label=r.name)  # fmt: skip
    ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=min(n, 3))
    ask(fig, f"How often is each issue agreed: {names}?", "Whiskers: 95% Wilson intervals.")
    figures["agreement"] = fig
    fig, ax = new_axes(size=(11, 6.2))
    colours = colours_of(spec)
    for i, r in enumerate(results):
        samples = {a: s for a, s in utility_samples(r.runs, r.spec).items() if a in actors}
        style = scenario_style(i)
        box = {"facecolor": style["facecolor"], "hatch": style["hatch"], "edgecolor": "black"}
        draw_utilities(samples, spec, ax=ax, offset=(i - (n - 1) / 2) * height,
                       width=height * 0.9, box=box, fallback=False)  # fmt: skip
        for a, p in zip(actors, np.arange(len(actors)) + (i - (n - 1) / 2) * height, strict=True):
            m = float(np.nanmean(samples[a])) if len(samples[a]) else float("nan")
            ax.annotate(f"{m:.2f}", (p, 0), xytext=(0, 4), textcoords="offset points",
                        ha="center", va="bottom", fontsize=MIN_FONT)  # fmt: skip
    highest = max(
        float(np.nanmax(v)) for r in results for a, v in utility_samples(r.runs, r.spec).items()
        if a in actors and len(v)
    )  # fmt: skip
    ax.set_ylim(0, max(1.0, highest) * 1.05)  # every box whole, not just the last one drawn
    from sim.narration import fallbacks

    fall = fallbacks(spec)
    for j, a in enumerate(actors):
        ax.hlines(fall[a].value, j - 0.45, j + 0.45, color="black", ls="--", lw=2, zorder=4,
                  label="fallback (no deal)" if j == 0 else None)  # fmt: skip
    ax.legend(handles=[*handles, *ax.get_legend_handles_labels()[0][:1]],
              loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=min(n + 1, 3))  # fmt: skip
    ask(fig, f"How much does each party get: {names}?",
        "Box: middle half of runs; whiskers: range; dot: mean with its 95% interval (printed "
        f"along the bottom); dashed: the party's fallback in {results[0].name}.")  # fmt: skip
    for tick, a in zip(ax.get_xticklabels(), actors, strict=True):
        tick.set_color(colours[a])
    figures["utilities"] = fig
    fig, ax = new_axes(size=(11, 4.6))
    deadline = max(r.spec.protocol.deadline for r in results)
    rounds = [rounds_distribution(r.runs) for r in results]
    last = max(int(d["round"].max()) for d in rounds)
    for i, (r, d) in enumerate(zip(results, rounds, strict=True)):
        draw_rounds(d, deadline, ax=ax, offset=(i - (n - 1) / 2) * 0.8 / n, width=0.8 / n,
                    bar=scenario_style(i), label=r.name, last=last)  # fmt: skip
    tops = [rounds_distribution(r.runs)["share"].max() for r in results]
    percent_axis(ax, "y", top=min(1.0, max(tops) * 1.2 + 0.02))
    ax.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=min(n, 3))
    ask(fig, f"When is a full agreement reached: {names}?", "Share of runs in each round.")
    figures["rounds"] = fig
    return figures


def sweep_mismatch(results: list[Results]) -> str | None:
    """A warning when the results were swept over different design points: each is pooled over
    its own points, so their differences mix the scenario change with the sweep change."""
    designs = [
        (r.manifest.get("sweep", {}).get("design"), r.manifest.get("sweep", {}).get("axes"))
        for r in results
    ]
    if all(d == designs[0] for d in designs[1:]):
        return None
    from sim.scenario.words import parameter_phrase

    described = "; ".join(
        f"{r.name} swept "
        + (" and ".join(parameter_phrase(a["path"], r.spec) for a in d[1] or []) or "no parameter")
        for r, d in zip(results, designs, strict=True)
    )
    return (
        "these results were swept over different design points (" + described + "); each is "
        "pooled over its own points, so a difference mixes the scenarios' assumptions with "
        "their sweeps. Sweep them over the same --vary values for a like-for-like comparison."
    )
