"""Short generated commentary for the overview and the quarterly report: pure functions from
figures to sentences (no queries; the same figures always give the same words).

Each function returns a list of sentences (empty when it has nothing to say), so the page and the
report pick the ones they need and a table test can pin every wording.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from smarketing.kpis.definitions import KPIS_BY_KEY
from smarketing.kpis.templatetags.kpi_format import (
    format_kpi,
    kpi_change_parts,
    kpi_label,
    kpi_unit,
)

from .alignment import COMPONENT_LABELS, COMPONENTS, AlignmentIndex, rounded

# The KPIs whose movement the commentary weighs, in a stable order.
MOVER_KEYS = (
    "revenue",
    "marketing_sourced_revenue",
    "mqls",
    "sqls",
    "new_customers",
    "mql_to_sql_rate",
    "win_rate",
    "mql_rejection_rate",
    "sales_cycle_days_median",
    "pipeline_created",
    "customer_acquisition_cost",
    "mql_response_within_sla_rate",
)
MOVERS_SHOWN = 3
# A change smaller than this does not count as a move: 5 % (relative) or 2 percentage points.
MIN_RELATIVE_CHANGE = Decimal(5)
MIN_RATE_POINTS = Decimal(2)
GAPS_SHOWN = 2


def _number(value: Any) -> str:
    return f"{rounded(value, 1):g}" if value is not None else "—"


def index_sentences(
    current: AlignmentIndex,
    previous: AlignmentIndex | None,
    *,
    quarter: str,
    previous_quarter: str,
) -> list[str]:
    """The answer in one sentence: the index, and how it moved since the quarter before."""
    if current.value is None:
        return [
            f"No alignment index for {quarter}: fewer than two of its five components have data."
        ]
    sentence = f"Alignment index {rounded(current.value, 1):.1f} of 100 in {quarter}"
    if previous is not None and previous.value is not None:
        change = rounded(current.value - previous.value, 1) or 0.0
        if change > 0:
            sentence += f", up {change:g} from {previous_quarter}"
        elif change < 0:
            sentence += f", down {-change:g} from {previous_quarter}"
        else:
            sentence += f", as in {previous_quarter}"
    return [sentence + "."]


def component_sentences(index: AlignmentIndex) -> list[str]:
    """The strongest and the weakest component, and what was left out for lack of data."""
    present = [
        (index.components[name], name) for name in COMPONENTS if index.components[name] is not None
    ]
    sentences = []
    if len(present) >= 2:
        weakest = min(present, key=lambda item: (item[0], COMPONENTS.index(item[1])))
        strongest = max(present, key=lambda item: (item[0], -COMPONENTS.index(item[1])))
        sentences.append(
            f"Strongest: {COMPONENT_LABELS[strongest[1]]} ({_number(strongest[0])});"
            f" weakest: {COMPONENT_LABELS[weakest[1]]} ({_number(weakest[0])})."
        )
    if index.left_out:
        names = ", ".join(COMPONENT_LABELS[name] for name in index.left_out)
        sentences.append(f"Left out for lack of data: {names}; the other weights were rescaled.")
    return sentences


def _two(value: Any) -> str:
    """Two decimals rounded half-up, as the pages print them (4.125 is 4.13, not 4.12)."""
    return f"{rounded(value, 2):.2f}"


def gap_sentences(
    gaps: Sequence[Mapping[str, Any]], *, wave: str = "", shown: int = GAPS_SHOWN
) -> list[str]:
    """The largest perception gaps of a pulse: where marketing and sales see things apart."""
    sentences = []
    for gap in gaps[:shown]:
        higher = "marketing" if gap["marketing_mean"] > gap["sales_mean"] else "sales"
        sentences.append(
            f"Perception gap {_two(gap['perception_gap'])} on “{gap['statement']}”:"
            f" marketing {_two(gap['marketing_mean'])}, sales {_two(gap['sales_mean'])}"
            f" ({higher} agrees more){f' in {wave}' if wave else ''}."
        )
    return sentences


def _move_size(key: str, current: Any, previous: Any) -> Decimal | None:
    """How big a move is, comparable across KPIs: percentage points for rates, percent else."""
    if current is None or previous is None:
        return None
    now, before = Decimal(str(current)), Decimal(str(previous))
    if kpi_unit(key).value == "rate":
        points = abs(now - before) * 100
        return points / MIN_RATE_POINTS if points >= MIN_RATE_POINTS else None
    if before == 0:
        return None
    relative = abs(now - before) / abs(before) * 100
    return relative / MIN_RELATIVE_CHANGE if relative >= MIN_RELATIVE_CHANGE else None


def mover_sentences(
    kpis: Mapping[str, Any],
    previous_kpis: Mapping[str, Any] | None,
    *,
    previous_label: str,
    currency: str = "USD",
    keys: Sequence[str] = MOVER_KEYS,
) -> list[str]:
    """The biggest movers against the previous period, each with its direction and whether
    that is good news; moves under 5 % (2 pp for rates) are not news."""
    if not previous_kpis:
        return []
    moves = []
    for order, key in enumerate(keys):
        size = _move_size(key, kpis.get(key), previous_kpis.get(key))
        if size is not None:
            moves.append((size, order, key))
    moves.sort(key=lambda item: (-item[0], item[1]))
    sentences = []
    for _, _, key in moves[:MOVERS_SHOWN]:
        parts = kpi_change_parts(kpis[key], previous_kpis[key], key)
        if parts is None:
            continue
        text, tone = parts
        news = {"better": "good news", "worse": "bad news"}.get(tone, "no change")
        sentences.append(
            f"{KPIS_BY_KEY[key].label} {text} vs {previous_label}"
            f" ({format_kpi(previous_kpis[key], key, currency)} →"
            f" {format_kpi(kpis[key], key, currency)}): {news}."
        )
    return sentences


def sla_sentences(slas: Sequence[Mapping[str, Any]]) -> list[str]:
    """The SLAs missed in their closed periods (how often, of the periods judged met or
    missed) and those at risk in the period in progress, by name and team, in list order."""
    judged: dict[tuple[str, str], list[str]] = {}
    for sla in slas:
        judged.setdefault((sla["name"], sla["team"]), []).append(sla.get("status", ""))
    missed, at_risk = [], []
    for (name, team), statuses in judged.items():
        decided = [status for status in statuses if status in ("met", "missed")]
        if "missed" in decided:
            count = decided.count("missed")
            periods = "period" if len(decided) == 1 else "periods"
            missed.append(f"{name} ({team}) {count} of {len(decided)} {periods}")
        if "at_risk" in statuses:
            at_risk.append(f"{name} ({team})")
    sentences = []
    if missed:
        sentences.append(f"SLAs missed: {', '.join(missed)}.")
    if at_risk:
        sentences.append(f"SLAs at risk: {', '.join(at_risk)}.")
    if slas and not missed and not at_risk:
        sentences.append("Every SLA with data was met.")
    return sentences


def anomaly_sentences(
    anomalies: Sequence[Mapping[str, Any]], *, currency: str = "USD"
) -> list[str]:
    """KPIs far outside their usual range (robust z-score beyond 3.5)."""
    return [
        f"{kpi_label(item['kpi'])}: unusually"
        f" {'high' if item['direction'] == 'spike' else 'low'},"
        f" {format_kpi(item['value'], item['kpi'], currency)} against a usual"
        f" {format_kpi(item['baseline_median'], item['kpi'], currency)}."
        for item in anomalies
    ]
