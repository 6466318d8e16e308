"""Forms of the pages: the settings page's three (general settings, channel owners, KPI
targets), the goal planner's and the proposed SLAs' (the SLA form itself is the slas app's,
shared with Django's admin).

Each turns what a person typed into the arguments of a service; the services validate again
(the API goes through them too) and their errors are shown beside the field.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from smarketing.accounts.models import Role
from smarketing.configuration.models import OwningTeam
from smarketing.dashboard.alignment import COMPONENT_DEFINITIONS, COMPONENT_LABELS
from smarketing.funnel.selectors import Channel
from smarketing.kpis.compute import Unit
from smarketing.kpis.definitions import KPIS, KPIS_BY_KEY
from smarketing.kpis.target_input import UNIT_WORDS, target_format, target_parse
from smarketing.slas.forms import target_shown, typed_target
from smarketing.slas.glossary import CRITERIA_FIELDS, SCORE_MAX, TEXT_MAX_LENGTH
from smarketing.slas.models import Comparator, SignoffTeam, Sla, SlaTeam

TEAM_CHOICES = [(OwningTeam.MARKETING, "Marketing"), (OwningTeam.SALES, "Sales")]
COMPARATOR_CHOICES = [
    (Comparator.AT_LEAST, "≥ at least"),
    (Comparator.AT_MOST, "≤ at most"),
]


class _Form(forms.Form):
    """Labels sit above their fields, so they need no colon."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.label_suffix = ""


class SettingsForm(_Form):
    time_zone = forms.CharField(label="Time zone", help_text="IANA name, e.g. Europe/Paris")
    currency = forms.CharField(max_length=3, help_text="ISO code, e.g. EUR")
    response_sla_hours = forms.DecimalField(
        min_value=0,
        decimal_places=2,
        label="MQL response SLA (hours)",
        help_text="How soon sales should follow up an MQL",
    )
    conversion_window_days = forms.IntegerField(
        min_value=1,
        required=False,
        label="Conversion window (days)",
        help_text="Empty: a conversion counts whenever it happens",
    )
    stages_from_deals = forms.BooleanField(
        required=False,
        label="Stages from deals",
        help_text="A lead without an opportunity date takes its first deal's creation, one"
        " without a customer date its first won deal's close (imported dates are kept)",
    )


