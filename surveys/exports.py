"""Flat rows of a survey's (already suppressed) results, for CSV exports."""

from collections.abc import Iterator
from typing import Any


def _cells(figures: dict[str, Any], measure: str) -> list[Any]:
    if figures.get("hidden"):
        return ["", "", figures["note"]]
    return [figures.get("responses"), figures.get(measure), ""]


def results_rows(results: dict[str, Any]) -> Iterator[list[Any]]:
    if "statements" in results:
        yield ["statement", "group", "responses", "mean", "note", "perception_gap"]
        for statement in results["statements"]:
            yield [
                statement["text"],
                "overall",
                *_cells(statement["overall"], "mean"),
                statement["perception_gap"],
            ]
            for team, figures in statement["teams"].items():
                yield [statement["text"], team, *_cells(figures, "mean"), ""]
        return
    measure = results["measure"]
    yield ["breakdown", "group", "responses", measure, "note"]
    yield ["overall", "all", *_cells(results["overall"], measure)]
    for row in results["trend"]:
        yield ["month", row["month"], *_cells(row, measure)]
    for name in ("by_source", "by_campaign", "by_owner"):
        for row in results[name]:
            yield [name.removeprefix("by_"), row["group"], *_cells(row, measure)]
