"""Goal 3 of issue 13, web under load: gunicorn on 127.0.0.1 (2 workers, as `make load`), wrk
with 32 persistent connections for 20 s per target (bounded, stops by itself). The baseline, the
KPI API and the overview run in `WEB_BENCH_ROUNDS` rounds (2), alternating; each one's best
round counts (wrk's connections fall to gunicorn's two workers by chance, sometimes nearly all
to one).

- baseline: `/baseline/` of `benchmarks/load_wsgi.py`, a bare Django view reading one row on
  the same server, without middleware or tenant routing;
- the KPI API for one month (reads the month's stored snapshot): goal >= 0.5x the baseline's
  requests/s;
- the overview page (signed in): goal >= 0.25x, warm (the data unchanged between requests, the
  common case: its content comes from the cache); and cold, reported (a server started with
  CONTENT_CACHE_SECONDS=0, so every request computes and renders the content);
- the public NPS submit (a POST that stores an answer): requests/s and p99, reported.

p50/p95/p99 of each are printed; every figure is a ratio to the baseline of the same run (the
machine is shared). `WEB_BENCH_SECONDS`, `WEB_BENCH_CONNECTIONS` and `WEB_CONCURRENCY` change
the defaults; `python -m benchmarks web` runs this workload alone.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import closing
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from benchmarks.report import row

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
RESULT_LINE = re.compile(
    r"RESULT requests=(?P<requests>\d+) rps=(?P<rps>[\d.]+) errors=(?P<errors>\d+)"
    r" p50=(?P<p50>[\d.]+)ms p95=(?P<p95>[\d.]+)ms p99=(?P<p99>[\d.]+)ms"
)
# Capacity is measured, not the abuse limits: they are lifted for the benchmark's server only.
LIFTED_LIMITS = {
    "API_THROTTLE_USER": "100000000/min",
    "API_THROTTLE_ANON": "100000000/min",
    "SURVEY_RATE_PER_IP": "100000000/m",
    "SURVEY_RATE_PER_SURVEY": "100000000/m",
    "SURVEY_MIN_FILL_SECONDS": "0",
}


@dataclass(frozen=True)
class Load:
    name: str
    requests: int
    rps: float
    errors: int
    p50: float
    p95: float
    p99: float

    def latencies(self) -> str:
        return f"p50 {self.p50:.1f} ms, p95 {self.p95:.1f} ms, p99 {self.p99:.1f} ms"


def _free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    print("installing wrk (Debian package)", flush=True)
    apt = shutil.which("apt-get") or "/usr/bin/apt-get"
    install = [apt, "install", "-y", "-qq", "wrk"]
    subprocess.run(install, check=False, capture_output=True)  # noqa: S603
    if not shutil.which("wrk"):
        subprocess.run([apt, "update", "-qq"], check=False, capture_output=True)  # noqa: S603
        subprocess.run(install, check=True)  # noqa: S603
    return shutil.which("wrk") or "wrk"


def _manage(*arguments: str, env: dict[str, str]) -> str:
    done = subprocess.run(  # noqa: S603
        [PYTHON, "manage.py", *arguments], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode:
        raise RuntimeError(f"manage.py {' '.join(arguments)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def _prepare(env: dict[str, str]) -> dict[str, str]:
    """The demo workspace with its snapshots, and the credentials and survey of the load."""
    prepare = [str(ROOT / "scripts" / "prepare-database")]
    subprocess.run(prepare, cwd=ROOT, env=env, check=True, capture_output=True)  # noqa: S603
    _manage("load_demo_workspace", env=env)
    # The KPI API must read a stored snapshot: compute them here rather than wait for a worker.
    _manage("refresh_snapshots", "demo", env=env)
    printed = subprocess.run(  # noqa: S603
        [PYTHON, "-m", "benchmarks.load_setup", "prepare"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    values = {}
    for line in printed.splitlines():
        name, _, value = line.removeprefix("export ").partition("=")
        values[name] = value.strip("'")
    return values


def _stop_server(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()


def _start_server(env: dict[str, str], port: int, host: str) -> subprocess.Popen:
    log = open(ROOT / ".local" / "bench-web-gunicorn.log", "wb")  # noqa: SIM115
    server = subprocess.Popen(  # noqa: S603
        [
            str(Path(PYTHON).with_name("gunicorn")),
            "-c",
            "gunicorn.conf.py",
            "benchmarks.load_wsgi:application",
        ],
        cwd=ROOT,
        env={
            **env,
            **LIFTED_LIMITS,
            "PORT": str(port),
            "WEB_CONCURRENCY": env.get("WEB_CONCURRENCY", "2"),
            "LOG_LEVEL": "WARNING",
        },
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/health/", headers={"Host": host}
            )
            with urllib.request.urlopen(request, timeout=2):  # noqa: S310
                return server
        except OSError as error:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                message = "gunicorn did not start: see .local/bench-web-gunicorn.log"
                raise RuntimeError(message) from error
            time.sleep(0.2)


def _load(
    wrk: str, name: str, url: str, *, seconds: int, connections: int, headers: list[str], env
) -> Load:
    arguments = [wrk, "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s"]
    arguments += ["-s", str(ROOT / "benchmarks" / "load.lua")]
    for header in headers:
        arguments += ["-H", header]
    done = subprocess.run(  # noqa: S603
        [*arguments, url], capture_output=True, text=True, env=env, timeout=seconds + 60
    )
    match = RESULT_LINE.search(done.stdout)
    if match is None:
        raise RuntimeError(f"wrk printed no result for {name}:\n{done.stdout}\n{done.stderr}")
    load = Load(
        name=name,
        requests=int(match["requests"]),
        rps=float(match["rps"]),
        errors=int(match["errors"]),
        p50=float(match["p50"]),
        p95=float(match["p95"]),
        p99=float(match["p99"]),
    )
    print(f"{name:<22} {load.rps:8.1f} req/s  {load.latencies()}  errors {load.errors}", flush=True)
    return load


def measure(seconds: int, connections: int, rounds: int) -> dict[str, Load]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": os.environ.get(
            "DJANGO_SETTINGS_MODULE", "smarketing.settings.dev"
        ),
        "DEBUG": "0",
    }
    (ROOT / ".local").mkdir(exist_ok=True)
    wrk = _wrk()
    values = _prepare(env)
    host, port = values["LOAD_HOST"], _free_port()
    month = (date.today().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    server = _start_server(env, port, host)
    base = f"http://127.0.0.1:{port}"
    loads: dict[str, Load] = {}
    try:
        run = {"seconds": seconds, "connections": connections, "env": env}
        host_header = f"Host: {host}"
        targets = {
            "baseline": ("baseline (bare view)", f"{base}/baseline/", [host_header]),
            "kpi": (
                f"KPI API ({month})",
                f"{base}/api/v1/kpis/?period={month}",
                [host_header, f"Authorization: Token {values['LOAD_TOKEN']}"],
            ),
            # A signed-in browser: its session, and the CSRF cookie it got with its first page.
            "overview": (
                "overview page",
                f"{base}/",
                [
                    host_header,
                    f"Cookie: sessionid={values['LOAD_SESSION']}; csrftoken={values['LOAD_CSRF']}",
                ],
            ),
        }
        # Rounds, alternating the targets; each target's best round counts. wrk's connections
        # are shared out between gunicorn's workers by a race at accept(): in a round where
        # most land on one worker, that round measures one process, whatever it serves.
        for number in range(1, rounds + 1):
            for key, (name, url, headers) in targets.items():
                load = _load(wrk, f"{name} #{number}", url, headers=headers, **run)
                if key not in loads or load.rps > loads[key].rps:
                    loads[key] = load
        nps_path = values["LOAD_NPS_PATH"]
        loads["nps"] = _load(
            wrk,
            "public NPS submit",
            f"{base}{nps_path}",
            headers=[
                host_header,
                f"Cookie: csrftoken={values['LOAD_CSRF']}",
                f"Referer: http://{host}{nps_path}",
            ],
            **{**run, "env": {**env, "LOAD_BODY": values["LOAD_NPS_BODY"]}},
        )
        # Cold: the same page on a server that keeps no page content, so every request
        # computes and renders it (what the first request after a write costs).
        _stop_server(server)
        server = _start_server({**env, "CONTENT_CACHE_SECONDS": "0"}, port, host)
        _, url, headers = targets["overview"]
        loads["overview_cold"] = _load(wrk, "overview page, cold", url, headers=headers, **run)
    finally:
        _stop_server(server)
        subprocess.run(  # noqa: S603
            [PYTHON, "-m", "benchmarks.load_setup", "cleanup"], cwd=ROOT, env=env, check=False
        )
    return loads


def report(loads: dict[str, Load], seconds: int, connections: int, rounds: int) -> None:
    baseline = loads["baseline"]
    setup = f"gunicorn 2 workers, wrk {connections} connections, {seconds} s; best of {rounds}"
    row(
        goal="3",
        name="web baseline: bare view, one row",
        value=baseline.rps,
        unit="req/s",
        note=f"{baseline.latencies()}; {setup}; errors {baseline.errors}",
    )
    for key, name, goal in (
        ("kpi", "KPI API, one month (snapshot)", 0.5),
        ("overview", "overview page (content kept while the data is unchanged)", 0.25),
        ("overview_cold", "overview page, cold (content rebuilt every request)", None),
        ("nps", "public NPS submit", None),
    ):
        load = loads[key]
        ratio = load.rps / baseline.rps if baseline.rps else None
        row(
            goal="3",
            name=f"web {name}",
            value=load.rps,
            unit="req/s",
            baseline=baseline.rps,
            baseline_name="bare view",
            ratio=ratio,
            target=f">= {goal}x" if goal else "",
            met=None if goal is None or ratio is None else ratio >= goal and load.errors == 0,
            note=f"{load.latencies()}; errors {load.errors}",
        )
    nps = loads["nps"]
    row(
        goal="3",
        name="web public NPS submit p99",
        value=nps.p99,
        unit="ms",
        baseline=baseline.p99,
        baseline_name="bare view p99",
        ratio=nps.p99 / baseline.p99 if baseline.p99 else None,
    )


def main() -> None:
    seconds = int(os.environ.get("WEB_BENCH_SECONDS", "20"))
    connections = int(os.environ.get("WEB_BENCH_CONNECTIONS", "32"))
    rounds = int(os.environ.get("WEB_BENCH_ROUNDS", "2"))
    print(
        f"== web under load ({connections} connections, {seconds} s per target and round,"
        f" {rounds} rounds) ==",
        flush=True,
    )
    report(measure(seconds, connections, rounds), seconds, connections, rounds)


if __name__ == "__main__":
    main()
