"""SLAs in the workspace's Django admin: created and changed through the same service and
rules as every other interface; retired rather than deleted, so history stays."""

from django.contrib import admin, messages

from smarketing.admin_sites import WorkspaceModelAdmin, workspace_admin_site

from . import services
from .forms import SlaForm
from .models import Sla, SlaEvaluation


class SlaEvaluationInline(admin.TabularInline):
    model = SlaEvaluation
    fields = ("period_label", "status", "value", "comparator", "target", "final", "changed_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["-period_start"]
    max_num = 0

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Sla, site=workspace_admin_site)
class SlaAdmin(WorkspaceModelAdmin, admin.ModelAdmin):
    form = SlaForm
    list_display = ["name", "kpi", "source", "comparator", "target", "period", "team", "retired_at"]
    list_filter = ["team", "period", "retired_at"]
    search_fields = ["name", "kpi", "source"]
    actions = ["retire"]
    inlines = [SlaEvaluationInline]

    def has_delete_permission(self, request, obj=None) -> bool:
        # Retire instead: an SLA's history is kept.
        return False

    def save_model(self, request, obj, form, change):
        # The form validated through the SLA rules; the service stores and queues evaluation.
        if change:
            saved = services.sla_update(sla=Sla.objects.get(pk=obj.pk), terms=form.terms())
        else:
            saved = services.sla_create(terms=form.terms())
        obj.pk, obj.created_at = saved.pk, saved.created_at

    @admin.action(description="Retire the selected SLAs (history kept)")
    def retire(self, request, queryset):
        for sla in queryset:
            services.sla_retire(sla=sla)
        self.message_user(request, f"Retired {queryset.count()} SLA(s).", messages.SUCCESS)
