"""Survey pages for members: list, create, results, admins' actions and the CSV export."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views import View

from smarketing.accounts.models import Role
from smarketing.accounts.permissions import RoleRequiredMixin
from smarketing.accounts.views import site_url
from smarketing.core.csv_export import CsvWriter

from .. import exports, selectors, services
from ..forms import CustomerUploadForm, SurveyCreateForm, ThresholdForm
from ..models import Survey, SurveyKind, SurveyStatus
from ..question_bank import QUESTION_BANK


def _survey_or_404(pk: int) -> Survey:
    survey = selectors.survey_get(pk)
    if survey is None:
        raise Http404
    return survey


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
        survey = _survey_or_404(pk)
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
        survey = _survey_or_404(pk)
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
        survey = _survey_or_404(pk)
        response = HttpResponse(content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="survey-{survey.pk}-results.csv"'
        CsvWriter(response).writerows(exports.results_rows(selectors.survey_results(survey)))
        return response
