"""Benchmarks (`make bench`): each figure is reported against a baseline of the same run."""

import os
import statistics
import time
from collections.abc import Callable


def setup_django() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "smarketing.settings.dev")
    django.setup()


def median_seconds(action: Callable[[], object], repeat: int) -> float:
    """The median wall time of `repeat` runs of `action`."""
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)
