"""The scenario format: pydantic models that are the one source of truth for every YAML field."""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

Unit = Annotated[float, Field(ge=0.0, le=1.0)]
Finite = Annotated[float, Field(allow_inf_nan=False)]  # .inf and .nan are refused
SEED_MAX = 2**63 - 1
RULE_TOLERANCE = 1e-9  # a coalition at a threshold (9 of 15 votes at 0.6) reaches it  # seeds fit a signed 64-bit column and numpy's generators


def _unit_or_name(value: float | str) -> float | str:
    if not isinstance(value, str) and not 0.0 <= value <= 1.0:
        bound = "less than or equal to 1" if value > 1.0 else "greater than or equal to 0"
        raise ValueError(f"Input should be {bound} (a value on [0, 1], or an option's name)")
    return value


UnitOrName = Annotated[float | str, AfterValidator(_unit_or_name)]


def _finite_or_name(value: float | str) -> float | str:
    if not isinstance(value, str) and not math.isfinite(value):
        raise ValueError("Input should be a finite number")
    return value


FiniteOrName = Annotated[float | str, AfterValidator(_finite_or_name)]
Name = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]


class Strict(BaseModel):
    """Base for every scenario model: unknown fields are errors, assignments are re-validated."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)


class Unanimity(Strict):
    """Every veto actor of the issue must consent (the default rule)."""

    type: Literal["unanimity"] = "unanimity"


class QualifiedMajority(Strict):
    """A weighted qualified majority of the voters carries the issue, provided the issue's veto
    actors (required whatever the vote: a parliament under co-decision, the Security Council's
    permanent members) consent too."""

    type: Literal["qualified_majority"] = "qualified_majority"
    voters: dict[Name, Annotated[float, Field(gt=0.0, allow_inf_nan=False)]] = Field(
        min_length=1, description="Each voter's weight (e.g. its Council votes)."
    )
    threshold: float = Field(
        gt=0.0, le=1.0, description="Share of the voters' total weight a coalition needs."
    )
    members: float = Field(
        default=0.0, ge=0.0, le=1.0, description="Share of the voters (by count) it needs too."
    )


Rule = Annotated[Unanimity | QualifiedMajority, Field(discriminator="type")]


class Issue(Strict):
    """One dimension of the deal: a position on [0, 1] with labelled anchor points, or one of a
    list of named options (then every actor states its utility of each option)."""

    label: str = Field(description="Human-readable name of the issue.")
    anchors: dict[float, str] = Field(
        default_factory=dict,
        description="Labelled points on [0, 1], e.g. {0: full withdrawal, 1: current lease}.",
    )
    options: list[str] | None = Field(
        default=None,
        description="Named options (an alternative to anchors): the issue ends at one of them, "
        "and each actor gives its utility of each option instead of an ideal point.",
    )
    reversion: UnitOrName = Field(
        description="Value that holds if no agreement is reached on the issue (an option's name "
        "on an issue of named options)."
    )
    veto: list[Name] = Field(
        default_factory=list,
        description="Actors whose consent the issue needs (under a qualified-majority rule: "
        "whatever the vote).",
    )
    rule: Rule | None = Field(
        default=None, description="How the issue closes (default: the protocol's rule)."
    )

    @field_validator("anchors")
    @classmethod
    def _anchors_in_unit(cls, anchors: dict[float, str]) -> dict[float, str]:
        for point in anchors:
            if not 0.0 <= point <= 1.0:
                raise ValueError(f"anchor point {point} is outside [0, 1]")
        return dict(sorted(anchors.items()))

    @model_validator(mode="after")
    def _options_become_anchors(self) -> Issue:
        if self.options is not None:
            if self.anchors:
                raise ValueError("give either anchors or options, not both")
            if len(self.options) < 2:
                raise ValueError("options needs at least two named options")
            if len(set(self.options)) != len(self.options):
                raise ValueError("options names an option twice")
            n = len(self.options) - 1
            object.__setattr__(self, "anchors", {i / n: o for i, o in enumerate(self.options)})
        if len(set(self.veto)) != len(self.veto):
            raise ValueError("veto lists an actor twice")
        return self

    def value_of(self, value: float | str) -> float:
        """A value on [0, 1]: a number as it is, an option's name as its point j/(n − 1)."""
        if isinstance(value, str):
            assert self.options is not None  # validation allows names only on option issues
            return self.options.index(value) / (len(self.options) - 1)
        return float(value)

    def option_at(self, value: float) -> str | None:
        """The option a value stands for (None on an issue without options)."""
        if self.options is None:
            return None
        return self.options[round(value * (len(self.options) - 1))]

    @property
    def reversion_value(self) -> float:
        """The reversion as a value on [0, 1]."""
        return self.value_of(self.reversion)

    def levels(self, grid: int) -> int:
        """How many values proposals consider on this issue: its options, or `grid` levels."""
        return grid if self.options is None else len(self.options)

    def show(self, value: float) -> str:
        """A value as people read it: the option's name, or the number with its anchor label."""
        if self.options is not None:
            return self.option_at(value) or ""
        return f"{value:.2f} ({self.label_of(value)})"

    def label_of(self, value: float) -> str:
        """The anchor label at `value`, or the two anchors it lies between."""
        points = list(self.anchors)
        for point in points:
            if abs(point - value) < 1e-9:
                return self.anchors[point]
        below = [p for p in points if p < value]
        above = [p for p in points if p > value]
        if below and above:
            return f"between {self.anchors[below[-1]]} and {self.anchors[above[0]]}"
        if below or above:
            return f"beyond {self.anchors[(below or above)[-1 if below else 0]]}"
        return f"{value:.2f}"


