"""Import throughput: the product's end-to-end import of a 1,000,000-row leads file against
the limit measured in the same run.

- limit (baseline): raw COPY of the file into a temporary staging table, then one
  `INSERT … ON CONFLICT DO UPDATE` into an indexed copy of the leads table — first on an empty
  table, then again when every row already exists;
- product: `manage.py import_data` (store + SHA-256, detect, COPY, validate, upsert, report),
  run as a subprocess so its peak memory (RSS) is measured — a first import, then a re-import of
  the same rows (a byte more, so it is not recognised as the same file).

Goal: product / limit ≥ 0.5 for both. The generated file is kept in bench-data/ between runs.
`BENCH_IMPORT_ROWS=100000 python -m benchmarks.bench_import` runs it alone on a smaller file.
"""

import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

from benchmarks import setup_django

ROWS = int(os.environ.get("BENCH_IMPORT_ROWS", "1000000"))
SLUG = "bench-import"
DATA = (
    Path(__file__).resolve().parent.parent
    / "bench-data"
    / ("import" if ROWS == 1_000_000 else f"import-{ROWS}")
)
COLUMNS = (
    "lead_id", "created_at", "source", "campaign", "persona", "company_size", "mql_at", "sql_at",
    "opportunity_at", "customer_at", "rejected_at", "rejection_reason", "first_touch_at", "owner",
)  # fmt: skip
DATES = {"created_at", "mql_at", "sql_at", "opportunity_at", "customer_at", "rejected_at",
         "first_touch_at"}  # fmt: skip


def _leads_file() -> Path:
    from smarketing.funnel.demo import demo_data_write

    path = DATA / "leads.csv"
    if not path.exists():
        started = time.perf_counter()
        demo_data_write(DATA, leads=ROWS, deals=ROWS // 4, seed=7)
        seconds = time.perf_counter() - started
        print(f"generated {ROWS:,} leads + {ROWS // 4:,} deals in {seconds:.1f} s")
    return path


def _workspace():
    from tenants import provisioning
    from tenants.models import Workspace

    existing = Workspace.objects.filter(slug=SLUG).first()
    if existing is not None:
        provisioning.workspace_delete(workspace=existing)
    return provisioning.workspace_create(slug=SLUG, name="Benchmark", domain=f"{SLUG}.localhost")


def _baseline(schema: str, path: Path) -> tuple[float, float]:
    """Seconds for COPY + one upsert into an indexed copy of the leads table: empty, then full."""
    import psycopg
    from django.db import connection

    params = connection.settings_dict
    values = ", ".join(
        f"NULLIF(c_{name}, '')::timestamptz" if name in DATES else f"COALESCE(c_{name}, '')"
        for name in COLUMNS
    )
    assignments = ", ".join(f"{name} = EXCLUDED.{name}" for name in COLUMNS[1:])
    timings = []
    with psycopg.connect(
        dbname=params["NAME"],
        user=params.get("USER") or None,
        password=params.get("PASSWORD") or None,
        host=params.get("HOST") or None,
        port=params.get("PORT") or None,
        options=f"-c search_path={schema}",
        autocommit=True,
    ) as raw:
        raw.execute("CREATE TABLE bench_leads (LIKE funnel_lead INCLUDING ALL)")
        for _ in range(2):
            started = time.perf_counter()
            with raw.transaction(), raw.cursor() as cursor:
                cursor.execute(
                    "CREATE TEMP TABLE staging ("
                    + ", ".join(f"c_{name} text" for name in COLUMNS)
                    + ") ON COMMIT DROP"
                )
                with (
                    cursor.copy("COPY staging FROM STDIN WITH (FORMAT csv, HEADER true)") as copy,
                    path.open("rb") as handle,
                ):
                    while chunk := handle.read(1024 * 1024):
                        copy.write(chunk)
                cursor.execute(
                    f"INSERT INTO bench_leads ({', '.join(COLUMNS)}) SELECT {values} FROM staging "
                    f"ON CONFLICT (lead_id) DO UPDATE SET {assignments}"
                )
            timings.append(time.perf_counter() - started)
        raw.execute("DROP TABLE bench_leads")
    return timings[0], timings[1]


def _product(path: Path) -> tuple[float, int]:
    """Seconds of `manage.py import_data` as a subprocess, and that process's peak RSS (bytes)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "import_data", SLUG, "leads", str(path)],
        cwd=Path(__file__).resolve().parent.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"import failed:\n{result.stdout}\n{result.stderr[-3000:]}")
    peak_kb = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    return seconds, peak_kb * 1024


def _report(label: str, product: float, limit: float) -> None:
    print(
        f"{label:<22} limit {ROWS / limit:>9,.0f} rows/s ({limit:5.1f} s)   "
        f"product {ROWS / product:>9,.0f} rows/s ({product:5.1f} s)   "
        f"ratio {limit / product:.2f}x"
    )


def main() -> None:
    setup_django()
    from tenants import provisioning

    path = _leads_file()
    workspace = _workspace()
    try:
        limit_first, limit_again = _baseline(workspace.schema_name, path)
        product_first, rss_first = _product(path)
        again = DATA / "leads-again.csv"
        shutil.copyfile(path, again)
        with again.open("ab") as handle:
            handle.write(b"\n")  # a different file (SHA-256) with the same rows
        product_again, rss_again = _product(again)
        _report("first import", product_first, limit_first)
        _report("re-import (unchanged)", product_again, limit_again)
        print(f"peak RSS of the importing process: {max(rss_first, rss_again) / 1e6:.0f} MB")
    finally:
        provisioning.workspace_delete(workspace=workspace)


if __name__ == "__main__":
    main()
