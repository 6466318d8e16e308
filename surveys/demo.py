"""Realistic survey history for the demo workspace (run inside its schema).

Four quarterly alignment waves tell a story: marketing rates lead quality and the hand-off far
higher than sales does at first; after the teams agree on an SLA the gaps narrow wave by wave.
Three waves are closed with results; the current one is open and the demo admin has not
answered yet. A year of NPS answers improves slowly, and customers from referrals and events
are happier than those from paid social.
"""

import random
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from smarketing.accounts.models import Role, Team, User
from smarketing.funnel.models import Lead

from . import services
from .models import Answer, Invitee, Recurrence, Response, Survey, SurveySchedule, SurveyStatus
from .question_bank import QUESTION_BANK
from .services.releasing import release_store

# Leadership includes the demo admin: five others answer, so no team falls below k = 5.
TEAM_SIZES = {Team.MARKETING: 9, Team.SALES: 9, Team.LEADERSHIP: 6}
FIRST_NAMES = [
    "maria", "lena", "tom", "ravi", "jonas", "aiko", "pedro", "sara", "omar", "nina",
    "lukas", "emma", "kofi", "ines", "yusuf", "clara", "mateo", "hana", "felix", "zoe",
    "arjun", "lea", "noah",
]  # fmt: skip

# Target means per wave (oldest first) for each bank statement: (marketing, sales, leadership).
STORY = {
    "communication": [(3.6, 2.9, 3.2), (3.7, 3.2, 3.4), (3.9, 3.6, 3.6), (4.0, 3.8, 3.8)],
    "collaboration": [(3.4, 3.0, 3.1), (3.5, 3.2, 3.3), (3.8, 3.5, 3.6), (3.9, 3.7, 3.7)],
    "shared_goals": [(3.2, 3.1, 3.0), (3.6, 3.5, 3.6), (4.0, 3.9, 4.1), (4.2, 4.1, 4.2)],
    "lead_quality": [(4.3, 2.0, 3.0), (4.1, 2.6, 3.2), (3.9, 3.1, 3.4), (3.9, 3.5, 3.6)],
    "feedback_loops": [(2.2, 3.9, 2.8), (2.6, 3.8, 3.0), (3.2, 3.7, 3.3), (3.5, 3.7, 3.5)],
    "hand_off": [(4.0, 2.4, 3.0), (3.9, 2.9, 3.2), (3.8, 3.3, 3.5), (3.8, 3.6, 3.6)],
    "trust_in_numbers": [(3.4, 2.2, 2.6), (3.5, 2.8, 3.0), (3.7, 3.3, 3.4), (3.8, 3.6, 3.7)],
}
COMMENTS = {
    "lead_quality": [
        "Too many students and competitors in the MQL list.",
        "Webinar leads rarely have budget.",
        "The new scoring model made a visible difference.",
        "Inbound demo requests are great, the rest is hit and miss.",
    ],
    "feedback_loops": [
        "We never hear back what happened to rejected MQLs.",
        "The weekly pipeline review helps a lot.",
        "Rejection reasons in the CRM are finally filled in.",
    ],
    "hand_off": [
        "Leads wait days before anyone calls them.",
        "The 24-hour SLA is mostly respected now.",
        "Context from marketing gets lost in the hand-off.",
    ],
    "trust_in_numbers": [
        "Marketing and sales dashboards still disagree.",
        "One shared definition of an MQL changed everything.",
    ],
}
NPS_COMMENTS = {
    "promoter": [
        "Support answers within the hour.",
        "It saves our team hours every week.",
        "Onboarding was smooth and friendly.",
        "The reports are exactly what our board asks for.",
    ],
    "passive": ["Good product, a bit pricey.", "Does the job; the mobile view could be better."],
    "detractor": [
        "The import kept failing on our CSV files.",
        "Too many features we do not need.",
        "Billing was confusing.",
    ],
}
# Promoter / detractor probabilities by lead source; others use the default.
SOURCE_MOOD = {
    "referral": (0.65, 0.08),
    "events": (0.55, 0.12),
    "organic_search": (0.45, 0.18),
    "paid_social": (0.28, 0.32),
}
DEFAULT_MOOD = (0.42, 0.2)


