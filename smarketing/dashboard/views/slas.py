"""The SLA pages: every SLA with its standing, one SLA's history, and (admins) creating,
editing, retiring and accepting proposed SLAs. Reads stored evaluations only."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views import View

from smarketing.accounts.models import Role
from smarketing.accounts.permissions import RoleRequiredMixin
from smarketing.configuration.selectors import workspace_settings_get
from smarketing.core.periods import PeriodError
from smarketing.kpis.definitions import KPIS_BY_KEY
from smarketing.kpis.selectors.context import kpi_period_parse
from smarketing.kpis.selectors.planner import funnel_plan_get
from smarketing.slas import services
from smarketing.slas.evaluation import Status
from smarketing.slas.forms import SlaForm
from smarketing.slas.models import Sla, SlaTeam
from smarketing.slas.proposals import goal_proposals
from smarketing.slas.selectors import (
    sla_current_period,
    sla_evaluation_list,
    sla_get,
    sla_list,
    sla_standing_list,
    sla_team_compliance,
    sla_template_list,
)

from ..forms import PlannerForm, SlaProposalsForm
from .breaches import BREACH_KPIS

# The history chart's bar colours by status (the table beside it says the same in words).
STATUS_COLOURS = {
    Status.MET: "#1a7f45",
    Status.MISSED: "#c0392b",
    Status.NO_DATA: "#8a93a6",
    Status.ON_TRACK: "#5b8def",
    Status.AT_RISK: "#c77800",
}


def _sla_or_404(pk: int) -> Sla:
    sla = sla_get(sla_id=pk)
    if sla is None:
        raise Http404
    return sla


class SlaListView(RoleRequiredMixin, View):
    """Every active SLA: its latest closed period, the forecast of the period in progress,
    compliance over 4 and 12 periods and the current streak; per team too."""

    minimum_role = Role.VIEWER

    def get(self, request) -> HttpResponse:
        standings = sla_standing_list()
        is_admin = request.user.is_workspace_admin
        context = {
            "standings": standings,
            "teams": [
                (SlaTeam(team).label, figures)
                for team, figures in sla_team_compliance(standings).items()
            ],
            "current": {
                kind: sla_current_period(kind).label for kind in ("week", "month", "quarter")
            },
            "retired": sla_list(include_retired=True).exclude(retired_at=None),
            "currency": workspace_settings_get().currency,
            "breach_kpis": BREACH_KPIS,
        }
        if is_admin:
            templates = sla_template_list()
            context["proposals_form"] = SlaProposalsForm(proposals=templates) if templates else None
        return render(request, "dashboard/slas.html", context)


class SlaDetailView(RoleRequiredMixin, View):
    """One SLA: its terms, every stored period as a chart with the target line and a table."""

    minimum_role = Role.VIEWER

    def get(self, request, pk: int) -> HttpResponse:
        sla = _sla_or_404(pk)
        (standing,) = sla_standing_list(slas=[sla])
        evaluations = sla_evaluation_list(sla=sla)
        kpi = KPIS_BY_KEY.get(sla.kpi)
        chart = {
            "kpi_label": kpi.label if kpi else sla.kpi,
            "unit": str(kpi.unit) if kpi else "",
            "labels": [evaluation.period_label for evaluation in evaluations],
            "values": [
                None if evaluation.value is None else float(evaluation.value)
                for evaluation in evaluations
            ],
            "targets": [float(evaluation.target) for evaluation in evaluations],
            "colours": [STATUS_COLOURS[Status(evaluation.status)] for evaluation in evaluations],
        }
        return render(
            request,
            "dashboard/sla_detail.html",
            {
                "sla": sla,
                "standing": standing,
                "evaluations": list(reversed(evaluations)),
                "chart": chart,
                "currency": workspace_settings_get().currency,
                "breach_kind": BREACH_KPIS.get(sla.kpi),
            },
        )


class _SlaAdminView(RoleRequiredMixin, View):
    minimum_role = Role.ADMIN


def _form_page(request, form: SlaForm, sla: Sla | None = None) -> HttpResponse:
    return render(request, "dashboard/sla_form.html", {"form": form, "sla": sla})


class SlaCreateView(_SlaAdminView):
    def get(self, request) -> HttpResponse:
        return _form_page(request, SlaForm(initial={"comparator": ">=", "period": "month"}))

    def post(self, request) -> HttpResponse:
        form = SlaForm(request.POST)
        if form.is_valid():
            try:
                sla = services.sla_create(terms=form.terms())
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request, f'SLA "{sla.name}" created; its last 12 periods are being judged.'
                )
                return redirect("dashboard:sla_detail", pk=sla.pk)
        return _form_page(request, form)


class SlaEditView(_SlaAdminView):
    def get(self, request, pk: int) -> HttpResponse:
        sla = _sla_or_404(pk)
        return _form_page(request, SlaForm(instance=sla), sla)

    def post(self, request, pk: int) -> HttpResponse:
        sla = _sla_or_404(pk)
        form = SlaForm(request.POST, instance=Sla.objects.get(pk=pk))
        if form.is_valid():
            try:
                services.sla_update(sla=sla, terms=form.terms())
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, f'SLA "{sla.name}" saved.')
                return redirect("dashboard:sla_detail", pk=sla.pk)
        return _form_page(request, form, sla)


class SlaRetireView(_SlaAdminView):
    http_method_names = ["post"]

    def post(self, request, pk: int) -> HttpResponse:
        sla = services.sla_retire(sla=_sla_or_404(pk))
        messages.success(request, f'SLA "{sla.name}" retired: no longer judged, history kept.')
        return redirect("dashboard:sla_detail", pk=sla.pk)


class SlaProposalsAcceptView(_SlaAdminView):
    """Accept proposed SLAs (the templates of the SLA page or the goal page's targets)."""

    http_method_names = ["post"]

    def post(self, request) -> HttpResponse:
        form = SlaProposalsForm(request.POST)
        if form.is_valid():
            try:
                accepted = services.slas_accept(proposals=form.cleaned_data["proposals"])
            except ValidationError as error:
                form.add_error(None, error)
            else:
                names = ", ".join(f'"{sla.name}"' for sla in accepted)
                messages.success(request, f"Accepted {names}; their history is being judged.")
                return redirect("dashboard:slas")
        return render(request, "dashboard/sla_proposals.html", {"proposals_form": form})


class SlaFromGoalView(_SlaAdminView):
    """The goal planner's monthly volumes and rates, proposed as SLAs to edit and accept."""

    def get(self, request) -> HttpResponse:
        context: dict = {"currency": workspace_settings_get().currency}
        if "revenue" not in request.GET:
            current = sla_current_period("quarter")
            context["form"] = PlannerForm(initial={"period": current.next().label})
            return render(request, "dashboard/sla_from_goal.html", context)
        form = PlannerForm(request.GET)
        context["form"] = form
        if form.is_valid():
            try:
                period = kpi_period_parse(form.cleaned_data["period"])
                plan = funnel_plan_get(revenue=form.cleaned_data["revenue"], period=period)
            except PeriodError as error:
                form.add_error("period", str(error))
            else:
                context["plan"] = plan
                proposals = goal_proposals(plan)
                context["proposals_form"] = (
                    SlaProposalsForm(proposals=proposals) if proposals else None
                )
        return render(request, "dashboard/sla_from_goal.html", context)
