"""The settings page (admins only): general settings, channel owners and KPI targets (the
shared monthly SLAs), each saved by its own form through the services the API uses."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from smarketing.accounts.models import Role
from smarketing.accounts.permissions import RoleRequiredMixin
from smarketing.configuration import services
from smarketing.configuration.selectors import exchange_rate_list, workspace_settings_get
from smarketing.funnel.selectors import channel_list, deals_without_exchange_rate
from smarketing.slas.selectors import sla_kpi_target_list
from smarketing.slas.services import sla_kpi_targets_replace

from ..forms import (
    AlignmentWeightsForm,
    ChannelOwnershipForm,
    ExchangeRateForm,
    KpiTargetsForm,
    SettingsForm,
)


def _settings_initial() -> dict:
    row = workspace_settings_get()
    return {
        "time_zone": row.time_zone,
        "currency": row.currency,
        "response_sla_hours": row.response_sla_hours,
        "conversion_window_days": row.conversion_window_days,
        "stages_from_deals": row.stages_from_deals,
    }


def _targets_form(data=None) -> KpiTargetsForm:
    return KpiTargetsForm(
        data, targets=sla_kpi_target_list(), currency=workspace_settings_get().currency
    )


class SettingsPageMixin(RoleRequiredMixin):
    minimum_role = Role.ADMIN

    def page(self, **forms) -> HttpResponse:
        """The whole page; the form that was posted (bound, with its errors) replaces its
        blank counterpart."""
        context = {
            "form": forms.get("form") or SettingsForm(initial=_settings_initial()),
            "channel_form": forms.get("channel_form")
            or ChannelOwnershipForm(channels=channel_list()),
            "target_form": forms.get("target_form") or _targets_form(),
            "alignment_form": forms.get("alignment_form")
            or AlignmentWeightsForm(weights=workspace_settings_get().alignment_weights),
        }
        return render(self.request, "dashboard/settings.html", context)  # type: ignore[attr-defined]


def _back(section: str) -> HttpResponse:
    return redirect(reverse("dashboard:settings") + f"#{section}")


class SettingsView(SettingsPageMixin, View):
    def get(self, request):
        return self.page()

    def post(self, request):
        form = SettingsForm(request.POST)
        if form.is_valid():
            try:
                services.workspace_settings_update(changes=dict(form.cleaned_data))
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Settings saved; KPI snapshots are being recomputed.")
                return _back("general")
        return self.page(form=form)


class ChannelOwnershipView(SettingsPageMixin, View):
    http_method_names = ["post"]

    def post(self, request):
        form = ChannelOwnershipForm(request.POST, channels=channel_list())
        if form.is_valid():
            try:
                changed = services.channel_ownership_update(owners=form.cleaned_data["owners"])
            except ValidationError as error:
                form.add_error(None, error)
            else:
                if changed:
                    moves = ", ".join(f"{source} → {team}" for source, team in changed.items())
                    messages.success(
                        request,
                        f"Channel owners saved ({moves}); KPI snapshots are being recomputed.",
                    )
                else:
                    messages.info(request, "No channel changed owner.")
                return _back("channels")
        return self.page(channel_form=form)


class KpiTargetsView(SettingsPageMixin, View):
    http_method_names = ["post"]

    def post(self, request):
        form = _targets_form(request.POST)
        if form.is_valid():
            try:
                sla_kpi_targets_replace(kpi_targets=form.cleaned_data["kpi_targets"])
            except ValidationError as error:
                form.add_service_error(error)
            else:
                messages.success(
                    request,
                    "KPI targets saved (shared monthly SLAs): the dashboard shows each as met"
                    " or missed.",
                )
                return _back("targets")
        return self.page(target_form=form)


class AlignmentWeightsView(SettingsPageMixin, View):
    http_method_names = ["post"]

    def post(self, request):
        weights = workspace_settings_get().alignment_weights
        form = AlignmentWeightsForm(request.POST, weights=weights)
        if form.is_valid():
            try:
                services.workspace_settings_update(
                    changes={"alignment_weights": dict(form.cleaned_data)}
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, "Alignment index weights saved.")
                return _back("alignment")
        return self.page(alignment_form=form)


class ExchangeRatesView(RoleRequiredMixin, View):
    """Admins keep the exchange rates to the workspace's currency (SPEC 3.1)."""

    minimum_role = Role.ADMIN

    def _page(self, form: ExchangeRateForm) -> HttpResponse:
        context = {
            "form": form,
            "rates": exchange_rate_list(),
            "currency": workspace_settings_get().currency,
            "unconverted_deals": deals_without_exchange_rate(),
        }
        return render(self.request, "dashboard/exchange_rates.html", context)

    def get(self, request):
        return self._page(ExchangeRateForm())

    def post(self, request):
        form = ExchangeRateForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.exchange_rates_set(
                    rates={data["currency"]: data["rate"]}, month=data["month"]
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request, "Exchange rate saved; KPI snapshots are being recomputed."
                )
                return redirect(reverse("dashboard:exchange_rates"))
        return self._page(form)
