"""The alignment index of SPEC section 5 ("Beyond the basics"), as pure functions. No Django.

A quarter's index (0–100) is the weighted mean of five components, each on 0–100:

- SLA compliance: met ÷ (met + missed) over the SLA periods closed in the quarter × 100;
- hand-off acceptance: (1 − `mql_rejection_rate`) × 100;
- alignment-survey score: the quarter's latest closed wave, (mean − 1) ÷ 4 × 100 over every answer;
- perception agreement: 100 − 25 × the mean perception gap of that wave;
- NPS: (NPS + 100) ÷ 2.

A component without data is left out and the weights of the others are rescaled (so they sum to
100 again); with fewer than two components the index is null. Values are exact fractions inside
and rounded half-up to 2 decimals only at output.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from smarketing.kpis.compute import round_half_up

SLA_COMPLIANCE = "sla_compliance"
HANDOFF_ACCEPTANCE = "handoff_acceptance"
SURVEY_SCORE = "survey_score"
PERCEPTION_AGREEMENT = "perception_agreement"
NPS = "nps"
# In the order pages and the report list them.
COMPONENTS = (SLA_COMPLIANCE, HANDOFF_ACCEPTANCE, SURVEY_SCORE, PERCEPTION_AGREEMENT, NPS)
COMPONENT_LABELS = {
    SLA_COMPLIANCE: "SLA compliance",
    HANDOFF_ACCEPTANCE: "Hand-off acceptance",
    SURVEY_SCORE: "Alignment survey score",
    PERCEPTION_AGREEMENT: "Perception agreement",
    NPS: "Customer NPS",
}
# What each component measures, one sentence each (pages show it beside the component).
COMPONENT_DEFINITIONS = {
    SLA_COMPLIANCE: "Share of the SLA periods closed in the quarter whose SLA was met.",
    HANDOFF_ACCEPTANCE: "Share of the quarter's MQLs that sales accepted (1 − rejection rate).",
    SURVEY_SCORE: "Mean answer of the quarter's latest closed pulse, 1–5 scaled to 0–100.",
    PERCEPTION_AGREEMENT: "100 − 25 × the mean gap between marketing's and sales' answers.",
    NPS: "Net Promoter Score of the quarter's customer answers, −100…100 scaled to 0–100.",
}
MINIMUM_COMPONENTS = 2
HUNDRED = Fraction(100)


def exact(value: Any) -> Fraction | None:
    """An exact fraction; a float is read as the decimal it prints as (snapshots store rounded
    floats such as 0.15, which are meant as 15/100, not as their binary approximation)."""
    if value is None:
        return None
    if isinstance(value, float):
        return Fraction(repr(value))
    return Fraction(value)


@dataclass(frozen=True)
class AlignmentInputs:
    """The raw figures of one quarter; None where there is no data."""

    sla_met: int | None = None
    sla_missed: int | None = None
    mql_rejection_rate: Any = None
    survey_mean: Any = None  # mean of every answer of the latest closed wave, 1–5
    mean_perception_gap: Any = None  # mean |marketing − sales| over that wave's statements
    nps: Any = None  # −100…100


def sla_compliance(met: int | None, missed: int | None) -> Fraction | None:
    if met is None or missed is None or met + missed == 0:
        return None
    return HUNDRED * met / (met + missed)


def handoff_acceptance(mql_rejection_rate: Any) -> Fraction | None:
    rate = exact(mql_rejection_rate)
    return None if rate is None else (1 - rate) * HUNDRED


def survey_score(survey_mean: Any) -> Fraction | None:
    mean = exact(survey_mean)
    return None if mean is None else (mean - 1) / 4 * HUNDRED


def perception_agreement(mean_perception_gap: Any) -> Fraction | None:
    gap = exact(mean_perception_gap)
    return None if gap is None else HUNDRED - 25 * gap


def nps_component(nps: Any) -> Fraction | None:
    value = exact(nps)
    return None if value is None else (value + 100) / 2


def alignment_components(inputs: AlignmentInputs) -> dict[str, Fraction | None]:
    """Every component on 0–100 (None without data), unrounded."""
    return {
        SLA_COMPLIANCE: sla_compliance(inputs.sla_met, inputs.sla_missed),
        HANDOFF_ACCEPTANCE: handoff_acceptance(inputs.mql_rejection_rate),
        SURVEY_SCORE: survey_score(inputs.survey_mean),
        PERCEPTION_AGREEMENT: perception_agreement(inputs.mean_perception_gap),
        NPS: nps_component(inputs.nps),
    }


@dataclass(frozen=True)
class AlignmentIndex:
    """The index and what it is made of (unrounded; `output()` rounds)."""

    value: Fraction | None
    components: dict[str, Fraction | None]
    # The weights the workspace set, and those applied: rescaled to sum to 100 over the
    # components with data (None for the components left out).
    configured_weights: dict[str, Fraction]
    weights: dict[str, Fraction | None]

    @property
    def left_out(self) -> list[str]:
        return [name for name in COMPONENTS if self.components.get(name) is None]

    def output(self) -> dict[str, Any]:
        """SPEC section 6's `alignment_index`: value, components and the weights applied,
        rounded half-up to 2 decimals."""
        return {
            "value": rounded(self.value),
            "components": {name: rounded(self.components.get(name)) for name in COMPONENTS},
            "weights": {name: rounded(self.weights.get(name)) for name in COMPONENTS},
        }


def rounded(value: Any, places: int = 2) -> float | None:
    fraction = exact(value)
    return None if fraction is None else float(round_half_up(fraction, places))


def alignment_index(components: Mapping[str, Any], weights: Mapping[str, Any]) -> AlignmentIndex:
    """The weighted mean of the components that have data, their weights rescaled to 100.

    A component missing from `components` (or None) is left out; a missing weight counts as 0.
    Null with fewer than two components, or when the components with data weigh nothing.
    """
    values = {name: exact(components.get(name)) for name in COMPONENTS}
    configured = {name: exact(weights.get(name)) or Fraction(0) for name in COMPONENTS}
    present = [name for name in COMPONENTS if values[name] is not None]
    total_weight = sum((configured[name] for name in present), Fraction(0))
    if len(present) < MINIMUM_COMPONENTS or total_weight == 0:
        applied: dict[str, Fraction | None] = dict.fromkeys(COMPONENTS)
        return AlignmentIndex(None, values, configured, applied)
    applied = {
        name: configured[name] * HUNDRED / total_weight if name in present else None
        for name in COMPONENTS
    }
    value = (
        sum(
            (values[name] * configured[name] for name in present),  # type: ignore[operator]
            Fraction(0),
        )
        / total_weight
    )
    return AlignmentIndex(value, values, configured, applied)
