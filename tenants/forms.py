from django import forms

from . import provisioning
from .models import Workspace


class WorkspaceCreateForm(forms.ModelForm):
    domain = forms.CharField(max_length=253, help_text="Host name, e.g. acme.example.com")
    admin_email = forms.EmailField(required=False)
    admin_password = forms.CharField(required=False, widget=forms.PasswordInput)

    class Meta:
        model = Workspace
        fields = ["slug", "name"]

    def clean(self):
        data = super().clean() or {}
        try:
            provisioning.workspace_validate_new(
                slug=data.get("slug", ""), name=data.get("name", ""), domain=data.get("domain", "")
            )
        except provisioning.WorkspaceError as error:
            raise forms.ValidationError(str(error)) from error
        return data
