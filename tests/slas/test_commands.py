"""`sla_apply` and `evaluate_slas` exactly as SPEC section 6 says, on hand-computed data."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_tenants.utils import schema_context

from smarketing.slas.models import Sla, SlaEvaluation

from .conftest import SLAS, march_2025

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def state(workspace) -> list[tuple]:
    with schema_context(workspace.schema_name):
        return list(
            Sla.objects.order_by("name").values_list(
                "name", "kpi", "source", "comparator", "target", "period", "team", "retired_at"
            )
        )


def test_sla_apply_creates_then_is_idempotent(alpha, slas_file):
    out = run("sla_apply", "alpha", slas_file())
    assert "created: MQLs delivered" in out and "alpha: 9 created, 0 updated" in out
    first = state(alpha)
    assert len(first) == 9
    assert first[0] == (
        "Dispositioned within 48 h", "mql_disposition_within_48h_rate", "", ">=",
        pytest.approx(0.5), "month", "sales", None,
    )  # fmt: skip
    again = run("sla_apply", "alpha", slas_file())
    assert "9 unchanged" in again and "0 created, 0 updated, 0 retired" in again
    assert state(alpha) == first


def test_sla_apply_updates_and_retires_keeping_history(alpha, slas_file):
    run("sla_apply", "alpha", slas_file())
    with schema_context(alpha.schema_name):
        march_2025()
        run("evaluate_slas", "alpha", "--period", "2025-03")
        revenue = Sla.objects.get(name="Revenue")
        assert revenue.evaluations.count() == 1
    changed = [
        {**sla, "target": 5} if sla["name"] == "MQLs delivered" else sla
        for sla in SLAS
        if sla["name"] != "Revenue"
    ]
    out = run("sla_apply", "alpha", slas_file(changed))
    assert "updated: MQLs delivered" in out and "retired: Revenue" in out
    with schema_context(alpha.schema_name):
        revenue.refresh_from_db()
        assert revenue.retired_at is not None
        assert revenue.evaluations.get().status == "met"  # history kept
        delivered = Sla.objects.get(name="MQLs delivered")
        assert delivered.target == 5
        # The closed month keeps the target it was judged by (a target change is no measure
        # change, so the history stays).
        assert delivered.evaluations.get().target == 4
    # Bringing a retired SLA back un-retires it.
    out = run("sla_apply", "alpha", slas_file(SLAS))
    assert "updated: Revenue" in out
    assert next(row for row in state(alpha) if row[0] == "Revenue")[-1] is None


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"kpi": "mql"}, "SLA \"MQLs delivered\": unknown KPI 'mql'"),
        ({"comparator": "=="}, "SLA \"MQLs delivered\": unknown comparator '=='"),
        ({"period": "day"}, "SLA \"MQLs delivered\": unknown period 'day'"),
        ({"team": "finance"}, "SLA \"MQLs delivered\": unknown team 'finance'"),
        ({"kpi": "win_rate", "target": 25}, 'SLA "MQLs delivered": a rate target is a fraction'),
    ],
)
def test_sla_apply_refuses_a_bad_file_naming_the_sla_and_changes_nothing(
    alpha, slas_file, entry, message
):
    run("sla_apply", "alpha", slas_file(SLAS[:3]))
    before = state(alpha)
    bad = [{**SLAS[0], **entry}, *SLAS[1:]]
    with pytest.raises(CommandError) as refused:
        run("sla_apply", "alpha", slas_file(bad))
    assert "nothing changed" in str(refused.value) and message in str(refused.value)
    assert state(alpha) == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not JSON"),
        ('{"rules": []}', 'expected an object with a list "slas"'),
        ("[]", 'expected an object with a list "slas"'),
    ],
)
def test_sla_apply_refuses_a_file_that_is_no_sla_file(alpha, tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(CommandError, match=message):
        run("sla_apply", "alpha", str(path))
    assert state(alpha) == []


def test_evaluate_slas_json_matches_hand_computed_values(alpha, slas_file):
    run("sla_apply", "alpha", slas_file())
    with schema_context(alpha.schema_name):
        march_2025()
    body = json.loads(run("evaluate_slas", "alpha", "--period", "2025-03", "--json"))
    assert body == {
        "workspace": "alpha",
        "period": {"start": "2025-03-01T00:00:00+00:00", "end": "2025-04-01T00:00:00+00:00"},
        "slas": [
            {"name": "Dispositioned within 48 h", "kpi": "mql_disposition_within_48h_rate",
             "source": None, "comparator": ">=", "target": 0.5, "team": "sales", "value": 0.5,
             "status": "met"},
            {"name": "First touch within 24 h", "kpi": "mql_response_within_sla_rate",
             "source": None, "comparator": ">=", "target": 0.95, "team": "sales", "value": 0.5,
             "status": "missed"},
            {"name": "MQL to SQL", "kpi": "mql_to_sql_rate", "source": None, "comparator": ">=",
             "target": 0.6, "team": "shared", "value": 0.5, "status": "missed"},
            {"name": "MQLs delivered", "kpi": "mqls", "source": None, "comparator": ">=",
             "target": 4, "team": "marketing", "value": 4, "status": "met"},
            {"name": "Podcast MQLs", "kpi": "mqls", "source": "podcast", "comparator": ">=",
             "target": 1, "team": "marketing", "value": None, "status": "no_data"},
            {"name": "Rejection rate", "kpi": "mql_rejection_rate", "source": None,
             "comparator": "<=", "target": 0.2, "team": "shared", "value": 0.25,
             "status": "missed"},
            {"name": "Revenue", "kpi": "revenue", "source": None, "comparator": ">=",
             "target": 1000.0, "team": "sales", "value": 1000.5, "status": "met"},
            {"name": "Webinar MQLs", "kpi": "mqls", "source": "webinar", "comparator": ">=",
             "target": 3, "team": "marketing", "value": 2, "status": "missed"},
        ],
    }  # fmt: skip
    assert isinstance(body["slas"][3]["value"], int)  # a count stays an integer


def test_evaluating_twice_stores_the_same_result(alpha, slas_file):
    run("sla_apply", "alpha", slas_file())
    with schema_context(alpha.schema_name):
        march_2025()
        run("evaluate_slas", "alpha", "--period", "2025-03")
        first = list(SlaEvaluation.objects.order_by("pk").values())
        out = run("evaluate_slas", "alpha", "--period", "2025-03")
        assert list(SlaEvaluation.objects.order_by("pk").values()) == first
    assert len(first) == 8
    assert "missed    Webinar MQLs (marketing): mqls [webinar] = 2 (target >= 3)" in out


def test_evaluate_slas_of_a_week_judges_the_weekly_slas_only(alpha, slas_file):
    run("sla_apply", "alpha", slas_file())
    with schema_context(alpha.schema_name):
        march_2025()
    body = json.loads(run("evaluate_slas", "alpha", "--period", "2025-W10", "--json"))
    # 2025-W10 is 3–9 March: M3's created 2 March is before it; L5 (4 March) is in.
    assert body["slas"] == [
        {"name": "Weekly leads", "kpi": "leads", "source": None, "comparator": ">=",
         "target": 1, "team": "marketing", "value": 2, "status": "met"},
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("period", "message"),
    [
        ("2025", "per week, month or quarter"),
        ("2199-01", "has not started yet"),
        ("March", "is not a period"),
    ],
)
def test_evaluate_slas_refuses_periods_it_cannot_judge(alpha, period, message):
    with pytest.raises(CommandError, match=message):
        run("evaluate_slas", "alpha", "--period", period)


def test_unknown_workspace_is_refused(slas_file, db):
    with pytest.raises(CommandError, match="No workspace with the slug 'nowhere'"):
        run("sla_apply", "nowhere", slas_file())
