"""Classroom narration of one run: who proposed what, who answered how and why, what fired."""

from __future__ import annotations

from sim.record import RunRecord
from sim.scenario.models import Scenario


def _value(spec: Scenario, issue: str, value: float) -> str:
    return f"{value:.2f} ({spec.issues[issue].label_of(value)})"


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
            above = a["utility"] >= a["threshold"]
            verb = "accepts" if a["accept"] else "rejects"
            reason = (
                f"utility {a['utility']:.3f} {'≥' if above else '<'} threshold {a['threshold']:.3f}"
            )
            if a["accept"] != above:
                reason += " (a noisy answer: λ is finite, so close calls can go either way)"
            lines.append(f"  {name[who]} {verb}: {reason}.")
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
