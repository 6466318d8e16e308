from typing import Any, cast

from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_tenants.middleware.main import TenantMainMiddleware

from smarketing.core.db import tenant_connection

from .routing import workspace_for_host


class WorkspaceRoutingMiddleware(TenantMainMiddleware):
    """Chooses the schema and URLconf from the request's host, and nothing else.

    An unknown host gets a 404 page rendered without any workspace's data; a suspended
    workspace gets a page that says so.
    """

    def process_request(self, request: HttpRequest) -> HttpResponse | None:
        tenant_connection().set_schema_to_public()
        try:
            hostname = self.hostname_from_request(request)
        except DisallowedHost:
            return render(request, "public/unknown_host.html", status=404)
        workspace = workspace_for_host(hostname)
        if workspace is None:
            return render(request, "public/unknown_host.html", status=404)
        if not workspace.is_active:
            return render(
                request, "public/suspended.html", {"workspace_name": workspace.name}, status=403
            )
        workspace.domain_url = hostname
        cast(Any, request).tenant = workspace  # read by views and DRF as `request.tenant`
        tenant_connection().set_tenant(workspace)
        self.setup_url_routing(request)
        return None
