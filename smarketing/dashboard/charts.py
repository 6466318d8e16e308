"""Every chart of the pages, built from data by pure functions (no Django, no queries).

A `Chart` holds the numbers once; from them come the Chart.js configuration (drawn by
static/dashboard/charts.js, which only adds number formatting by unit), the table shown under
the chart and its CSV download. Series differ by more than hue (WCAG 1.4.1): each has its own
dash pattern and point shape, and every colour has at least 3:1 contrast on white (1.4.11).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

# Colours with ≥ 4.5:1 contrast on white, far apart for the common colour blindnesses, each
# paired with a dash pattern and a point shape.
PALETTE = ("#1f4fd1", "#b3261e", "#1b6e3a", "#7a4a00", "#6b2fa3", "#00626b", "#4b5563")
DASHES: tuple[list[int], ...] = ([], [6, 4], [2, 3], [10, 3, 2, 3], [12, 6], [4, 2, 1, 2], [1, 2])
POINTS = ("circle", "triangle", "rect", "rectRot", "crossRot", "star", "rectRounded")


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[Any]
    key: str = ""  # the KPI key, when the series is one KPI


@dataclass(frozen=True)
class Chart:
    """One chart: `labels` along the x axis, one value per label in each series."""

    slug: str
    title: str
    labels: Sequence[str]
    series: Sequence[Series]
    # How values read: count, money, rate, days, hours, index (0–100), score (−100…100).
    unit: str = "count"
    kind: str = "line"  # line or bar
    stacked: bool = False
    currency: str = "USD"
    # The first column's heading in the table and the CSV.
    label_heading: str = "period"
    notes: Sequence[str] = field(default_factory=tuple)

    @property
    def has_data(self) -> bool:
        return any(value is not None for series in self.series for value in series.values)

    def table(self) -> tuple[list[str], list[list[Any]]]:
        """(header, rows) of the chart's numbers: one row per label, one column per series."""
        header = [self.label_heading, *(series.label for series in self.series)]
        rows = [
            [label, *(series.values[index] for series in self.series)]
            for index, label in enumerate(self.labels)
        ]
        return header, rows

    def config(self) -> dict[str, Any]:
        """The Chart.js configuration (JSON-safe) with the unit for the script's formatting."""
        datasets = []
        for index, series in enumerate(self.series):
            colour = PALETTE[index % len(PALETTE)]
            dataset: dict[str, Any] = {
                "label": series.label,
                "data": [_number(value) for value in series.values],
                "borderColor": colour,
                "backgroundColor": colour,
                "pointStyle": POINTS[index % len(POINTS)],
            }
            if self.kind == "line":
                dataset |= {
                    "borderDash": DASHES[index % len(DASHES)],
                    "borderWidth": 2,
                    "pointRadius": 4,
                    "spanGaps": False,
                    "fill": False,
                }
            else:
                dataset |= {"borderWidth": 1, "borderColor": "#1d2433"}
            datasets.append(dataset)
        return {
            "type": self.kind,
            "unit": self.unit,
            "currency": self.currency,
            "stacked": self.stacked,
            "data": {"labels": list(self.labels), "datasets": datasets},
        }


def _number(value: Any) -> float | int | None:
    if value is None or isinstance(value, int | float):
        return value
    return float(value)


def kpi_series_chart(
    *,
    slug: str,
    title: str,
    labels: Sequence[str],
    values_by_key: dict[str, Sequence[Any]],
    names: dict[str, str],
    unit: str,
    currency: str = "USD",
) -> Chart:
    """A line chart of KPIs over periods (one series per KPI key, in the given order)."""
    return Chart(
        slug=slug,
        title=title,
        labels=labels,
        series=[Series(names[key], values, key) for key, values in values_by_key.items()],
        unit=unit,
        currency=currency,
    )


