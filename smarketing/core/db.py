"""The database connection as django-tenants shapes it, typed for the type checker."""

from __future__ import annotations

from typing import Any, Protocol, cast

from django.db import connection


class TenantConnection(Protocol):
    """What django-tenants' PostgreSQL backend adds to Django's connection."""

    schema_name: str
    tenant: Any

    def set_schema_to_public(self) -> None: ...

    def set_schema(self, schema_name: str) -> None: ...

    def set_tenant(self, tenant: Any) -> None: ...


def tenant_connection() -> TenantConnection:
    """The default connection, with the schema methods of django-tenants' backend."""
    return cast(TenantConnection, connection)
