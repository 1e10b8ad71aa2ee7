"""Decision rules: which sets of acceptors carry an issue, as pure functions on actor indices.

An issue closes by unanimity of its veto actors (the default) or by a weighted qualified majority
of voters plus the consent of its veto actors whatever the vote (`sim.scenario.models`). Compiled
per issue into arrays over the scenario's actors, a rule answers four questions: does this set of
acceptors carry the issue (`carries`); who is asked (`asked`); whose consent does every carrying
coalition need, so that its refusal alone holds the issue at its reversion (`blockers`); and, for
a proposer, how far the coalition it needs is from accepting each candidate package
(`coalition_margin`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from sim.scenario.models import RULE_TOLERANCE, Scenario


@dataclass(frozen=True)
class IssueRule:
    """One issue's rule over the actors (index order of the scenario's actors). `weight` is the
    weight of each actor's yes: its vote where it is a voter with a preference on the issue, 0
    otherwise (voters without a preference count against, as an abstention does under QMV)."""

    majority: bool
    required: np.ndarray  # (A,) bool: must consent whatever the vote
    weight: np.ndarray  # (A,) weight of each yes
    needed: float  # weight a coalition needs: threshold × the voters' total weight
    count: np.ndarray  # (A,) bool: voters with a preference (they count towards `members`)
    members: float  # voters (by count) a coalition needs: members share × number of voters

    @cached_property
    def veto_players(self) -> tuple[int, ...]:
        """The required actors' indices."""
        return tuple(np.flatnonzero(self.required).tolist())


def compile_rules(spec: Scenario) -> list[IssueRule]:
    """Every issue's rule, in the scenario's issue order."""
    actors = list(spec.actors)
    rules = []
    for key, issue in spec.issues.items():
        rule = spec.rule_of(key)
        required = np.array([a in issue.veto for a in actors])
        if rule.type == "unanimity":
            none = np.zeros(len(actors))
            rules.append(IssueRule(False, required, none, 0.0, none > 0, 0.0))
            continue
        able = [a in rule.voters and key in spec.actors[a].preferences for a in actors]
        weight = np.array(
            [rule.voters[a] if ok else 0.0 for a, ok in zip(actors, able, strict=True)]
        )
        rules.append(
            IssueRule(
                True,
                required,
                weight,
                rule.threshold * sum(rule.voters.values()),
                np.array(able),
                rule.members * len(rule.voters),
            )
        )
    return rules


def carries(rule: IssueRule, accept: np.ndarray | list[bool]) -> bool:
    """Whether the acceptors (`accept`, (A,) bool) carry the issue: every required actor among
    them and, under a qualified majority, enough weight and enough voters."""
    if not rule.majority:  # asked for every issue after every answer: a plain loop, 3x all(...)
        for j in rule.veto_players:  # noqa: SIM110
            if not accept[j]:
                return False
        return True
    accept = np.asarray(accept, dtype=bool)
    if not accept[rule.required].all():
        return False
    weight = float(rule.weight[accept].sum())
    voters = int((rule.count & accept).sum())
    return weight >= rule.needed - RULE_TOLERANCE and voters >= rule.members - RULE_TOLERANCE


def asked(rule: IssueRule) -> np.ndarray:
    """(A,) bool: whose answer counts on the issue (required actors and voters who can vote)."""
    return rule.required | rule.count


def blockers(rule: IssueRule) -> np.ndarray:
    """(A,) bool: actors whose consent every carrying coalition needs (required actors, and
    voters without whom the others fall short): each can hold the issue at its reversion."""
    if not rule.majority:
        return rule.required.copy()
    others_weight = rule.weight.sum() - rule.weight
    others_count = rule.count.sum() - rule.count
    short = (others_weight < rule.needed - RULE_TOLERANCE) | (
        others_count < rule.members - RULE_TOLERANCE
    )
    return rule.required | (rule.count & short)


def consent(rule: IssueRule) -> np.ndarray:
    """(A,) bool: who bargains over the issue in the veto-respecting references: its blockers,
    or, when nobody can block it alone, every voter (as if the vote had to be unanimous)."""
    block = blockers(rule)
    return block if block.any() else asked(rule)


def coalition_margin(rule: IssueRule, margins: np.ndarray) -> np.ndarray:
    """(n,) for margins (n, A), each actor's margin over what it needs for each of n packages
    (+inf for the proposer, who accepts its own proposal): the largest m such that the actors
    whose margin is at least m carry the issue; -inf when even all of them would not."""
    n = margins.shape[0]
    need = margins[:, rule.required].min(axis=1) if rule.required.any() else np.full(n, np.inf)
    if not rule.majority:
        return need
    voters = np.flatnonzero(rule.count)
    order = np.argsort(-margins[:, voters], axis=1, kind="stable")
    ranked = np.take_along_axis(margins[:, voters], order, axis=1)
    weight = np.cumsum(rule.weight[voters][order], axis=1)
    count = np.arange(1, len(voters) + 1)[None, :]
    enough = (weight >= rule.needed - RULE_TOLERANCE) & (count >= rule.members - RULE_TOLERANCE)
    first = enough.argmax(axis=1)
    vote = np.where(enough.any(axis=1), ranked[np.arange(n), first], -np.inf)
    return np.minimum(need, vote)
