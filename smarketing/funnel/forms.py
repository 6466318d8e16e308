from django import forms

from .importers.kinds import KINDS
from .importers.mappings import FORMATS


class ImportForm(forms.Form):
    file = forms.FileField(allow_empty_file=True)
    kind = forms.ChoiceField(
        choices=[("", "Detect from the header"), *((kind, kind.title()) for kind in KINDS)],
        required=False,
    )
    format = forms.ChoiceField(
        choices=[("", "Detect from the header"), *((name, name.title()) for name in FORMATS)],
        required=False,
    )
    skip_invalid = forms.BooleanField(
        required=False, label="Store the valid rows even if some rows are invalid"
    )


class ColumnMappingForm(forms.Form):
    """One text field per canonical column: the header name the workspace's files use."""

    def __init__(self, *args, kind: str, initial_columns: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        for column in KINDS[kind].columns:
            self.fields[column.name] = forms.CharField(
                required=False,
                initial=initial_columns.get(column.name, ""),
                label=f"{column.name}{' (required)' if column.required else ''}",
            )
