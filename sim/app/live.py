"""One negotiation stepped round by round, and what the app shows of each round.

`LiveRun` is the object Mesa's `ModelController` drives (step, running, and re-creation from
keyword arguments on reset); it steps `BargainingModel` through its public API only. The
functions below turn its trajectory into plain rows for display. Rounds are counted from 1 for
people (the model's round 0 is the app's round 1). Pure logic: no Solara here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from sim.events import changed
from sim.record import Offer, RunRecord
from sim.scenario.models import Scenario


class LiveRun:
    """A negotiation in progress: the Mesa model, its seed, and how far it has got."""

    def __init__(self, spec: Scenario, seed: int | None = None, upto: int = 0) -> None:
        from sim.protocols.alternating import BargainingModel

        self.spec = spec
        self.seed = spec.run.seed if seed is None else seed
        self.model = BargainingModel(spec, rng=self.seed, trajectory=True)
        self.retired = False
        while self.round < upto and self.running:
            self.step()

    @property
    def running(self) -> bool:
        """False once every issue is closed (agreed, reverted or walked out of), or once the
        negotiation has been replaced by another setting's."""
        return bool(self.model.running) and not self.retired

    def retire(self) -> None:
        """Stop for good: whatever still drives this negotiation finds it over."""
        self.retired = True

    @property
    def round(self) -> int:
        """Rounds played so far."""
        return int(self.model.round)

    @property
    def trajectory(self) -> list[Offer]:
        """Every offer so far, with its answers."""
        return self.model.trajectory

    def step(self) -> None:
        """Play one round (nothing once the negotiation is over)."""
        if self.running:
            self.model.step()

    def record(self) -> RunRecord:
        """The run record so far (open issues have no value yet)."""
        return self.model.record(self.seed)


@dataclass
class Answer:
    """One responder's answer, with its reason in words."""

    actor: str
    verdict: str  # "accepts", "rejects" or "walks out"
    utility: float
    threshold: float
    reason: str


@dataclass
class RoundView:
    """What happened in one round, ready to show."""

    number: int  # counted from 1
    proposer: str
    proposal: list[tuple[str, float, str, bool]]  # issue label, value, anchor label, was open
    answers: list[Answer]
    events: list[tuple[str, list[str]]]  # event name, what it changed
    settled: list[str] = field(default_factory=list)  # issue labels closed this round


def answer_of(
    name: str, answer: dict[str, Any], spec: Scenario | None = None, who: str = ""
) -> Answer:
    """An answer in words, as the narration gives it (`sim.narration.answer_reason`, given the
    scenario and the actor's key `who`): accept when the offer is worth at least the threshold and what would settle at
    least the floor; with a finite λ a close call can go the other way."""
    u, t = answer["utility"], answer["threshold"]
    if answer["walkout"]:
        return Answer(name, "walks out", u, t, "its outside option beats anything on the table")
    verdict = "accepts" if answer["accept"] else "rejects"
    if spec is not None and "sure" in answer:
        from sim.narration import answer_reason

        return Answer(name, verdict, u, t, answer_reason(spec, who, answer))
    above = u >= t
    reason = f"utility {u:.3f} {'≥' if above else '<'} threshold {t:.3f}"
    if answer["accept"] != above:
        reason += " (a noisy answer: λ is finite)"
    return Answer(name, verdict, u, t, reason)


