"""Survey measures of SPEC section 5 and the anonymity rules, as pure functions (no Django).

Selectors fetch grouped counts in one query; these functions turn them into figures:

- `measures`: NPS, CSAT, means, perception gap, alignment score;
- `suppression`: the threshold k, which groups are hidden, when answers are released;
- `alignment`: an alignment wave's suppressed figures, and the largest gaps;
- `customers`: a customer survey's suppressed figures (overall, months, breakdowns).

Callers import from `surveys.scoring`.
"""

from .alignment import (
    AlignmentFigures,
    StatementFigures,
    alignment_figures,
    group_figures,
    largest_gaps,
)
from .customers import BREAKDOWNS, CustomerCount, customer_figures, customer_metric, nps_of_counts
from .measures import (
    CSAT_SATISFIED_MIN,
    DETRACTOR_MAX,
    LIKERT_MAX,
    LIKERT_MIN,
    PROMOTER_MIN,
    Counts,
    alignment_score,
    counts_add,
    counts_expand,
    counts_mean,
    csat,
    distribution,
    likert_percent,
    mean,
    nps,
    nps_shares,
    perception_gap,
    round_or_none,
)
from .suppression import (
    MAX_ANONYMITY_THRESHOLD,
    MIN_ANONYMITY_THRESHOLD,
    hidden,
    hidden_groups,
    hidden_note,
    is_hidden,
    release_due,
    threshold_validate,
)

__all__ = [
    "BREAKDOWNS",
    "CSAT_SATISFIED_MIN",
    "DETRACTOR_MAX",
    "LIKERT_MAX",
    "LIKERT_MIN",
    "MAX_ANONYMITY_THRESHOLD",
    "MIN_ANONYMITY_THRESHOLD",
    "PROMOTER_MIN",
    "AlignmentFigures",
    "Counts",
    "CustomerCount",
    "StatementFigures",
    "alignment_figures",
    "alignment_score",
    "counts_add",
    "counts_expand",
    "counts_mean",
    "csat",
    "customer_figures",
    "customer_metric",
    "distribution",
    "group_figures",
    "hidden",
    "hidden_groups",
    "hidden_note",
    "is_hidden",
    "largest_gaps",
    "likert_percent",
    "mean",
    "nps",
    "nps_of_counts",
    "nps_shares",
    "perception_gap",
    "release_due",
    "round_or_none",
    "threshold_validate",
]
