"""The app's panels as Solara components: levers, one negotiation step by step, what changes
the odds, A against B, and about this scenario. They only lay out what `state`, `live`,
`sweeps`, `figures` and `tables` compute."""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from html import escape
from typing import Any

import solara
import solara.lab
from mesa.visualization.solara_viz import ModelController
from mesa.visualization.utils import update_counter

from sim.app import figures, tables
from sim.app.about import info_sections
from sim.app.levers import STRATEGY_LABEL, STRATEGY_RANGE, Lever
from sim.app.live import headline, issue_status, round_views
from sim.app.state import AppState

# A number of runs offered besides the usual ones, for the browser test's sweeps only (a class
# needs a few hundred runs a point; the test proves the machinery with a handful).
TEST_RUNS = os.environ.get("NEGSIM_APP_TEST_RUNS", "")


def run_choices(*usual: int) -> list[str]:
    """The choices of a runs select: the usual numbers, after the test's when it is set."""
    return ([TEST_RUNS] if TEST_RUNS else []) + [str(n) for n in usual]


def slug(path: str) -> str:
    """A CSS class for a lever: `actors.russia.outside_option` → `lever-actors-russia-outside_option`."""
    return "lever-" + path.replace(".", "-")


# --- levers --------------------------------------------------------------------------------
@solara.component
def LeverInput(state: AppState, lever: Lever) -> None:
    """One lever, as the input its kind calls for, labelled with its current value."""
    value = state.values.value.get(lever.path, lever.default)

    def set_to(new: Any) -> None:
        state.set_lever(lever.path, new)

    with solara.Div(classes=["negsim-lever", slug(lever.path)]):
        if lever.kind in ("switch", "event"):
            solara.Switch(label=lever.label, value=bool(value), on_value=set_to)
        elif lever.kind in ("choice", "strategy"):
            solara.Text(lever.label, classes=["negsim-lever-label"])
            solara.ToggleButtonsSingle(value=value, values=list(lever.choices), on_value=set_to)
        elif lever.kind == "seed":  # the label above the field: beside it, it was cut short
            solara.Text(lever.label, classes=["negsim-lever-label"])
            with solara.Row(style={"align-items": "center"}):
                solara.InputInt("", value=int(value), on_value=set_to, dense=True)
                solara.Button("next seed", on_click=lambda: set_to(int(value) + 1), text=True)
        else:
            NumberLever(state, lever, value, set_to)


@solara.component
def NumberLever(state: AppState, lever: Lever, value: Any, set_to: Any) -> None:
    """A slider, with a switch for 'no outside option' or 'exact answers (λ = ∞)' where the
    value may be absent or infinite."""
    label, low, high, step = lever.label, lever.low, lever.high, lever.step
    if lever.path.endswith(".strategy.param"):
        kind = state.values.value.get(lever.path.removesuffix(".param"))
        if kind not in STRATEGY_LABEL:
            return  # the equilibrium strategy has no parameter
        label = STRATEGY_LABEL[kind]
        low, high, step = STRATEGY_RANGE[kind]
    if lever.none_label or lever.inf_label:  # a switch for "no outside option" or "λ = ∞"
        special = None if lever.none_label else math.inf
        is_special = value is None if special is None else math.isinf(value)
        default_special = lever.default is None or math.isinf(lever.default)
        ordinary = low + step * round((high - low) / 2 / step) if default_special else lever.default
        solara.Switch(label=lever.none_label or lever.inf_label, value=is_special,
                      on_value=lambda flag: set_to(special if flag else ordinary))  # fmt: skip
        if is_special:
            return
    current = min(max(float(value), low), high)
    if lever.kind == "integer":
        LeverSlider(label=label, value=int(current), min=int(low), max=int(high), step=int(step),
                    on_value=lambda v: set_to(int(v)))  # fmt: skip
    else:
        LeverSlider(label=label, value=current, min=low, max=high, step=step,
                    on_value=lambda v: set_to(round(float(v), 6)))  # fmt: skip


@solara.component_vue("lever_slider.vue")
def LeverSlider(
    label: str,
    value: float,
    min: float,
    max: float,
    step: float,
    on_value: Callable[[float], None] | None = None,
) -> None:
    """A slider whose label ("outside option: 0.8") the browser draws from the slider itself:
    a label drawn by the server would lag behind the thumb by a rebuild of the negotiation."""