def event_changes(spec: Scenario, fired: list[dict[str, Any]]) -> dict[int, list[str]]:
    """What each fired event changed, keyed by its position in `fired`: 'Russia: outside option
    0.50 → 0.65'. Effects apply in firing order from the file's values, as in the model."""
    current: dict[tuple[str, str, str | None], float] = {}
    pending = list(range(len(spec.events)))
    out: dict[int, list[str]] = {}
    for n, item in enumerate(fired):
        index = next((e for e in pending if spec.events[e].name == item["name"]), None)
        if index is None:
            continue
        pending.remove(index)
        event, lines = spec.events[index], []
        for effect in event.effects:
            actor = spec.actors[effect.actor]
            key = (effect.actor, effect.parameter, effect.issue)
            old = current.get(key, _initial(actor, effect.parameter, effect.issue))
            new = changed(old, effect)
            current[key] = new
            what = effect.parameter.replace("_", " ")
            if effect.issue is not None:
                what += f" on {spec.issues[effect.issue].label}"
            lines.append(f"{actor.name}: {what} {_show(old)} → {_show(new)}")
        for issue, value in event.close.items():
            label = spec.issues[issue].label_of(value)
            lines.append(f"{spec.issues[issue].label} closes at {value:.2f} ({label})")
        out[n] = lines
    return out


def _initial(actor: Any, parameter: str, issue: str | None) -> float:
    if issue is not None:
        pref = actor.preferences.get(issue)
        return getattr(pref, parameter) if pref is not None else math.nan
    value = getattr(actor, parameter)
    return math.nan if value is None else float(value)


def _show(value: float) -> str:
    if math.isnan(value):
        return "none"
    return "∞" if math.isinf(value) else f"{value:.2f}"


def round_views(spec: Scenario, run: LiveRun) -> list[RoundView]:
    """Every round played so far, oldest first."""
    record = run.record()
    changes = event_changes(spec, record.events)
    by_round: dict[int, list[tuple[str, list[str]]]] = {}
    for n, item in enumerate(record.events):
        by_round.setdefault(item["round"], []).append((item["name"], changes.get(n, [])))
    name = {k: a.name for k, a in spec.actors.items()}
    closed_before: set[str] = set()
    views = []
    for offer in run.trajectory:
        proposal = [
            (spec.issues[k].label, v, spec.issues[k].label_of(v), k not in closed_before)
            for k, v in offer.package.items()
        ]
        views.append(
            RoundView(
                number=offer.round + 1,
                proposer=name[offer.proposer],
                proposal=proposal,
                answers=[answer_of(name[a], ans, spec, a) for a, ans in offer.answers.items()],
                events=by_round.get(offer.round, []),
                settled=[spec.issues[k].label for k in offer.closed],
            )
        )
        closed_before |= set(offer.closed)
    return views


@dataclass
class IssueStatus:
    """Where one issue stands: settled (agreed or reverted) or still open."""

    label: str
    state: str  # "agreed", "reverted" or "open"
    value: float | None
    meaning: str
    round: int | None  # counted from 1


def issue_status(spec: Scenario, run: LiveRun) -> list[IssueStatus]:
    """Each issue's state after the rounds played; an open issue shows its last offer."""
    record = run.record()
    last = run.trajectory[-1].package if run.trajectory else {}
    rows = []
    for key, issue in spec.issues.items():
        out = record.issues[key]
        if out.round is None and math.isnan(out.value):
            value = last.get(key)
            meaning = (
                f"last offer: {issue.label_of(value)}" if value is not None else "no offer yet"
            )
            rows.append(IssueStatus(issue.label, "open", value, meaning, None))
            continue
        state = "agreed" if out.agreed else "reverted"
        rnd = None if out.round is None else out.round + 1
        rows.append(IssueStatus(issue.label, state, out.value, out.label, rnd))
    return rows


def headline(spec: Scenario, run: LiveRun) -> str:
    """One line on where the negotiation stands."""
    deadline = spec.protocol.deadline
    if run.round == 0 and run.running:
        return f"Ready: {deadline} rounds at most. Press Step or ▶."
    if run.running:
        return f"After round {run.round} of {deadline}."
    record = run.record()
    if record.agreed:
        return f"Full agreement in round {(record.round or 0) + 1} of {deadline}."
    cause = record.breakdown.replace("walkout:", "a walk-out by ")
    for key, actor in spec.actors.items():
        cause = cause.replace(key, actor.name)
    return f"Over after round {run.round}: no full agreement ({cause}); open issues reverted."
