"""Reads of the surveys app. Every figure leaves here already suppressed below the threshold.

Results cover released answers only (`surveys.services.releasing`), counted in PostgreSQL in
one grouped query, then scored and suppressed by the pure functions of `surveys.scoring`. No
output carries a response id, a respondent, who has answered, or a time finer than a day.
"""

from collections import defaultdict
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from smarketing.accounts.models import Team, User
from smarketing.configuration.selectors import workspace_time_zone

from . import scoring, tokens
from .models import (
    NO_LEAD_GROUP,
    NO_VALUE_GROUP,
    Answer,
    Invitee,
    Response,
    Statement,
    Survey,
    SurveyKind,
    SurveySchedule,
    SurveyStatus,
)
from .services.releasing import utc_today

TEAMS = [Team.MARKETING.value, Team.SALES.value, Team.LEADERSHIP.value]
NO_TEAM = "other"
NO_LEAD = NO_LEAD_GROUP
NO_VALUE = NO_VALUE_GROUP


hidden_note = scoring.hidden_note


def survey_list() -> QuerySet[Survey]:
    return Survey.objects.order_by("-created_at", "-pk")


def survey_get(survey_id: int) -> Survey | None:
    return Survey.objects.filter(pk=survey_id).first()


def survey_by_public_id(public_id: str) -> Survey | None:
    return Survey.objects.filter(public_id=public_id).first()


def survey_summary(survey: Survey, *, time_zone: ZoneInfo | None = None) -> dict[str, Any]:
    """What any member may know about a survey: settings, and days rather than times (days
    in the workspace's time zone, as every page shows them)."""
    zone = time_zone or workspace_time_zone()
    return {
        "id": survey.pk,
        "kind": survey.kind,
        "title": survey.title,
        "question": survey.question,
        "status": survey.status,
        "anonymity_threshold": survey.anonymity_threshold,
        "invite_teams": survey.invite_teams,
        "reminder_days": survey.reminder_days,
        "public_link_enabled": survey.public_link_enabled,
        "public_id": survey.public_id if survey.public_link_enabled else None,
        "recurrence": survey.schedule.recurrence if survey.schedule is not None else None,
        "statements": [
            {"id": s.pk, "position": s.position, "topic": s.topic, "text": s.text}
            for s in survey.statements.all()
        ],
        "opens_on": _day_text(survey.opens_at, zone),
        "opened_on": _day_text(survey.opened_at, zone),
        "closes_on": _day_text(survey.closes_at, zone),
        "closed_on": _day_text(survey.closed_at, zone),
    }


def participation(survey: Survey) -> dict[str, Any]:
    """Who was invited and how many answered, by personal link and by the public link.

    Participation is personal-link answers over invitations: answers through a public link
    have no invitation, so they are counted on their own and never inflate the rate. Every
    count of answers is hidden while the survey has fewer than k; nothing says who answered.
    """
    answers = Response.objects.filter(survey=survey).aggregate(
        total=Count("pk"), released=Count("pk", filter=Q(release__isnull=False))
    )
    invitees = Invitee.objects.filter(survey=survey).aggregate(
        invited=Count("pk"),
        sent=Count("pk", filter=Q(invitation_sent_on__isnull=False)),
        answered=Count("pk", filter=Q(responded=True)),
    )
    total, answered, invited = answers["total"], invitees["answered"], invitees["invited"]
    hidden = scoring.is_hidden(total, survey.anonymity_threshold)
    return {
        "invited": invited,
        "invitations_sent": invitees["sent"],
        "answered": None if hidden else answered,
        "participation_rate": None if hidden or not invited else round(answered / invited, 6),
        "public_answers": None if hidden else max(total - answered, 0),
        "responses": None if hidden else total,
        "in_results": None if hidden else answers["released"],
        "hidden": hidden,
        "note": scoring.hidden_note(survey.anonymity_threshold) if hidden else "",
    }


def release_status(survey: Survey) -> dict[str, Any]:
    """How the survey's results grow: the rule, the last release, and how many answers wait."""
    releases = survey.releases.aggregate(count=Count("pk"), last=Max("released_on"))
    pending = Response.objects.filter(survey=survey, release=None).count()
    return {
        "rule": "at_close" if survey.kind == SurveyKind.ALIGNMENT else "batches",
        "batch_size": survey.anonymity_threshold,
        "releases": releases["count"],
        "last_released_on": releases["last"].isoformat() if releases["last"] else None,
        "pending": pending,
    }


