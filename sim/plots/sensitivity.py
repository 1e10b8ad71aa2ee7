"""Sensitivity indices as horizontal bar charts: one figure per outcome, one bar per parameter."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def draw_indices(group: Any, outcome: str, ax: Any = None) -> Any:
    """Draw one outcome's indices onto `ax` (Sobol S1 and ST, or Morris mu* and sigma); return
    the figure."""
    import matplotlib.pyplot as plt
    import numpy as np

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 1.2 + 0.55 * len(group)), layout="constrained")
    if "ST" in group:
        bars = [("S1", "S1_conf", "first order S1"), ("ST", "ST_conf", "total order ST")]
        xlabel = "Sobol index (share of output variance)"
    else:
        bars = [
            ("mu_star", "mu_star_conf", "μ* (mean |elementary effect|)"),
            ("sigma", None, "σ (interactions, non-linearity)"),
        ]
        xlabel = "Morris elementary effect, per full range of the parameter"
    y = np.arange(len(group))
    height = 0.8 / len(bars)
    for i, (key, conf, label) in enumerate(bars):
        err = group[conf].to_numpy() if conf else None
        ax.barh(
            y + (i - (len(bars) - 1) / 2) * height,
            group[key].to_numpy(),
            height,
            xerr=err,
            capsize=3,
            label=label,
        )
    ax.set_yticks(y, group["parameter"].tolist())
    ax.invert_yaxis()
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel(xlabel)
    ax.set_title(f"Sensitivity of {outcome}")
    ax.legend(loc="best", fontsize="small")
    return ax.figure


def plot_sensitivity(table: Any, folder: str | Path) -> list[Path]:
    """Save `sensitivity_<outcome>.png` in `folder` for every outcome of the indices table."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for outcome, group in table.groupby("outcome", sort=False):
        fig = draw_indices(group, str(outcome))
        path = folder / f"sensitivity_{str(outcome).replace('.', '_')}.png"
        fig.savefig(path, dpi=120)
        plt.close(fig)
        paths.append(path)
    return paths
