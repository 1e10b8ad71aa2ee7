"""The app's panels rendered with Solara's own harness (widgets in Python, no browser): Mesa's
Step button moves the negotiation, levers change the setting, invalid ones show the validate
message, and the About panel follows NetLogo's Info-tab order."""

from __future__ import annotations

import ipyvuetify as v
import pytest
import solara

from sim.app.panels import AboutPanel, LeverPanel, OddsPanel, RunPanel, slug
from sim.app.state import AppState

BASELINE = "scenarios/baseline.yaml"


def html_of(rc) -> str:
    """Every HTML snippet (solara.HTML) the panel rendered, joined."""
    return " ".join(w.widget.unsafe_innerHTML or "" for w in rc.find(solara.widgets.HTML))


def texts(rc) -> str:
    """Every text (solara.Text) the panel rendered, joined."""
    return " ".join(str(w.widget.children) for w in rc.find(v.Html))


@pytest.fixture
def state():
    return AppState(BASELINE)


def with_class(rc, css: str):
    """The widget whose class attribute includes `css`."""
    found = [w for w in rc.find(v.Html).widgets if css in (w.class_ or "").split()]
    assert len(found) == 1, css
    return found[0]


def descendants(widget, kind):
    """Every widget of `kind` under `widget`."""
    out = []
    for child in getattr(widget, "children", []) or []:
        if isinstance(child, kind):
            out.append(child)
        if hasattr(child, "children"):
            out += descendants(child, kind)
    return out


def click(rc, label: str) -> None:
    rc.find(v.Btn, children=[label]).assert_single()
    rc.find(v.Btn, children=[label]).widget.click()


def test_mesas_step_button_plays_one_round(state):
    _box, rc = solara.render(RunPanel(state), handle_error=False)
    assert "Ready: 12 rounds at most" in texts(rc)
    click(rc, "Step")
    assert state.run.round == 1
    assert "After round 1 of 12." in texts(rc)
    assert "Round 1:" in html_of(rc)
    click(rc, "Reset")
    assert state.run.round == 0
    rc.close()


def test_a_lever_rebuilds_the_negotiation_at_the_same_round(state):
    state.run.step()
    state.run.step()
    _box, rc = solara.render(LeverPanel(state), handle_error=False)
    switch = rc.find(v.Switch, label="partial agreements (issues close one by one)")
    switch.assert_single()
    switch.widget.v_model = False
    assert state.spec.value.protocol.partial is False
    assert state.run.round == 2  # replayed to where it was
    assert "protocol.partial=false" in state.command()
    rc.close()


def test_an_invalid_setting_shows_what_validate_says(state):
    _box, rc = solara.render(LeverPanel(state), handle_error=False)
    (toggle,) = descendants(with_class(rc, slug("actors.russia.strategy")), v.BtnToggle)
    toggle.v_model = 2  # concession, reciprocal, equilibrium
    errors = [w for w in rc.find(v.Alert).widgets if "equilibrium" in str(w.children)]
    assert len(errors) == 1
    text = str(errors[0].children)
    # What `negsim validate --set` says, with the lever named in words, not as an option.
    assert "error: Russia's strategy: the equilibrium strategy needs exactly two actors" in text
    assert "--set" not in text and "actors.russia" not in text
    before = state.run
    assert state.spec.value.actors["russia"].strategy.type == "concession"  # last valid kept
    click(rc, "Reset to the file")
    assert not state.problems.value and state.run is not before
    rc.close()


def test_about_follows_the_info_tab_order(state):
    _box, rc = solara.render(AboutPanel(state), handle_error=False)
    headings = [w.widget.unsafe_innerHTML for w in rc.find(solara.widgets.HTML, tag="h3")]
    order = ["What is it?", "How it works", "How to use it", "Things to notice", "Things to try"]
    assert [next(o for o in order if o in h) for h in headings] == order
    assert "Kalai–Smorodinsky" in html_of(rc)  # the glossary
    rc.close()


def groups_of(rc) -> dict[str, v.ExpansionPanels]:
    """Each lever group (a Details section) by its heading."""
    out = {}
    for panels in rc.find(v.ExpansionPanels).widgets:
        (header,) = descendants(panels, v.ExpansionPanelHeader)
        out[str(header.children[0])] = panels
    return out


def strategy_shown(rc, actor: str) -> str:
    """The strategy the toggle of `actor` shows (its v_model indexes the choices)."""
    (toggle,) = descendants(with_class(rc, slug(f"actors.{actor}.strategy")), v.BtnToggle)
    return ("concession", "reciprocal", "equilibrium")[toggle.v_model]


def test_an_invalid_setting_stays_on_the_lever_moved(state):
    """The lesson's deliberate mistake: the error appears above the groups, and the open group,
    the moved lever and every other lever look as they did, with the refused value kept."""
    _box, rc = solara.render(LeverPanel(state), handle_error=False)
    groups = groups_of(rc)
    groups["Russia"].v_model = 0  # open Russia's group
    opened = {name: panels.v_model for name, panels in groups_of(rc).items()}
    shown = {actor: strategy_shown(rc, actor) for actor in state.spec.value.actors}
    (toggle,) = descendants(with_class(rc, slug("actors.russia.strategy")), v.BtnToggle)
    toggle.v_model = 2  # equilibrium: refused for four actors
    assert any("equilibrium" in str(w.children) for w in rc.find(v.Alert).widgets)
    assert {name: panels.v_model for name, panels in groups_of(rc).items()} == opened
    after = {actor: strategy_shown(rc, actor) for actor in state.spec.value.actors}
    assert after == shown | {"russia": "equilibrium"}
    rc.close()


def test_the_odds_panel_offers_the_number_lever_moved_last(state):
    """Before any move, after one, after a seed or a refused strategy (neither can be swept),
    and with the tab open or opened later: always the last number lever moved."""

    def offered(rc) -> str:
        return rc.find(v.Select, label="lever").widget.v_model

    state.set_lever("actors.syria.patience", 0.9)
    _box, rc = solara.render(OddsPanel(state), handle_error=False)
    assert offered(rc) == "Syria (transitional government): patience δ"
    state.set_lever("actors.russia.outside_option", 0.8)  # the tab already open follows it
    assert offered(rc) == "Russia: outside option"
    assert "from 0 to 1" in texts(rc)  # its own range
    state.set_lever("run.seed", state.values.value["run.seed"] + 1)  # "next seed"
    state.set_lever("actors.russia.strategy", "equilibrium")  # refused
    assert state.problems.value
    assert offered(rc) == "Russia: outside option"
    rc.close()
    _box, rc = solara.render(OddsPanel(state), handle_error=False)  # the tab opened afresh
    assert offered(rc) == "Russia: outside option"
    rc.close()


def test_play_goes_at_the_speed_the_lesson_says(state):
    """docs/teaching.md has the class watch ▶ at one second a round, the app's default."""
    from pathlib import Path

    lesson = " ".join(Path("docs/teaching.md").read_text(encoding="utf-8").split())
    assert "press **▶** with one second a round" in lesson
    _box, rc = solara.render(RunPanel(state), handle_error=False)
    assert "when playing: 1 s a round" in texts(rc)
    rc.close()
