from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied

from smarketing.accounts.models import User
from smarketing.admin_sites import platform_admin_site

from . import provisioning
from .forms import WorkspaceCreateForm
from .models import Domain, Workspace


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0


@admin.register(Workspace, site=platform_admin_site)
class WorkspaceAdmin(admin.ModelAdmin):
    list_display = ["slug", "name", "schema_name", "is_active", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["slug", "name"]
    readonly_fields = ["schema_name", "created_at", "suspended_at", "is_active"]
    actions = ["suspend", "resume", "delete_with_schema"]
    inlines = [DomainInline]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(is_template=False).exclude(schema_name="public")

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = WorkspaceCreateForm
        return super().get_form(request, obj, change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["slug", "name", "domain", "admin_email", "admin_password"]
        return ["slug", "name", "schema_name", "is_active", "created_at", "suspended_at"]

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        data = form.cleaned_data
        admin_account = None
        if data.get("admin_email") and data.get("admin_password"):
            admin_account = provisioning.AdminAccount(data["admin_email"], data["admin_password"])
        try:
            created = provisioning.workspace_create(
                slug=data["slug"], name=data["name"], domain=data["domain"], admin=admin_account
            )
        except provisioning.WorkspaceError as error:
            raise PermissionDenied(str(error)) from error
        obj.pk = created.pk

    def delete_model(self, request, obj):
        provisioning.workspace_delete(workspace=obj)

    def delete_queryset(self, request, queryset):
        for workspace in queryset:
            provisioning.workspace_delete(workspace=workspace)

    @admin.action(description="Suspend selected workspaces")
    def suspend(self, request, queryset):
        for workspace in queryset:
            provisioning.workspace_suspend(workspace=workspace)
        messages.success(request, f"Suspended {queryset.count()} workspace(s).")

    @admin.action(description="Resume selected workspaces")
    def resume(self, request, queryset):
        for workspace in queryset:
            provisioning.workspace_resume(workspace=workspace)
        messages.success(request, f"Resumed {queryset.count()} workspace(s).")

    @admin.action(description="Delete selected workspaces and drop their schemas")
    def delete_with_schema(self, request, queryset):
        count = queryset.count()
        self.delete_queryset(request, queryset)
        messages.success(request, f"Deleted {count} workspace(s) and their data.")


class OperatorAdmin(UserAdmin):
    list_display = ["username", "email", "is_superuser", "is_active"]


platform_admin_site.register(User, OperatorAdmin)
