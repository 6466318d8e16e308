"""Tenancy costs: per-request routing and workspace provisioning.

Each figure is a ratio against a baseline measured in the same run:
- routing: our cached host lookup vs. the stock django-tenants lookup (a query per request),
  and a whole request through the middleware stack with each;
- provisioning: cloning the template schema vs. running every migration on a new schema.
"""

import statistics
import time
from collections.abc import Callable

from benchmarks import median_seconds, setup_django


def _per_call(action: Callable[[], object], calls: int, rounds: int = 5) -> float:
    return median_seconds(lambda: [action() for _ in range(calls)], rounds) / calls


def bench_routing(host: str) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import override_settings
    from django_tenants.middleware.main import TenantMainMiddleware

    from tenants.models import Domain
    from tenants.routing import workspace_for_host

    connection.set_schema_to_public()
    stock = TenantMainMiddleware(lambda request: None)
    stock_lookup = _per_call(lambda: stock.get_tenant(Domain, host), 2000)
    cached_lookup = _per_call(lambda: workspace_for_host(host), 2000)
    print(
        f"routing lookup   stock {stock_lookup * 1e6:8.1f} µs"
        f"   cached {cached_lookup * 1e6:8.1f} µs"
        f"   ratio {cached_lookup / stock_lookup:.2f}x"
    )

    client = Client(HTTP_HOST=host)
    cached_request = _per_call(lambda: client.get("/health/"), 300)
    stock_middleware = ["django_tenants.middleware.main.TenantMainMiddleware"]
    from django.conf import settings

    routing = "tenants.middleware.WorkspaceRoutingMiddleware"
    with override_settings(
        MIDDLEWARE=[stock_middleware[0] if m == routing else m for m in settings.MIDDLEWARE]
    ):
        stock_request = _per_call(lambda: Client(HTTP_HOST=host).get("/health/"), 300)
    print(
        f"/health/ request stock {stock_request * 1e3:8.3f} ms"
        f"   cached {cached_request * 1e3:8.3f} ms"
        f"   ratio {cached_request / stock_request:.2f}x"
        f"   (routing overhead saved {(stock_request - cached_request) * 1e6:.0f} µs/request)"
    )


def bench_provisioning(rounds: int = 3) -> None:
    from django.core.management import call_command
    from django.db import connection

    from tenants import provisioning

    def clone_one(index: int) -> float:
        started = time.perf_counter()
        workspace = provisioning.workspace_create(
            slug=f"bench-clone-{index}", name="Bench", domain=f"bench-clone-{index}.localhost"
        )
        elapsed = time.perf_counter() - started
        provisioning.workspace_delete(workspace=workspace)
        return elapsed

    def migrate_one(index: int) -> float:
        schema = f"bench_migrate_{index}"
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE SCHEMA "{schema}"')
        call_command("migrate_schemas", schema_name=schema, interactive=False, verbosity=0)
        elapsed = time.perf_counter() - started
        connection.set_schema_to_public()
        with connection.cursor() as cursor:
            cursor.execute(f'DROP SCHEMA "{schema}" CASCADE')
        return elapsed

    from tenants.models import Workspace

    # migrate_schemas only migrates schemas of Workspace rows; register the scratch ones.
    clone_times = [clone_one(index) for index in range(rounds)]
    migrate_times = []
    for index in range(rounds):
        row = Workspace.objects.create(
            slug=f"bench-migrate-{index}",
            name="Bench",
            schema_name=f"bench_migrate_{index}",
            is_active=False,
        )
        migrate_times.append(migrate_one(index))
        row.delete()
    clone, migrate = statistics.median(clone_times), statistics.median(migrate_times)
    print(
        f"provisioning     migrate {migrate:6.2f} s   clone {clone:6.2f} s"
        f"   ratio {clone / migrate:.2f}x"
        f"   (goal: clone < 2 s)"
    )


def main() -> None:
    setup_django()
    from django.db import connection

    from tenants import provisioning
    from tenants.models import Workspace

    connection.set_schema_to_public()
    provisioning.template_schema_ensure_current()
    host = "bench-routing.localhost"
    workspace = Workspace.objects.filter(slug="bench-routing").first()
    if workspace is None:
        workspace = provisioning.workspace_create(slug="bench-routing", name="Bench", domain=host)
    try:
        print("== tenancy ==")
        bench_routing(host)
        bench_provisioning()
    finally:
        provisioning.workspace_delete(workspace=workspace)


if __name__ == "__main__":
    main()
