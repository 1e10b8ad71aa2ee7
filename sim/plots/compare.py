"""Several results side by side: the outcome panels on shared axes (one grey style per scenario)
and a table of differences with 95% intervals (Newcombe for proportions, bootstrap for means)."""

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
from sim.plots.style import colours_of, new_figure, scenario_style, short_name

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


def compare_figure(results: list[Results]) -> Figure:
    """The outcome panels for every results set on shared axes: final values per issue (bars side
    by side), agreement probabilities, utilities and rounds to agreement."""
    from matplotlib.patches import Patch

    spec = results[0].spec
    issues, actors = shared_keys(results)
    n = len(results)
    fig = new_figure((max(15.0, 3.6 * len(issues)), 10.5))
    top, bottom = fig.subfigures(2, 1, height_ratios=[1, 1.25])
    axes = top.subplots(1, len(issues), squeeze=False)[0]
    for ax, k in zip(axes, issues, strict=True):
        data = [value_distribution(r.runs, k) for r in results]
        values = np.unique(np.concatenate([d["value"].to_numpy() for d in data]))
        step = np.diff(values).min() if len(values) > 1 else 0.25
        width = 0.8 * step / n
        for i, (r, d) in enumerate(zip(results, data, strict=True)):
            draw_value_distribution(d, spec, k, ax=ax, offset=(i - (n - 1) / 2) * width,
                                    width=width, bar=scenario_style(i), label=r.name,
                                    markers=i == 0, wrap=13)  # fmt: skip
        ax.tick_params(axis="x", labelsize=8)
    for ax in axes[1:]:
        ax.set_ylabel("")
    top.suptitle(
        "Final value of each issue (share of runs; triangles: ideal points and dashed line: "
        f"reversion point, both as in {results[0].name})"
    )
    left, middle, right = bottom.subplots(1, 3, width_ratios=[1.3, 1.2, 1])
    height = 0.8 / n
    for i, r in enumerate(results):
        table = agreement_table(r.runs, r.spec)
        table = table[table["key"].isin(["all", *issues])].reset_index(drop=True)
        draw_agreement(table, ax=left, offset=((n - 1) / 2 - i) * height, height=height,
                       bar=scenario_style(i), label=r.name)  # fmt: skip
        samples = {a: s for a, s in utility_samples(r.runs, r.spec).items() if a in actors}
        style = scenario_style(i)
        box = {"facecolor": style["facecolor"], "hatch": style["hatch"], "edgecolor": "black"}
        draw_utilities(samples, spec, ax=middle, offset=(i - (n - 1) / 2) * height,
                       width=height * 0.9, box=box)  # fmt: skip
    deadline = max(r.spec.protocol.deadline for r in results)
    for i, r in enumerate(results):
        draw_rounds(rounds_distribution(r.runs), deadline, ax=right,
                    offset=(i - (n - 1) / 2) * 0.8 / n, width=0.8 / n, bar=scenario_style(i),
                    label=r.name)  # fmt: skip
    left.set_title("Probability each issue is agreed (95% Wilson)")
    middle.set_title("Utilities (box: quartiles, whiskers: range;\ndot: mean, 95% CI)")
    right.set_title("Round of full agreement")
    right.set_xlabel("round (0 = first offer; 'none' = no full agreement)")
    handles: list[Any] = [
        Patch(label=f"{r.name} ({len(ok_rows(r.runs))} runs)", **scenario_style(i))
        for i, r in enumerate(results)
    ]
    colours = colours_of(spec)
    handles += [
        Patch(color=colours[a], label=f"{short_name(spec, a)} (ideal point / utility)")
        for a in actors
    ]
    fig.legend(handles=handles, loc="outside lower center", ncols=min(6, len(handles)))
    fig.suptitle("Comparison: " + " vs ".join(r.name for r in results))
    return fig


def sweep_mismatch(results: list[Results]) -> str | None:
    """A warning when the results were swept over different design points: each is pooled over
    its own points, so their differences mix the scenario change with the sweep change."""
    designs = [
        (r.manifest.get("sweep", {}).get("design"), r.manifest.get("sweep", {}).get("axes"))
        for r in results
    ]
    if all(d == designs[0] for d in designs[1:]):
        return None
    described = "; ".join(
        f"{r.name}: " + (", ".join(a["path"] for a in (d[1] or [])) or "no swept parameter")
        for r, d in zip(results, designs, strict=True)
    )
    return (
        "these results were swept over different design points (" + described + "); each is "
        "pooled over its own points, so a difference mixes the scenarios' assumptions with "
        "their sweeps. Sweep them over the same --vary values for a like-for-like comparison."
    )
