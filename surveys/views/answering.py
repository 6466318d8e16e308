"""Answer pages that need no account: personal links and public links, with their abuse
protections (rate limits, a honeypot, a minimum fill time)."""

import hashlib
import hmac
import time

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import render
from django.views import View
from django_ratelimit.core import is_ratelimited

from .. import selectors, services
from ..models import Survey, SurveyKind, SurveyStatus

FORM_STARTED_SALT = "surveys.form-started"
HONEYPOT_FIELD = "website"
LIKERT_LABELS = ["Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree"]


def form_started_token(at: float | None = None) -> str:
    """A signed "the form was shown at" value, for the minimum fill time."""
    return signing.dumps(at if at is not None else time.time(), salt=FORM_STARTED_SALT)


def _form_started_at(request) -> float | None:
    try:
        return float(signing.loads(request.POST.get("started", ""), salt=FORM_STARTED_SALT))
    except (signing.BadSignature, TypeError, ValueError):
        return None


def _too_fast(request) -> bool:
    started = _form_started_at(request)
    if started is None:
        return True
    return time.time() - started < getattr(settings, "SURVEY_MIN_FILL_SECONDS", 3)


def _ip_hash(group, request) -> str:
    # Only a keyed hash of the address reaches the rate-limit cache; it is never stored.
    address = request.META.get("REMOTE_ADDR", "")
    return hmac.new(settings.SECRET_KEY.encode(), address.encode(), hashlib.sha256).hexdigest()


def _rate_limited(request, survey: Survey) -> bool:
    per_ip = is_ratelimited(
        request,
        group="surveys.answer.ip",
        key=_ip_hash,
        rate=getattr(settings, "SURVEY_RATE_PER_IP", "10/m"),
        method="POST",
        increment=True,
    )
    per_survey = is_ratelimited(
        request,
        group="surveys.answer.survey",
        key=lambda group, request: f"survey-{survey.pk}",
        rate=getattr(settings, "SURVEY_RATE_PER_SURVEY", "300/m"),
        method="POST",
        increment=True,
    )
    return per_ip or per_survey


def _link_state(request, state: str, survey: Survey | None = None, *, public: bool = False):
    """The page of a link that cannot be answered; `public`: the survey's shared link."""
    status = {"not_found": 404, "rate_limited": 429}.get(state, 410)
    return render(
        request,
        "surveys/link_state.html",
        {"state": state, "survey": survey, "public": public},
        status=status,
    )


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def _answer_input(request, survey: Survey) -> dict:
    if survey.kind == SurveyKind.ALIGNMENT:
        statements = list(survey.statements.all())
        return {
            "values": {
                s.pk: value
                for s in statements
                if (value := _int_or_none(request.POST.get(f"s{s.pk}"))) is not None
            },
            "comments": {s.pk: request.POST.get(f"c{s.pk}", "") for s in statements},
        }
    return {
        "score": _int_or_none(request.POST.get("score")),
        "comment": request.POST.get("comment", ""),
    }


def _answer_page(request, survey: Survey, *, error: str = "", status: int = 200):
    """The answer form; after a refused send it keeps what the person chose and wrote, and
    the time the form was first shown (so the minimum fill time never bounces them twice)."""
    low, high = survey.scale
    posted = _answer_input(request, survey) if request.method == "POST" else {}
    started_at = _form_started_at(request) if request.method == "POST" else None
    values, comments = posted.get("values", {}), posted.get("comments", {})
    return render(
        request,
        "surveys/answer.html",
        {
            "survey": survey,
            "statements": [
                {
                    "pk": s.pk,
                    "text": s.text,
                    "chosen": values.get(s.pk),
                    "comment": comments.get(s.pk, ""),
                }
                for s in survey.statements.all()
            ],
            "likert": list(zip(range(1, 6), LIKERT_LABELS, strict=True)),
            "scale": range(low, high + 1),
            "chosen_score": posted.get("score"),
            "comment": posted.get("comment", ""),
            "started": form_started_token(started_at),
            "honeypot": HONEYPOT_FIELD,
            "error": error,
        },
        status=status,
    )


def _guarded_submit(request, survey: Survey, submit):
    """Abuse checks shared by personal and public links, then `submit(**answers)`."""
    if _rate_limited(request, survey):
        return _link_state(request, "rate_limited", survey)
    if request.POST.get(HONEYPOT_FIELD):
        # A bot filled the invisible field: thank it, store nothing.
        return render(request, "surveys/thanks.html", {"survey": survey})
    if _too_fast(request):
        return _answer_page(
            request, survey, error="That was very quick — please check your answers and send again."
        )
    try:
        submit(**_answer_input(request, survey))
    except ValidationError as error:
        return _answer_page(request, survey, error=" ".join(error.messages), status=400)
    except services.SurveyLinkError as error:
        return _link_state(request, error.state, survey)
    return None


class AnswerView(View):
    """A personal link (no account needed): one answer per link."""

    def get(self, request, token: str):
        try:
            invitee = services.invitee_for_token(token)
        except services.SurveyLinkError as error:
            return _link_state(request, error.state, error.survey)
        return _answer_page(request, invitee.survey)

    def post(self, request, token: str):
        try:
            survey = services.invitee_for_token(token).survey
        except services.SurveyLinkError as error:
            return _link_state(request, error.state, error.survey)
        failed = _guarded_submit(
            request,
            survey,
            lambda **answers: services.survey_response_submit(token=token, **answers),
        )
        return failed or render(request, "surveys/thanks.html", {"survey": survey})


def _answered_cookie(survey: Survey) -> str:
    return f"answered-{survey.public_id}"


class PublicAnswerView(View):
    """The public link of an NPS/CSAT survey (no account, no IP stored)."""

    def _survey(self, public_id: str) -> Survey:
        survey = selectors.survey_by_public_id(public_id)
        if survey is None or not survey.public_link_enabled or not survey.is_customer_survey:
            raise Http404
        return survey

    def get(self, request, public_id: str):
        survey = self._survey(public_id)
        if survey.status != SurveyStatus.OPEN:
            return _link_state(request, "closed", survey)
        if request.get_signed_cookie(_answered_cookie(survey), default=None):
            return _link_state(request, "used", survey, public=True)
        return _answer_page(request, survey)

    def post(self, request, public_id: str):
        survey = self._survey(public_id)
        if request.get_signed_cookie(_answered_cookie(survey), default=None):
            return _link_state(request, "used", survey, public=True)
        failed = _guarded_submit(
            request,
            survey,
            lambda score, comment: services.survey_public_response_submit(
                survey=survey, score=score, comment=comment
            ),
        )
        if failed:
            return failed
        response = render(request, "surveys/thanks.html", {"survey": survey})
        # Discourages answering twice from one browser; holds no identifier, only "yes".
        response.set_signed_cookie(
            _answered_cookie(survey), "1", max_age=365 * 86400, httponly=True, samesite="Lax"
        )
        return response
