"""Reads of the surveys app. Every figure leaves here already suppressed below the threshold.

Results are aggregated in PostgreSQL (counts per statement, team and value), then scored and
suppressed by the pure functions of surveys.scoring. No output carries a response id, a
respondent or a time finer than the survey's own open and close days.
"""

from collections import defaultdict
from typing import Any

from django.db.models import Count, OuterRef, QuerySet, Subquery
from django.db.models.functions import TruncMonth
from django.utils import timezone

from smarketing.accounts.models import Team, User
from smarketing.funnel.models import Lead

from . import scoring, tokens
from .models import Answer, Invitee, Response, Statement, Survey, SurveyKind, SurveyStatus

TEAMS = [Team.MARKETING.value, Team.SALES.value, Team.LEADERSHIP.value]
NO_TEAM = "other"
NO_LEAD = "(no lead)"
NO_VALUE = "(none)"


hidden_note = scoring.hidden_note


def survey_list() -> QuerySet[Survey]:
    return Survey.objects.order_by("-created_at", "-pk")


def survey_get(survey_id: int) -> Survey | None:
    return Survey.objects.filter(pk=survey_id).first()


def survey_by_public_id(public_id: str) -> Survey | None:
    return Survey.objects.filter(public_id=public_id).first()


def survey_summary(survey: Survey) -> dict[str, Any]:
    """What any member may know about a survey: settings, and days rather than times."""
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
        "opens_on": survey.opens_at.date().isoformat() if survey.opens_at else None,
        "opened_on": survey.opened_at.date().isoformat() if survey.opened_at else None,
        "closes_on": survey.closes_at.date().isoformat() if survey.closes_at else None,
        "closed_on": survey.closed_at.date().isoformat() if survey.closed_at else None,
    }


def participation(survey: Survey) -> dict[str, Any]:
    """Invited, reached and answered counts; the answered count is hidden below the threshold."""
    invitees = Invitee.objects.filter(survey=survey)
    invited = invitees.count()
    responded = invitees.filter(responded=True).count()
    if survey.is_customer_survey:
        responses = Response.objects.filter(survey=survey).count()
    else:
        responses = responded
    hidden = scoring.is_hidden(responses, survey.anonymity_threshold)
    return {
        "invited": invited,
        "invitations_sent": invitees.exclude(invitation_sent_on=None).count(),
        "responses": None if hidden else responses,
        "participation_rate": None if hidden or not invited else round(responded / invited, 6),
        "hidden": hidden,
        "note": hidden_note(survey.anonymity_threshold) if hidden else "",
    }


