"""The app's texts and tables: info text split as written, HTML escaped, and differences marked
exactly when their interval excludes zero."""

from __future__ import annotations

import pandas as pd

from sim.app.about import blocks, info_sections
from sim.app.tables import differences_html, text_html
from sim.glossary import TERMS
from sim.scenario import load_scenario


def test_info_text_keeps_its_paragraphs_and_lists():
    text = "First paragraph\nwrapped here.\n\n- one item\n  continued\n- two <b>"
    assert blocks(text) == [
        ("p", ["First paragraph wrapped here."]),
        ("ul", ["one item continued", "two <b>"]),
    ]
    assert "<li>two &lt;b&gt;</li>" in text_html(text)


def test_every_shipped_scenario_fills_every_info_section():
    for name in ("baseline", "africa_option", "syria_hardline", "turkish_reduction",
                 "us_drawdown", "rubinstein_two_party"):  # fmt: skip
        titles = [t for t, _ in info_sections(load_scenario(f"scenarios/{name}.yaml"))]
        assert titles == ["What is it?", "How it works", "How to use it", "Things to notice",
                          "Things to try"], name  # fmt: skip


def entry(term: str) -> str:
    """The one glossary entry whose name contains `term` ("δ" is "patience (δ)")."""
    (found,) = [meaning for name, meaning in TERMS.items() if term in name]
    return found


def test_the_glossary_defines_the_terms_the_issue_names():
    for term in ("δ", "ρ", "λ", "outside option", "reversion", "veto", "Nash", "KS",
                 "Pareto frontier"):  # fmt: skip
        assert entry(term)


def test_the_glossary_defines_what_the_security_council_scenario_shows():
    """Every phrase of the voting vocabulary the app's story shows for unsc_resolution.yaml (each
    checked to be on screen) has its glossary entry."""
    from sim.app import story
    from sim.app.live import LiveRun

    spec = load_scenario("scenarios/unsc_resolution.yaml")
    run = LiveRun(spec, upto=spec.protocol.deadline)
    record = run.record()
    lines = story.cast(spec, record) + story.recap(spec, record)
    for offer in run.trajectory:
        lines += story.round_lines(spec, record, offer)
    shown = "\n".join(lines)
    on_screen = {"a qualified majority of": "qualified majority", "whatever the vote":
                 "required actor", "sets the agenda": "agenda setter", " votes": "votes",
                 "carried by": "coalition", "fallback": "fallback", "weight": "weight"}  # fmt: skip
    for phrase, term in on_screen.items():
        assert phrase in shown, phrase
        assert entry(term), term


def test_differences_are_marked_when_the_interval_excludes_zero():
    table = pd.DataFrame(
        {
            "description": ["clear", "straddles", "negative"],
            "a": [0.6, 0.5, 0.2],
            "b": [0.5, 0.5, 0.3],
            "difference": [0.1, 0.0, -0.1],
            "lo": [0.002, -0.01, -0.15],
            "hi": [0.2, 0.01, -0.05],
        }
    )
    html = differences_html(table)
    rows = html.split("<tr")[2:]  # after the header row
    assert ['class="negsim-clear"' in r for r in rows] == [True, False, True]
    assert "+0.100 [+0.002, +0.200]" in html and "-0.000" not in html
