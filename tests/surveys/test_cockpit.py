"""selectors.alignment_quarter_summary: what the alignment cockpit reads for a quarter."""

from datetime import UTC, date, datetime

from django_tenants.utils import schema_context

from surveys import selectors, services
from surveys.models import ResultRelease, Survey

from .helpers import answered_survey, public_survey

Q2 = (date(2026, 4, 1), date(2026, 7, 1))


def _closed_on(alpha, survey, moment: datetime) -> None:
    with schema_context(alpha.schema_name):
        Survey.objects.filter(pk=survey.pk).update(closed_at=moment)


def _nps_released_on(alpha, scores, day: date, threshold: int = 3) -> None:
    survey = public_survey(alpha, "nps", scores, threshold)
    with schema_context(alpha.schema_name):
        services.survey_close(survey=survey)
        ResultRelease.objects.filter(survey=survey).update(released_on=day)


def test_the_quarters_latest_closed_wave_its_means_gaps_and_the_quarters_nps(alpha):
    early = answered_survey(alpha, {"marketing": [[1, 1]] * 3, "sales": [[1, 1]] * 3})
    # Statement 1: marketing 4, 4, 4 / sales 2, 2, 2 (gap 2); statement 2: 3s and 3s (gap 0).
    latest = answered_survey(alpha, {"marketing": [[4, 3]] * 3, "sales": [[2, 3]] * 3})
    outside = answered_survey(alpha, {"marketing": [[5, 5]] * 3, "sales": [[5, 5]] * 3})
    _closed_on(alpha, early, datetime(2026, 4, 20, tzinfo=UTC))
    _closed_on(alpha, latest, datetime(2026, 6, 30, 12, tzinfo=UTC))
    _closed_on(alpha, outside, datetime(2026, 7, 1, 0, 30, tzinfo=UTC))
    _nps_released_on(alpha, [10, 10, 9, 6, 0, 7, 10], date(2026, 5, 3))  # the last one is held
    _nps_released_on(alpha, [0, 0, 0], date(2026, 7, 2))  # the next quarter
    with schema_context(alpha.schema_name):
        summary = selectors.alignment_quarter_summary(start=Q2[0], end=Q2[1], gaps=1)
    assert summary["wave"] == {"id": latest.pk, "title": "Q1 pulse", "closed_on": "2026-06-30"}
    assert summary["mean_score"] == 3.0  # (4·3 + 2·3 + 3·6) / 12
    assert summary["mean_perception_gap"] == 1.0  # (2 + 0) / 2
    (gap,) = summary["largest_gaps"]
    assert (gap["marketing_mean"], gap["sales_mean"], gap["perception_gap"]) == (4.0, 2.0, 2.0)
    assert gap["text"].startswith("Marketing and sales keep each other informed")
    # Two releases of 3 (the seventh answer waits: 1 < k): (3 − 2) / 6
    assert summary["nps"] == 100 / 6 and summary["nps_responses"] == 6


def test_a_quarter_without_a_closed_wave_or_enough_answers_has_no_figures(alpha):
    open_wave = answered_survey(alpha, {"marketing": [[4]] * 3}, closed=False)
    _nps_released_on(alpha, [10, 9], date(2026, 5, 3))  # released at close, but below k
    with schema_context(alpha.schema_name):
        summary = selectors.alignment_quarter_summary(
            start=datetime(2026, 4, 1, tzinfo=UTC),
            end=datetime(2026, 7, 1, tzinfo=UTC),
        )
    assert open_wave.status == "open"
    assert summary == {
        "wave": None,
        "mean_score": None,
        "mean_perception_gap": None,
        "largest_gaps": [],
        "nps": None,
        "nps_responses": 0,
    }
