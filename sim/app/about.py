"""The About panel's content: a scenario's info in NetLogo's Info-tab order, and a glossary of
every term the app shows. Pure data and text handling: no Solara here."""

from __future__ import annotations

from sim.scenario.models import Scenario

SECTIONS = (
    ("what_it_is", "What is it?"),
    ("how_it_works", "How it works"),
    ("how_to_use_it", "How to use it"),
    ("things_to_notice", "Things to notice"),
    ("things_to_try", "Things to try"),
)

GLOSSARY: dict[str, str] = {
    "issue": "One thing being negotiated, valued from 0 to 1 between labelled anchor points "
    "(e.g. 0 full withdrawal, 1 current long lease).",
    "anchor": "A labelled point of an issue's 0–1 scale; a value between two anchors lies between "
    "their meanings.",
    "package": "A value for every open issue, proposed together.",
    "utility": "How much an actor likes a package, from its ideal points and saliences: 1 at its "
    "ideal on everything it cares about, less the further away (linked issues can add to it).",
    "ideal point": "The value an actor would choose on an issue if it were alone.",
    "salience": "How much an issue matters to an actor compared with its other issues.",
    "threshold": "The least utility an actor accepts this round: the best of its outside option, "
    "what it gets if talks fail and what it expects from waiting (discounted). When only part of "
    "a proposal would settle, that part must also leave it sure of at least its floor: what it "
    "gets if talks fail, with the issues it cannot block still open counted at their worst.",
    "outside option": "What an actor gets by walking away (its BATNA). Its disagreement payoff is "
    "the better of this and the reversion.",
    "reversion": "The value an issue takes if it is not agreed by the deadline: the status quo.",
    "disagreement point": "Each actor's payoff if nothing more is agreed: the better of the "
    "reversion's utility and its outside option.",
    "veto": "An actor whose consent an issue needs; an issue closes only when all its veto "
    "players accept.",
    "fallback": "What an actor gets if talks fail (the narration's word for its disagreement "
    "payoff): the better of its outside option and the reversion.",
    "weight": "In the narration, how much an actor cares about an issue as a share of everything "
    "it cares about (its salience).",
    "qualified majority": "A rule by which an issue is carried by a coalition holding at least a "
    "set share of the voters' votes (9 of the Security Council's 15), provided every required "
    "actor consents too; other voters cannot block it alone.",
    "votes": "Under a qualified majority, each voter's weight in the count (one vote each in the "
    "Security Council); a party at the table need not have a vote.",
    "coalition": "The actors who accept a proposal; under a qualified majority it carries an issue "
    "once it holds enough votes and includes every required actor.",
    "required actor": "Under a qualified majority, an actor whose consent an issue needs whatever "
    "the vote (the Security Council's permanent members, a parliament under co-decision): the "
    "issue's veto players.",
    "agenda setter": "The actor who makes the first proposal (the Security Council's penholder, "
    "the European Commission); after it, proposers follow the recognition rule.",
    "deadline": "The number of rounds before open issues revert.",
    "recognition": "Who proposes each round: a fixed rotation, or at random with probability "
    "proportional to capability (Baron–Ferejohn).",
    "capability": "An actor's relative power: with recognition by capability, how often it "
    "proposes.",
    "partial agreement": "With partial agreements on, an issue closes as soon as its veto players "
    "accept it; off, nothing closes until everyone with a veto accepts the whole package.",
    "δ": "Patience δ, the per-round discount factor: a deal one round later is worth δ times as "
    "much. Closer to 1 is more patient.",
    "ρ": "Risk attitude ρ in the utility 1 − |x − ideal|^ρ: 1 is linear; 2 means small departures "
    "cost little and large ones a lot.",
    "λ": "Rationality λ of noisy answers: an actor accepts with probability σ(λ·(utility − "
    "threshold)), so close calls can go either way; λ = ∞ answers exactly.",
    "perception noise": "How wrongly an actor sees the others' ideal points and saliences (the "
    "standard deviation of its error), drawn once per run.",
    "strategy": "How an actor lowers its demands: concession over time (Faratin et al. 1998: "
    "exponent e below 1 is Boulware, holding out; above 1 a conceder), reciprocal (returns a "
    "share β of the others' concessions), or equilibrium (subgame-perfect play, two actors and "
    "one issue only).",
    "Boulware": "A strategy that concedes little until near the deadline (concession exponent "
    "e below 1).",
    "event": "An outside shock that changes actors' parameters or closes issues, at a fixed round "
    "or with a chance each round (its hazard).",
    "seed": "The number that fixes every random draw of a run: the same seed and levers give the "
    "same negotiation.",
    "Pareto frontier": "Packages no other package improves for one actor without hurting another "
    "(drawn here for the chosen pair).",
    "Nash": "The Nash bargaining solution: the package that maximises the product of every "
    "actor's gain over its disagreement payoff.",
    "KS": "The Kalai–Smorodinsky point: the package that gives every actor the same share of the "
    "most it could hope to gain.",
    "probability of agreement": "The share of runs in which an issue is agreed rather than "
    "reverted, with a 95% Wilson interval.",
    "95% interval": "The range that covers the true value in 95% of repeated experiments: Wilson "
    "for probabilities, bootstrap for means, Newcombe for differences of probabilities.",
}


def info_sections(spec: Scenario) -> list[tuple[str, str]]:
    """(title, text) of every info field the scenario fills, in Info-tab order."""
    return [(title, getattr(spec.info, key)) for key, title in SECTIONS if getattr(spec.info, key)]


def blocks(text: str) -> list[tuple[str, list[str]]]:
    """Split info text into ("p", [paragraph]) and ("ul", [items]) blocks: paragraphs are separated
    by blank lines, list items start with "- ", and wrapped lines join the line before them."""
    out: list[tuple[str, list[str]]] = []
    for chunk in text.strip().split("\n\n"):
        lines = [line.strip() for line in chunk.splitlines() if line.strip()]
        if lines and lines[0].startswith("- "):
            items: list[str] = []
            for line in lines:
                if line.startswith("- "):
                    items.append(line[2:])
                elif items:
                    items[-1] += " " + line
            out.append(("ul", items))
        elif lines:
            out.append(("p", [" ".join(lines)]))
    return out