def customer_invitee_list(survey: Survey) -> list[dict[str, Any]]:
    """Invitations of a customer survey: who was invited, never whether they answered
    (alignment invitees are never listed). Reminders use the server's own tracking."""
    if not survey.is_customer_survey:
        return []
    return [
        {"email": email, "lead_id": lead_id, "invited": sent is not None}
        for email, lead_id, sent in Invitee.objects.filter(survey=survey)
        .order_by("email")
        .values_list("email", "lead_id", "invitation_sent_on")
    ]


def _team_groups(survey: Survey) -> list[str]:
    has_no_team = Invitee.objects.filter(survey=survey, team="").exists()
    return TEAMS + ([NO_TEAM] if has_no_team else [])


def _alignment_counts(
    survey_ids: list[int],
) -> dict[int, dict[int, dict[str, dict[int, int]]]]:
    """One query for any number of waves: answers counted per wave, statement, team and value."""
    counts: dict[int, dict[int, dict[str, dict[int, int]]]] = {}
    for survey_id, statement_id, team, value, n in (
        Answer.objects.filter(response__survey_id__in=survey_ids, response__release__isnull=False)
        .values_list("response__survey_id", "statement_id", "response__team", "value")
        .annotate(n=Count("id"))
        .order_by()
    ):
        by_team = counts.setdefault(survey_id, {}).setdefault(statement_id, {})
        by_team.setdefault(team or NO_TEAM, {})[value] = n
    return counts


def _figures(
    survey: Survey, counts, statement_ids: list[int], teams: list[str] = TEAMS
) -> scoring.AlignmentFigures:
    return scoring.alignment_figures(
        counts,
        statement_ids=statement_ids,
        teams=teams,
        threshold=survey.anonymity_threshold,
        marketing=Team.MARKETING,
        sales=Team.SALES,
    )


def alignment_results(survey: Survey, *, team: str | None = None) -> dict[str, Any]:
    """Participation, per statement mean/distribution per team and overall, ranked perception
    gaps, the alignment score and comments grouped by statement, all suppressed below k.

    `team` narrows the per-team figures to one team; suppression is decided on the whole
    partition first, so no filter can show a group the unfiltered view hides.
    """
    k = survey.anonymity_threshold
    groups = _team_groups(survey)
    statements_list = list(survey.statements.all())
    figures = _figures(
        survey,
        _alignment_counts([survey.pk]).get(survey.pk, {}),
        [s.pk for s in statements_list],
        groups,
    )

    comments: dict[int, list[str]] = defaultdict(list)
    if not figures.overall_hidden:
        # Alphabetical: the order says nothing about who answered when.
        for statement_id, comment in (
            Answer.objects.filter(response__survey=survey, response__release__isnull=False)
            .exclude(comment="")
            .order_by("statement_id", "comment")
            .values_list("statement_id", "comment")
        ):
            comments[statement_id].append(comment)

    shown_teams = [t for t in groups if team in (None, "", t)]
    statements: list[dict[str, Any]] = []
    for statement in statements_list:
        figure = figures.statements[statement.pk]
        statements.append(
            {
                "id": statement.pk,
                "position": statement.position,
                "topic": statement.topic,
                "text": statement.text,
                "overall": figure.overall,
                "teams": {t: figure.teams[t] for t in shown_teams},
                "perception_gap": scoring.round_or_none(figure.gap, 2),
                "comments": None if figures.overall_hidden else comments.get(statement.pk, []),
            }
        )
    ranked_gaps = sorted(
        (s for s in statements if s["perception_gap"] is not None),
        key=lambda s: (-s["perception_gap"], s["position"]),
    )
    return {
        "survey": survey_summary(survey),
        "threshold": k,
        "participation": participation(survey),
        "release": release_status(survey),
        "groups": {
            "overall": scoring.hidden(k)
            if figures.overall_hidden
            else {"hidden": False, "responses": figures.total},
            **{
                t: scoring.hidden(k)
                if t in figures.hidden_teams
                else {"hidden": False, "responses": figures.team_counts.get(t, 0)}
                for t in shown_teams
            },
        },
        "statements": statements,
        "perception_gaps": [
            {
                "statement_id": s["id"],
                "text": s["text"],
                "perception_gap": s["perception_gap"],
                "marketing_mean": s["teams"].get(Team.MARKETING, {}).get("mean")
                if team in (None, "", Team.MARKETING)
                else None,
                "sales_mean": s["teams"].get(Team.SALES, {}).get("mean")
                if team in (None, "", Team.SALES)
                else None,
            }
            for s in ranked_gaps
        ],
        "alignment_score": scoring.round_or_none(figures.score, 2),
    }


