"""The classroom narration: the cast before round 1, rounds numbered from 1, event effects spelt
out, noisy answers flagged only when they could have gone either way, thresholds above 1
explained, and a recap of who settled what and who gained against no deal."""

from __future__ import annotations

import math

import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.narration import cast, fallbacks, narrate, recap, round_lines, words
from sim.record import Offer
from sim.runner import run_once
from sim.scenario import Scenario, load_scenario
from tests.conftest import ROOT, SCENARIOS, tiny_scenario

runner = CliRunner()
BASELINE = ROOT / "scenarios" / "baseline.yaml"


@pytest.fixture(scope="module")
def baseline() -> Scenario:
    return load_scenario(BASELINE)


def answer(utility: float, threshold: float, p: float, accept: bool) -> dict:
    return {"accept": accept, "utility": utility, "threshold": threshold, "walkout": False, "p": p}


def test_the_expected_utility_cast_speaks_of_no_consent_offers_or_fallbacks(baseline) -> None:
    """That model has no vetoes, no deadline and no offers to accept (it says so itself): its
    cast must not first tell the class who must consent and when a party accepts."""
    eu = baseline.model_copy(
        update={"protocol": baseline.protocol.model_copy(update={"type": "expected_utility"})}
    )
    text = "\n".join(cast(eu))
    assert 'Russia wants 1.00 "current long lease" (weight 45%)' in text
    for bargaining in ("needs Syria", "to agree", "accepts an offer", "with no deal", "Fallback"):
        assert bargaining not in text


def test_cast_names_wants_in_anchor_words_vetoes_and_fallbacks(baseline) -> None:
    text = "\n".join(cast(baseline))
    assert text.index("THE CAST") < text.index("Russian basing (Tartus")
    assert 'Russia wants 1.00 "current long lease" (weight 45%)' in text
    assert 'United States wants 0.00 "full withdrawal" (weight 35%)' in text
    # 0.40 is 0.1 from the 0.5 anchor: "near" it
    assert 'Syria wants 0.40 near "reduced presence, renegotiated lease" (weight 20%)' in text
    assert "needs Syria and Turkey to agree" in text  # Turkish posture's veto players
    assert 'with no deal it stays at 1.00 "current posture"' in text
    # Syria's fallback by hand: reversion (0.25, 0, 0, 1, 1) against ideals (0.4, 1, 1, 0.4,
    # 0.5), ρ = 2, saliences (.2, .2, .25, .15, .2): .2·(1 − .15²) + .15·(1 − .6²) + .2·(1 − .5²)
    # = 0.4415; the linkage term 0.25·0.25·0 adds nothing, and Syria has no outside option.
    syria = 0.2 * (1 - 0.15**2) + 0.15 * (1 - 0.6**2) + 0.2 * (1 - 0.5**2)
    assert f"Fallback {syria:.2f}: the no-deal outcome." in text
    # Russia (ρ = 1): .45·.25 + .2·1 + .2·1 + .05·.5 + .1·0 = 0.5375, above its outside option.
    assert "Fallback 0.54: the no-deal outcome; its outside option is 0.50." in text
    assert "adds up to 0.25 to its utility" in text  # Syria's linkage γ = 0.25
    for actor in baseline.actors.values():
        assert actor.name in text


def test_words_use_the_anchor_labels() -> None:
    issue = load_scenario(BASELINE).issues["russian_basing"]
    assert words(issue, 1.0) == '"current long lease"'
    assert words(issue, 0.45) == 'near "reduced presence, renegotiated lease"'
    assert words(issue, 0.75).startswith('between "reduced presence')


def test_rounds_are_numbered_from_one_and_the_record_keeps_zero(baseline) -> None:
    record = run_once(baseline, 1, trajectory=True)
    lines = narrate(baseline, record)
    heads = [line for line in lines if line.startswith("Round ")]
    assert heads == [f"Round {o.round + 1}:" for o in record.trajectory]
    assert record.trajectory[0].round == 0 and heads[0] == "Round 1:"
    assert lines.index("THE CAST") < lines.index("Round 1:") < lines.index("RECAP")


def test_event_effects_are_recorded_and_spelt_out(baseline) -> None:
    spec = load_scenario(BASELINE, ["events.0.hazard=1.0"])
    record = run_once(spec, 1, trajectory=True)
    (event,) = record.events
    # The baseline event adds 0.15 to Russia's 0.50 outside option and scales its basing
    # salience 0.45 by 0.7.
    assert event["changes"][0] == {
        "actor": "russia", "parameter": "outside_option", "issue": None,
        "before": 0.5, "after": pytest.approx(0.65),
    }  # fmt: skip
    assert event["changes"][1]["before"] == 0.45
    assert event["changes"][1]["after"] == pytest.approx(0.45 * 0.7)
    text = "\n".join(round_lines(spec, record.trajectory[0]))
    assert "NEWS: Russian assets relocated to Africa." in text
    assert "Russia's outside option 0.50 → 0.65" in text
    assert f"Russian basing (Tartus, Hmeimim): salience 0.45 → {0.45 * 0.7:.2f}" in text
    # The recap judges Russia against its fallback after the event: the new outside option.
    assert fallbacks(spec, record.events)["russia"].value == pytest.approx(0.65)
    assert fallbacks(spec)["russia"].value == pytest.approx(0.5375)