@solara.component
def LeverPanel(state: AppState) -> None:
    """Every lever of the scenario, grouped: the negotiation, its events, then each actor."""
    board = state.board
    with solara.Column(classes=["negsim-levers"]):
        solara.Select("scenario file", value=state.file.value, values=state.siblings(),
                      on_value=state.open)  # fmt: skip
        # The messages live in a column of their own, and each group and lever has a key: Solara
        # matches widgets by position, so a message appearing above the groups would otherwise
        # hand each group's open state and toggles to the group after it.
        with solara.Column(classes=["negsim-problem-list"]):
            for line in [state.load_error.value] if state.load_error.value else []:
                solara.Error(line, classes=["negsim-problems"])
            for line in state.problems.value if board is not None else []:
                solara.Error(line, classes=["negsim-problems"])
        if board is None:
            return
        solara.Button("Reset to the file", on_click=state.reset_to_file, color="primary",
                      outlined=True, classes=["negsim-reset"])  # fmt: skip
        groups: dict[str, list[Lever]] = {}
        for lever in board.levers:
            groups.setdefault(lever.group, []).append(lever)
        for i, (group, levers) in enumerate(groups.items()):
            with solara.Details(group, expand=i == 0).key(f"{board.file}:{group}"):
                for lever in levers:
                    LeverInput(state, lever).key(lever.path)
        with solara.Details("The same setting on the command line"):
            solara.Preformatted(state.command(), classes=["negsim-command"])


# --- one negotiation -----------------------------------------------------------------------
@solara.component
def RunPanel(state: AppState) -> None:
    """One negotiation step by step: Mesa's controls, where it stands, this round, the figures."""
    update_counter.get()  # redraw after every step Mesa's controller takes
    holder, spec = state.live.value, state.spec.value
    if holder is None or spec is None:
        return
    run = holder.value
    if spec.protocol.type != "alternating_offers":
        solara.Warning("This scenario uses the expected-utility protocol, which has no rounds of "
                       "offers to step through; use What changes the odds.")  # fmt: skip
        return
    with solara.Row(classes=["negsim-controls"], style={"align-items": "center"}):
        with solara.Div(style={"width": "300px"}):
            ModelController(holder, model_parameters=state.run_parameters,
                            play_interval=state.interval, render_interval=state.render_interval,
                            use_threads=state.use_threads).key(f"controller-{id(holder)}")  # fmt: skip
        with solara.Div(style={"width": "340px"}, classes=["negsim-speed"]):
            solara.Text(f"when playing: {state.interval.value / 1000:g} s a round")
            solara.SliderInt("", value=state.interval, min=200, max=3000, step=100)
    solara.Text(headline(spec, run), classes=["negsim-headline"])
    views = round_views(spec, run)
    with solara.Columns([1, 1]):
        with solara.Column():
            if views:
                solara.HTML(unsafe_innerHTML=tables.round_html(views[-1]),
                            classes=["negsim-this-round"])  # fmt: skip
            solara.HTML(tag="h3", unsafe_innerHTML="Where things stand")
            solara.HTML(unsafe_innerHTML=tables.status_html(issue_status(spec, run)),
                        classes=["negsim-where"])  # fmt: skip
        with solara.Column():
            PairPicker(state)
            Figures(spec, run, state.pair.value, run.round, id(run))
    with solara.Details("The story so far, round by round"):
        Story(spec, run)


@solara.component
def PairPicker(state: AppState) -> None:
    """The two actors whose utility space is drawn."""
    spec = state.spec.value
    if spec is None or state.pair.value is None:
        return
    names = {a.name: k for k, a in spec.actors.items()}
    first, second = state.pair.value
    by_key = {k: a.name for k, a in spec.actors.items()}

    def choose(i: int, name: str) -> None:
        pair = list(state.pair.value or (first, second))
        pair[i] = names[name]
        if pair[0] != pair[1]:
            state.pair.value = (pair[0], pair[1])

    with solara.Row():
        solara.Select("utility space of", value=by_key.get(first), values=list(names),
                      on_value=lambda n: choose(0, n))  # fmt: skip
        solara.Select("and", value=by_key.get(second), values=list(names),
                      on_value=lambda n: choose(1, n))  # fmt: skip


@solara.component
def Figures(spec: Any, run: Any, pair: tuple[str, str], rounds: int, run_id: int) -> None:
    """Offers by round and the utility space, redrawn when the run moves."""
    key = [run_id, rounds, pair, run.running]
    space, offers = solara.use_memo(lambda: figures.single_run_pngs(spec, run, pair), key)
    solara.Image(space, width="100%", classes=["negsim-space"])
    solara.Image(offers, width="100%", classes=["negsim-offers"])


