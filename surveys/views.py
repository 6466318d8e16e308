"""Survey pages: list, create, results for members; answer pages that need no account."""

import hashlib
import hmac
import time

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views import View
from django_ratelimit.core import is_ratelimited

from smarketing.accounts.models import Role
from smarketing.accounts.permissions import RoleRequiredMixin
from smarketing.accounts.views import site_url
from smarketing.core.csv_export import CsvWriter

from . import exports, selectors, services
from .forms import CustomerUploadForm, SurveyCreateForm, ThresholdForm
from .models import Survey, SurveyKind, SurveyStatus
from .question_bank import QUESTION_BANK

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


class SurveyListView(RoleRequiredMixin, View):
    minimum_role = Role.VIEWER

    def get(self, request):
        surveys = list(selectors.survey_list())
        for survey in surveys:
            survey.my_answer_token = selectors.pending_invitation_link(survey, request.user)  # type: ignore[attr-defined]
        return render(
            request,
            "surveys/list.html",
            {
                "surveys": surveys,
                "trend": selectors.alignment_trend(),
                "can_manage": request.user.is_workspace_admin,
            },
        )


class SurveyCreateView(RoleRequiredMixin, View):
    minimum_role = Role.ADMIN

    def get(self, request):
        return render(
            request,
            "surveys/create.html",
            {"form": SurveyCreateForm(), "bank": QUESTION_BANK},
        )

    def post(self, request):
        form = SurveyCreateForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            common = {
                "created_by": request.user,
                "kind": data["kind"],
                "title": data["title"],
                "question": data["question"],
                "statements": services.statements_from(
                    bank_keys=data["bank_statements"],
                    custom_statements=data["custom_statements"].splitlines(),
                )
                if data["kind"] == SurveyKind.ALIGNMENT
                else [],
                "invite_teams": data["invite_teams"],
                "invite_user_ids": [person.pk for person in data["invite_people"]],
                "anonymity_threshold": data["anonymity_threshold"],
                "reminder_days": data["reminder_days"],
                "site_url": site_url(request),
            }
            try:
                launched = services.survey_launch(
                    **common,
                    open_now=data["start"] == "now",
                    opens_at=data["opens_at"] if data["start"] == "later" else None,
                    closes_at=data["closes_at"],
                    recurrence=data["recurrence"],
                    wave_days=data["wave_days"],
                    public_link_enabled=data["public_link_enabled"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                if launched.schedule is not None or launched.survey is None:
                    messages.success(request, "Recurring survey scheduled.")
                    return redirect("surveys:list")
                messages.success(request, f"Survey “{launched.survey.title}” created.")
                return redirect("surveys:detail", launched.survey.pk)
        return render(
            request, "surveys/create.html", {"form": form, "bank": QUESTION_BANK}, status=400
        )


def _distribution_bars(survey: Survey, distribution: dict[str, int] | None) -> list[dict]:
    """The customer distribution as bars: height relative to the most common answer."""
    if not distribution:
        return []
    tallest = max(distribution.values()) or 1
    bars = []
    for value, count in distribution.items():
        score = int(value)
        if survey.kind == SurveyKind.NPS:
            kind = "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"
        else:
            kind = "promoter" if score >= 4 else "detractor"
        bars.append(
            {"value": value, "count": count, "height": round(100 * count / tallest), "kind": kind}
        )
    return bars


def _trend_bar(measure: str, row: dict) -> None:
    """A month's bar: NPS (−100…100) grows left or right from the middle; CSAT from 0."""
    if row["hidden"]:
        return
    if measure == "nps":
        row["bar"] = {"width": abs(row["nps"]) / 2, "negative": row["nps"] < 0}
    else:
        row["bar"] = {"width": 100 * row["csat"], "negative": False}


def _breakdown_rows(results: dict, key: str) -> list[dict]:
    """The groups a breakdown shows, best first ("no lead" last); hidden ones are not listed."""
    measure = results["measure"]
    return sorted(
        results.get(key) or [],
        key=lambda row: (
            row["group"] in (selectors.NO_LEAD, selectors.NO_VALUE),
            -(row[measure] or 0),
            row["group"],
        ),
    )


class SurveyDetailView(RoleRequiredMixin, View):
    minimum_role = Role.VIEWER

    def get(self, request, pk: int):
        survey = selectors.survey_get(pk)
        if survey is None:
            raise Http404
        team = request.GET.get("team") or None
        if team not in (None, *selectors.TEAMS, selectors.NO_TEAM):
            team = None  # an unknown team shows every team
        results = selectors.survey_results(survey, team=team)
        is_admin = request.user.is_workspace_admin
        customer_views = {}
        if survey.is_customer_survey:
            for row in results.get("trend") or []:
                _trend_bar(results["measure"], row)
            customer_views = {
                "distribution_bars": _distribution_bars(survey, results.get("distribution")),
                "breakdowns": [
                    (title, _breakdown_rows(results, key))
                    for title, key in (
                        ("By lead source", "by_source"),
                        ("By campaign", "by_campaign"),
                        ("By owner", "by_owner"),
                    )
                ],
            }
        return render(
            request,
            "surveys/detail.html",
            {
                "survey": survey,
                "results": results,
                "team": team,
                "teams": selectors.TEAMS,
                "can_manage": is_admin,
                "customers": selectors.customer_invitee_list(survey) if is_admin else [],
                "customer_form": CustomerUploadForm(),
                "threshold_form": ThresholdForm(
                    initial={"anonymity_threshold": survey.anonymity_threshold}
                ),
                "public_url": site_url(request) + f"/surveys/p/{survey.public_id}/",
                "my_answer_token": selectors.pending_invitation_link(survey, request.user),
                "uninvited": selectors.uninvited_people(survey) if is_admin else [],
                **customer_views,
            },
        )


class _SurveyActionView(RoleRequiredMixin, View):
    minimum_role = Role.ADMIN

    def act(self, request, survey: Survey) -> str:
        raise NotImplementedError

    def post(self, request, pk: int):
        survey = selectors.survey_get(pk)
        if survey is None:
            raise Http404
        try:
            messages.success(request, self.act(request, survey))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect("surveys:detail", survey.pk)


class SurveyOpenView(_SurveyActionView):
    def act(self, request, survey):
        services.survey_open(survey=survey, opened_by=request.user)
        return "Survey opened; invitations are on their way."


class SurveyCloseView(_SurveyActionView):
    def act(self, request, survey):
        services.survey_close(survey=survey, closed_by=request.user)
        return "Survey closed."


class SurveyInviteesView(_SurveyActionView):
    """Invite people to an open pulse, e.g. members who joined after it opened."""

    def act(self, request, survey):
        user_ids = [int(pk) for pk in request.POST.getlist("user_ids") if pk.isdigit()]
        added = services.survey_invitees_add(
            survey=survey, added_by=request.user, user_ids=user_ids
        )
        return (
            f"{added} {'person' if added == 1 else 'people'} invited; their links are on their way."
        )


class SurveyThresholdView(_SurveyActionView):
    def act(self, request, survey):
        form = ThresholdForm(request.POST)
        if not form.is_valid():
            raise ValidationError(list(form.errors["anonymity_threshold"]))
        services.survey_update(
            survey=survey,
            changed_by=request.user,
            anonymity_threshold=form.cleaned_data["anonymity_threshold"],
        )
        return "Anonymity threshold saved."


class SurveyCustomersView(_SurveyActionView):
    def act(self, request, survey):
        form = CustomerUploadForm(request.POST, request.FILES)
        if not form.is_valid():
            raise ValidationError([error for errors in form.errors.values() for error in errors])
        added = services.survey_customers_add(
            survey=survey, added_by=request.user, customers=form.cleaned_data["rows"]
        )
        sending = (
            " Their personal links are on their way."
            if added and survey.status == SurveyStatus.OPEN
            else ""
        )
        return f"{added} customers added.{sending}"


class SurveyResultsCsvView(RoleRequiredMixin, View):
    """The aggregated results as CSV: the same suppressed figures as the page."""

    minimum_role = Role.VIEWER

    def get(self, request, pk: int):
        survey = selectors.survey_get(pk)
        if survey is None:
            raise Http404
        response = HttpResponse(content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="survey-{survey.pk}-results.csv"'
        CsvWriter(response).writerows(exports.results_rows(selectors.survey_results(survey)))
        return response
