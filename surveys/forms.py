import re

from django import forms
from django.core.exceptions import ValidationError

from smarketing.accounts.models import Team, User

from .models import DEFAULT_ANONYMITY_THRESHOLD, Recurrence, SurveyKind
from .question_bank import QUESTION_BANK
from .scoring import MAX_ANONYMITY_THRESHOLD, MIN_ANONYMITY_THRESHOLD
from .services.authoring import reminder_days_clean


class SurveyCreateForm(forms.Form):
    START_CHOICES = [
        ("now", "Open now"),
        ("later", "Open on a date"),
        ("draft", "Keep as a draft"),
    ]

    kind = forms.ChoiceField(choices=SurveyKind.choices, initial=SurveyKind.ALIGNMENT)
    title = forms.CharField(max_length=200)
    question = forms.CharField(
        required=False, help_text="NPS/CSAT only; a standard question is used when empty."
    )
    bank_statements = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(item["key"], f"{item['topic']}: {item['text']}") for item in QUESTION_BANK],
    )
    custom_statements = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text="One per line."
    )
    invite_teams = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, choices=Team.choices
    )
    invite_people = forms.ModelMultipleChoiceField(
        required=False, queryset=User.objects.none(), widget=forms.SelectMultiple(attrs={"size": 6})
    )
    anonymity_threshold = forms.IntegerField(
        min_value=MIN_ANONYMITY_THRESHOLD,
        max_value=MAX_ANONYMITY_THRESHOLD,
        initial=DEFAULT_ANONYMITY_THRESHOLD,
    )
    reminder_days = forms.CharField(
        required=False, initial="3,5", help_text="Days after opening, comma-separated."
    )
    public_link_enabled = forms.BooleanField(required=False, label="Public link (NPS/CSAT)")
    start = forms.ChoiceField(choices=START_CHOICES, initial="now")
    opens_at = forms.DateTimeField(
        required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    closes_at = forms.DateTimeField(
        required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    recurrence = forms.ChoiceField(
        required=False, choices=[("", "Does not repeat"), *Recurrence.choices]
    )
    wave_days = forms.IntegerField(min_value=1, max_value=90, initial=14)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        people = self.fields["invite_people"]
        assert isinstance(people, forms.ModelMultipleChoiceField)
        people.queryset = User.objects.filter(is_active=True).order_by("email")

    def clean_reminder_days(self) -> list[int]:
        return reminder_days_parse(self.cleaned_data["reminder_days"] or "")

    def clean(self):
        cleaned = super().clean() or {}
        if cleaned.get("start") == "later" and not cleaned.get("opens_at"):
            self.add_error("opens_at", "Choose when the survey opens.")
        return cleaned


_WHOLE_NUMBER = re.compile(r"[0-9]{1,6}")


def reminder_days_parse(text: str) -> list[int]:
    """ "3, 5" → [3, 5]: whole numbers (ASCII digits) separated by commas, each a valid day."""
    parts = [part for part in text.replace(" ", "").split(",") if part]
    if any(not _WHOLE_NUMBER.fullmatch(part) for part in parts):
        raise forms.ValidationError("Write whole numbers separated by commas.")
    try:
        return reminder_days_clean(int(part) for part in parts)
    except ValidationError as error:
        raise forms.ValidationError(error.messages) from error


MAX_CUSTOMER_FILE_BYTES = 2 * 1024 * 1024


def _customer_rows(lines) -> list[dict[str, str]]:
    """Rows of "email, optional lead id" (comma or semicolon; a header row is skipped)."""
    rows = []
    for line in lines:
        parts = [part.strip() for part in line.replace(";", ",").split(",")]
        if not parts[0] or parts[0].lower() == "email":
            continue
        rows.append({"email": parts[0], "lead_id": parts[1] if len(parts) > 1 else ""})
    return rows


class CustomerUploadForm(forms.Form):
    """A customer list: a CSV file (email, lead_id) and/or lines pasted into the text box."""

    file = forms.FileField(required=False, label="Customer list (CSV file)")
    customers = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One customer per line: email, optional lead id (a CSV header is skipped).",
    )

    def clean(self):
        cleaned = super().clean() or {}
        rows = _customer_rows((cleaned.get("customers") or "").splitlines())
        upload = cleaned.get("file")
        if upload is not None:
            if upload.size > MAX_CUSTOMER_FILE_BYTES:
                raise forms.ValidationError("The file is larger than 2 MB.")
            try:
                text = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError as error:
                raise forms.ValidationError("The file is not UTF-8 text (CSV).") from error
            rows += _customer_rows(text.splitlines())
        if not rows:
            raise forms.ValidationError("No customers found: choose a CSV file or paste a list.")
        cleaned["rows"] = rows
        return cleaned


class ThresholdForm(forms.Form):
    anonymity_threshold = forms.IntegerField(
        min_value=MIN_ANONYMITY_THRESHOLD, max_value=MAX_ANONYMITY_THRESHOLD
    )
