"""The demo's survey history: waves with a story, an open wave for the admin, a year of NPS."""

from datetime import UTC, datetime

from django.utils import timezone
from django_tenants.utils import schema_context

from smarketing.funnel.models import Lead
from surveys import selectors
from surveys.demo import survey_demo_seed
from surveys.models import Survey

SOURCES = ["referral", "events", "paid_social", "organic_search"]


def test_demo_seeds_four_waves_and_a_year_of_nps_once(alpha, alice):
    with schema_context(alpha.schema_name):
        Lead.objects.bulk_create(
            Lead(
                lead_id=f"D{n}",
                source=SOURCES[n % 4],
                campaign=f"c{n % 3}",
                owner=f"rep{n % 2}",
                created_at=datetime(2024, 1, 1, tzinfo=UTC),
                customer_at=datetime(2024, 3, 1, tzinfo=UTC),
            )
            for n in range(300)
        )
        assert survey_demo_seed(today=timezone.localdate()) is True
        assert survey_demo_seed(today=timezone.localdate()) is False

        waves = list(Survey.objects.filter(kind="alignment").order_by("opened_at"))
        assert [w.status for w in waves] == ["closed", "closed", "closed", "open"]
        first, _, third, current = (selectors.alignment_results(w) for w in waves)
        gap = {g["text"][:20]: g["perception_gap"] for g in first["perception_gaps"]}
        later = {g["text"][:20]: g["perception_gap"] for g in third["perception_gaps"]}
        lead_quality = "The leads marketing "
        assert gap[lead_quality] > later[lead_quality] > 0  # the gap narrows
        assert first["perception_gaps"][0]["perception_gap"] >= 1.5
        # The open wave's answers wait for its close; the closed ones were released then.
        assert current["groups"]["overall"]["hidden"] and current["release"]["pending"] == 15
        assert first["release"]["releases"] == 1 and first["release"]["pending"] == 0
        assert selectors.pending_invitation_link(waves[-1], alice) is not None
        trend = selectors.alignment_trend()
        assert trend[0]["alignment_score"] < trend[2]["alignment_score"]

        nps = selectors.customer_results(Survey.objects.get(kind="nps"))
        assert len(nps["trend"]) == 13 and not any(row["hidden"] for row in nps["trend"])
        by_source = {row["group"]: row for row in nps["by_source"]}
        assert by_source["referral"]["nps"] > by_source["paid_social"]["nps"]
        assert nps["comments"]