class Preference(Strict):
    """An actor's ideal point (or, on an issue of named options, its utility of each option) and
    its salience on one issue."""

    ideal: Unit | None = Field(default=None, description="Ideal point x* on [0, 1].")
    utilities: dict[str, Unit] | None = Field(
        default=None,
        description="On an issue of named options: the actor's utility of each option, on [0, 1] "
        "(1 for the option it likes best, as v = 1 at an ideal point).",
    )
    salience: Finite = Field(ge=0.0, description="Weight of the issue; normalised per actor.")

    @model_validator(mode="after")
    def _ideal_or_utilities(self) -> Preference:
        if (self.ideal is None) == (self.utilities is None):
            raise ValueError(
                ("give ideal or utilities, not both: " if self.ideal is not None else "give ")
                + "ideal (an issue on [0, 1]) or utilities (an issue of named options)"
            )
        return self


class Linkage(Strict):
    """A bilinear term γ·o_k·o_l in an actor's payoff: issue linkage written in data."""

    issues: tuple[Name, Name] = Field(description="The two linked issues (k, l).")
    gamma: float = Field(ge=-1.0, le=1.0, description="Weight γ of o_k·o_l in the utility.")


class Concession(Strict):
    """Time-dependent concession (Faratin, Sierra & Jennings 1998); e < 1 Boulware, e > 1 conceder."""

    type: Literal["concession"] = "concession"
    e: Finite = Field(default=1.0, gt=0.0, description="Concession exponent e.")


class Reciprocal(Strict):
    """Tit-for-tat: concede in proportion to the other side's last concession."""

    type: Literal["reciprocal"] = "reciprocal"
    beta: Finite = Field(
        default=1.0, ge=0.0, description="Share of the others' concession returned."
    )
    base: float = Field(default=0.02, ge=0.0, le=1.0, description="Concession made every round.")


class Equilibrium(Strict):
    """Subgame-perfect play by backward induction (two actors, one issue)."""

    type: Literal["equilibrium"] = "equilibrium"


Strategy = Annotated[Concession | Reciprocal | Equilibrium, Field(discriminator="type")]


class Actor(Strict):
    """A negotiating party: preferences per issue plus its overall traits."""

    name: str = Field(description="Display name.")
    capability: Finite = Field(default=1.0, gt=0.0, description="Power; weights recognition.")
    patience: float = Field(
        default=0.95, gt=0.0, le=1.0, description="Per-round discount factor δ in (0, 1]."
    )
    outside_option: Finite | None = Field(
        default=None, description="BATNA; the disagreement payoff is max(this, U(reversion))."
    )
    rho: Finite = Field(
        default=1.0, gt=0.0, description="Risk attitude ρ in v(x) = 1 − |x − x*|^ρ (1 linear)."
    )
    rationality: float = Field(
        default=math.inf,
        gt=0.0,
        description="λ of noisy acceptance σ(λ·(U − threshold)); .inf answers deterministically.",
    )
    perception_noise: Finite = Field(
        default=0.0, ge=0.0, description="s.d. of the error in how it sees others' preferences."
    )
    strategy: Strategy = Field(default_factory=Concession)
    preferences: dict[Name, Preference] = Field(description="Ideal point and salience per issue.")
    linkage: list[Linkage] = Field(default_factory=list, description="Bilinear linkage terms.")

    @model_validator(mode="after")
    def _some_salience(self) -> Actor:
        if self.preferences and sum(p.salience for p in self.preferences.values()) <= 0:
            raise ValueError("saliences sum to zero: the actor cares about nothing")
        return self


