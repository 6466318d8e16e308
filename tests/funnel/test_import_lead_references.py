"""A leads import's range covers the rows that name its leads: they count by their lead's
source, so a new lead (or a new source) moves them between groups in *their* periods."""

from datetime import UTC, datetime

from tests.funnel.conftest import run_import

DEALS = (
    "deal_id,created_at,status,amount,lead_id,closed_at,owner\n"
    "D1,2024-11-05,won,100,L1,2024-12-20,ann\n"
    "D2,2024-10-01,won,100,OTHER,2024-10-02,ann\n"
)
ACTIVITIES = "activity_id,date,owner,type,lead_id\nA1,2024-09-30T10:00:00Z,ann,call,L1\n"
LEADS = "lead_id,created_at,source\nL1,2025-03-01,email\n"


def test_a_new_lead_widens_the_range_to_the_dates_of_the_rows_naming_it(alpha):
    run_import(alpha, DEALS, "deals")
    run_import(alpha, ACTIVITIES, "activities")
    job = run_import(alpha, LEADS, "leads")
    assert job.status == "succeeded"
    # L1's deal (November–December) and call (30 September) were unattributed until now.
    assert (job.affected_start, job.affected_end) == (
        datetime(2024, 9, 30, 10, tzinfo=UTC),
        datetime(2025, 3, 1, tzinfo=UTC),
    )


def test_a_leads_import_without_rows_naming_its_leads_keeps_to_its_own_dates(alpha):
    run_import(alpha, DEALS, "deals")
    job = run_import(alpha, "lead_id,created_at,source\nL7,2025-03-01,email\n", "leads")
    assert (job.affected_start, job.affected_end) == (
        datetime(2025, 3, 1, tzinfo=UTC),
        datetime(2025, 3, 1, tzinfo=UTC),
    )
