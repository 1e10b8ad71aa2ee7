"""Decision rules: unanimity of the veto players and weighted qualified majorities with required
actors, from the pure carrying rule through runs, records and narration."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.narration import narrate
from sim.protocols import rules
from sim.runner import run_once
from sim.scenario import load_scenario
from sim.scenario.models import Scenario
from tests.conftest import ROOT
from tests.test_model import _payoff_floor

UNSC = ROOT / "scenarios" / "unsc_resolution.yaml"
P5 = ["us", "russia", "china", "uk", "france"]
# Council votes of the fifteen before 1 May 2004 (Treaty of Amsterdam): 87 in all, 62 carry.
EU15 = {"de": 10, "fr": 10, "it": 10, "uk": 10, "es": 8, "be": 5, "el": 5, "nl": 5, "pt": 5}
EU15 |= {"at": 4, "se": 4, "dk": 3, "ie": 3, "fi": 3, "lu": 2}


def _scenario(voters: dict[str, float], threshold: float, veto=(), members: float = 0.0):
    """A one-issue scenario whose actors are the voters, under a qualified-majority rule."""
    actors = {
        a: {"name": a.upper(), "preferences": {"x": {"ideal": 0.5, "salience": 1.0}}}
        for a in voters
    }
    rule = {"type": "qualified_majority", "voters": voters, "threshold": threshold}
    rule["members"] = members
    issue = {"label": "X", "reversion": 0.0, "veto": list(veto), "rule": rule}
    return Scenario.model_validate({"name": "qmv", "issues": {"x": issue}, "actors": actors})


def _mask(spec: Scenario, names) -> np.ndarray:
    return np.array([a in names for a in spec.actors])


def test_security_council_nine_votes_with_every_permanent_member() -> None:
    spec = load_scenario(UNSC)
    rule = rules.compile_rules(spec)[0]
    elected = [a for a in spec.protocol.rule.voters if a not in P5]
    assert rules.carries(rule, _mask(spec, P5 + elected[:4]))  # 9 votes
    assert not rules.carries(rule, _mask(spec, P5 + elected[:3]))  # 8 votes
    assert not rules.carries(rule, _mask(spec, P5[1:] + elected))  # 14 votes, the US against
    assert not rules.carries(rule, _mask(spec, [*P5, *elected[:4], "syria"][1:]))  # Syria: no vote
    blockers = rules.blockers(rule)
    assert sorted(np.array(list(spec.actors))[blockers]) == sorted(P5)
    assert not rules.asked(rule)[list(spec.actors).index("syria")]


def test_eu15_qualified_majority_is_62_of_87_votes_and_nobody_blocks_alone() -> None:
    spec = _scenario(EU15, 62 / 87)
    rule = rules.compile_rules(spec)[0]
    exactly = ["de", "fr", "it", "uk", "es", "be", "el", "at"]  # 40 + 8 + 5 + 5 + 4 = 62 votes
    assert rules.carries(rule, _mask(spec, exactly))
    assert not rules.carries(rule, _mask(spec, [*exactly[:-1], "dk"]))  # 61 votes
    # Three large states hold 30 votes, more than the 26 that block (87 − 62 + 1).
    assert not rules.carries(rule, _mask(spec, [a for a in EU15 if a not in ("de", "fr", "it")]))
    assert rules.carries(rule, _mask(spec, [a for a in EU15 if a not in ("de", "fr", "at")]))
    assert not rules.blockers(rule).any()
    assert rules.consent(rule).all()  # nobody blocks alone: the references ask every voter
    # The share of members counts too: 9 of 15 states are needed with members 0.6.
    counted = rules.compile_rules(_scenario(EU15, 0.5, members=0.6))[0]
    assert not rules.carries(counted, _mask(spec, ["de", "fr", "it", "uk", "es"]))  # 48 votes, 5
    assert rules.carries(
        counted, _mask(spec, ["de", "fr", "it", "uk", "lu", "dk", "ie", "fi", "at"])
    )


@settings(max_examples=200, deadline=None)
@given(
    weights=st.lists(st.integers(1, 5), min_size=2, max_size=6),
    threshold=st.floats(0.05, 1.0),
    members=st.sampled_from([0.0, 0.5]),
    data=st.data(),
)
def test_coalition_margin_is_the_best_carrying_cut(weights, threshold, members, data) -> None:
    """Brute force over every subset of the voters: the margin a proposer reads for a package is
    the largest m such that those with margin at least m carry the issue."""
    voters = {f"v{i}": float(w) for i, w in enumerate(weights)}
    veto = data.draw(st.lists(st.sampled_from(list(voters)), unique=True, max_size=2))
    spec = _scenario(voters, threshold, veto, members)
    rule = rules.compile_rules(spec)[0]
    margins = np.array(data.draw(st.lists(st.floats(-1, 1), min_size=len(voters))))[
        None, : len(voters)
    ]
    best = -np.inf
    for size in range(len(voters) + 1):
        for group in itertools.combinations(range(len(voters)), size):
            accept = np.zeros(len(voters), dtype=bool)
            accept[list(group)] = True
            if rules.carries(rule, accept):
                best = max(best, margins[0, list(group)].min() if group else np.inf)
    assert rules.coalition_margin(rule, margins)[0] == best


def _random_scenario(data, n_actors: int, n_issues: int, majority: bool, partial: bool):
    unit = st.floats(0, 1)
    actors = [f"a{i}" for i in range(n_actors)]
    issues = {}
    for k in range(n_issues):
        veto = data.draw(st.lists(st.sampled_from(actors), min_size=1, unique=True))
        issues[f"i{k}"] = {"label": f"I{k}", "reversion": data.draw(unit), "veto": veto}
        if majority:
            voters = data.draw(st.lists(st.sampled_from(actors), min_size=1, unique=True))
            weights = {a: data.draw(st.sampled_from([1.0, 2.0, 3.0])) for a in voters}
            threshold = data.draw(st.sampled_from([0.34, 0.5, 0.67, 1.0]))
            rule = {"type": "qualified_majority", "voters": weights, "threshold": threshold}
            issues[f"i{k}"]["rule"] = rule
            issues[f"i{k}"]["veto"] = data.draw(st.lists(st.sampled_from(actors), unique=True))
    spec_actors = {
        a: {
            "name": a.upper(),
            "patience": data.draw(st.floats(0.5, 1.0)),
            "outside_option": data.draw(st.one_of(st.none(), st.floats(0, 1))),
            "rho": data.draw(st.sampled_from([0.5, 1.0, 2.0])),
            "perception_noise": data.draw(st.sampled_from([0.0, 0.2])),
            "strategy": data.draw(
                st.sampled_from([{"type": "concession", "e": e} for e in (0.3, 1.0, 3.0)])
            ),
            "preferences": {
                k: {"ideal": data.draw(unit), "salience": data.draw(st.floats(0.1, 1))}
                for k in issues
            },
        }
        for a in actors
    }
    protocol = {"deadline": 6, "grid": 3, "partial": partial, "recognition": "capability"}
    return {"name": "random", "issues": issues, "actors": spec_actors, "protocol": protocol}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n_actors=st.integers(2, 4),
    n_issues=st.integers(1, 2),
    data=st.data(),
    partial=st.booleans(),
    seed=st.integers(0, 2**32),
)
def test_unanimity_as_a_qualified_majority_runs_identically(
    n_actors, n_issues, data, partial, seed
):
    """A qualified majority of all the veto players with threshold 1 and no required actors is
    unanimity by another name: every run (record and trajectory) is the same."""
    doc = _random_scenario(data, n_actors, n_issues, False, partial)
    spec = Scenario.model_validate(doc)
    for issue in doc["issues"].values():
        voters = {a: data.draw(st.sampled_from([1.0, 2.0])) for a in issue.pop("veto")}
        issue["rule"] = {"type": "qualified_majority", "voters": voters, "threshold": 1.0}
    same = Scenario.model_validate(doc)
    for s in (seed, seed + 1):
        assert (
            run_once(spec, s, trajectory=True).to_dict()
            == run_once(same, s, trajectory=True).to_dict()
        )


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n_actors=st.integers(2, 4),
    n_issues=st.integers(1, 2),
    data=st.data(),
    partial=st.booleans(),
    seed=st.integers(0, 2**32),
)
def test_a_majority_issue_closes_only_with_a_qualifying_coalition(
    n_actors, n_issues, data, partial, seed
):
    """Every agreed issue under a qualified majority was accepted, in its round, by its required
    actors and by voters holding the threshold's weight (counted here from the answers, not from
    the model's rule); and every actor that accepted a settlement of an issue it could block ends
    with at least its disagreement payoff of that round (the settlement's floor)."""
    spec = Scenario.model_validate(_random_scenario(data, n_actors, n_issues, True, partial))
    record = run_once(spec, seed, trajectory=True)
    for offer in record.trajectory:
        said_yes = {a for a, ans in offer.answers.items() if ans["accept"]}
        if offer.proposer_answer is None:
            said_yes.add(offer.proposer)
        for k in offer.closed:
            if not record.issues[k].agreed:
                continue
            rule, issue = spec.rule_of(k), spec.issues[k]
            assert set(issue.veto) <= said_yes, (k, offer.round)
            held = sum(w for a, w in rule.voters.items() if a in said_yes)
            assert held >= rule.threshold * sum(rule.voters.values()) - 1e-9, (k, offer.round)
            assert set(issue.veto) <= set(record.issues[k].coalition or [])
            assert set(record.issues[k].coalition or []) <= said_yes
        blocked = rules.blockers
        compiled = rules.compile_rules(spec)
        keys, names = list(spec.issues), list(spec.actors)
        for a in said_yes:
            settled = [k for k in offer.closed if record.issues[k].agreed]
            if any(blocked(compiled[keys.index(k)])[names.index(a)] for k in settled):
                floor = _payoff_floor(spec, record, offer.round, a)
                assert record.utilities[a] >= floor - 1e-9, (a, offer.round)


def test_the_agenda_setter_proposes_first_then_the_rotation_runs() -> None:
    spec = load_scenario(UNSC, ["protocol.agenda_setter=china"])
    record = run_once(spec, 3, trajectory=True)
    proposers = [o.proposer for o in record.trajectory]
    assert proposers[0] == "china"
    order = spec.protocol.order
    assert proposers[1:] == [order[t % len(order)] for t in range(1, len(proposers))]


def test_security_council_records_and_narrates_the_carrying_coalition() -> None:
    spec = load_scenario(UNSC)
    record = run_once(spec, 1, trajectory=True)
    agreed = [k for k, out in record.issues.items() if out.agreed]
    assert agreed
    for k in agreed:
        coalition = record.issues[k].coalition
        assert set(P5) <= set(coalition) and len(coalition) >= 9 and "syria" not in coalition
        assert record.row()[f"issue.{k}.coalition"] == " ".join(coalition)
    text = "\n".join(narrate(spec, record))
    assert "a qualified majority of 9 of 15 votes" in text
    assert f"carried by {len(record.issues[agreed[0]].coalition)} of 15 votes" in text
    assert "sets the agenda and proposes first" in text


def test_an_issue_nobody_is_left_to_carry_does_not_close() -> None:
    """Every voter walks out (its outside option beats anything on the table) and none can
    block alone: the agenda setter, who has no vote, cannot close the issue by itself."""
    spec = _scenario({"a": 1.0, "b": 1.0, "c": 1.0}, 1 / 3)
    doc = spec.model_dump()
    for a in "abc":
        doc["actors"][a]["outside_option"] = 2.0
    doc["actors"]["d"] = {"name": "D", "preferences": {"x": {"ideal": 1.0, "salience": 1.0}}}
    doc["protocol"]["agenda_setter"] = "d"
    record = run_once(Scenario.model_validate(doc), 1, trajectory=True)
    assert record.trajectory[0].proposer == "d"
    assert all(a["walkout"] for a in record.trajectory[0].answers.values())
    assert not record.issues["x"].agreed and record.issues["x"].coalition == []