def _quarter_start(day: date) -> date:
    return date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def _previous_quarter(day: date) -> date:
    month = day.month - 3
    return date(day.year - (month <= 0), (month - 1) % 12 + 1, 1)


def _next_quarter(day: date) -> date:
    month = day.month + 3
    return date(day.year + (month > 12), (month - 1) % 12 + 1, 1)


def _likert(rng: random.Random, target: float) -> int:
    return min(5, max(1, round(rng.gauss(target, 0.75))))


def _team_members(rng: random.Random) -> dict[str, list[User]]:
    names = iter(FIRST_NAMES)
    members: dict[str, list[User]] = {}
    for team, size in TEAM_SIZES.items():
        existing = list(User.objects.filter(team=team, is_active=True).order_by("pk"))
        while len(existing) < size:
            name = next(names)
            email = f"{name}.{team}@demo.localhost"
            user, _ = User.objects.get_or_create(
                username=email,
                defaults={
                    "email": email,
                    "first_name": name.title(),
                    "role": Role.MEMBER if rng.random() < 0.8 else Role.VIEWER,
                    "team": team,
                },
            )
            user.set_unusable_password()
            user.save(update_fields=["password"])
            existing.append(user)
        members[team] = existing
    return members


def _aware(day: date) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, 9, 0))


def _answers_store(rng, survey, statements, wave_index, member, day) -> None:
    response = Response.objects.create(survey=survey, team=member.team, submitted_on=day)
    Answer.objects.bulk_create(
        Answer(
            response=response,
            statement=statement,
            value=_likert(rng, STORY[key][wave_index][list(TEAM_SIZES).index(member.team)]),
            comment=rng.choice(COMMENTS[key]) if key in COMMENTS and rng.random() < 0.3 else "",
        )
        for key, statement in statements
    )


def _alignment_waves(rng: random.Random, admin: User, today: date) -> None:
    members = _team_members(rng)
    starts = [_quarter_start(today)]
    for _ in range(3):
        starts.insert(0, _previous_quarter(starts[0]))
    keys = [item["key"] for item in QUESTION_BANK]
    schedule = SurveySchedule.objects.create(
        kind="alignment",
        title="Alignment pulse",
        statements=services.statements_from(bank_keys=keys),
        invite_teams=list(TEAM_SIZES),
        recurrence=Recurrence.QUARTERLY,
        next_run_at=_aware(_next_quarter(starts[-1])),
        site_url="http://demo.localhost:8000",
        created_by=admin,
    )
    for index, start in enumerate(starts):
        is_current = index == len(starts) - 1
        survey = services.survey_create(
            created_by=admin,
            kind="alignment",
            title=f"Alignment pulse · {start.year}-Q{(start.month - 1) // 3 + 1}",
            statements=schedule.statements,
            invite_teams=schedule.invite_teams,
            site_url=schedule.site_url,
            schedule=schedule,
        )
        statements = list(zip(keys, survey.statements.all(), strict=True))
        opened = _aware(min(start + timedelta(days=3), today))
        if is_current:
            # A real opening: invitations (and the admin's own link) like any open survey.
            survey = services.survey_open(survey=survey, opened_by=admin)
            Survey.objects.filter(pk=survey.pk).update(
                opened_at=opened, closes_at=_aware(today + timedelta(days=14))
            )
            answering = {
                team: [p for p in people if p != admin][:5] for team, people in members.items()
            }
        else:
            Invitee.objects.bulk_create(
                services.invitee_build(
                    survey=survey,
                    email=user.email,
                    user=user,
                    team=user.team,
                    invitation_sent_on=opened.date(),
                )
                for people in members.values()
                for user in people
            )
            Survey.objects.filter(pk=survey.pk).update(
                status=SurveyStatus.CLOSED,
                opened_at=opened,
                closes_at=opened + timedelta(days=14),
                closed_at=opened + timedelta(days=14),
            )
            answering = {
                team: [p for p in people if p != admin and rng.random() < 0.85]
                for team, people in members.items()
            }
            if len(answering[Team.LEADERSHIP]) < 5:
                answering[Team.LEADERSHIP] = [p for p in members[Team.LEADERSHIP] if p != admin]
        for team_members in answering.values():
            for member in team_members:
                if member == admin:
                    continue
                day = opened.date() + timedelta(days=rng.randint(0, 6))
                _answers_store(rng, survey, statements, index, member, min(day, today))
                Invitee.objects.filter(survey=survey, user=member).update(responded=True)
        if not is_current:  # released when the wave closed, as survey_close does
            release_store(
                survey=survey,
                responses=Response.objects.filter(survey=survey),
                released_on=(opened + timedelta(days=14)).date(),
            )


