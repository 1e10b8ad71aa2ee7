"""The app's step-by-step negotiation: the same run as `negsim run`, replayed to any round, and
what it shows of each round (answers, event effects, where issues stand, the offer trace)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.app.live import LiveRun, answer_of, event_changes, headline, issue_status, round_views
from sim.app.space import offer_trace
from sim.app.story import round_lines
from sim.runner import run_once
from sim.scenario import load_scenario


@pytest.fixture(scope="module")
def baseline():
    return load_scenario("scenarios/baseline.yaml")


def test_stepping_to_the_end_is_the_run_negsim_run_makes(baseline):
    live = LiveRun(baseline, seed=3)
    while live.running:
        live.step()
    assert live.record().to_dict() == run_once(baseline, 3, trajectory=True).to_dict()


def test_replaying_to_a_round_gives_the_same_first_rounds(baseline):
    full = run_once(baseline, 5, trajectory=True)
    live = LiveRun(baseline, seed=5, upto=4)
    assert live.round == 4
    assert [o.package for o in live.trajectory] == [o.package for o in full.trajectory[:4]]


def test_a_retired_negotiation_stops(baseline):
    live = LiveRun(baseline, upto=2)
    live.retire()
    live.step()
    assert live.round == 2 and not live.running


def test_answers_in_words():
    yes = answer_of("Russia", {"accept": True, "utility": 0.8, "threshold": 0.7, "walkout": False})
    assert (yes.verdict, yes.reason) == ("accepts", "utility 0.800 ≥ threshold 0.700")
    noisy = answer_of("Russia", {"accept": False, "utility": 0.8, "threshold": 0.7,
                                 "walkout": False})  # fmt: skip
    assert noisy.verdict == "rejects" and "noisy" in noisy.reason
    out = answer_of("Russia", {"accept": False, "utility": 0.4, "threshold": 0.9, "walkout": True})
    assert out.verdict == "walks out"


def test_event_effects_are_spelled_out_from_the_files_values():
    spec = load_scenario("scenarios/us_drawdown.yaml")
    fired = [{"round": 3, "name": "US announces full withdrawal"},
             {"round": 5, "name": "Russian assets relocated to Africa"}]  # fmt: skip
    changes = event_changes(spec, fired)
    # us_drawdown.yaml: the US ideal on its presence is 0.20 and the event sets 0.0; Turkey's
    # salience 0.25 is halved; Russia's outside option 0.50 gains 0.15; basing salience 0.45 x 0.7.
    assert changes[0] == [
        "United States: ideal on US presence in north-east Syria 0.20 → 0.00",
        "Turkey: salience on US presence in north-east Syria 0.25 → 0.12",
    ]
    assert changes[1] == [
        "Russia: outside option 0.50 → 0.65",
        "Russia: salience on Russian basing (Tartus, Hmeimim) 0.45 → 0.32",
    ]


def test_rounds_and_issue_states_follow_the_record(baseline):
    live = LiveRun(baseline, seed=2)
    while live.running:
        live.step()
    record = live.record()
    views = round_views(baseline, live)
    assert [v.number for v in views] == list(range(1, len(record.trajectory) + 1))
    for view, offer in zip(views, record.trajectory, strict=True):
        assert len(view.answers) == len(offer.answers)
    states = {s.label: s for s in issue_status(baseline, live)}
    for key, out in record.issues.items():
        state = states[baseline.issues[key].label]
        assert state.state == ("agreed" if out.agreed else "reverted")
        assert state.value == out.value
    assert headline(baseline, live).startswith(("Full agreement", "Over after round"))


def test_the_offer_trace_is_each_responders_own_utility():
    # Without events or perception noise, a responder's utility of an offer (computed by the
    # model) is its utility at the start of the run, which the trace computes from the file.
    spec = load_scenario(
        "scenarios/baseline.yaml",
        [
            "events=[]",
            *[f"actors.{a}.perception_noise=0" for a in ("syria", "russia", "turkey", "us")],
        ],
    )
    live = LiveRun(spec, upto=6)
    trace = offer_trace(spec, live.record(), ("syria", "russia"), live.trajectory)
    for offer, point in zip(live.trajectory, trace, strict=True):
        for j, actor in enumerate(("syria", "russia")):
            if actor in offer.answers:
                assert point[j] == pytest.approx(offer.answers[actor]["utility"], abs=1e-12)
    assert trace.shape == (6, 2) and np.isfinite(trace).all()


def test_the_story_counts_rounds_from_one(baseline):
    live = LiveRun(baseline, upto=2)
    lines = round_lines(baseline, live.record(), live.trajectory[1])
    assert lines[0] == "Round 2:"
    assert any("proposes" in line for line in lines)


def test_the_linkage_note_names_the_actor_as_the_narration_does(baseline):
    """Syria's threshold is above 1 in round 1 (its linkage bonus): the note uses the short name's
    possessive, never the full name's ("Syria (transitional government)'s")."""
    first = round_views(baseline, LiveRun(baseline, upto=1))[0]
    (syria,) = [a for a in first.answers if a.actor == baseline.actors["syria"].name]
    assert syria.threshold > 1
    assert "because of Syria's linkage bonus" in syria.reason
    assert ")'s" not in syria.reason
