"""Classroom narration of one run: the cast, each round's offer and answers with their reasons,
what each event changed, and a recap of what was settled and who gained against no deal.

The pieces are public so the classroom app can show them one at a time: `cast(spec)`,
`round_lines(spec, offer)`, `recap(spec, record)`; `narrate` strings them together. Rounds are
numbered from 1 here (the run record counts from 0).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.protocols.arrays import scenario_arrays
from sim.record import Offer, RunRecord
from sim.scenario.models import Actor, Issue, Scenario
from sim.scenario.words import field_words, possessive, short_name

CLOSE_CALL = 0.2  # an answer is "noisy" when its acceptance probability lies in [0.2, 0.8]
NEAR = 0.1  # a value this close to an anchor is described as "near" it


# --- words for numbers ----------------------------------------------------------------------
def words(issue: Issue, value: float) -> str:
    """A value in its issue's anchor words: '"current long lease"', 'near "reduced presence"',
    or 'between "x" and "y"'."""
    if not issue.anchors:
        return ""
    nearest = min(issue.anchors, key=lambda p: abs(p - value))
    if abs(nearest - value) < 1e-9:
        return f'"{issue.anchors[nearest]}"'
    if abs(nearest - value) <= NEAR:
        return f'near "{issue.anchors[nearest]}"'
    below = max((p for p in issue.anchors if p < value), default=None)
    above = min((p for p in issue.anchors if p > value), default=None)
    if below is None or above is None:
        return f'beyond "{issue.anchors[nearest]}"'
    return f'between "{issue.anchors[below]}" and "{issue.anchors[above]}"'


def _value(spec: Scenario, issue: str, value: float | str) -> str:
    """A value with its anchor words; on an issue of named options, the option's name alone."""
    item = spec.issues[issue]
    if item.options is not None:
        return f'"{item.option_at(item.value_of(value))}"'
    said = words(item, float(value))
    return f"{value:.2f}" + (f" {said}" if said else "")


def _wants(spec: Scenario, issue: str, pref: Any) -> str:
    """What an actor wants on an issue: its ideal point, or its best option."""
    if pref.utilities is not None:
        return f'"{max(pref.utilities, key=pref.utilities.get)}" most'
    return _value(spec, issue, pref.ideal)


def _versus(a: float, b: float) -> tuple[str, str]:
    """Two numbers to 2 decimals, or 3 when 2 would make different numbers look equal."""
    digits = 3 if f"{a:.2f}" == f"{b:.2f}" and a != b else 2
    return f"{a:.{digits}f}", f"{b:.{digits}f}"


