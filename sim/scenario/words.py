"""A scenario's parameters and outcomes in its own words: the one labeller that figures, the
report, the sensitivity warnings and the app's levers share, so a class reads one wording for
one parameter everywhere ('Russia: outside option', never 'actors.russia.outside_option')."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.scenario.models import Scenario

# A scenario field as a class reads it. A parenthesised tail is a unit or a gloss: labels keep it
# ('deadline (rounds)'), phrases inside a sentence drop it ('as the deadline changes').
FIELDS = {
    "deadline": "deadline (rounds)",
    "recognition": "who proposes",
    "partial": "partial agreements (issues close one by one)",
    "grid": "search grid (levels per issue)",
    "seed": "seed (which run of the dice)",
    "outside_option": "outside option",
    "patience": "patience δ",
    "capability": "capability",
    "rationality": "rationality λ",
    "perception_noise": "perception noise",
    "rho": "risk attitude ρ",
    "e": "concession exponent e",
    "beta": "reciprocity β",
    "ideal": "ideal",
    "salience": "salience",
    "reversion": "reversion (no-deal outcome)",
    "hazard": "chance each round",
    "threshold": "qualified majority (share of the votes)",
    "members": "qualified majority (share of the voters)",
    "round": "round",
}


def short_name(spec: Scenario, actor: str) -> str:
    """An actor's display name without its parenthesised gloss: 'Syria (transitional…)' → 'Syria'."""
    return spec.actors[actor].name.split(" (")[0] if actor in spec.actors else actor


def possessive(name: str) -> str:
    """ "Russia's", "United States'"."""
    return name + ("'" if name.endswith("s") else "'s")


def field_words(field: str) -> str:
    """One field's words: 'outside_option' → 'outside option', 'deadline' → 'deadline (rounds)'."""
    return FIELDS.get(field, field.replace("_", " "))


def _bare(words: str) -> str:
    """Words without their parenthesised unit or gloss."""
    return re.sub(r" \(.*\)$", "", words)


def _parts(column: str, spec: Scenario) -> tuple[str, str, str]:
    """(whose or what, the field in words, on which issue) of a dotted path; whose is "" for the
    negotiation's own settings (protocol, run), the issue "" unless it is a preference."""
    parts = column.removeprefix("param.").split(".")
    field = field_words(parts[-1])
    if parts[0] == "actors" and len(parts) > 2:
        who = short_name(spec, parts[1])
        if parts[2] == "preferences" and len(parts) == 5 and parts[3] in spec.issues:
            return who, field, f" on {spec.issues[parts[3]].label}"
        return who, field, ""
    if parts[0] == "issues" and len(parts) == 3 and parts[1] in spec.issues:
        return spec.issues[parts[1]].label, field, ""
    if parts[0] == "events" and len(parts) == 3 and parts[1].isdigit():
        i = int(parts[1])
        return (spec.events[i].name if i < len(spec.events) else f"event {i + 1}"), field, ""
    if parts[0] in ("protocol", "run"):  # protocol.rule.threshold: the rule's own field
        return "", field, ""
    return "", " ".join(parts).replace("_", " "), ""


def parameter_label(column: str, spec: Scenario) -> str:
    """A parameter as an axis or lever label: 'param.actors.russia.outside_option' → 'Russia:
    outside option', 'protocol.deadline' → 'deadline (rounds)'."""
    who, field, issue = _parts(column, spec)
    return f"{who}: {field}{issue}" if who else field


def parameter_phrase(column: str, spec: Scenario) -> str:
    """A parameter as words in a sentence: 'param.actors.russia.outside_option' → "Russia's
    outside option", 'protocol.deadline' → 'the deadline'."""
    who, field, issue = _parts(column, spec)
    parts = column.removeprefix("param.").split(".")
    if parts[0] == "actors" and who:
        return f"{possessive(who)} {_bare(field)}{issue}"
    if who:
        return f"the {_bare(field)} of {who}"
    return f"the {_bare(field)}"


def outcome_words(outcome: str, spec: Scenario) -> str:
    """An outcome column in words: 'issue.basing.value' → 'the final value of Russian basing
    (Tartus, Hmeimim)', 'utility.russia' → "Russia's utility"."""
    parts = outcome.split(".")
    if outcome == "agreed":
        return "full agreement on every issue"
    if outcome in ("rounds", "rounds_used"):
        return "how many rounds it takes"
    if parts[0] == "issue" and len(parts) == 3 and parts[1] in spec.issues:
        label = spec.issues[parts[1]].label
        return (
            f"whether {label} is agreed" if parts[2] == "agreed" else f"the final value of {label}"
        )
    if parts[0].startswith("utility") and len(parts) == 2 and parts[1] in spec.actors:
        return f"{possessive(short_name(spec, parts[1]))} {parts[0].replace('_', ' ')}"
    return outcome.replace("_", " ")