def breakdown_chart(
    *,
    slug: str,
    title: str,
    rows: Sequence[tuple[str, Sequence[Any]]],
    series_labels: Sequence[str],
    unit: str,
    label_heading: str,
    currency: str = "USD",
    stacked: bool = False,
) -> Chart:
    """A bar chart of groups (sources, reasons, assets): `rows` are (group, values per series)."""
    return Chart(
        slug=slug,
        title=title,
        labels=[group for group, _ in rows],
        series=[
            Series(label, [values[index] for _, values in rows])
            for index, label in enumerate(series_labels)
        ],
        unit=unit,
        kind="bar",
        stacked=stacked,
        currency=currency,
        label_heading=label_heading,
    )


NO_REASON = "No reason given"


def reason_order(listed: Sequence[str], counts: dict[str, int]) -> list[str]:
    """The reasons to show: those of the workspace's list that occur, in the list's order, then
    the values on no list by count (most first), then rows without a reason ("")."""
    on_list = [name for name in listed if counts.get(name)]
    others = sorted(
        (name for name in counts if name not in set(listed) and name and counts[name]),
        key=lambda name: (-counts[name], name),
    )
    return [*on_list, *others, *([""] if counts.get("") else [])]


def reason_label(reason: str) -> str:
    return reason or NO_REASON


def reason_bar_chart(
    *, slug: str, title: str, reasons: Sequence[str], counts: dict[str, int], series_label: str
) -> Chart:
    """One bar per reason (in `reasons`' order)."""
    return breakdown_chart(
        slug=slug,
        title=title,
        rows=[(reason_label(reason), [counts.get(reason, 0)]) for reason in reasons],
        series_labels=[series_label],
        unit="count",
        label_heading="reason",
    )


def reason_stack_chart(
    *,
    slug: str,
    title: str,
    groups: Sequence[str],
    reasons: Sequence[str],
    counts: dict[tuple[str, str], int],
    label_heading: str,
) -> Chart:
    """Stacked bars: one bar per group (a source, an owner, a period), one segment per reason;
    `counts` maps (group, reason) to a count (absent is 0)."""
    return breakdown_chart(
        slug=slug,
        title=title,
        rows=[(group, [counts.get((group, reason), 0) for reason in reasons]) for group in groups],
        series_labels=[reason_label(reason) for reason in reasons],
        unit="count",
        label_heading=label_heading,
        stacked=True,
    )


# --- sparklines: small inline SVG, no script ------------------------------------------------

SPARK_WIDTH, SPARK_HEIGHT, SPARK_PAD = 120, 28, 3


def sparkline_points(values: Sequence[Any]) -> list[tuple[float, float]]:
    """(x, y) of each present value in a 120×28 box (y grows downwards); a flat series lies in
    the middle; missing values leave gaps (they are skipped)."""
    present = [float(value) for value in values if value is not None]
    if not present or len(values) < 2:
        return []
    low, high = min(present), max(present)
    span = high - low
    step = (SPARK_WIDTH - 2 * SPARK_PAD) / (len(values) - 1)
    points = []
    for index, value in enumerate(values):
        if value is None:
            continue
        share = 0.5 if span == 0 else (float(value) - low) / span
        y = SPARK_HEIGHT - SPARK_PAD - share * (SPARK_HEIGHT - 2 * SPARK_PAD)
        points.append((round(SPARK_PAD + index * step, 1), round(y, 1)))
    return points


def sparkline_path(values: Sequence[Any]) -> str:
    """An SVG path through the present values, broken where a value is missing."""
    points = sparkline_points(values)
    if not points:
        return ""
    commands = []
    previous_index = None
    present_indexes = [index for index, value in enumerate(values) if value is not None]
    for (x, y), index in zip(points, present_indexes, strict=True):
        move = previous_index is None or index != previous_index + 1
        commands.append(f"{'M' if move else 'L'}{x:g} {y:g}")
        previous_index = index
    return " ".join(commands)


def bar_width(value: Any, maximum: float = 100.0, width: float = 100.0) -> float:
    """The width of a bar for `value` on a 0…`maximum` scale, clamped to the track."""
    if value is None or maximum <= 0:
        return 0.0
    return round(max(0.0, min(float(value), maximum)) / maximum * width, 1)