@solara.component
def Story(spec: Any, run: Any) -> None:
    """The narration of every round so far, and the recap once it is over."""
    from sim.app import story

    record = run.record()
    lines = story.cast(spec, record)
    for offer in run.trajectory:
        lines += story.round_lines(spec, record, offer)
    if not run.running:
        lines += story.recap(spec, record)
    solara.Preformatted("\n".join(lines), classes=["negsim-story"])


# --- what changes the odds -----------------------------------------------------------------
@solara.lab.task(prefer_threaded=True)
def odds_task(job: Any, path: str) -> dict[str, bytes] | None:
    """Run the sweep (progress on the task) and draw its figures, off the page's thread."""

    def progress(done: int, total: int) -> None:
        odds_task.progress = 100.0 * done / max(total, 1)

    runs = job.run(progress)
    if runs is None:
        return None
    drawn = figures.odds_figures(runs, job.spec.scenario, path)
    return {stem: figures.png(fig) for stem, fig in drawn.items()}


@solara.component
def OddsPanel(state: AppState) -> None:
    """Pick one lever and a range; a small sweep shows how the odds move along it."""
    from sim.app.sweeps import SweepJob, odds_spec

    board, spec = state.board, state.spec.value
    levers = [] if board is None else [lv for lv in board.levers if lv.sweepable]
    choices = {f"{lv.group}: {lv.label}": lv for lv in levers}
    chosen, set_chosen = solara.use_state(("", 0.0, 1.0))  # (lever path, range) set here
    points, set_points = solara.use_state(7)
    reps, set_reps = solara.use_state(200)
    job, set_job = solara.use_state(None)
    error, set_error = solara.use_state("")
    if board is None or spec is None or not choices:
        return
    # The lever offered is the state's (the number lever moved last, or the one picked here),
    # so it is the same whenever and however often the tab is opened.
    label = next((k for k, lv in choices.items() if lv.path == state.odds_lever.value),
                 next(iter(choices)))  # fmt: skip
    lever = choices[label]
    span = chosen[1:] if chosen[0] == lever.path else (lever.low, lever.high)

    def pick(new: str) -> None:
        state.odds_lever.value = choices[new].path

    def start() -> None:
        try:
            low, high = span
            sweep = odds_spec(board.file, state.overrides(), lever.path, low, high, points, reps,
                              spec.run.seed)  # fmt: skip
        except ValueError as exc:
            set_error(str(exc))
            return
        set_error("")
        new = SweepJob(sweep)
        set_job(new)
        odds_task(new, lever.path)

    solara.Text("Each point is a few hundred negotiations with every other lever as set on the "
                "left; the seed fixes them all.", classes=["negsim-help"])  # fmt: skip
    with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
        solara.Select("lever", value=label, values=list(choices), on_value=pick,
                      classes=["negsim-odds-lever"])  # fmt: skip
        solara.Select("points", value=str(points), values=["3", "5", "7", "9", "11"],
                      on_value=lambda v: set_points(int(v)))  # fmt: skip
        solara.Select("runs per point", value=str(reps), values=run_choices(50, 100, 200, 500),
                      on_value=lambda v: set_reps(int(v)))  # fmt: skip
    solara.Text(f"from {span[0]:g} to {span[1]:g}", classes=["negsim-lever-label"])
    solara.SliderRangeFloat("", value=tuple(span), min=lever.low, max=lever.high, step=lever.step,
                            on_value=lambda v: set_chosen((lever.path, *v)))  # fmt: skip
    with solara.Row():
        solara.Button("Run", on_click=start, color="primary", disabled=odds_task.pending,
                      classes=["negsim-odds-run"])  # fmt: skip
        solara.Button("Cancel", on_click=lambda: job and job.cancel(),
                      disabled=not odds_task.pending, classes=["negsim-odds-cancel"])  # fmt: skip
    if error:
        solara.Error(error)
    if odds_task.pending:
        solara.ProgressLinear(odds_task.progress or True, classes=["negsim-progress"])
        if job is not None:
            solara.Text(f"{job.done:,} of {job.total:,} runs")
    elif odds_task.error:
        solara.Error(f"the sweep failed: {odds_task.exception}")
    elif odds_task.finished and odds_task.value is None:
        solara.Info("Cancelled: nothing was kept.")
    elif odds_task.finished and odds_task.value:
        for stem, image in odds_task.value.items():
            solara.Image(image, width="100%", classes=["negsim-odds-figure", f"negsim-{stem}"])