def alignment_trend() -> list[dict[str, Any]]:
    """The alignment score of each opened alignment wave, oldest first: one query for the
    answers of every wave, then `scoring.alignment_figures` per wave."""
    waves = list(
        Survey.objects.filter(
            kind=SurveyKind.ALIGNMENT, status__in=[SurveyStatus.OPEN, SurveyStatus.CLOSED]
        ).order_by("opened_at", "pk")
    )
    counts = _alignment_counts([wave.pk for wave in waves])
    statement_ids: dict[int, list[int]] = defaultdict(list)
    for survey_id, statement_id in Statement.objects.filter(survey__in=waves).values_list(
        "survey_id", "pk"
    ):
        statement_ids[survey_id].append(statement_id)
    zone = workspace_time_zone()
    trend = []
    for wave in waves:
        figures = _figures(wave, counts.get(wave.pk, {}), statement_ids[wave.pk])
        trend.append(
            {
                "survey_id": wave.pk,
                "title": wave.title,
                "status": wave.status,
                "opened_on": _day_text(wave.opened_at, zone),
                "alignment_score": scoring.round_or_none(figures.score, 2),
                "mean_perception_gap": scoring.round_or_none(figures.mean_gap, 2),
                "hidden": figures.overall_hidden,
            }
        )
    return trend


def _customer_counts(survey: Survey) -> list[scoring.CustomerCount]:
    """One query: released answers counted per release month, score and frozen lead groups."""
    rows = (
        Response.objects.filter(survey=survey, release__isnull=False)
        .values_list(
            "release__released_on", "score", "source_group", "campaign_group", "owner_group"
        )
        .annotate(n=Count("pk"))
        .order_by()
    )
    return [
        scoring.CustomerCount(
            month=day.strftime("%Y-%m"),
            score=score,
            source=source or NO_LEAD,
            campaign=campaign or NO_LEAD,
            owner=owner or NO_LEAD,
            n=n,
        )
        for day, score, source, campaign, owner, n in rows
    ]


def customer_results(survey: Survey) -> dict[str, Any]:
    """NPS (with promoter/passive/detractor shares) or CSAT, distribution, trend by release
    month, comments, and the same measure by lead source, campaign and owner; suppressed."""
    measure = "nps" if survey.kind == SurveyKind.NPS else "csat"
    figures = scoring.customer_figures(
        _customer_counts(survey),
        measure=measure,
        scale=survey.scale,
        threshold=survey.anonymity_threshold,
        open_month=None if survey.status == SurveyStatus.CLOSED else utc_today().strftime("%Y-%m"),
    )
    comments = None
    if not figures["overall"]["hidden"]:
        comments = [
            {"score": score, "comment": comment}
            for score, comment in Response.objects.filter(survey=survey, release__isnull=False)
            .exclude(comment="")
            .order_by("-score", "comment")
            .values_list("score", "comment")
        ]
    return {
        "survey": survey_summary(survey),
        "threshold": survey.anonymity_threshold,
        "participation": participation(survey),
        "release": release_status(survey),
        "measure": measure,
        **figures,
        "comments": comments,
    }


def survey_results(survey: Survey, *, team: str | None = None) -> dict[str, Any]:
    if survey.is_customer_survey:
        return customer_results(survey)
    return alignment_results(survey, team=team)


