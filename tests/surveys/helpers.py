"""Small hand-made survey data for the survey tests."""

import itertools

from django_tenants.utils import schema_context

from smarketing.accounts.models import User
from surveys import services, tokens
from surveys.models import Invitee, Survey
from surveys.question_bank import QUESTION_BANK
from tests.conftest import make_user

_people = itertools.count(1)


def people(workspace, team: str, count: int, role: str = "member") -> list[User]:
    return [
        make_user(workspace, f"{team}{next(_people)}@{workspace.slug}.test", role, team)
        for _ in range(count)
    ]


def admin_of(workspace) -> User:
    with schema_context(workspace.schema_name):
        found = User.objects.filter(role="admin").order_by("pk").first()
    return found or make_user(
        workspace, f"admin{next(_people)}@{workspace.slug}.test", "admin", "leadership"
    )


def alignment_survey(
    workspace, *, statements: int = 2, threshold: int = 3, teams=("marketing", "sales"), **extra
) -> Survey:
    """An open alignment survey inviting `teams`, with the first bank statements."""
    admin = admin_of(workspace)
    with schema_context(workspace.schema_name):
        survey = services.survey_create(
            created_by=admin,
            kind="alignment",
            title="Q1 pulse",
            statements=services.statements_from(
                bank_keys=[item["key"] for item in QUESTION_BANK[:statements]]
            ),
            invite_teams=teams,
            anonymity_threshold=threshold,
            site_url=f"http://{workspace.slug}.localhost",
            **extra,
        )
        return services.survey_open(survey=survey, opened_by=admin)


def token_for(workspace, survey: Survey, user: User) -> str:
    with schema_context(workspace.schema_name):
        invitee = Invitee.objects.get(survey=survey, user=user)
        return tokens.invitee_token(survey_id=survey.pk, nonce=invitee.nonce)


def answer_as(workspace, survey: Survey, user: User, values: list[int], comments=None) -> None:
    """`user` answers through their personal link (the service the answer page uses)."""
    token = token_for(workspace, survey, user)
    with schema_context(workspace.schema_name):
        statement_ids = list(survey.statements.values_list("pk", flat=True))
        services.survey_response_submit(
            token=token,
            values=dict(zip(statement_ids, values, strict=True)),
            comments=dict(zip(statement_ids, comments or [], strict=False)),
        )


def close(workspace, survey: Survey) -> Survey:
    """Close the survey: an alignment wave's answers are released into its results."""
    with schema_context(workspace.schema_name):
        return services.survey_close(survey=survey)


def answered_survey(
    workspace, answers: dict[str, list[list[int]]], threshold: int = 3, closed=True, **kw
):
    """A survey in which new people of each team answered the given value lists; closed (its
    results released) unless `closed=False`."""
    members = {team: people(workspace, team, len(rows)) for team, rows in answers.items()}
    survey = alignment_survey(
        workspace,
        threshold=threshold,
        teams=tuple(answers),
        statements=len(next(iter(answers.values()))[0]),
        **kw,
    )
    for team, rows in answers.items():
        for member, values in zip(members[team], rows, strict=True):
            answer_as(workspace, survey, member, values)
    return close(workspace, survey) if closed else survey


def public_survey(workspace, kind: str, scores=(), threshold: int = 3, title: str = "") -> Survey:
    """An open NPS or CSAT survey with a public link, answered with `scores` through it."""
    admin = admin_of(workspace)
    with schema_context(workspace.schema_name):
        survey = services.survey_create(
            created_by=admin,
            kind=kind,
            title=title or kind.upper(),
            anonymity_threshold=threshold,
            public_link_enabled=True,
        )
        survey = services.survey_open(survey=survey, opened_by=admin)
        for score in scores:
            services.survey_public_response_submit(survey=survey, score=score)
        return survey