def _list(items: Iterable[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def linkage_bonus(actor: Actor) -> float:
    """The most an actor's linkage terms can add to its utility (positive γ with both issues at
    1): why its utility, and so its threshold, can exceed 1."""
    return sum(max(link.gamma, 0.0) for link in actor.linkage)


# --- what each side falls back on -----------------------------------------------------------
@dataclass(frozen=True)
class Fallback:
    """An actor's disagreement payoff, max(U(no-deal outcome), outside option), and its parts."""

    value: float
    no_deal: float
    outside: float | None

    @property
    def source(self) -> str:
        """Which part sets the fallback."""
        return "outside option" if self.outside is not None and self.outside > self.no_deal else (
            "no-deal outcome"
        )  # fmt: skip


def fallbacks(spec: Scenario, events: Iterable[dict[str, Any]] = ()) -> dict[str, Fallback]:
    """Each actor's fallback with every issue at its reversion point, after the recorded changes
    of `events` (a run record's `events`; none: the fallback at the start)."""
    from sim import payoffs
    from sim.protocols.arrays import scenario_arrays

    base = scenario_arrays(spec)
    actors, issues = base["actors"], base["issues"]
    arrays = {name: base[name].copy() for name in ("ideal", "salience", "outside")}
    where = {"ideal": "ideal", "salience": "salience", "outside_option": "outside"}
    for event in events:
        for change in event.get("changes", []):
            if change["parameter"] in where:
                array = arrays[where[change["parameter"]]]
                i = actors.index(change["actor"])
                at = i if change["issue"] is None else (i, issues.index(change["issue"]))
                array[at] = np.nan if change["after"] is None else change["after"]
    weight = payoffs.normalise_saliences(arrays["salience"])
    no_deal = payoffs.utilities(
        base["reversion"][None, :], arrays["ideal"], weight, base["rho"], base["gamma"],
        base["options"],
    )[0]  # fmt: skip
    out = {}
    for i, a in enumerate(actors):
        outside = None if np.isnan(arrays["outside"][i]) else float(arrays["outside"][i])
        value = max(float(no_deal[i]), -math.inf if outside is None else outside)
        out[a] = Fallback(value, float(no_deal[i]), outside)
    return out


# --- the cast -------------------------------------------------------------------------------
def _strategy(actor: Actor) -> str:
    s = actor.strategy
    if s.type == "concession":
        if s.e < 1:
            return f"Boulware (e = {s.e:g}): concedes slowly, then fast near the deadline"
        if s.e > 1:
            return f"conceder (e = {s.e:g}): concedes early"
        return "linear (e = 1): concedes steadily towards its fallback"
    if s.type == "reciprocal":
        return f"reciprocal (β = {s.beta:g}): returns the others' concessions"
    return "equilibrium: makes the subgame-perfect offer (backward induction)"


def _answers(lam: float) -> str:
    if math.isinf(lam):
        return "answers exactly: yes whenever an offer reaches its threshold"
    p = 1.0 / (1.0 + math.exp(-lam * 0.05))
    return (
        f"answers with some noise (λ = {lam:g}: an offer 0.05 above its threshold is "
        f"accepted {p:.0%} of the time)"
    )


def cast(spec: Scenario) -> list[str]:
    """Who is at the table before round 1: each issue with its veto players, its no-deal value
    and who wants what (in anchor words, with how much each cares); then each party's way of
    bargaining, its fallback, and any linkage that lets its utility exceed 1."""
    p = spec.protocol
    n_a, n_k = len(spec.actors), len(spec.issues)
    if p.type == "expected_utility":
        frame = f"the expected-utility model, {p.eu_rounds} rounds of challenges per issue"
    else:
        frame = f"at most {p.deadline} round{'s' if p.deadline != 1 else ''}"
    lines = [f"{spec.name}: {n_a} parties, {n_k} issue{'s' if n_k != 1 else ''}, {frame}."]
    if spec.description:
        lines.append(spec.description.strip())
    eu = p.type == "expected_utility"  # no consent, no offers to accept: positions and clout
    lines += [
        "",
        "THE CAST",
        "Each party starts every issue at its ideal; how hard it pulls the forecast there grows "
        "with its capability and with how much it cares about the issue (the weights below)."
        if eu
        else "A party's utility is 1 when every issue sits at its ideal and falls the further "
        "they are, weighted by how much it cares about each issue (its weight). It accepts an "
        "offer whose utility reaches its threshold: the best of its fallback and what it expects "
        "from holding out.",
        "",
        "The issues and who wants what."
        if eu
        else "The issues: who must consent, what happens with no deal, and who wants what.",
    ]
    for key, issue in spec.issues.items():
        lines.append(f"  {issue.label}")
        if not eu:
            lines.append(
                f"    needs {rule_words(spec, key)}; with no deal it stays at "
                f"{_value(spec, key, issue.reversion)}"
            )
        for a, actor in spec.actors.items():
            pref = actor.preferences.get(key)
            if pref is None or pref.salience <= 0:
                continue
            share = pref.salience / sum(q.salience for q in actor.preferences.values())
            lines.append(
                f"    {short_name(spec, a)} wants {_wants(spec, key, pref)} (weight {share:.0%})"
            )
    if eu:
        return lines
    lines += ["", "The parties: how they bargain (δ: patience per round) and their fallback."]
    fall = fallbacks(spec)
    lambdas = {a.rationality for a in spec.actors.values()}
    for a, actor in spec.actors.items():
        f = fall[a]
        lines.append(f"  {actor.name}: δ = {actor.patience:.2f}; {_strategy(actor)}.")
        if len(lambdas) > 1:
            lines.append(f"    It {_answers(actor.rationality)}.")
        if f.source == "outside option":
            lines.append(
                f"    Fallback {f.value:.2f}: its outside option (the no-deal outcome is worth "
                f"{f.no_deal:.2f} to it)."
            )
        else:
            other = "" if f.outside is None else f"; its outside option is {f.outside:.2f}"
            lines.append(f"    Fallback {f.value:.2f}: the no-deal outcome{other}.")
        for link in actor.linkage:
            k, m = (spec.issues[i].label for i in link.issues)
            effect = "more" if link.gamma > 0 else "less"
            lines.append(
                f"    Linkage (γ = {link.gamma:+g}): {k} and {m} are each worth {effect} to it "
                "when the other is high."
            )
        bonus = linkage_bonus(actor)
        if bonus > 0:
            lines.append(
                f"    The linkage adds up to {bonus:.2f} to its utility, so its utility and its "
                "threshold can exceed 1."
            )
    if len(lambdas) == 1:
        lines.append(f"Every party {_answers(lambdas.pop())}.")
    lines.append("Who proposes: " + _recognition(spec) + ".")
    return lines


def rule_words(spec: Scenario, key: str) -> str:
    """Who must consent to an issue, in words: its veto players, or the qualified majority of
    its rule plus the consent it needs whatever the vote."""
    rule, veto = spec.rule_of(key), spec.issues[key].veto
    if rule.type == "unanimity":
        return f"{_list(short_name(spec, a) for a in veto)} to agree"
    weights = set(rule.voters.values())
    votes = (
        f"{rule.threshold:.0%} of the votes of {len(rule.voters)} voters"
        if len(weights) > 1
        else f"{math.ceil(rule.threshold * len(rule.voters) - 1e-9)} of {len(rule.voters)} votes"
    )
    if rule.members:
        votes += f" from at least {rule.members:.0%} of them"
    if veto:
        votes += (
            f", with the consent of {_list(short_name(spec, a) for a in veto)} whatever the vote"
        )
    return f"a qualified majority of {votes}"


def coalition_words(spec: Scenario, key: str, coalition: list[str]) -> str:
    """Who carried an issue under a qualified majority, with the votes it held ("" under
    unanimity, where the veto players are the coalition)."""
    rule = spec.rule_of(key)
    if rule.type == "unanimity" or not coalition:
        return ""
    held = sum(rule.voters.get(a, 0.0) for a in coalition)
    votes = f"{held:g} of {sum(rule.voters.values()):g} votes"
    outside = [a for a in rule.voters if a not in coalition]
    if len(outside) < len(coalition):  # name the shorter list
        against = (
            f"all but {_list(short_name(spec, a) for a in outside)}" if outside else "all voters"
        )
        return f"carried by {votes} ({against})"
    return f"carried by {votes}: {_list(short_name(spec, a) for a in coalition)}"


def _recognition(spec: Scenario) -> str:
    p = spec.protocol
    if p.agenda_setter is not None:
        first = f"{short_name(spec, p.agenda_setter)} sets the agenda and proposes first; then "
        return first + _turns(spec)
    return _turns(spec)


def _turns(spec: Scenario) -> str:
    p = spec.protocol
    if p.recognition == "capability":
        total = sum(a.capability for a in spec.actors.values())
        odds = ", ".join(
            f"{short_name(spec, k)} {a.capability / total:.0%}" for k, a in spec.actors.items()
        )
        return f"one party each round, drawn at random in proportion to capability ({odds})"
    order = p.order or list(spec.actors)
    return "the parties take turns: " + ", ".join(short_name(spec, a) for a in order)


# --- the rounds -----------------------------------------------------------------------------
def event_lines(spec: Scenario, event: dict[str, Any]) -> list[str]:
    """What one fired event changed, value by value: "Russia's outside option 0.50 → 0.65"."""
    lines = [f"  NEWS: {event['name']}."]
    for c in event.get("changes", []):
        who = short_name(spec, c["actor"])
        if c["parameter"] == "ideal":
            what = f"{possessive(who)} ideal point on {spec.issues[c['issue']].label}"
        elif c["parameter"] == "salience":
            what = f"how much {who} cares about {spec.issues[c['issue']].label}: salience"
        else:
            what = f"{possessive(who)} {field_words(c['parameter'])}"
        missing = "∞" if c["parameter"] == "rationality" else "none"
        before, after = (missing if v is None else f"{v:.2f}" for v in (c["before"], c["after"]))
        lines.append(f"    {what} {before} → {after}")
    for issue, value in event.get("closed", {}).items():
        lines.append(f"    {spec.issues[issue].label} is imposed at {_value(spec, issue, value)}")
    return lines


def answer_reason(spec: Scenario, who: str, a: dict[str, Any]) -> str:
    """Why an answer went as it did: the offer's utility against the threshold or, when only part
    of the offer would settle and that part is the closer call, what it is sure to give against
    the floor; then its probability when it could have gone either way, and the linkage note."""
    u, thr = a["utility"], a["threshold"]
    sure, floor = a.get("sure", u), a.get("floor", -math.inf)
    if sure - floor < u - thr - 1e-12:  # what would settle is the closer call
        what = _list(spec.issues[k].label for k in a["settlement"])
        ss, sf = _versus(sure, floor)
        reason = (
            f"settling only {what} would leave it sure of {ss} (the open issues it cannot veto "
            f"at their worst for it) {'≥' if sure >= floor else '<'} its floor {sf}"
        )
    else:
        su, st = _versus(u, thr)
        reason = f"utility {su} {'≥' if u >= thr else '<'} threshold {st}"
    p = a.get("p")
    if p is not None and CLOSE_CALL <= p <= 1 - CLOSE_CALL:
        reason += f" (a close call: it accepts such an offer with probability {p:.2f})"
    elif p is not None and a["accept"] and p < CLOSE_CALL:
        reason += f" (against the odds: it accepts such an offer with probability {p:.2f})"
    elif p is not None and not a["accept"] and p > 1 - CLOSE_CALL:
        reason += f" (against the odds: it rejects such an offer with probability {1 - p:.2f})"
    if max(u, thr) > 1 and math.isfinite(thr):
        reason += (
            f"; above 1 because of {possessive(short_name(spec, who))} linkage bonus (see the cast)"
        )
    return reason


def _answer(spec: Scenario, who: str, a: dict[str, Any]) -> str:
    name = short_name(spec, who)
    if a["walkout"]:
        return (
            f"  {name} walks out: its outside option {a['threshold']:.2f} beats anything still on "
            "the table, so every issue it can veto reverts."
        )
    verb = "accepts" if a["accept"] else "rejects"
    return f"  {name} {verb}: {answer_reason(spec, who, a)}."


def round_lines(spec: Scenario, offer: Offer) -> list[str]:
    """One round in words: news from events, the proposal on the open issues, each answer with
    its reason (and its probability when it could have gone either way), what was settled."""
    lines = [f"Round {offer.round + 1}:"]
    for event in offer.events:
        lines.extend(event_lines(spec, event))
    lines.append(f"  {short_name(spec, offer.proposer)} proposes:")
    for issue, value in offer.package.items():
        lines.append(f"    {spec.issues[issue].label}: {_value(spec, issue, value)}")
    for who, a in offer.answers.items():
        lines.append(_answer(spec, who, a))
    if offer.proposer_answer is not None:
        a = offer.proposer_answer
        sure, floor = _versus(a["sure"], a["floor"])
        lines.append(
            f"  {short_name(spec, offer.proposer)} withdraws: settling only "
            f"{_list(spec.issues[k].label for k in a['settlement'])} would leave it sure of "
            f"{sure} < its floor {floor}."
        )
    walked = {w for w, a in offer.answers.items() if a["walkout"]}
    agreed = [k for k in offer.closed if not walked & set(spec.issues[k].veto)]
    reverted = [k for k in offer.closed if k not in agreed]
    if agreed:
        lines.append("  Settled:")
        lines += [
            f"    {spec.issues[k].label}: {_value(spec, k, offer.package[k])}" for k in agreed
        ]
    if reverted:
        lines.append("  Reverted:")
        lines += [
            f"    {spec.issues[k].label}: {_value(spec, k, spec.issues[k].reversion_value)}"
            for k in reverted
        ]
    return lines


# --- the recap ------------------------------------------------------------------------------
def recap(spec: Scenario, record: RunRecord) -> list[str]:
    """What was settled when and on whose proposal, what reverted, what the events changed, and
    who gained and who lost against no deal (each party's fallback at the end of the run)."""
    if record.protocol == "expected_utility":
        return _recap_forecast(spec, record)
    lines = ["RECAP"]
    if record.agreed:
        lines.append(
            f"Every issue was agreed, the last in round {record.round + 1} on "
            f"{possessive(short_name(spec, record.proposer))} proposal."
        )
    else:
        cause = record.breakdown
        if cause.startswith("walkout:"):
            cause = f"{short_name(spec, cause.removeprefix('walkout:'))} walked out"
        elif cause == "deadline":
            cause = f"the deadline (round {spec.protocol.deadline}) passed"
        lines.append(f"No full agreement: {cause}; what was still open reverted.")
    proposer = {k: o.proposer for o in record.trajectory for k in o.closed}
    imposed = {k: e["name"] for e in record.events for k in e.get("closed", {})}
    groups: dict[str, list[str]] = {}
    for key, out in sorted(record.issues.items(), key=lambda kv: kv[1].round or 0):
        said = f"{spec.issues[key].label}: {_value(spec, key, out.value)}"
        if out.agreed:
            who = proposer.get(key) or (record.proposer if out.round == record.round else "")
            on = f" on {possessive(short_name(spec, who))} proposal" if who else ""
            head = f"Settled in round {(out.round or 0) + 1}{on}:"
            carried = coalition_words(spec, key, out.coalition or [])
            said += f", {carried}" if carried else ""
        elif key in imposed:
            head = f"Imposed in round {(out.round or 0) + 1} by the event “{imposed[key]}”:"
        else:
            head = "Reverted (no deal):"
        groups.setdefault(head, []).append(said)
    for head, said in groups.items():
        lines.append(f"  {head}")
        lines.extend(f"    {s}" for s in said)
    for event in record.events:
        lines.append(f"  Event in round {event['round'] + 1}: {event['name']}.")
        lines.extend(line for line in event_lines(spec, event)[1:])
    fall = fallbacks(spec, record.events)
    lines.append(
        "Who gained and who lost against no deal (utility of the outcome against the party's "
        "fallback, before discounting for the rounds it took):"
    )
    gains = {a: record.utilities[a] - fall[a].value for a in spec.actors}
    for a in sorted(gains, key=lambda a: -gains[a]):
        g = gains[a]
        verdict = "gained" if g > 0.005 else "lost" if g < -0.005 else "broke even"
        why = f": {_why_lost(spec, record, a, fall[a])}" if verdict == "lost" else ""
        lines.append(
            f"  {short_name(spec, a)} {verdict}: {record.utilities[a]:.2f} against "
            f"{fall[a].value:.2f} ({g:+.2f}){why}.".replace("-", "−")
        )
    for a, took in (record.took_outside or {}).items():
        if took:
            lines.append(
                f"  {short_name(spec, a)} takes its outside option ({record.utilities[a]:.2f}): not every "
                "issue it vetoes was agreed, and the option is worth more to it than the outcome."
            )
    lines.extend(_textbook(spec, record))
    lines.extend(_references(spec, record))
    return lines


def _references(spec: Scenario, record: RunRecord) -> list[str]:
    """Which preferences the references use, and the distances to them."""
    refs = record.references
    if refs is None or record.nash_distance is None:
        return []
    when = (
        "the preferences at the start of the run"
        if refs["basis"] == "initial"
        else "the preferences as they stood at the end of the run (after: "
        + "; ".join(refs["events"])
        + ")"
    )
    lines = [
        f"References use {when}. The Nash solution, each issue bargained by the parties that can "
        f"veto it, lies {record.nash_distance:.3f} from this run's payoffs in utility space."
    ]
    if refs.get("equilibrium") is not None and record.equilibrium_distance is not None:
        value = ", ".join(_value(spec, k, v) for k, v in refs["equilibrium"]["package"].items())
        lines.append(
            "For two equilibrium players the benchmark is the discounted game's own solution, "
            f"the subgame-perfect agreement at {value}: this run lies "
            f"{record.equilibrium_distance:.3f} from it. The Nash solution ignores discounting "
            "and who proposes first, so its distance measures what patience and the first move "
            "are worth."
        )
    return lines


def _why_lost(spec: Scenario, record: RunRecord, actor: str, fallback: Fallback) -> str:
    """The plainest reason a party ends below its fallback."""
    if fallback.source == "outside option":
        return "its outside option is worth more than this outcome"
    prefs = spec.actors[actor].preferences
    can_hold = scenario_arrays(spec)["veto"]  # who can hold each issue at its reversion
    against = [
        k
        for k, out in record.issues.items()
        if k in prefs
        and not can_hold[list(spec.issues).index(k), list(spec.actors).index(actor)]
        and _worse(spec.issues[k], prefs[k], out.value, spec.issues[k].reversion_value)
    ]
    if against:
        return "issues it cannot veto went against it (" + _list(
            spec.issues[k].label for k in against
        ) + ")"  # fmt: skip
    delta = spec.actors[actor].patience
    return (
        f"no deal comes only at the deadline, and waiting for it costs (δ = {delta:g} a round), "
        "so it accepted less"
    )


def _worse(issue: Issue, pref: Any, value: float, than: float) -> bool:
    """Whether `value` is worse than `than` for an actor with preference `pref` on `issue`."""
    if pref.utilities is not None:
        at = pref.utilities
        return at[issue.option_at(value)] < at[issue.option_at(than)] - 1e-9
    return abs(value - pref.ideal) > abs(than - pref.ideal) + 1e-9


def _textbook(spec: Scenario, record: RunRecord) -> list[str]:
    """In the textbook case, the run against Rubinstein's share and the finite-horizon one."""
    from sim.analysis.textbook import rubinstein_case

    case = rubinstein_case(spec)
    if case is None:
        return []
    first = possessive(short_name(spec, case.first))
    d1, d2 = spec.actors[case.first].patience, spec.actors[case.second].patience
    got = record.issues[case.issue].value
    return [
        f"The textbook case: {first} Rubinstein share (1 − δ₂)/(1 − δ₁δ₂) = "
        f"(1 − {d2:g})/(1 − {d1:g} × {d2:g}) = {case.share:.3f}, "
        f"the issue at {case.value:.3f}; with a {spec.protocol.deadline}-round deadline "
        f"backward induction gives {case.finite_value:.3f}, and this run ended at {got:.3f}."
    ]


def _recap_forecast(spec: Scenario, record: RunRecord) -> list[str]:
    lines = ["FORECAST (weighted median after the last round)"]
    for key, out in record.issues.items():
        mean = "" if out.forecast_mean is None else f" (weighted mean {out.forecast_mean:.2f})"
        lines.append(f"  {spec.issues[key].label}: {_value(spec, key, out.value)}{mean}")
    return lines


# --- the whole story ------------------------------------------------------------------------
def narrate(spec: Scenario, record: RunRecord, brief: bool = False) -> list[str]:
    """The cast, every round (unless `brief`), and the recap: plain lines, ready to print."""
    lines = cast(spec)
    lines[0] += f" Seed {record.seed}."
    if not brief:
        if record.protocol == "expected_utility":
            lines += _forecast_rounds(spec, record)
        for offer in record.trajectory:
            lines.append("")
            lines.extend(round_lines(spec, offer))
        shown = {offer.round for offer in record.trajectory}
        for event in record.events:  # events that fired after the last offer
            if event["round"] not in shown:
                lines.append("")
                lines.append(f"Round {event['round'] + 1}:")
                lines.extend(event_lines(spec, event))
    lines.append("")
    lines.extend(recap(spec, record))
    return lines


def _forecast_rounds(spec: Scenario, record: RunRecord) -> list[str]:
    """The expected-utility lens: each issue's weighted median, round by round."""
    lines = [
        "",
        f"Through the expected-utility model (Bueno de Mesquita, as read by Scholz et al. 2011): "
        f"{spec.protocol.eu_rounds} rounds of challenges and offers per issue; the forecast is "
        "the final weighted median. This model has no vetoes and no deadline. Round 0 is where "
        "the parties start.",
    ]
    for key, issue in spec.issues.items():
        medians = (record.medians or {}).get(key, [])
        lines.append("")
        lines.append(f"{issue.label}:")
        lines.append("  weighted median by round: " + ", ".join(f"{m:.2f}" for m in medians))
    return lines
