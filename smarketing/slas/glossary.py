"""Shared definitions of the funnel stages: the standard texts and what a version may say. No
Django imports.

Each version defines the five stages (SPEC section 2) in words, with optional structured
criteria: lead fields that must be filled in, and a minimum lead score. The criteria document
the agreement (a checklist for whoever qualifies a lead); KPIs count stages by their dates.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

STAGES = ("lead", "mql", "sql", "opportunity", "customer")
STAGE_NAMES = {
    "lead": "Lead",
    "mql": "MQL (marketing qualified lead)",
    "sql": "SQL (sales qualified lead)",
    "opportunity": "Opportunity",
    "customer": "Customer",
}
# Lead fields a definition may require (the leads file's optional columns).
CRITERIA_FIELDS = ("campaign", "persona", "company_size", "owner", "first_touch_at")
SCORE_MAX = 100
TEXT_MAX_LENGTH = 2000
# The product's own definitions: version 1 of every workspace until both teams sign their own.
STANDARD_DEFINITIONS = {
    "lead": "A person or company that entered the funnel: a row of the leads file, counted from "
    "its created_at.",
    "mql": "A lead marketing judged ready for sales and handed over (mql_at set): it fits the "
    "ideal customer profile and showed buying interest.",
    "sql": "An MQL sales accepted as worth pursuing (sql_at set). An MQL sales sends back is "
    "rejected, with a reason.",
    "opportunity": "An SQL with a qualified deal in the pipeline (opportunity_at set).",
    "customer": "A lead whose deal was won (customer_at set).",
}


def criteria_problems(stage: str, criteria: Mapping[str, Any]) -> list[str]:
    name = STAGE_NAMES.get(stage, stage)
    problems = []
    unknown = sorted(set(criteria) - {"required_fields", "min_lead_score"})
    if unknown:
        problems.append(f"{name}: unknown criteria {', '.join(unknown)}")
    fields = criteria.get("required_fields") or []
    if not isinstance(fields, list) or any(field not in CRITERIA_FIELDS for field in fields):
        problems.append(f"{name}: required fields are among {', '.join(CRITERIA_FIELDS)}")
    score = criteria.get("min_lead_score")
    if score is not None and (
        isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= SCORE_MAX
    ):
        problems.append(f"{name}: the minimum lead score is a whole number from 0 to {SCORE_MAX}")
    return problems


def definitions_problems(stages: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """What is wrong with a version's definitions: every stage needs its text."""
    problems = []
    for stage in STAGES:
        entry = stages.get(stage) or {}
        text = (entry.get("text") or "").strip()
        if not text:
            problems.append(f"{STAGE_NAMES[stage]}: write what counts as one")
        elif len(text) > TEXT_MAX_LENGTH:
            problems.append(f"{STAGE_NAMES[stage]}: at most {TEXT_MAX_LENGTH} characters")
        problems.extend(criteria_problems(stage, entry.get("criteria") or {}))
    unknown = sorted(set(stages) - set(STAGES))
    if unknown:
        problems.append(f"unknown stages {', '.join(unknown)}")
    return problems