def _nps_score(rng: random.Random, mood: tuple[float, float], lift: float) -> int:
    promoter, detractor = mood
    draw = rng.random()
    if draw < promoter + lift:
        return rng.choice([9, 10, 10])
    if draw < promoter + lift + max(0.02, detractor - lift):
        return rng.choice([2, 4, 5, 6, 6])
    return rng.choice([7, 8, 8])


def _nps_year(rng: random.Random, admin: User, today: date) -> None:
    survey = services.survey_create(
        created_by=admin,
        kind="nps",
        title="Customer NPS",
        public_link_enabled=True,
        site_url="http://demo.localhost:8000",
    )
    survey = services.survey_open(survey=survey, opened_by=admin)
    first_day = date(today.year - 1, today.month, 1)
    Survey.objects.filter(pk=survey.pk).update(opened_at=_aware(first_day))
    leads = list(
        Lead.objects.exclude(customer_at=None).values_list("lead_id", "source")[:400]
    ) or list(Lead.objects.values_list("lead_id", "source")[:400])
    rng.shuffle(leads)
    responses, invitees = [], []
    for month in range(13):
        year, month_index = divmod(first_day.month - 1 + month, 12)
        month_start = date(first_day.year + year, month_index + 1, 1)
        if month_start > today:
            break
        lift = month * 0.012  # support improvements over the year
        for _ in range(rng.randint(18, 30)):
            day = min(month_start + timedelta(days=rng.randint(0, 27)), today)
            lead_id, source = leads.pop() if leads and rng.random() < 0.6 else ("", "")
            score = _nps_score(rng, SOURCE_MOOD.get(source, DEFAULT_MOOD), lift)
            mood = "promoter" if score >= 9 else "detractor" if score <= 6 else "passive"
            comment = rng.choice(NPS_COMMENTS[mood]) if rng.random() < 0.3 else ""
            responses.append(
                Response(
                    survey=survey, score=score, comment=comment, lead_id=lead_id, submitted_on=day
                )
            )
            if lead_id:
                invitees.append(
                    services.invitee_build(
                        survey=survey,
                        email=f"{lead_id.lower()}@customer.example",
                        lead_id=lead_id,
                        invitation_sent_on=day,
                        responded=True,
                    )
                )
    # Shuffled: the table's order says nothing about when anyone answered.
    rng.shuffle(responses)
    Response.objects.bulk_create(responses)
    Invitee.objects.bulk_create(invitees, ignore_conflicts=True)
    # Released as they would have been: each time k answers were waiting.
    arrived = sorted(responses, key=lambda response: response.submitted_on)
    k = survey.anonymity_threshold
    for start in range(0, len(arrived) - k + 1, k):
        batch = arrived[start : start + k]
        release_store(
            survey=survey,
            responses=Response.objects.filter(pk__in=[r.pk for r in batch]),
            released_on=batch[-1].submitted_on,
        )


def survey_demo_seed(*, today: date | None = None, seed: int = 7) -> bool:
    """Seed the current workspace's survey history once; False when it already has surveys."""
    if Survey.objects.exists():
        return False
    admin = User.objects.filter(role=Role.ADMIN, is_active=True).order_by("pk").first()
    if admin is None:
        return False
    rng = random.Random(seed)
    today = today or timezone.localdate()
    with transaction.atomic():
        _alignment_waves(rng, admin, today)
        _nps_year(rng, admin, today)
    return True