class ChannelOwnershipForm(_Form):
    """One owner per listed channel, and optionally a channel not seen in the data yet."""

    new_source = forms.CharField(
        required=False,
        max_length=200,
        label="New channel",
        help_text="Exactly as your files name it (e.g. podcast); case matters.",
    )
    new_team = forms.ChoiceField(
        choices=TEAM_CHOICES, initial=OwningTeam.MARKETING, label="Owned by", required=False
    )

    def __init__(self, *args: Any, channels: list[Channel], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.channels = channels
        self.rows = []
        for index, channel in enumerate(channels):
            # Named after the channel, so a channel imported between showing and saving the
            # page cannot shift another's answer; ids are positional (names may hold spaces).
            name = f"owner:{channel.source}"
            self.fields[name] = forms.ChoiceField(
                choices=TEAM_CHOICES,
                initial=channel.owner,
                required=False,
                label=f"Owner of {channel.source}",
                widget=forms.Select(
                    attrs={"id": f"id_channel_{index}", "aria-label": f"Owner of {channel.source}"}
                ),
            )
            self.rows.append((channel, self[name]))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        owners = {
            channel.source: cleaned[f"owner:{channel.source}"]
            for channel in self.channels
            if cleaned.get(f"owner:{channel.source}")
        }
        new_source = (cleaned.get("new_source") or "").strip()
        if new_source:
            if any(channel.source == new_source for channel in self.channels):
                self.add_error(
                    "new_source", f"{new_source} is already listed above: choose its owner there."
                )
            else:
                owners[new_source] = cleaned.get("new_team") or OwningTeam.MARKETING
        cleaned["owners"] = owners
        return cleaned


def _unit(key: str) -> Unit:
    kpi = KPIS_BY_KEY.get(key)
    return kpi.unit if kpi else Unit.COUNT


def _unit_word(unit: Unit, currency: str) -> str:
    return currency if unit is Unit.MONEY else UNIT_WORDS.get(unit, "")


def label_with_unit(label: str, unit_word: str) -> str:
    """`Revenue (USD)`, `Win rate (%)`; a label that already names its unit keeps it once:
    `Sales cycle (mean days)`, not `Sales cycle (mean days) (days)`."""
    if not unit_word or unit_word.lower() in label.lower():
        return label
    return f"{label} ({unit_word})"


class AlignmentWeightsForm(_Form):
    """The weight of each alignment index component (whole numbers, rescaled over the
    components with data)."""

    def __init__(self, *args: Any, weights: dict[str, int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, label in COMPONENT_LABELS.items():
            self.fields[name] = forms.IntegerField(
                label=label,
                min_value=0,
                max_value=100,
                initial=weights.get(name, 0),
                help_text=COMPONENT_DEFINITIONS[name],
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors and not any(cleaned.get(name) for name in COMPONENT_LABELS):
            raise ValidationError("At least one weight must be more than 0.")
        return cleaned


class KpiTargetsForm(_Form):
    """Edit or remove each KPI target (a shared monthly SLA on the whole workspace), and add
    one; values typed as people write them (30 % for a rate), stored as the API stores them
    (0.3)."""

    new_kpi = forms.ChoiceField(required=False, label="KPI")
    new_comparator = forms.ChoiceField(
        choices=COMPARATOR_CHOICES, initial=Comparator.AT_LEAST, label="Comparator"
    )
    new_target = forms.CharField(
        required=False,
        max_length=40,
        label="Target value",
        help_text="Rates in percent (30 %); money, days, hours and counts as numbers.",
    )

    def __init__(self, *args: Any, targets: list[Sla], currency: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.targets = targets
        self.currency = currency
        self.rows = []
        for target in targets:
            kpi = KPIS_BY_KEY.get(target.kpi)
            label = kpi.label if kpi else target.kpi
            unit = _unit(target.kpi)
            self.fields[f"comparator:{target.kpi}"] = forms.ChoiceField(
                choices=COMPARATOR_CHOICES,
                initial=target.comparator,
                widget=forms.Select(attrs={"aria-label": f"Comparator for {label}"}),
            )
            self.fields[f"target:{target.kpi}"] = forms.CharField(
                initial=target_format(target.target, unit),
                max_length=40,
                required=False,
                widget=forms.TextInput(
                    attrs={"aria-label": f"Target for {label}", "inputmode": "decimal", "size": 10}
                ),
            )
            self.fields[f"remove:{target.kpi}"] = forms.BooleanField(
                required=False,
                widget=forms.CheckboxInput(attrs={"aria-label": f"Remove the target for {label}"}),
            )
            self.rows.append(
                {
                    "label": label,
                    "unit": _unit_word(unit, currency),
                    "comparator": self[f"comparator:{target.kpi}"],
                    "target": self[f"target:{target.kpi}"],
                    "remove": self[f"remove:{target.kpi}"],
                }
            )
        taken = {target.kpi for target in targets}
        self.fields["new_kpi"].choices = [("", "Choose a KPI…")] + [  # type: ignore[attr-defined]
            (kpi.key, label_with_unit(kpi.label, _unit_word(kpi.unit, currency)))
            for kpi in KPIS
            if kpi.unit is not Unit.DAYS_BY_STAGE and kpi.key not in taken
        ]
        self.fields["new_target"].widget.attrs.update(inputmode="decimal", size=10)

    def _parsed(self, field: str, key: str) -> Any:
        try:
            return target_parse(self.cleaned_data.get(field) or "", _unit(key))
        except ValueError as error:
            self.add_error(field, str(error))
            return None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        kpi_targets = []
        for target in self.targets:
            if cleaned.get(f"remove:{target.kpi}"):
                continue
            value = self._parsed(f"target:{target.kpi}", target.kpi)
            comparator = cleaned.get(f"comparator:{target.kpi}")
            kpi_targets.append({"kpi": target.kpi, "comparator": comparator, "target": value})
        new_kpi = cleaned.get("new_kpi")
        if new_kpi:
            value = self._parsed("new_target", new_kpi)
            comparator = cleaned.get("new_comparator")
            kpi_targets.append({"kpi": new_kpi, "comparator": comparator, "target": value})
        elif (cleaned.get("new_target") or "").strip():
            self.add_error("new_kpi", "Choose the KPI this target is for.")
        cleaned["kpi_targets"] = kpi_targets
        return cleaned

    def add_service_error(self, error: ValidationError) -> None:
        """Show the service's errors (keyed by KPI) beside that KPI's value."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, error)
            return
        for key, errors in error.error_dict.items():
            field = f"target:{key}"
            if field not in self.fields:
                field = "new_target" if key == self.cleaned_data.get("new_kpi") else None  # type: ignore[assignment]
            for message in errors:
                self.add_error(field, message)


class PlannerForm(forms.Form):
    revenue = forms.DecimalField(
        label="Revenue target", min_value=Decimal("0.01"), max_digits=20, decimal_places=2
    )
    period = forms.CharField(
        label="Period (year, quarter or month)", help_text="e.g. 2026-Q3, 2026-09 or 2026"
    )


class SlaProposalsForm(_Form):
    """Proposed SLAs (templates, or targets from a revenue goal), each with a box to accept it
    and its name, comparator, target and owning team to edit; the rest travels as proposed."""

    FIXED = ("kpi", "source", "period")

    def __init__(self, *args: Any, proposals: list[dict] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.is_bound:
            total = (
                int(self.data.get("total") or 0) if str(self.data.get("total", "")).isdigit() else 0
            )
            proposals = [{} for _ in range(min(total, 20))]
        self.proposals = proposals or []
        self.fields["total"] = forms.IntegerField(
            widget=forms.HiddenInput, initial=len(self.proposals)
        )
        self.rows = []
        for index, proposal in enumerate(self.proposals):
            kpi = proposal.get("kpi", "")
            label = KPIS_BY_KEY[kpi].label if kpi in KPIS_BY_KEY else kpi
            name = proposal.get("name", "")
            fields = {
                "accept": forms.BooleanField(
                    required=False, initial=True,
                    widget=forms.CheckboxInput(attrs={"aria-label": f"Accept {name or label}"}),
                ),
                "name": forms.CharField(
                    max_length=200, initial=name,
                    widget=forms.TextInput(attrs={"aria-label": f"Name of the SLA on {label}"}),
                ),
                "comparator": forms.CharField(
                    initial=proposal.get("comparator"),
                    widget=forms.Select(
                        choices=COMPARATOR_CHOICES, attrs={"aria-label": f"Comparator for {label}"}
                    ),
                ),
                "target": forms.CharField(
                    max_length=40,
                    initial=target_shown(proposal["target"], kpi) if "target" in proposal else "",
                    widget=forms.TextInput(
                        attrs={"aria-label": f"Target for {label}", "inputmode": "decimal",
                               "size": 8}
                    ),
                ),
                "team": forms.CharField(
                    initial=proposal.get("team"),
                    widget=forms.Select(
                        choices=SlaTeam.choices, attrs={"aria-label": f"Team owning {label}"}
                    ),
                ),
                **{
                    fixed: forms.CharField(
                        required=False, initial=proposal.get(fixed) or "", widget=forms.HiddenInput
                    )
                    for fixed in self.FIXED
                },
            }  # fmt: skip
            for field, definition in fields.items():
                self.fields[f"{field}_{index}"] = definition
            self.rows.append(
                {
                    "label": label,
                    "why": proposal.get("why", ""),
                    "unit": _unit_word(_unit(kpi), ""),
                    **{field: self[f"{field}_{index}"] for field in fields},
                }
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        accepted = []
        for index in range(len(self.proposals)):
            if not cleaned.get(f"accept_{index}"):
                continue
            kpi = cleaned.get(f"kpi_{index}") or ""
            try:
                target = typed_target(cleaned.get(f"target_{index}") or "", kpi)
            except ValueError as error:
                self.add_error(f"target_{index}", str(error))
                continue
            accepted.append(
                {
                    "name": cleaned.get(f"name_{index}"),
                    "kpi": kpi,
                    "source": cleaned.get(f"source_{index}") or None,
                    "comparator": cleaned.get(f"comparator_{index}"),
                    "target": target,
                    "period": cleaned.get(f"period_{index}"),
                    "team": cleaned.get(f"team_{index}"),
                }
            )
        if not accepted and not self.errors:
            self.add_error(None, "Tick at least one SLA to accept.")
        cleaned["proposals"] = accepted
        return cleaned


class DefinitionsForm(_Form):
    """A new version of the shared definitions: each stage's text and optional criteria."""

    note = forms.CharField(
        required=False,
        max_length=500,
        label="What changes",
        help_text="One line for the history, e.g. “MQLs need a company size”.",
    )

    def __init__(self, *args: Any, stages: list[dict[str, Any]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stage_rows = []
        for row in stages:
            stage, criteria = row["stage"], row["criteria"]
            self.fields[f"text_{stage}"] = forms.CharField(
                label=row["name"],
                initial=row["text"],
                max_length=TEXT_MAX_LENGTH,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
            self.fields[f"fields_{stage}"] = forms.MultipleChoiceField(
                label="Fields that must be filled in",
                choices=[(field, field) for field in CRITERIA_FIELDS],
                initial=criteria.get("required_fields", []),
                required=False,
                widget=forms.CheckboxSelectMultiple,
            )
            self.fields[f"score_{stage}"] = forms.IntegerField(
                label="Minimum lead score",
                initial=criteria.get("min_lead_score"),
                min_value=0,
                max_value=SCORE_MAX,
                required=False,
            )
            self.stage_rows.append(
                {
                    "stage": stage,
                    "text": self[f"text_{stage}"],
                    "fields": self[f"fields_{stage}"],
                    "score": self[f"score_{stage}"],
                }
            )

    def stages(self) -> dict[str, dict[str, Any]]:
        data = self.cleaned_data
        return {
            row["stage"]: {
                "text": data.get(f"text_{row['stage']}", ""),
                "criteria": {
                    "required_fields": list(data.get(f"fields_{row['stage']}") or []),
                    "min_lead_score": data.get(f"score_{row['stage']}"),
                },
            }
            for row in self.stage_rows
        }


class TeamLeadsForm(_Form):
    """Who signs the definitions for each team, besides its admins."""

    def __init__(self, *args: Any, members: list[Any], leads: dict[str, list[Any]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        for team, label in SignoffTeam.choices:
            people = [m for m in members if m.team == team and m.role != Role.VIEWER]
            self.fields[team] = forms.MultipleChoiceField(
                label=f"{label} leads",
                choices=[(str(member.pk), member.email) for member in people],
                initial=[str(member.pk) for member in leads.get(team, [])],
                required=False,
                widget=forms.CheckboxSelectMultiple,
            )
        self.members = {str(member.pk): member for member in members}

    def leads(self) -> dict[str, list[Any]]:
        return {
            team: [self.members[pk] for pk in self.cleaned_data.get(team, [])]
            for team in SignoffTeam.values
        }


class ExchangeRateForm(_Form):
    currency = forms.CharField(max_length=3, help_text="ISO code, e.g. EUR")
    month = forms.CharField(
        required=False, max_length=7, help_text="YYYY-MM; empty: every month without its own"
    )
    rate = forms.DecimalField(
        max_digits=24,
        decimal_places=10,
        min_value=Decimal("0.0000000001"),
        help_text="Value of 1 unit in the workspace's currency",
    )

    def clean_month(self):
        text = self.cleaned_data["month"].strip()
        if not text:
            return None
        try:
            year, month = (int(part) for part in text.split("-"))
            return date(year, month, 1)
        except ValueError:
            raise forms.ValidationError("YYYY-MM, e.g. 2025-03") from None
