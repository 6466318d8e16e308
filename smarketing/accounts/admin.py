from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from smarketing.admin_sites import WorkspaceModelAdmin, workspace_admin_site

from .models import Invitation, User


class WorkspaceUserAdmin(WorkspaceModelAdmin, UserAdmin):
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


workspace_admin_site.register(User, WorkspaceUserAdmin)
