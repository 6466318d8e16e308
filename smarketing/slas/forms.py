"""The SLA form of the SLA page and of Django's admin. Choices are offered as selects, but any
value reaches the SLA rules, so a refused SLA always gets the same message naming it as in the
API and files (a select's own "not a valid choice" would not)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from smarketing.kpis.definitions import KPIS_BY_KEY
from smarketing.kpis.target_input import target_format, target_parse

from .models import Comparator, PeriodKind, Sla, SlaTeam
from .rules import FIELDS, NUMERIC_KPI_KEYS, sla_normalised, sla_problems

KPI_CHOICES = [(key, KPIS_BY_KEY[key].label) for key in NUMERIC_KPI_KEYS]


def typed_target(text: str, kpi: str) -> Any:
    """A target as a person typed it: a percentage for a rate (`30 %`) becomes its fraction;
    anything else goes to the SLA rules as typed (which name the SLA if it is no number).
    ValueError for a percentage that does not parse."""
    definition = KPIS_BY_KEY.get(kpi)
    if definition is None or not text.strip().endswith("%"):
        return text.strip()
    return target_parse(text, definition.unit)


def target_shown(target: Any, kpi: str) -> str:
    """A stored target as a form shows it: `30 %` for a rate, `25000` for money."""
    definition = KPIS_BY_KEY.get(kpi)
    if definition is None:
        return format(Decimal(target).normalize(), "f")
    return target_format(Decimal(target), definition.unit)


def _select(choices) -> forms.CharField:
    return forms.CharField(widget=forms.Select(choices=choices))


class SlaForm(forms.ModelForm):
    kpi = forms.CharField(label="KPI", widget=forms.Select(choices=KPI_CHOICES))
    source = forms.CharField(
        required=False,
        label="Source (optional)",
        help_text="Only this channel's figures (e.g. webinar); empty for the whole workspace.",
    )
    comparator = _select(Comparator.choices)
    target = forms.CharField(
        help_text="Rates as a percentage (30 %) or a fraction (0.3); counts and money as numbers.",
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    period = _select(PeriodKind.choices)
    team = forms.CharField(label="Owning team", widget=forms.Select(choices=SlaTeam.choices))

    class Meta:
        model = Sla
        fields = list(FIELDS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.label_suffix = ""
        if self.instance.pk and not self.is_bound:
            self.initial["target"] = target_shown(self.instance.target, self.instance.kpi)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        terms = {name: cleaned.get(name) for name in FIELDS}
        terms["source"] = (terms["source"] or "").strip() or None
        try:
            terms["target"] = typed_target(str(cleaned.get("target") or ""), str(terms["kpi"]))
        except ValueError as error:
            raise ValidationError({"target": str(error)}) from error
        problems = sla_problems(terms)
        name = (terms["name"] or "").strip()
        if name and Sla.objects.filter(name=name).exclude(pk=self.instance.pk).exists():
            problems.append(f'SLA "{name}": an SLA of that name already exists')
        if problems:
            raise ValidationError(problems)
        cleaned.update(sla_normalised(terms), source=(terms["source"] or ""))
        return cleaned

    def _post_clean(self) -> None:
        # The rules above decide; the model's own field checks would only repeat them less
        # clearly (e.g. "not a valid choice").
        if self.errors:
            return
        super()._post_clean()  # type: ignore[misc]

    def terms(self) -> dict[str, Any]:
        """The SLA as the services take it (None for no source)."""
        terms = {name: self.cleaned_data[name] for name in FIELDS}
        return {**terms, "source": terms["source"] or None}
