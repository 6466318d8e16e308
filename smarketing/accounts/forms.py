from django import forms
from django.contrib.auth import password_validation

from .models import Role, Team


class InvitationForm(forms.Form):
    email = forms.EmailField()
    role = forms.ChoiceField(choices=Role.choices, initial=Role.MEMBER)
    team = forms.ChoiceField(choices=Team.choices)


class InvitationAcceptForm(forms.Form):
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    password = forms.CharField(widget=forms.PasswordInput, strip=False)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        password_validation.validate_password(password)
        return password


class MemberForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)
    team = forms.ChoiceField(choices=Team.choices)
