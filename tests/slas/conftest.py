"""A small month of funnel data whose SLA values are worked out by hand (2025-03, UTC)."""

import json

import pytest

from tests.kpis.conftest import deal, lead


def march_2025():
    """Five leads, four MQLs in March 2025 (hours after mql_at in brackets):

    M1 webinar      first touch (10 h), SQL (24 h)
    M2 webinar      first touch (25 h: late), rejected (72 h: late)
    M3 paid_social  nothing yet
    M4 paid_social  first touch (12 h), SQL (36 h)
    L5 paid_social  never an MQL
    and one won deal of 1,000.50 closed in March.
    """
    lead("M1", created_at="2025-03-01", mql_at="2025-03-02T00:00:00Z",
         first_touch_at="2025-03-02T10:00:00Z", sql_at="2025-03-03T00:00:00Z",
         source="webinar", owner="ann")  # fmt: skip
    lead("M2", created_at="2025-03-01", mql_at="2025-03-05T00:00:00Z",
         first_touch_at="2025-03-06T01:00:00Z", rejected_at="2025-03-08T00:00:00Z",
         rejection_reason="No budget", source="webinar", owner="ann")  # fmt: skip
    lead("M3", created_at="2025-03-02", mql_at="2025-03-10T00:00:00Z", source="paid_social",
         owner="bob")  # fmt: skip
    lead("M4", created_at="2025-03-03", mql_at="2025-03-20T00:00:00Z",
         first_touch_at="2025-03-20T12:00:00Z", sql_at="2025-03-21T12:00:00Z",
         source="paid_social", owner="bob")  # fmt: skip
    lead("L5", created_at="2025-03-04", source="paid_social")
    deal(status="won", amount="1000.50", created_at="2025-02-01", closed_at="2025-03-15",
         lead_id="M1")  # fmt: skip


# SPEC section 6's file; the values of March 2025 are in the comments.
SLAS = [
    {"name": "MQLs delivered", "kpi": "mqls", "source": None, "comparator": ">=",
     "target": 4, "period": "month", "team": "marketing"},  # 4: met, exactly
    {"name": "MQL to SQL", "kpi": "mql_to_sql_rate", "source": None, "comparator": ">=",
     "target": 0.6, "period": "month", "team": "shared"},  # M1, M4 of 4 = 0.5: missed
    {"name": "First touch within 24 h", "kpi": "mql_response_within_sla_rate", "source": None,
     "comparator": ">=", "target": 0.95, "period": "month", "team": "sales"},  # 0.5: missed
    {"name": "Dispositioned within 48 h", "kpi": "mql_disposition_within_48h_rate",
     "source": None, "comparator": ">=", "target": 0.5, "period": "month",
     "team": "sales"},  # M1 (24 h), M4 (36 h) of 4 = 0.5: met, exactly
    {"name": "Rejection rate", "kpi": "mql_rejection_rate", "source": None, "comparator": "<=",
     "target": 0.2, "period": "month", "team": "shared"},  # M2 of 4 = 0.25: missed
    {"name": "Webinar MQLs", "kpi": "mqls", "source": "webinar", "comparator": ">=",
     "target": 3, "period": "month", "team": "marketing"},  # M1, M2 = 2: missed
    {"name": "Podcast MQLs", "kpi": "mqls", "source": "podcast", "comparator": ">=",
     "target": 1, "period": "month", "team": "marketing"},  # no such source: no data
    {"name": "Revenue", "kpi": "revenue", "source": None, "comparator": ">=",
     "target": 1000, "period": "month", "team": "sales"},  # 1,000.50: met
    {"name": "Weekly leads", "kpi": "leads", "source": None, "comparator": ">=",
     "target": 1, "period": "week", "team": "marketing"},  # not a monthly SLA
]  # fmt: skip


@pytest.fixture
def slas_file(tmp_path):
    def write(slas=SLAS, name="slas.json"):
        path = tmp_path / name
        path.write_text(json.dumps({"slas": slas}))
        return str(path)

    return write
