from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.views.generic import FormView

from smarketing.accounts.models import Role
from smarketing.core.permissions import RoleRequiredMixin

from . import services
from .models import ChannelOwnership, OwningTeam
from .selectors import workspace_settings_get


class SettingsForm(forms.Form):
    time_zone = forms.CharField(help_text="IANA name, e.g. Europe/Paris")
    currency = forms.CharField(max_length=3)
    response_sla_hours = forms.DecimalField(min_value=0, decimal_places=2)
    conversion_window_days = forms.IntegerField(min_value=1, required=False)
    channel_ownership = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text="One `source=marketing` or `source=sales` per line (overrides the defaults).",
    )

    def clean_channel_ownership(self) -> dict[str, str]:
        result = {}
        for line in self.cleaned_data["channel_ownership"].splitlines():
            if not line.strip():
                continue
            source, _, team = line.partition("=")
            if team.strip() not in OwningTeam.values or not source.strip():
                raise forms.ValidationError(f"{line!r}: write source=marketing or source=sales")
            result[source.strip()] = team.strip()
        return result


class SettingsView(RoleRequiredMixin, FormView):
    minimum_role = Role.ADMIN
    template_name = "configuration/settings.html"
    form_class = SettingsForm

    def get_initial(self):
        row = workspace_settings_get()
        overrides = ChannelOwnership.objects.order_by("source").values_list("source", "team")
        return {
            "time_zone": row.time_zone,
            "currency": row.currency,
            "response_sla_hours": row.response_sla_hours,
            "conversion_window_days": row.conversion_window_days,
            "channel_ownership": "\n".join(f"{source}={team}" for source, team in overrides),
        }

    def form_valid(self, form):
        values = dict(form.cleaned_data)
        try:
            services.workspace_settings_update(
                channel_ownership=values.pop("channel_ownership"), changes=values
            )
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, "Settings saved; KPI snapshots are being recomputed.")
        return redirect("configuration:settings")
