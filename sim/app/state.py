"""The state of one browser session of the app, and how a lever move changes it.

Each session gets its own `AppState` (a tab of the browser is a session): the scenario file and
its levers, the current setting, the problems `negsim validate` would report for it, and the
negotiation being stepped. Reactive variables let the panels redraw when it changes; the
transitions are plain methods, so they are tested without a browser.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import solara

from sim.analysis.utility_space import default_pair
from sim.app.levers import LeverBoard, board_for, problems
from sim.app.live import LiveRun
from sim.app.server import SCENARIO_ENV
from sim.scenario.loading import ScenarioError
from sim.scenario.models import Scenario

DEFAULT_SCENARIO = "scenarios/baseline.yaml"


class AppState:
    """Reactive state of one session."""

    def __init__(self, file: str | None = None) -> None:
        self.file = solara.reactive(file or os.environ.get(SCENARIO_ENV, DEFAULT_SCENARIO))
        self.load_error = solara.reactive("")
        self.board: LeverBoard | None = None
        self.values: solara.Reactive[dict[str, Any]] = solara.reactive({})
        self.problems: solara.Reactive[list[str]] = solara.reactive([])
        self.spec: solara.Reactive[Scenario | None] = solara.reactive(None)
        # The negotiation, in a reactive of its own per setting: Mesa's ModelController steps
        # and resets what is inside; a new setting gets a new one (and a new controller), and the
        # negotiation it replaces is retired, so a controller still playing stops.
        self.live: solara.Reactive[solara.Reactive[LiveRun] | None] = solara.reactive(None)
        self.run_parameters: solara.Reactive[dict[str, Any]] = solara.reactive({})
        self.interval = solara.reactive(1000)  # ms between rounds when playing (the lesson says so)
        # Mesa's controller reads these as reactive variables (plain values fail when it steps).
        self.use_threads = solara.reactive(False)  # step and draw in turn
        self.render_interval = solara.reactive(1)  # draw every round
        self.pair: solara.Reactive[tuple[str, str] | None] = solara.reactive(None)
        # The lever the odds panel offers: the number lever moved last (a seed, a switch or a
        # strategy cannot be swept, so moving one keeps the offer), or the one picked there.
        self.odds_lever = solara.reactive("")
        self.setting_a: solara.Reactive[dict[str, Any] | None] = solara.reactive(None)
        self.setting_b: solara.Reactive[dict[str, Any] | None] = solara.reactive(None)
        self.open(self.file.value)

    # --- transitions -------------------------------------------------------------------------
    def open(self, file: str) -> None:
        """Open a scenario file: levers at the file's values, a fresh negotiation."""
        try:
            board = board_for(file)
        except ScenarioError as exc:
            self.load_error.value = "\n".join(problems(exc))
            return
        except OSError as exc:
            self.load_error.value = f"error: {file}: {exc.strerror}"
            return
        self.load_error.value = ""
        self.board = board
        self.file.value = file
        self.setting_a.value = self.setting_b.value = None
        self.odds_lever.value = ""
        self.pair.value = default_pair(board.spec)
        self.set_values(board.defaults(), keep_round=False)

    def set_lever(self, path: str, value: Any) -> None:
        """Move one lever: the negotiation is rebuilt and replayed to the round it had reached."""
        values = dict(self.values.value)
        values[path] = value
        if self.board is not None and self.board.lever(path).sweepable:
            self.odds_lever.value = path
        if path.endswith(".strategy") and self.board is not None:
            # A new strategy starts from its own parameter's neutral value (or the file's).
            param = self.board.lever(f"{path}.param")
            default = self.board.lever(path).default
            values[param.path] = param.default if value == default else 1.0
        self.set_values(values)

    def reset_to_file(self) -> None:
        """Every lever back to the file's value."""
        if self.board is not None:
            self.set_values(self.board.defaults())

    def set_values(self, values: dict[str, Any], keep_round: bool = True) -> None:
        """Apply a whole setting; an invalid one keeps the last valid negotiation and reports
        what `negsim validate` would."""
        assert self.board is not None
        self.values.value = values
        try:
            spec = self.board.scenario(values)
        except ScenarioError as exc:
            self.problems.value = problems(exc, self.spec.value)
            return
        self.problems.value = []
        old = self.run
        upto = old.round if keep_round and old is not None else 0
        self.spec.value = spec
        self.run_parameters.value = {"spec": spec, "seed": spec.run.seed}
        if old is not None:
            old.retire()
        self.live.value = solara.reactive(LiveRun(spec, spec.run.seed, upto=upto))

    @property
    def run(self) -> LiveRun | None:
        """The negotiation being stepped."""
        return None if self.live.value is None else self.live.value.value

    # --- derived -----------------------------------------------------------------------------
    def overrides(self, values: dict[str, Any] | None = None) -> list[str]:
        """The `--set` strings of a setting (the current one by default)."""
        assert self.board is not None
        return self.board.overrides(self.values.value if values is None else values)

    def command(self) -> str:
        """The command line that runs the current setting."""
        assert self.board is not None
        return self.board.command(self.values.value)

    def siblings(self) -> list[str]:
        """Scenario files next to the open one, for the scenario picker."""
        folder = Path(self.file.value).parent
        files = sorted(str(p) for p in folder.glob("*.yaml"))
        return files if self.file.value in files else [self.file.value, *files]
