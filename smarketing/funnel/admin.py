"""The reason lists in the workspace's Django admin: validated and saved through the same
services as the page and the API, so stored rows are relabelled the same way."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from smarketing.admin_sites import WorkspaceModelAdmin, workspace_admin_site

from . import reason_services
from .models import Reason, ReasonAlias


class ReasonForm(forms.ModelForm):
    class Meta:
        model = Reason
        fields = ["kind", "name", "position"]

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        kind = cleaned.get("kind") or self.instance.kind
        if kind and cleaned.get("name") is not None:
            try:
                cleaned["name"] = reason_services.reason_name_check(
                    kind=kind,
                    name=cleaned["name"],
                    reason=self.instance if self.instance.pk else None,
                )
            except ValidationError as error:
                self.add_error("name", error)
        return cleaned


class ReasonAliasForm(forms.ModelForm):
    class Meta:
        model = ReasonAlias
        fields = ["value"]

    def clean_value(self):
        reason = self.instance.reason if self.instance.reason_id else getattr(self, "parent", None)
        value = self.cleaned_data["value"]
        if reason is None or reason.pk is None:
            return value
        return reason_services.reason_value_check(value=value, reason=reason)


class ReasonAliasInline(admin.TabularInline):
    model = ReasonAlias
    form = ReasonAliasForm
    fields = ["value"]
    extra = 1
    verbose_name = "value a CRM writes for this reason"

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        for_reason = obj

        class Bound(formset):  # type: ignore[misc, valid-type]
            def _construct_form(self, i, **form_kwargs):
                form = super()._construct_form(i, **form_kwargs)
                form.parent = for_reason
                return form

        return Bound


@admin.register(Reason, site=workspace_admin_site)
class ReasonAdmin(WorkspaceModelAdmin, admin.ModelAdmin):
    form = ReasonForm
    list_display = ["name", "kind", "position"]
    list_filter = ["kind"]
    search_fields = ["name", "aliases__value"]
    inlines = [ReasonAliasInline]

    def get_readonly_fields(self, request, obj=None):
        return ["kind"] if obj is not None else []

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def save_model(self, request, obj, form, change):
        if change:
            saved = reason_services.reason_update(
                reason=Reason.objects.get(pk=obj.pk),
                name=form.cleaned_data["name"],
                position=form.cleaned_data["position"],
            )
        else:
            saved = reason_services.reason_create(kind=obj.kind, name=obj.name)
        obj.pk = saved.pk

    def save_formset(self, request, form, formset, change):
        reason = form.instance
        for alias_form in formset.forms:
            if not alias_form.has_changed() or not alias_form.cleaned_data:
                continue
            if alias_form.cleaned_data.get("DELETE"):
                if alias_form.instance.pk:
                    alias_form.instance.delete()
                continue
            value = alias_form.cleaned_data.get("value")
            if value:
                if alias_form.instance.pk:
                    alias_form.instance.delete()
                reason_services.reason_value_map(kind=reason.kind, value=value, reason=reason)

    def delete_model(self, request, obj):
        reason_services.reason_delete(reason=obj)

    def delete_queryset(self, request, queryset):
        for reason in queryset:
            reason_services.reason_delete(reason=reason)
        self.message_user(
            request, "Deleted; their rows keep the names, listed to map again.", messages.INFO
        )
