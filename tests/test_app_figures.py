"""The app's figures: lettered for the back of the room, in the scenario's words, and redrawn
only where something moved (the fixed layers are reused, a view seen before is served again)."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from sim.app import figures
from sim.app.live import LiveRun
from sim.app.space import offer_trace
from sim.plots.style import MIN_FONT, SLIDE_WIDTH, TALLEST, title_of, too_small
from sim.scenario import load_scenario

BASELINE = "scenarios/baseline.yaml"
PAIR = ("syria", "russia")


def setting(value: float):
    return load_scenario(BASELINE, [f"actors.russia.outside_option={value}"])


def texts(fig) -> list[tuple[str, float]]:
    from matplotlib.text import Text

    fig.draw_without_rendering()
    return [(t.get_text(), t.get_fontsize()) for t in fig.findobj(Text)
            if t.get_visible() and t.get_text().strip()]  # fmt: skip


def pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=int)


@pytest.fixture(scope="module")
def ended():
    """A negotiation played to its end, with issues closing one by one on the way."""
    spec = setting(0.6)
    run = LiveRun(spec, upto=spec.protocol.deadline)
    assert not run.running and any(o.closed for o in run.trajectory[:-1])
    return spec, run


def test_offers_after_an_issue_closed_carry_the_value_it_closed_at(ended):
    from sim.analysis.utility_space import basis_utilities

    spec, run = ended
    closed_at: dict[str, float] = {}
    packages = []
    for offer in run.trajectory:  # the value an issue closed at is its closing offer's
        packages.append([offer.package.get(k, closed_at.get(k, np.nan)) for k in spec.issues])
        closed_at |= {k: offer.package[k] for k in offer.closed}
    assert not np.isnan(packages).any()
    expected = basis_utilities(spec, run.record(), np.array(packages))[:, [0, 1]]
    assert np.allclose(offer_trace(spec, run.record(), PAIR, run.trajectory), expected)


def test_the_single_run_figures_are_lettered_for_the_room(ended):
    spec, run = ended
    for fig in (figures.offers_figure(spec, run), figures.space_figure(spec, run, PAIR)):
        # Shown at about their own width in the page's figure column (DPI pixels an inch).
        assert fig.get_size_inches()[0] <= 6.5
        small = [(text, size) for text, size in texts(fig) if size < MIN_FONT]
        assert small == []
        assert not any(text.startswith(("issue.", "actors.")) for text, _ in texts(fig))


def test_the_odds_figures_ask_their_question_on_a_slide(tmp_path):
    import pandas as pd

    from sim.runner import run_once

    spec = load_scenario(BASELINE, ["protocol.deadline=4", "protocol.grid=3"])
    rows = []
    for point, value in enumerate((0.2, 0.6, 0.9)):
        scenario = load_scenario(BASELINE, ["protocol.deadline=4", "protocol.grid=3",
                                            f"actors.russia.outside_option={value}"])  # fmt: skip
        for rep in range(4):
            row = run_once(scenario, 10 * point + rep).row()
            row.update(point=point, rep=rep, status="ok", error="")
            row["param.actors.russia.outside_option"] = value
            rows.append(row)
    drawn = figures.odds_figures(pd.DataFrame(rows), spec, "actors.russia.outside_option")
    assert list(drawn) == ["issues", "ends", "actors"]
    for name, fig in drawn.items():
        assert title_of(fig).strip().endswith("?") and "Russia" in title_of(fig), name
        width, height = fig.get_size_inches()
        assert width <= SLIDE_WIDTH and height <= TALLEST, name
        fig.draw_without_rendering()
        assert too_small(fig) == [], name
        assert not any(text.startswith(("issue.", "param.")) for text, _ in texts(fig)), name


def test_a_lever_redraws_only_what_moved_and_a_setting_seen_before_is_served_again():
    figures.SEEN.clear()
    first, second = setting(0.55), setting(0.8)
    a, b = LiveRun(first, upto=5), LiveRun(second, upto=5)
    offers_layers = len(figures.OFFERS.items)
    space_a, offers_a = figures.single_run_pngs(first, a, PAIR)
    space_b, _ = figures.single_run_pngs(second, b, PAIR)
    # Same issues, actors and deadline: one fixed layer serves both settings' offers.
    assert len(figures.OFFERS.items) <= offers_layers + 1
    assert space_a != space_b  # the disagreement point moved
    assert figures.single_run_pngs(first, LiveRun(first, upto=5), PAIR) == (space_a, offers_a)
    a.step()
    assert figures.single_run_pngs(first, a, PAIR)[1] != offers_a  # a new offer is drawn


def test_the_layered_picture_is_the_whole_figure_drawn_at_once(ended):
    spec, run = ended
    for layered, whole in (
        (figures.offers_png(spec, run), figures.offers_figure(spec, run)),
        (figures.space_png(spec, run, PAIR), figures.space_figure(spec, run, PAIR)),
    ):
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        whole.set_dpi(figures.DPI)
        canvas = FigureCanvasAgg(whole)
        canvas.draw()
        full = np.asarray(canvas.buffer_rgba())[..., :3].astype(int)
        mine = pixels(layered)
        assert mine.shape == full.shape
        # Only where a moving mark overlaps another can the order of drawing differ.
        differs = np.abs(mine - full).max(axis=2) > 40
        assert differs.mean() < 0.001  # a missing offer marker alone would be ~0.5%
