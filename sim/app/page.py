"""The app's page: levers on the left, the four panels in tabs on the right. `negsim app` serves
this module's `Page` with Solara; nothing here computes anything."""

from __future__ import annotations

from pathlib import Path

import solara
import solara.lab

from sim.app.panels import AboutPanel, LeverPanel, OddsPanel, RunPanel, VersusPanel
from sim.app.state import AppState

CSS = (Path(__file__).parent / "classroom.css").read_text(encoding="utf-8")


@solara.component
def Page() -> None:
    """The whole app for one browser tab."""
    state = solara.use_memo(AppState, [])
    spec = state.spec.value
    solara.Title(f"negsim: {spec.name}" if spec else "negsim")
    solara.Style(CSS)
    with solara.Column(classes=["negsim-app"]):
        title = f"negsim · {spec.name}" if spec else "negsim"
        solara.Text(title, classes=["negsim-title"])
        if spec is not None and spec.description:
            solara.Text(spec.description, classes=["negsim-description"])
        with solara.Columns([1, 3], gutters_dense=True):
            LeverPanel(state)
            with solara.lab.Tabs(lazy=True):
                with solara.lab.Tab("One negotiation"):
                    RunPanel(state)
                with solara.lab.Tab("What changes the odds"):
                    OddsPanel(state)
                with solara.lab.Tab("A against B"):
                    VersusPanel(state)
                with solara.lab.Tab("About this scenario"):
                    AboutPanel(state)