def customer_invitee_list(survey: Survey) -> list[dict[str, Any]]:
    """Invitation tracking of a customer survey (alignment invitees are never listed)."""
    if not survey.is_customer_survey:
        return []
    return [
        {"email": email, "lead_id": lead_id, "invited": sent is not None, "answered": answered}
        for email, lead_id, sent, answered in Invitee.objects.filter(survey=survey)
        .order_by("email")
        .values_list("email", "lead_id", "invitation_sent_on", "responded")
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
        Answer.objects.filter(response__survey_id__in=survey_ids)
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
            Answer.objects.filter(response__survey=survey)
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
    trend = []
    for wave in waves:
        figures = _figures(wave, counts.get(wave.pk, {}), statement_ids[wave.pk])
        trend.append(
            {
                "survey_id": wave.pk,
                "title": wave.title,
                "status": wave.status,
                "opened_on": wave.opened_at.date().isoformat() if wave.opened_at else None,
                "alignment_score": scoring.round_or_none(figures.score, 2),
                "mean_perception_gap": scoring.round_or_none(figures.mean_gap, 2),
                "hidden": figures.overall_hidden,
            }
        )
    return trend


def _metric(survey: Survey, counts: dict[int, int]) -> dict[str, Any]:
    scores = scoring.counts_expand(counts)
    if survey.kind == SurveyKind.NPS:
        shares = scoring.nps_shares(scores)
        return {
            "responses": len(scores),
            "nps": scoring.round_or_none(scoring.nps(scores), 2),
            **{key: scoring.round_or_none(value, 6) for key, value in shares.items()},
        }
    return {
        "responses": len(scores),
        "csat": scoring.round_or_none(scoring.csat(scores), 6),
        "mean": scoring.round_or_none(scoring.counts_mean(counts), 2),
    }


def _breakdown(survey: Survey, counts: dict[str, dict[int, int]]) -> list[dict[str, Any]]:
    """One row per group of a partition of the responses, suppressed with its complement."""
    k = survey.anonymity_threshold
    hidden = scoring.hidden_groups({g: sum(c.values()) for g, c in counts.items()}, k)
    return [
        {"group": group, **scoring.hidden(k)}
        if group in hidden
        else {"group": group, "hidden": False, **_metric(survey, counts[group])}
        for group in sorted(counts)
    ]


def customer_results(survey: Survey) -> dict[str, Any]:
    """NPS (with promoter/passive/detractor shares) or CSAT, distribution, trend by month,
    comments, and the same measure by lead source, campaign and owner; suppressed below k."""
    k = survey.anonymity_threshold
    responses = Response.objects.filter(survey=survey)
    counts: dict[int, int] = dict(
        responses.values_list("score").annotate(n=Count("id")).order_by()  # type: ignore[arg-type]
    )
    total = sum(counts.values())
    hidden = scoring.is_hidden(total, k)
    low, high = survey.scale
    result: dict[str, Any] = {
        "survey": survey_summary(survey),
        "threshold": k,
        "participation": participation(survey),
        "measure": "nps" if survey.kind == SurveyKind.NPS else "csat",
    }
    if hidden:
        return result | {
            "overall": scoring.hidden(k),
            "distribution": None,
            "trend": [],
            "by_source": [],
            "by_campaign": [],
            "by_owner": [],
            "comments": None,
        }

    by_month: dict[str, dict[int, int]] = defaultdict(dict)
    for month, score, n in (
        responses.annotate(month=TruncMonth("submitted_on"))
        .values_list("month", "score")
        .annotate(n=Count("id"))
        .order_by()
    ):
        by_month[month.strftime("%Y-%m")][score] = n

    lead = Lead.objects.filter(lead_id=OuterRef("lead_id"))
    linked = responses.annotate(
        lead_source=Subquery(lead.values("source")[:1]),
        lead_campaign=Subquery(lead.values("campaign")[:1]),
        lead_owner=Subquery(lead.values("owner")[:1]),
    )
    breakdowns: dict[str, dict[str, dict[int, int]]] = {}
    for name, field in (
        ("source", "lead_source"),
        ("campaign", "lead_campaign"),
        ("owner", "lead_owner"),
    ):
        groups: dict[str, dict[int, int]] = defaultdict(dict)
        for value, score, n in (
            linked.values_list(field, "score").annotate(n=Count("id")).order_by()
        ):
            # Every response is in exactly one group, so hidden groups cannot be recovered by
            # subtracting the visible ones from the overall figure.
            group = NO_LEAD if value is None else (value or NO_VALUE)
            groups[group][score] = groups[group].get(score, 0) + n
        breakdowns[name] = groups

    return result | {
        "overall": {"hidden": False, **_metric(survey, counts)},
        "distribution": {
            str(v): n
            for v, n in scoring.distribution(scoring.counts_expand(counts), low, high).items()
        },
        "trend": [
            {"month": row["group"], **{key: value for key, value in row.items() if key != "group"}}
            for row in _breakdown(survey, by_month)
        ],
        "by_source": _breakdown(survey, breakdowns["source"]),
        "by_campaign": _breakdown(survey, breakdowns["campaign"]),
        "by_owner": _breakdown(survey, breakdowns["owner"]),
        "comments": [
            {"score": score, "comment": comment}
            for score, comment in responses.exclude(comment="")
            .order_by("-score", "comment")
            .values_list("score", "comment")
        ],
    }


def survey_results(survey: Survey, *, team: str | None = None) -> dict[str, Any]:
    if survey.is_customer_survey:
        return customer_results(survey)
    return alignment_results(survey, team=team)


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