def alignment_quarter_summary(
    *, start: date | datetime, end: date | datetime, gaps: int = 3
) -> dict[str, Any]:
    """What the alignment cockpit shows for the quarter [start, end), already suppressed.

    - `wave`: the quarter's latest closed alignment wave, the one that closed last within
      [start, end) ({"id", "title", "closed_on"}), or None;
    - `mean_score`: its mean over every answer, 1–5 (SPEC 5: the survey component is
      (mean − 1) ÷ 4 × 100), None when the wave is hidden below its threshold;
    - `mean_perception_gap`: the mean gap over its statements where both teams pass the
      threshold (SPEC 5: perception agreement = 100 − 25 × it), None without any;
    - `largest_gaps`: up to `gaps` statements, largest gap first: {"statement_id", "text",
      "marketing_mean", "sales_mean", "perception_gap"}; suppressed ones left out;
    - `nps` and `nps_responses`: the NPS of the customer answers of NPS surveys released in
      the quarter, None (and 0 answers shown) when there are none or fewer than the largest
      threshold among those surveys.

    Figures are unrounded (the cockpit rounds at output). `start` and `end` may be dates or
    datetimes (taken as days in the workspace's time zone); answers count by the day they
    were released into results, so the figure changes only by whole releases.
    """
    first, last = _day(start), _day(end)
    wave = (
        Survey.objects.filter(
            kind=SurveyKind.ALIGNMENT,
            status=SurveyStatus.CLOSED,
            closed_at__gte=_midnight(first),
            closed_at__lt=_midnight(last),
        )
        .order_by("-closed_at", "-pk")
        .first()
    )
    summary: dict[str, Any] = {
        "wave": None,
        "mean_score": None,
        "mean_perception_gap": None,
        "largest_gaps": [],
    }
    if wave is not None and wave.closed_at is not None:
        texts = dict(Statement.objects.filter(survey=wave).values_list("pk", "text"))
        figures = _figures(wave, _alignment_counts([wave.pk]).get(wave.pk, {}), list(texts))
        summary = {
            "wave": {
                "id": wave.pk,
                "title": wave.title,
                "closed_on": _day(wave.closed_at).isoformat(),
            },
            "mean_score": figures.answers_mean,
            "mean_perception_gap": figures.mean_gap,
            "largest_gaps": scoring.largest_gaps(figures, texts, gaps),
        }
    counts: dict[int, int] = {}
    threshold = 0
    for score, survey_threshold, n in (
        Response.objects.filter(
            survey__kind=SurveyKind.NPS,
            release__released_on__gte=first,
            release__released_on__lt=last,
        )
        .values_list("score", "survey__anonymity_threshold")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        counts[score] = counts.get(score, 0) + n
        threshold = max(threshold, survey_threshold)
    nps = scoring.nps_of_counts(counts, max(threshold, scoring.MIN_ANONYMITY_THRESHOLD))
    return summary | {"nps": nps, "nps_responses": 0 if nps is None else sum(counts.values())}


def _day_text(moment: datetime | None, zone: ZoneInfo) -> str | None:
    return moment.astimezone(zone).date().isoformat() if moment else None


def survey_summaries() -> list[dict[str, Any]]:
    zone = workspace_time_zone()
    return [survey_summary(survey, time_zone=zone) for survey in survey_list()]


def schedule_summary(schedule: SurveySchedule) -> dict[str, Any]:
    """A recurring survey's schedule: its rhythm and the day its next wave opens."""
    return {
        "id": schedule.pk,
        "recurrence": schedule.recurrence,
        "wave_days": schedule.wave_days,
        "next_run_on": _day(schedule.next_run_at),
    }


def _day(moment: date | datetime) -> date:
    if isinstance(moment, datetime):
        return moment.astimezone(workspace_time_zone()).date()
    return moment


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=workspace_time_zone())


def uninvited_people(survey: Survey) -> list[User]:
    """Active people with an email not invited to an open pulse (e.g. who joined since)."""
    if survey.kind != SurveyKind.ALIGNMENT or survey.status != SurveyStatus.OPEN:
        return []
    invited = Invitee.objects.filter(survey=survey).values("email")
    return list(
        User.objects.filter(is_active=True)
        .exclude(email="")
        .exclude(email__in=invited)
        .order_by("email")
    )


def pending_invitation_link(survey: Survey, user: User) -> str | None:
    """The signed-in person's own answer link for an open survey they have not answered yet."""
    if survey.status != SurveyStatus.OPEN or not user.is_authenticated:
        return None
    if survey.closes_at is not None and survey.closes_at <= timezone.now():
        return None
    invitee = Invitee.objects.filter(survey=survey, user=user, responded=False).first()
    if invitee is None:
        return None
    return tokens.invitee_token(survey_id=survey.pk, nonce=invitee.nonce)
