"""Scenario-discovery figures: PRIM's peeling trajectory, the chosen box's limits with their
quasi-p-values, the feature scores, and the design points of the two most important parameters
with the box drawn over them. Colour here means the outcome's share (a sequential map) or nothing
(greys), never an actor."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.plots.style import LIGHT, NEUTRAL, new_figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from sim.discovery import Discovery

MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


def draw_trajectory(d: Discovery, ax) -> None:
    """Coverage against density for every box of the peeling trajectory; the marker says how
    many parameters the box restricts, the ringed point is the chosen box."""
    rows = d.trajectory_rows()
    dims = sorted({r[4] for r in rows})
    for m, count in enumerate(dims):
        pts = [r for r in rows if r[4] == count]
        ax.scatter([r[1] for r in pts], [r[2] for r in pts], marker=MARKERS[m % len(MARKERS)],
                   s=28, color=NEUTRAL, label=f"{count} restricted", zorder=3)  # fmt: skip
    b = d.box()
    ax.scatter([b.coverage], [b.density], s=180, facecolor="none", edgecolor="black", lw=1.5,
               zorder=4)  # fmt: skip
    ax.annotate(f"box {d.chosen}", (b.coverage, b.density), xytext=(8, -14),
                textcoords="offset points", fontsize=9)  # fmt: skip
    ax.set(xlabel="coverage (share of the runs of interest inside)",
           ylabel="density (share of runs inside\nthat are of interest)", xlim=(0, 1.03))  # fmt: skip
    ax.legend(title="parameters", loc="lower left")
    ax.set_title("PRIM peeling trajectory")


def draw_box_limits(d: Discovery, ax, i: int | None = None) -> None:
    """Each parameter's swept range (light) and the box's limits on it (dark), on a 0–1 scale of
    the range, with the limits and quasi-p-values written beside them."""
    from sim.discovery import rounded

    i = d.chosen if i is None else i
    b = d.box(i)
    full = d.trajectory.boxes[0].limits
    qp = d.trajectory.quasi_p(i)
    order = d.ranked()
    for row, j in enumerate(order):
        lo, hi = full[j]
        span = hi - lo if hi > lo else 1.0
        a, z = (b.limits[j] - lo) / span
        ax.barh(row, 1, color=LIGHT, height=0.5)
        ax.barh(row, z - a, left=a, color=NEUTRAL, height=0.5)
        w = d.widths[j]
        ax.text(-0.02, row, rounded(lo, w), ha="right", va="center", fontsize=8)
        ax.text(1.02, row, rounded(hi, w), ha="left", va="center", fontsize=8)
        if j in b.restricted:
            ps = [qp[(j, s)] for s in (0, 1) if (j, s) in qp]
            p = max(ps)
            note = f"{rounded(b.limits[j, 0], w)} to {rounded(b.limits[j, 1], w)}; quasi-p " + (
                "< 0.001" if p < 0.001 else f"{p:.3f}")  # fmt: skip
            ax.text(0.5, row - 0.38, note, ha="center", va="center", fontsize=8)
        else:
            ax.text(0.5, row - 0.38, "not restricted", ha="center", va="center", fontsize=8)
    ax.set_yticks(range(len(order)), [d.labels[j] for j in order])
    ax.set_ylim(len(order) - 0.4, -0.8)
    ax.set_xlim(-0.2, 1.2)
    ax.set_xticks([])
    ax.grid(False)
    ax.set_title(f"Box {i}: coverage {b.coverage:.2f}, density {b.density:.2f}", fontsize=10)


def draw_scores(d: Discovery, ax) -> None:
    """Extra-trees feature scores, most important first."""
    order = d.ranked()
    ax.barh(range(len(order)), [d.scores[j] for j in order], color=NEUTRAL, height=0.6)
    ax.set_yticks(range(len(order)), [d.labels[j] for j in order])
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("extra-trees importance (sums to 1)")
    ax.set_title("Which parameters matter")


def draw_points(d: Discovery, ax, fig) -> None:
    """Design points of the two most important parameters, shaded by the share of their runs
    showing the outcome, with the chosen box's limits on those two drawn as a rectangle."""
    from matplotlib.patches import Rectangle

    pts = d.points
    share = pts["hits"] / pts["runs"]
    b = d.box()
    if len(d.params) == 1:
        xs = pts[d.params[0]]
        image = ax.scatter(xs, share, c=share, cmap="viridis", vmin=0, vmax=1, s=22,
                           edgecolor="black", linewidth=0.3)  # fmt: skip
        for v in b.limits[0]:
            ax.axvline(v, color="black", ls="--", lw=1.2)
        ax.set(xlabel=d.labels[0], ylabel="share of runs", ylim=(-0.02, 1.02))
    else:
        jx, jy = d.ranked()[:2]
        xs, ys = pts[d.params[jx]], pts[d.params[jy]]
        image = ax.scatter(xs, ys, c=share, cmap="viridis", vmin=0, vmax=1, s=22,
                           edgecolor="black", linewidth=0.3)  # fmt: skip
        (x0, x1), (y0, y1) = b.limits[jx], b.limits[jy]
        ax.add_patch(Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, ec="black", lw=1.6, ls="--"))
        ax.set(xlabel=d.labels[jx], ylabel=d.labels[jy])
    ax.set_title(f"Design points; dashed: box {d.chosen}", fontsize=10)
    fig.colorbar(image, ax=ax, label="share of the point's runs showing it", shrink=0.85)


def discovery_figure(d: Discovery, name: str = "") -> Figure:
    """One figure with the four views of one discovery."""
    k = len(d.params)
    fig = new_figure((13, 8.2 + 0.25 * max(0, k - 3)))
    axes = fig.subplots(2, 2)
    draw_trajectory(d, axes[0, 0])
    draw_box_limits(d, axes[0, 1])
    draw_scores(d, axes[1, 0])
    draw_points(d, axes[1, 1], fig)
    where = f"{name}: " if name else ""
    fig.suptitle(
        f"Where do runs show {d.description}?\n{where}{d.box(0).density:.0%} of "
        f"{d.box(0).n} runs at {len(d.points)} design points; PRIM, a tree and feature scores"
    )
    return fig


def discovery_stem(outcome_text: str) -> str:
    """A file stem for an outcome: 'issue.extradition.value>=0.5' → 'discovery_issue_extradition_value_ge_0_5'."""
    text = outcome_text
    for sym, word in ((">=", "_ge_"), ("<=", "_le_"), ("!=", "_ne_"), ("==", "_eq_"),
                      (">", "_gt_"), ("<", "_lt_"), ("=", "_eq_")):  # fmt: skip
        text = text.replace(sym, word)
    cleaned = "".join(c if c.isalnum() else "_" for c in text)
    while "__" in cleaned:
        cleaned = cleaned.replace("__", "_")
    return "discovery_" + cleaned.strip("_")
