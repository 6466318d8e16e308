from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from .models import Role, Team
from .throttles import SIGN_IN_THROTTLED_MESSAGE


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


class ThrottledAuthenticationMixin:
    """Says "too many attempts" when the sign-in throttle refused, whatever the account; else
    Django's message, which is the same for an unknown address and a wrong password."""

    def get_invalid_login_error(self):
        if getattr(getattr(self, "request", None), "sign_in_throttled", False):
            return ValidationError(SIGN_IN_THROTTLED_MESSAGE, code="throttled")
        return super().get_invalid_login_error()  # type: ignore[misc]


class SignInForm(ThrottledAuthenticationMixin, AuthenticationForm):
    pass


class AdminSignInForm(ThrottledAuthenticationMixin, AdminAuthenticationForm):
    pass
