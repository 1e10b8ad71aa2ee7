"""Every term negsim shows a class or a reader, defined once: the app's glossary and the report's
list the same entries, so the two can never define a word differently."""

from __future__ import annotations

TERMS: dict[str, str] = {
    "negotiation (run)": "One simulated negotiation from the first offer to agreement or the "
    "deadline. Runs differ by their random seed: who is recognised to propose, noisy answers, "
    "misperceptions and whether a hazard event fires.",
    "issue": "One thing being negotiated, scored from 0 to 1 between labelled anchors (for "
    "Russian basing, 0 is full withdrawal and 1 the current long lease), or a choice among named "
    "options.",
    "anchor": "A labelled point of an issue's 0–1 scale; a value between two anchors lies "
    "between their meanings.",
    "package": "A value for every open issue, proposed together.",
    "utility": "How good an outcome is for a party: 1 when every issue is at its ideal point, "
    "less the further away they are, weighted by its salience. Linkage can lift it above 1.",
    "ideal point": "The value of an issue a party wants most.",
    "salience (weight)": "How much a party cares about an issue, relative to its other issues "
    "(normalised to add up to 1 for each party).",
    "linkage (γ)": "A term that makes two issues worth more (γ > 0) or less (γ < 0) to a party "
    "when both are high; the only reason a utility can exceed 1.",
    "veto player": "A party whose consent an issue needs; the issue closes only when every veto "
    "player accepts.",
    "reversion (no-deal value)": "The value an issue takes if it is not agreed by the deadline "
    "(or when a veto player walks out): the status quo.",
    "outside option": "What a party can get away from the table, its BATNA (Russia's African "
    "alternative). A party whose outside option beats anything still on offer walks out.",
    "fallback (disagreement payoff)": "What a party gets with no deal: the better of its outside "
    "option and the utility of every issue at its reversion. The disagreement point is every "
    "party's fallback together.",
    "threshold": "The least utility a party accepts in a round: the best of its outside option, "
    "the no-deal outcome at the deadline (discounted) and what it expects from holding out. "
    "When only part of a proposal would settle, that part must also leave it sure of at least "
    "its floor: its fallback, with the issues it cannot block still open counted at their worst.",
    "full agreement": "Every issue agreed, none reverted.",
    "partial agreements": "When on, each issue closes as soon as its own veto players accept; "
    "when off, nothing closes until every veto player accepts the whole package.",
    "patience (δ)": "How much a result one round later is worth to a party, as a share of its "
    "value now (0.95: 5% less each round). Closer to 1 is more patient; impatient parties "
    "concede sooner.",
    "risk attitude (ρ)": "The curvature of a party's utility on each issue, 1 − |x − ideal|^ρ: "
    "1 linear, 2 quadratic (small departures from the ideal cost little, large ones a lot).",
    "rationality (λ)": "How consistently a party answers: with finite λ it accepts with "
    "probability σ(λ·(utility − threshold)), so close calls can go either way; λ = ∞ answers "
    "exactly.",
    "perception noise": "How wrongly a party sees the others' ideal points and saliences (the "
    "standard deviation of its error), drawn once per run.",
    "concession strategy (Boulware, linear, conceder)": "How fast a party lowers its demands as "
    "the deadline nears (Faratin et al. 1998): Boulware (exponent e < 1) holds out then concedes "
    "late; linear (e = 1) steadily; conceder (e > 1) early.",
    "reciprocal strategy": "A party that concedes a share β of what the others concede.",
    "equilibrium strategy": "Subgame-perfect play by backward induction (two parties, one "
    "issue), which tends to Rubinstein's split as the deadline grows.",
    "capability": "A party's power; with recognition by capability, stronger parties propose "
    "more often.",
    "recognition": "Who proposes each round: in turn (rotation), or at random in proportion to "
    "capability (Baron–Ferejohn).",
    "agenda setter": "The party that makes the first proposal (the Security Council's penholder, "
    "the European Commission); after it, proposers follow the recognition rule.",
    "deadline": "The number of rounds after which open issues revert.",
    "qualified majority": "A rule by which an issue is carried by a coalition holding at least a "
    "set share of the voters' votes (9 of the Security Council's 15), provided every required "
    "actor consents too; other voters cannot block it alone.",
    "votes": "Under a qualified majority, each voter's weight in the count (one vote each in the "
    "Security Council); a party at the table need not have a vote.",
    "coalition": "The parties who accept a proposal; under a qualified majority it carries an "
    "issue once it holds enough votes and includes every required actor.",
    "required actor": "Under a qualified majority, a party whose consent an issue needs whatever "
    "the vote (the Security Council's permanent members, a parliament under co-decision): the "
    "issue's veto players.",
    "event": "A shock during the talks, at a fixed round or with a chance each round (hazard), "
    "that changes a party's parameters or imposes a value on an issue.",
    "seed": "The number that fixes every random draw: the same seed and settings give the same "
    "negotiation on any machine and with any number of workers.",
    "sweep, design point, replication": "A sweep runs the scenario at several values of one or "
    "more parameters (design points), many times each (replications).",
    "probability of agreement": "The share of runs in which an issue is agreed rather than "
    "reverted, with its 95% interval.",
    "95% interval (95% CI)": "A range that would contain the true value in 95% of repeated "
    "studies: for shares the Wilson score interval, for means a percentile bootstrap, for "
    "differences of shares Newcombe's interval. A difference is clear when its interval "
    "excludes zero.",
    "Pareto frontier": "The outcomes no party can improve on without making another worse off.",
    "Nash bargaining solution": "The outcome that maximises the product of every party's gain "
    "over its fallback.",
    "Kalai–Smorodinsky (KS) point": "The outcome that gives every party the same share of the "
    "most it could hope to gain.",
    "expected-utility model": "Bueno de Mesquita's forecasting model, as read by Scholz et al. "
    "(2011): each issue's forecast is the weighted median after rounds of challenges; it has no "
    "vetoes and no deadline.",
}
