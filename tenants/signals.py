"""Keep the host → workspace routing cache honest whatever changed a domain or a workspace."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Domain, Workspace
from .routing import routing_cache_forget_hosts


@receiver([post_save, post_delete], sender=Domain)
def _domain_changed(sender, instance: Domain, **kwargs) -> None:
    routing_cache_forget_hosts([instance.domain])


@receiver([post_save, post_delete], sender=Workspace)
def _workspace_changed(sender, instance: Workspace, **kwargs) -> None:
    routing_cache_forget_hosts(
        list(Domain.objects.filter(tenant_id=instance.pk).values_list("domain", flat=True))
    )
