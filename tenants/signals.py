"""Keep the host → workspace routing cache honest whatever changed a domain or a workspace."""

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from .models import Domain, Workspace
from .routing import routing_cache_forget_hosts


@receiver(pre_save, sender=Domain)
def _domain_remember_previous_name(sender, instance: Domain, **kwargs) -> None:
    # A rename must forget the old host too, or it keeps routing until its cache entry expires.
    previous = Domain.objects.filter(pk=instance.pk).values_list("domain", flat=True).first()
    instance._previous_domain = previous  # type: ignore[attr-defined]


@receiver([post_save, post_delete], sender=Domain)
def _domain_changed(sender, instance: Domain, **kwargs) -> None:
    previous = getattr(instance, "_previous_domain", None)
    routing_cache_forget_hosts([instance.domain, *([previous] if previous else [])])


@receiver([post_save, post_delete], sender=Workspace)
def _workspace_changed(sender, instance: Workspace, **kwargs) -> None:
    routing_cache_forget_hosts(
        list(Domain.objects.filter(tenant_id=instance.pk).values_list("domain", flat=True))
    )
