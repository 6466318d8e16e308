"""`python -m benchmarks [NAME ...]`: run the named workloads (default: every
benchmarks/bench_*.py, in name order), print the table of results and write it to
bench/results/latest.json. `python -m benchmarks kpis import` runs two; `--list` lists them."""

import importlib
import os
import pkgutil
import sys
import time
from pathlib import Path

import benchmarks


def workloads() -> list[str]:
    return sorted(
        module.name
        for module in pkgutil.iter_modules([str(Path(__file__).parent)])
        if module.name.startswith("bench_")
    )


def main(arguments: list[str]) -> int:
    available = workloads()
    if arguments == ["--list"]:
        print("\n".join(name.removeprefix("bench_") for name in available))
        return 0
    chosen = [name if name.startswith("bench_") else f"bench_{name}" for name in arguments]
    unknown = [name for name in chosen if name not in available]
    if unknown:
        print(f"unknown workload(s): {', '.join(unknown)}; choose from {', '.join(available)}")
        return 2
    chosen = chosen or available
    load = [round(value, 2) for value in os.getloadavg()]
    started = time.perf_counter()
    for name in chosen:
        print(f"\n== {name} ==", flush=True)
        benchmarks.workload_start(name.removeprefix("bench_"))
        importlib.import_module(f"benchmarks.{name}").main()
    seconds = time.perf_counter() - started
    machine = benchmarks.machine()
    print(
        f"\n== results ({seconds:.0f} s; {machine['cpus']} CPUs, load average {load[0]} at the"
        f" start, {machine['load_average'][0]} at the end: ratios compare figures of this run) =="
    )
    print(benchmarks.table(benchmarks.RESULTS))
    notes = [row for row in benchmarks.RESULTS if row.note]
    if notes:
        print("notes:")
        for row in notes:
            print(f"  {row.name}: {row.note}")
    path = benchmarks.results_write(
        benchmarks.RESULTS,
        workloads=[name.removeprefix("bench_") for name in chosen],
        seconds=seconds,
        load=load,
    )
    print(f"written to {path.relative_to(benchmarks.ROOT)}")
    missed = [row for row in benchmarks.RESULTS if row.verdict == "MISSED"]
    return 1 if missed and os.environ.get("BENCH_FAIL_ON_MISS") == "1" else 0


sys.exit(main(sys.argv[1:]))