class Protocol(Strict):
    """How the negotiation proceeds."""

    type: Literal["alternating_offers", "expected_utility"] = "alternating_offers"
    deadline: int = Field(default=12, ge=1, le=10_000, description="Rounds T before reversion.")
    recognition: Literal["rotation", "capability"] = Field(
        default="rotation",
        description="Fixed rotation, or random with probability ∝ capability (Baron–Ferejohn).",
    )
    order: list[Name] | None = Field(default=None, description="Rotation order (default: file).")
    partial: bool = Field(default=False, description="Issues close once their veto actors agree.")
    rule: Rule = Field(
        default_factory=Unanimity, description="How issues close unless an issue names its own."
    )
    agenda_setter: Name | None = Field(
        default=None, description="An actor who makes the first proposal (e.g. the Commission)."
    )
    grid: int = Field(
        default=5, ge=2, le=21, description="Levels per issue in the proposer's package search."
    )
    eu_rounds: int = Field(
        default=8, ge=1, le=10_000, description="Rounds τ of the expected-utility model."
    )


class Effect(Strict):
    """One parameter change an event makes."""

    actor: Name
    parameter: Literal[
        "outside_option", "ideal", "salience", "capability", "patience", "rationality"
    ]
    issue: Name | None = Field(default=None, description="Issue, for ideal and salience.")
    set: Finite | None = None
    add: Finite | None = None
    scale: Finite | None = None

    @model_validator(mode="after")
    def _one_operation(self) -> Effect:
        if sum(x is not None for x in (self.set, self.add, self.scale)) != 1:
            raise ValueError("give exactly one of set, add or scale")
        if (self.parameter in ("ideal", "salience")) != (self.issue is not None):
            raise ValueError(
                f"{self.parameter} needs an issue"
                if self.issue is None
                else f"{self.parameter} takes no issue"
            )
        return self


class Event(Strict):
    """An exogenous shock, at a scheduled round or with a per-round hazard; fires at most once."""

    name: str
    round: int | None = Field(default=None, ge=0, description="Round at which it fires.")
    hazard: float | None = Field(default=None, ge=0.0, le=1.0, description="Chance per round.")
    effects: list[Effect] = Field(default_factory=list)
    close: dict[Name, UnitOrName] = Field(
        default_factory=dict,
        description="Issues closed at a value (an option's name on an issue of named options).",
    )

    @model_validator(mode="after")
    def _when(self) -> Event:
        if (self.round is None) == (self.hazard is None):
            raise ValueError("give exactly one of round or hazard")
        if not self.effects and not self.close:
            raise ValueError("an event needs effects or close")
        return self


class Axis(Strict):
    """One swept parameter: a dotted path and its values (a list, or a range for designs). A list
    of names sweeps a categorical value, such as an issue's reversion among its options."""

    path: str
    values: list[FiniteOrName] | None = None
    low: Finite | None = None
    high: Finite | None = None
    num: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _values_or_range(self) -> Axis:
        if self.values is None and (self.low is None or self.high is None):
            raise ValueError("give values, or low and high")
        if self.low is not None and self.high is not None and self.low > self.high:
            raise ValueError(f"low {self.low} is above high {self.high}")
        return self

    @property
    def categorical(self) -> bool:
        """Whether the axis lists names: its design values are then indices into the list."""
        return self.values is not None and any(isinstance(v, str) for v in self.values)


