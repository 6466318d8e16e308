from django.http import HttpRequest
from django_tenants.utils import get_public_schema_name


def workspace(request: HttpRequest) -> dict:
    """The current workspace for templates, or None on the public host."""
    tenant = getattr(request, "tenant", None)
    if tenant is None or tenant.schema_name == get_public_schema_name():
        return {"workspace": None}
    return {"workspace": tenant}
