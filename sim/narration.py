"""Classroom narration of one run: who proposed what, who answered how and why, what fired."""

from __future__ import annotations

from sim.record import RunRecord
from sim.scenario.models import Scenario


def _value(spec: Scenario, issue: str, value: float) -> str:
    return spec.issues[issue].show(value)


def answer_reason(spec: Scenario, a: dict) -> str:
    """Why an answer went as it did: the proposal against the threshold, or, when only part of
    it would settle and that part is the closer call, what it is sure to give against the floor;
    and whether the answer went against the reason (a noisy answer: λ is finite)."""
    sure, floor = a.get("sure", a["utility"]), a.get("floor", -float("inf"))
    if sure - floor < a["utility"] - a["threshold"] - 1e-12:
        what = ", ".join(spec.issues[k].label for k in a["settlement"])
        above = sure >= floor
        reason = (
            f"settling only {what} would leave it sure of {sure:.3f} "
            f"{'≥' if above else '<'} its floor {floor:.3f}"
        )
    else:
        above = a["utility"] >= a["threshold"]
        reason = (
            f"utility {a['utility']:.3f} {'≥' if above else '<'} threshold {a['threshold']:.3f}"
        )
    if a["accept"] != above:
        reason += " (a noisy answer: λ is finite, so close calls can go either way)"
    return reason


def narrate(spec: Scenario, record: RunRecord) -> list[str]:
    """Plain-language lines, one paragraph per round, ready to print."""
    if record.protocol == "expected_utility":
        return _narrate_forecast(spec, record)
    name = {k: a.name for k, a in spec.actors.items()}
    lines = [
        f"Scenario {spec.name}: {len(spec.actors)} actors, {len(spec.issues)} "
        f"issue{'' if len(spec.issues) == 1 else 's'}, "
        f"deadline {spec.protocol.deadline} rounds, seed {record.seed}."
    ]
    for offer in record.trajectory:
        lines.append("")
        lines.append(f"Round {offer.round}:")
        for event in offer.events:
            lines.append(f"  EVENT: {event}.")
        lines.append(f"  {name[offer.proposer]} proposes:")
        for issue, value in offer.package.items():
            lines.append(f"    {spec.issues[issue].label}: {_value(spec, issue, value)}")
        for who, a in offer.answers.items():
            if a["walkout"]:
                lines.append(
                    f"  {name[who]} walks out: its outside option {a['threshold']:.2f} "
                    "beats anything on the table."
                )
                continue
            verb = "accepts" if a["accept"] else "rejects"
            lines.append(f"  {name[who]} {verb}: {answer_reason(spec, a)}.")
        if offer.proposer_answer is not None:
            a = offer.proposer_answer
            what = ", ".join(spec.issues[k].label for k in a["settlement"])
            lines.append(
                f"  {name[offer.proposer]} withdraws: settling {what} would leave it sure of "
                f"{a['sure']:.3f} < its floor {a['floor']:.3f}."
            )
        if offer.closed:
            closed = ", ".join(spec.issues[k].label for k in offer.closed)
            lines.append(f"  Settled this round: {closed}.")
    lines.append("")
    if record.agreed:
        lines.append(
            f"Full agreement in round {record.round}, on {name.get(record.proposer, '?')}'s "
            "proposal."
        )
    else:
        cause = record.breakdown.replace("walkout:", "walk-out by ")
        lines.append(f"No full agreement (cause: {cause}); unsettled issues revert.")
    for who, took in (record.took_outside or {}).items():
        if took:
            lines.append(
                f"{name[who]} takes its outside option ({record.utilities[who]:.3f}): it is "
                "worth more to it than the outcome."
            )
    lines.extend(_references(spec, record))
    return lines


def _references(spec: Scenario, record: RunRecord) -> list[str]:
    """The closing lines: which preferences the references use, and the distances to them."""
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
        f"References use {when}. The Nash solution, each issue bargained by its veto players, "
        f"lies {record.nash_distance:.3f} from this run's payoffs in utility space."
    ]
    if refs.get("equilibrium") is not None and record.equilibrium_distance is not None:
        eq = refs["equilibrium"]
        value = ", ".join(_value(spec, k, v) for k, v in eq["package"].items())
        lines.append(
            f"For two equilibrium players the benchmark is the discounted game's own solution, "
            f"the subgame-perfect agreement at {value}: this run lies "
            f"{record.equilibrium_distance:.3f} from it. The Nash solution ignores discounting "
            "and who proposes first, so its distance measures what patience and the first move "
            "are worth."
        )
    return lines


def _narrate_forecast(spec: Scenario, record: RunRecord) -> list[str]:
    """The expected-utility lens: each issue's weighted median, round by round."""
    lines = [
        f"Scenario {spec.name} through the expected-utility model (Bueno de Mesquita, as "
        f"read by Scholz et al. 2011): {spec.protocol.eu_rounds} rounds of challenges and "
        "offers per issue; the forecast is the final weighted median."
    ]
    for key, issue in spec.issues.items():
        medians = (record.medians or {}).get(key, [])
        lines.append("")
        lines.append(f"{issue.label}:")
        lines.append("  weighted median by round: " + ", ".join(f"{m:.2f}" for m in medians))
        out = record.issues[key]
        lines.append(
            f"  forecast {_value(spec, key, out.value)}; weighted mean {out.forecast_mean:.2f}"
        )
    return lines