class Sweep(Strict):
    """A sweep: axes, an experimental design, replications and a root seed."""

    axes: list[Axis] = Field(default_factory=list)
    design: Literal["grid", "lhs", "sobol", "morris", "saltelli"] = "grid"
    samples: int = Field(default=16, ge=1, description="Design size for lhs/sobol/morris.")
    replications: int = Field(default=100, ge=1)
    seed: int = Field(default=1, ge=0, le=SEED_MAX)


class Run(Strict):
    """Settings for single runs."""

    seed: int = Field(default=1, ge=0, le=SEED_MAX)


class Info(Strict):
    """What a class reads about a scenario, in the order of NetLogo's Info tab (all optional).

    Plain text: paragraphs are separated by blank lines; lines starting with "- " are a list.
    """

    what_it_is: str = Field(default="", description="What it is: the case and its question.")
    how_it_works: str = Field(default="", description="How it works: what the agents do.")
    how_to_use_it: str = Field(default="", description="How to use it: which levers to move.")
    things_to_notice: str = Field(default="", description="Things to notice while it runs.")
    things_to_try: str = Field(default="", description="Things to try: experiments for a class.")


class Scenario(Strict):
    """A whole case: actors, issues, payoff rules, protocol, events, run and sweep settings."""

    name: Name
    description: str = ""
    info: Info = Field(
        default_factory=Info, description="Text for the app's About panel (optional)."
    )
    issues: dict[Name, Issue] = Field(min_length=1)
    actors: dict[Name, Actor] = Field(min_length=2)
    protocol: Protocol = Field(default_factory=Protocol)
    events: list[Event] = Field(default_factory=list)
    run: Run = Field(default_factory=Run)
    sweep: Sweep | None = None

    @model_validator(mode="after")
    def _cross_references(self) -> Scenario:
        check_references(self)
        return self

    def rule_of(self, issue: str) -> Unanimity | QualifiedMajority:
        """The rule that closes `issue`: its own, or the protocol's."""
        return self.issues[issue].rule or self.protocol.rule


def check_references(s: Scenario) -> None:
    """Raise ValueError (with a dotted location prefix) when names refer to nothing."""
    actors, issues = set(s.actors), set(s.issues)
    names = [a.name for a in s.actors.values()]
    for name in names:
        if names.count(name) > 1:
            raise ValueError(f"actors: two actors share the display name {name!r}")
    for key, actor in s.actors.items():
        for issue, pref in actor.preferences.items():
            if issue not in issues:
                raise ValueError(
                    f"actors.{key}.preferences.{issue}: unknown issue; "
                    f"expected one of {sorted(issues)}"
                )
            _check_preference(f"actors.{key}.preferences.{issue}", pref, s.issues[issue])
        for i, link in enumerate(actor.linkage):
            for j, issue in enumerate(link.issues):
                if issue not in issues:
                    raise ValueError(
                        f"actors.{key}.linkage.{i}.issues.{j}: unknown issue "
                        f"{issue!r}; expected one of {sorted(issues)}"
                    )
                if s.issues[issue].options is not None:
                    raise ValueError(
                        f"actors.{key}.linkage.{i}.issues.{j}: {issue!r} is an issue of named "
                        "options; linkage multiplies positions on [0, 1], so it needs two such "
                        "issues"
                    )
        if actor.strategy.type == "equilibrium":
            if len(actors) != 2 or len(issues) != 1:
                raise ValueError(
                    f"actors.{key}.strategy: the equilibrium strategy needs exactly "
                    "two actors and one issue"
                )
            if next(iter(s.issues.values())).options is not None:
                raise ValueError(
                    f"actors.{key}.strategy: the equilibrium strategy splits an issue on "
                    "[0, 1]; it cannot play an issue of named options"
                )
    for key, issue in s.issues.items():
        _check_value(f"issues.{key}.reversion", issue.reversion, issue)
        for i, who in enumerate(issue.veto):
            if who not in actors:
                raise ValueError(
                    f"issues.{key}.veto.{i}: unknown actor {who!r}; "
                    f"expected one of {sorted(actors)}"
                )
            if key not in s.actors[who].preferences:
                raise ValueError(
                    f"actors.{who}.preferences: veto actor of {key!r} has no preference on it"
                )
    for key in s.issues:
        _check_rule(s, key)
    setter = s.protocol.agenda_setter
    if setter is not None and setter not in actors:
        raise ValueError(
            f"protocol.agenda_setter: unknown actor {setter!r}; expected one of {sorted(actors)}"
        )
    if s.protocol.order is not None:
        for i, who in enumerate(s.protocol.order):
            if who not in actors:
                raise ValueError(f"protocol.order.{i}: unknown actor {who!r}")
    for e, event in enumerate(s.events):
        for f, eff in enumerate(event.effects):
            if eff.actor not in actors:
                raise ValueError(
                    f"events.{e}.effects.{f}.actor: unknown actor {eff.actor!r}; "
                    f"expected one of {sorted(actors)}"
                )
            if eff.issue is not None and eff.issue not in s.actors[eff.actor].preferences:
                raise ValueError(
                    f"events.{e}.effects.{f}.issue: {eff.actor} has no preference on {eff.issue!r}"
                )
            if eff.parameter == "ideal" and s.issues[eff.issue or ""].options is not None:
                raise ValueError(
                    f"events.{e}.effects.{f}.parameter: {eff.issue!r} is an issue of named "
                    "options and has no ideal point (change its salience, or close it at an "
                    "option)"
                )
        for issue, value in event.close.items():
            if issue not in issues:
                raise ValueError(f"events.{e}.close.{issue}: unknown issue")
            _check_value(f"events.{e}.close.{issue}", value, s.issues[issue])