# --- A against B ---------------------------------------------------------------------------
@solara.lab.task(prefer_threaded=True)
def versus_task(jobs: list[Any]) -> tuple[bytes, str] | None:
    """Run A and B, then draw them side by side with their differences."""
    from sim.plots import Results
    from sim.plots.compare import differences_table

    total = sum(j.total for j in jobs)
    results = []
    for n, (name, job) in enumerate(zip(("A", "B"), jobs, strict=True)):
        before = sum(j.total for j in jobs[:n])
        runs = job.run(
            lambda d, _t, b=before: setattr(versus_task, "progress", 100 * (b + d) / total)
        )
        if runs is None:
            return None
        results.append(Results(name, runs, job.spec.scenario, {"sweep": job.spec.to_json()}))
    image = figures.png(figures.versus_figure(*results))
    return image, tables.differences_html(differences_table(results))


@solara.component
def VersusPanel(state: AppState) -> None:
    """Two settings of the levers side by side: outcomes and their differences with intervals."""
    from sim.app.sweeps import SweepJob, setting_spec

    board, spec = state.board, state.spec.value
    reps, set_reps = solara.use_state(500)
    jobs, set_jobs = solara.use_state([])
    if board is None or spec is None:
        return
    solara.Text("Set the levers on the left, keep them as A; change them, keep them as B; "
                "then compare.", classes=["negsim-help"])  # fmt: skip
    with solara.Row(style={"align-items": "center"}):
        solara.Button("Keep the levers as A", on_click=lambda: state.setting_a.set(dict(state.values.value)),
                      classes=["negsim-keep-a"])  # fmt: skip
        solara.Button("Keep the levers as B", on_click=lambda: state.setting_b.set(dict(state.values.value)),
                      classes=["negsim-keep-b"])  # fmt: skip
        solara.Select("runs each", value=str(reps), values=run_choices(200, 500, 1000),
                      on_value=lambda v: set_reps(int(v)))  # fmt: skip
    for name, setting in (("A", state.setting_a.value), ("B", state.setting_b.value)):
        text = "not set" if setting is None else (" ".join(board.overrides(setting)) or "the file")
        solara.Text(f"{name}: {text}", classes=["negsim-setting", f"negsim-setting-{name}"])
    a, b = state.setting_a.value, state.setting_b.value

    def start() -> None:
        new = [SweepJob(setting_spec(board.file, board.overrides(s), reps, spec.run.seed))
               for s in (a, b)]  # fmt: skip
        set_jobs(new)
        versus_task(new)

    with solara.Row():
        solara.Button("Compare A and B", on_click=start, color="primary",
                      disabled=a is None or b is None or versus_task.pending,
                      classes=["negsim-compare"])  # fmt: skip
        solara.Button("Cancel", on_click=lambda: [j.cancel() for j in jobs],
                      disabled=not versus_task.pending)  # fmt: skip
    if versus_task.pending:
        solara.ProgressLinear(versus_task.progress or True, classes=["negsim-progress"])
    elif versus_task.error:
        solara.Error(f"the comparison failed: {versus_task.exception}")
    elif versus_task.finished and versus_task.value is None:
        solara.Info("Cancelled: nothing was kept.")
    elif versus_task.finished and versus_task.value:
        image, html = versus_task.value
        solara.HTML(unsafe_innerHTML=html, classes=["negsim-versus-table"])
        solara.Image(image, width="100%", classes=["negsim-versus-figure"])


# --- about ---------------------------------------------------------------------------------
@solara.component
def AboutPanel(state: AppState) -> None:
    """The scenario's info in NetLogo's Info-tab order, then the glossary."""
    spec = state.spec.value
    if spec is None:
        return
    with solara.Column(classes=["negsim-about"]):
        solara.HTML(tag="h2", unsafe_innerHTML=escape(spec.name))
        if spec.description:
            solara.Text(spec.description)
        sections = info_sections(spec)
        if not sections:
            solara.Info("This scenario file has no info: section yet (see docs/teaching.md).")
        for title, text in sections:
            solara.HTML(tag="h3", unsafe_innerHTML=title)
            solara.HTML(unsafe_innerHTML=tables.text_html(text))
        solara.HTML(tag="h2", unsafe_innerHTML="Glossary")
        solara.HTML(unsafe_innerHTML=tables.glossary_html())
