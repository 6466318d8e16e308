from django.db import models
from django_tenants.models import DomainMixin, TenantMixin


class Workspace(TenantMixin):
    """A client company: one PostgreSQL schema, its own hosts, its own users."""

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=200)
    is_active = models.BooleanField(
        default=True, help_text="Suspended workspaces answer no request."
    )
    # The template schema that new workspaces are cloned from; never routed to.
    is_template = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    suspended_at = models.DateTimeField(null=True, blank=True)

    # Schemas are created by tenants.provisioning, inside its transaction, not by save().
    auto_create_schema = False
    auto_drop_schema = False

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return f"{self.name} ({self.slug})"


class Domain(DomainMixin):
    class Meta:
        ordering = ["domain"]

    def __str__(self) -> str:
        return self.domain