def _check_rule(s: Scenario, key: str) -> None:
    """An issue's rule names known voters and can be met: unanimity needs a veto actor; a
    qualified majority needs voters with a preference on the issue (only they can vote yes)
    holding enough weight, and enough of them, to reach its thresholds; the equilibrium
    strategy assumes both players must agree."""
    rule = s.rule_of(key)
    where = f"issues.{key}.rule" if s.issues[key].rule is not None else "protocol.rule"
    if rule.type == "unanimity":
        if not s.issues[key].veto:
            raise ValueError(
                f"issues.{key}.veto: unanimity needs at least one veto actor (or give the "
                "issue a qualified_majority rule)"
            )
        return
    for voter in rule.voters:
        if voter not in s.actors:
            raise ValueError(
                f"{where}.voters.{voter}: unknown actor; expected one of {sorted(s.actors)}"
            )
    if any(a.strategy.type == "equilibrium" for a in s.actors.values()):
        raise ValueError(f"{where}: the equilibrium strategy needs unanimity (both must agree)")
    able = [v for v in rule.voters if key in s.actors[v].preferences]
    weight = sum(rule.voters[v] for v in able) / sum(rule.voters.values())
    if weight < rule.threshold - RULE_TOLERANCE:
        raise ValueError(
            f"{where}.threshold: no coalition can reach {rule.threshold:g} of the weight on "
            f"{key!r}: the voters with a preference on it hold {weight:.3g}"
        )
    if len(able) < rule.members * len(rule.voters) - RULE_TOLERANCE:
        raise ValueError(
            f"{where}.members: no coalition can reach {rule.members:g} of the voters on "
            f"{key!r}: {len(able)} of {len(rule.voters)} have a preference on it"
        )


def _check_value(where: str, value: float | str, issue: Issue) -> None:
    """An option's name on an issue of named options, a number on [0, 1] on any other."""
    if issue.options is not None and value not in issue.options:
        raise ValueError(f"{where}: {value!r} is not an option; expected one of {issue.options}")
    if issue.options is None and isinstance(value, str):
        raise ValueError(
            f"{where}: expected a number on [0, 1], got the name {value!r} (the issue has no "
            "options)"
        )


def _check_preference(where: str, pref: Preference, issue: Issue) -> None:
    """An ideal point on an issue on [0, 1]; a utility for every option, and only for options, on
    an issue of named options."""
    if issue.options is None:
        if pref.utilities is not None:
            raise ValueError(
                f"{where}.utilities: the issue has no options; give an ideal point instead"
            )
        return
    if pref.utilities is None:
        raise ValueError(
            f"{where}.ideal: the issue has named options; give utilities, one per option "
            f"{issue.options}"
        )
    for option in pref.utilities:
        if option not in issue.options:
            raise ValueError(
                f"{where}.utilities.{option}: unknown option; expected one of {issue.options}"
            )
    missing = [o for o in issue.options if o not in pref.utilities]
    if missing:
        raise ValueError(f"{where}.utilities: no utility for option {missing[0]!r}")
