"""The shared definitions (glossary): what counts as a lead, an MQL, an SQL, an opportunity and
a customer, as both teams signed it; its versions; proposing and signing a new one."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views import View

from smarketing.accounts.models import Role
from smarketing.accounts.permissions import RoleRequiredMixin
from smarketing.accounts.selectors import member_list
from smarketing.slas import services
from smarketing.slas.models import DefinitionVersion
from smarketing.slas.selectors import (
    definition_signer_team,
    definition_stage_rows,
    definition_version_get,
    glossary_get,
    team_lead_list,
)

from ..forms import DefinitionsForm, TeamLeadsForm


def _version_or_404(number: int) -> DefinitionVersion:
    version = definition_version_get(number=number)
    if version is None:
        raise Http404
    return version


def _leads_form(data=None) -> TeamLeadsForm:
    return TeamLeadsForm(data, members=list(member_list()), leads=team_lead_list())


class GlossaryView(RoleRequiredMixin, View):
    """Everyone reads the definitions in force; signers see what awaits their signature."""

    minimum_role = Role.VIEWER

    def get(self, request) -> HttpResponse:
        return self.page(request)

    def page(self, request, leads_form: TeamLeadsForm | None = None) -> HttpResponse:
        glossary = glossary_get()
        signer_team = definition_signer_team(request.user)
        pending = glossary.pending
        context: dict[str, Any] = {
            "glossary": glossary,
            "signer_team": signer_team,
            "pending_stages": definition_stage_rows(pending) if pending else None,
            "can_sign": bool(
                pending
                and signer_team
                and not any(signoff.team == signer_team for signoff in pending.signoffs.all())
            ),
        }
        if request.user.is_workspace_admin:
            context["leads_form"] = leads_form or _leads_form()
        return render(request, "dashboard/glossary.html", context)


class DefinitionVersionView(RoleRequiredMixin, View):
    minimum_role = Role.VIEWER

    def get(self, request, number: int) -> HttpResponse:
        version = _version_or_404(number)
        return render(
            request,
            "dashboard/glossary_version.html",
            {"version": version, "stages": definition_stage_rows(version)},
        )


class DefinitionVersionCreateView(RoleRequiredMixin, View):
    """Admins write a new version, starting from the one in force."""

    minimum_role = Role.ADMIN

    def get(self, request) -> HttpResponse:
        form = DefinitionsForm(stages=glossary_get().stages)
        return render(request, "dashboard/glossary_form.html", {"form": form})

    def post(self, request) -> HttpResponse:
        form = DefinitionsForm(request.POST, stages=glossary_get().stages)
        if form.is_valid():
            try:
                version = services.definition_version_create(
                    author=request.user, stages=form.stages(), note=form.cleaned_data["note"]
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    f"Version {version.number} written: it takes effect once a marketing and a "
                    "sales signer have signed it.",
                )
                return redirect("dashboard:glossary")
        return render(request, "dashboard/glossary_form.html", {"form": form})


class DefinitionSignView(RoleRequiredMixin, View):
    """A marketing or sales admin, or a named team lead, signs for their team (anyone else is
    refused by the service)."""

    minimum_role = Role.VIEWER
    http_method_names = ["post"]

    def post(self, request, number: int) -> HttpResponse:
        version = _version_or_404(number)
        try:
            version = services.definition_version_sign(version=version, user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            if version.status == "in_force":
                messages.success(request, f"Signed: version {version.number} is now in force.")
            else:
                messages.success(request, "Signed: the other team's signature is still needed.")
        return redirect("dashboard:glossary")


class TeamLeadsView(RoleRequiredMixin, View):
    minimum_role = Role.ADMIN
    http_method_names = ["post"]

    def post(self, request) -> HttpResponse:
        form = _leads_form(request.POST)
        if form.is_valid():
            try:
                services.team_leads_set(leads=form.leads())
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Team leads saved: they can sign the definitions.")
                return redirect("dashboard:glossary")
        return GlossaryView().page(request, leads_form=form)
