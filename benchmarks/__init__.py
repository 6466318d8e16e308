"""Benchmarks (`make bench`): each figure is reported against a baseline of the same run.

Every workload module (`benchmarks/bench_*.py`) has a `main()` that measures and calls `result()`
for each figure it reports. `python -m benchmarks [NAME ...]` runs the named workloads (default:
all, in name order; `kpis` or `bench_kpis` both name `bench_kpis.py`), then prints one table of
every result and writes it to `bench/results/latest.json` (generated, not committed).

A result row: the goal it belongs to (issue 13's numbering; "" for a figure kept from earlier
work), what was measured, its value and unit, the baseline measured in the same run, the ratio,
the target and the verdict (`met`, `MISSED`, or `info` for figures reported without a goal).
"""

from __future__ import annotations

import json
import os
import platform
import resource
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS_PATH = ROOT / "bench" / "results" / "latest.json"


def setup_django() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smarketing.settings.dev")
    # Tasks the benchmark's imports and refreshes send go to a queue no worker consumes: the
    # benchmark runs the refreshes itself and a development worker must not race it.
    os.environ.setdefault("CELERY_QUEUE", "smarketing-bench")
    django.setup()


def median_seconds(action: Callable[[], object], repeat: int) -> float:
    """The median wall time of `repeat` runs of `action`."""
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


@dataclass(frozen=True)
class Result:
    goal: str
    name: str
    value: float
    unit: str
    baseline: float | None
    baseline_name: str
    ratio: float | None
    target: str
    verdict: str
    workload: str
    note: str = ""


RESULTS: list[Result] = []
_current_workload = ""


def result(
    *,
    goal: str,
    name: str,
    value: float,
    unit: str,
    baseline: float | None = None,
    baseline_name: str = "",
    ratio: float | None = None,
    target: str = "",
    met: bool | None = None,
    note: str = "",
) -> Result:
    """Record one figure of the table (and print it at once, so a long run shows progress).

    `ratio` is stated by the caller (which way round depends on the goal: time over baseline
    time, throughput over baseline throughput); `met` None means reported without a goal.
    """
    verdict = "info" if met is None else ("met" if met else "MISSED")
    row = Result(
        goal=goal,
        name=name,
        value=value,
        unit=unit,
        baseline=baseline,
        baseline_name=baseline_name,
        ratio=ratio,
        target=target,
        verdict=verdict,
        workload=_current_workload,
        note=note,
    )
    RESULTS.append(row)
    print(f"  -> {_row_text(row)}", flush=True)
    return row


def _number(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    if unit in ("rows/s", "req/s") or abs(value) >= 1000:
        text = f"{value:,.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.3g}"
    return f"{text} {unit}".strip()


def _row_text(row: Result) -> str:
    ratio = "-" if row.ratio is None else f"{row.ratio:.2f}x"
    baseline = (
        f"{_number(row.baseline, row.unit)} ({row.baseline_name})" if row.baseline_name else "-"
    )
    return (
        f"[{row.goal or '-'}] {row.name}: {_number(row.value, row.unit)}; baseline {baseline};"
        f" ratio {ratio}; goal {row.target or '-'}: {row.verdict}"
    )


def table(rows: Sequence[Result]) -> str:
    """The results as a fixed-width table (the one `make bench` ends with)."""
    header = ("goal", "measured", "value", "baseline (same run)", "ratio", "target", "verdict")
    lines = [
        (
            row.goal or "-",
            row.name,
            _number(row.value, row.unit),
            f"{_number(row.baseline, row.unit)} {row.baseline_name}" if row.baseline_name else "-",
            "-" if row.ratio is None else f"{row.ratio:.2f}x",
            row.target or "-",
            row.verdict,
        )
        for row in rows
    ]
    widths = [max(len(str(line[i])) for line in [header, *lines]) for i in range(len(header))]

    def render(cells) -> str:
        return "  ".join(str(cell).ljust(width) for cell, width in zip(cells, widths, strict=True))

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([render(header), rule, *(render(line) for line in lines)])


def machine() -> dict:
    """What the figures were measured on: ratios only compare within one run."""
    memory_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_kb = int(line.split()[1])
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "memory_gb": round(memory_kb / 1024 / 1024, 1),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "load_average": [round(value, 2) for value in os.getloadavg()],
    }


def results_write(rows: Sequence[Result], *, workloads: list[str], seconds: float, load) -> Path:
    """Write the table to bench/results/latest.json (generated; .gitignore'd)."""
    RESULTS_PATH.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "seconds": round(seconds, 1),
        "workloads": workloads,
        "machine": {**machine(), "load_average_at_start": load},
        "results": [asdict(row) for row in rows],
    }
    RESULTS_PATH.write_text(json.dumps(document, indent=2) + "\n")
    return RESULTS_PATH


def workload_start(name: str) -> None:
    global _current_workload
    _current_workload = name


@dataclass(frozen=True)
class ChildRun:
    seconds: float
    peak_rss_bytes: int
    stdout: str
    stderr: str
    returncode: int


def child_run(arguments: list[str], *, env: dict | None = None) -> ChildRun:
    """Run a command to its end: wall time (process start included) and *its own* peak RSS.

    `os.wait4` gives the resource usage of this one child: `RUSAGE_CHILDREN` would be the
    largest of every child this process ever waited for.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        process = subprocess.Popen(  # noqa: S603
            arguments, cwd=ROOT, stdout=out, stderr=err, env=env
        )
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return ChildRun(
            seconds=seconds,
            # ru_maxrss is in kilobytes on Linux.
            peak_rss_bytes=usage.ru_maxrss * 1024,
            stdout=out.read().decode(errors="replace"),
            stderr=err.read().decode(errors="replace"),
            returncode=process.returncode,
        )


def own_peak_rss_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
