"""A row of `make bench`'s table through `benchmarks.result` (the table's format), or a printed
line when that is not there (a workload run on its own from an older checkout)."""

from __future__ import annotations

from typing import Any

import benchmarks


def row(**fields: Any) -> None:
    record = getattr(benchmarks, "result", None)
    if record is not None:
        record(**fields)
        return
    text = "; ".join(f"{name} {value}" for name, value in fields.items() if value)
    print(f"  -> {text}", flush=True)