def test_noisy_answers_are_flagged_only_when_they_could_go_either_way(baseline) -> None:
    package = {"russian_basing": 0.5}
    cases = {
        "syria": answer(0.671, 0.669, 0.52, False),  # a coin flip
        "russia": answer(0.90, 0.82, 0.88, True),  # likely and it happened: nothing to say
        "turkey": answer(0.90, 0.82, 0.88, False),  # likely, but it did not happen
        "us": answer(0.50, 0.60, 0.08, False),  # unlikely acceptance, rejected: nothing to say
    }
    offer = Offer(round=3, proposer="syria", package=package, answers=cases, closed=[])
    lines = {line.split()[0]: line for line in round_lines(baseline, offer)[3:]}
    assert "a close call: it accepts such an offer with probability 0.52" in lines["Syria"]
    assert "0.671 ≥ threshold 0.669" in lines["Syria"]  # 3 decimals where 2 would look equal
    assert "close call" not in lines["Russia"] and "odds" not in lines["Russia"]
    assert "against the odds: it rejects such an offer with probability 0.12" in lines["Turkey"]
    assert "close call" not in lines["United"] and "odds" not in lines["United"]


def test_real_answers_carry_their_acceptance_probability(baseline) -> None:
    # p is σ(λ·m), m the closer of the two margins an answer weighs: the offer over the
    # threshold, and what would settle over the floor (docs/model.md, Acceptance).
    record = run_once(baseline, 1, trajectory=True)
    lam = baseline.actors["syria"].rationality
    for offer in record.trajectory:
        for who, a in offer.answers.items():
            margin = min(a["utility"] - a["threshold"], a["sure"] - a["floor"])
            expected = 1 / (1 + math.exp(-lam * margin))
            assert a["p"] == pytest.approx(expected), who


def test_a_threshold_above_one_is_explained_as_linkage(baseline) -> None:
    offer = Offer(round=0, proposer="russia", package={"russian_basing": 1.0},
                  answers={"syria": answer(0.48, 1.03, 0.0, False)}, closed=[])  # fmt: skip
    (line,) = [x for x in round_lines(baseline, offer) if x.startswith("  Syria")]
    assert "threshold 1.03" in line and "linkage" in line


def test_recap_says_what_was_settled_when_by_whom_and_who_gained(baseline) -> None:
    record = run_once(baseline, 1, trajectory=True)
    text = "\n".join(recap(baseline, record))
    for key, out in record.issues.items():
        assert out.agreed  # seed 1 settles everything
        (closing,) = [o for o in record.trajectory if key in o.closed]
        head = f"Settled in round {closing.round + 1} on "
        assert head in text
        block = text[text.index(head) :]
        assert baseline.issues[key].label in block
    # Syria's fallback is 0.4415 (derived in the cast test); its utility is in the record.
    gain = record.utilities["syria"] - 0.4415
    verdict = "gained" if gain > 0 else "lost"
    assert f"Syria {verdict}: {record.utilities['syria']:.2f} against 0.44" in text


def test_recap_of_the_textbook_case_quotes_rubinstein() -> None:
    spec = load_scenario(ROOT / "scenarios" / "rubinstein_two_party.yaml")
    text = "\n".join(recap(spec, run_once(spec, 1, trajectory=True)))
    share = (1 - 0.90) / (1 - 0.95 * 0.90)  # Russia proposes first, δ = 0.95; Syria δ = 0.90
    assert f"= {share:.3f}" in text and "Rubinstein" in text
    # Syria accepts less than the reversion (0.5) because no deal comes only at round 50.
    assert "Syria lost: 0.31 against 0.50" in text and "deadline" in text


def test_walkout_is_told_and_recapped() -> None:
    data = tiny_scenario()
    data["actors"]["y"]["outside_option"] = 1.5
    spec = Scenario.model_validate(data)
    record = run_once(spec, 1, trajectory=True)
    text = "\n".join(narrate(spec, record))
    assert "Y walks out" in text and "Y walked out" in text
    assert "Reverted" in text


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_brief_prints_only_the_cast_and_the_recap(path) -> None:
    out = runner.invoke(app, ["run", str(path), "--seed", "2", "--brief"])
    assert out.exit_code == 0, out.output
    assert "THE CAST" in out.stdout and "RECAP" in out.stdout
    assert "Round 1:" not in out.stdout and "Outcome" not in out.stdout
    full = runner.invoke(app, ["run", str(path), "--seed", "2"])
    assert len(out.stdout.splitlines()) < len(full.stdout.splitlines())
