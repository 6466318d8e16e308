from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm

from smarketing.admin_sites import WorkspaceModelAdmin, workspace_admin_site

from .models import Invitation, User


class WorkspaceUserCreationForm(AdminUserCreationForm):
    """A person's email is their username here: required, unique whatever its letter case."""

    class Meta:
        model = User
        fields = ("email", "role", "team")

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError("A person with this email is already a member.")
        return email

    def save(self, commit: bool = True) -> User:
        user = super().save(commit=False)
        user.username = user.email
        user.is_staff = user.role == "admin"
        if commit:
            user.save()
        return user


class WorkspaceUserAdmin(WorkspaceModelAdmin, UserAdmin):
    add_form = WorkspaceUserCreationForm
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "role", "team", "usable_password", "password1", "password2"),
            },
        ),
    )
    list_display = ["email", "first_name", "last_name", "role", "team", "is_active"]
    list_filter = ["role", "team", "is_active"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Personal info", {"fields": ("first_name", "last_name", "email")}),
        ("Workspace", {"fields": ("role", "team", "is_active")}),
    )


@admin.register(Invitation, site=workspace_admin_site)
class InvitationAdmin(WorkspaceModelAdmin, admin.ModelAdmin):
    list_display = [
        "email",
        "role",
        "team",
        "created_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
    ]
    readonly_fields = ["token_hash", "invited_by", "created_at", "accepted_at"]

    # An invitation is a token emailed to someone: only the Members page (or the API) makes
    # one, with its link. Added here, it had no token, and a second one hit the unique hash.
    def has_add_permission(self, request, *args) -> bool:
        return False

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "title": "Invitations (send new ones from /members/)",
        }
        return super().changelist_view(request, extra_context)


workspace_admin_site.register(User, WorkspaceUserAdmin)
