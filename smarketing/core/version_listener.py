"""The data versions of the workspaces as PostgreSQL announces them, kept by each web process.

Every bump of a workspace's data version (smarketing/core/data_version.py) also sends
`NOTIFY smk_data_version, '<schema>:<version>'`, which PostgreSQL delivers when the writing
transaction commits. A web process runs one `VersionListener`: a thread with a connection of its
own that LISTENs and keeps the latest version of each schema. A request whose answer is kept
under the current version (a token, a person, the settings, a KPI report, the overview page)
then needs no statement at all: no connection from the pool, no `SET search_path`, no read of
the version row.

What the listener knows is trusted only while its connection listens:

- on connecting and on losing the connection it forgets everything;
- a version a request read from the database is recorded only if the listener was already
  listening when the read began and has not reconnected since (`ticket` / `learn`): a commit
  after the read is then announced, and versions only grow, so nothing older is ever kept;
- a request that may have written (it ran anything but SELECT or SET) makes its process read
  the version again for the next request, and drops what a request that read it before the
  write would record (`forget`): a person sees their own writes at once.

Another web process sees a commit when the announcement reaches it, normally well under a
millisecond after the commit; a request in between gets the previous version's answer.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import psycopg

CHANNEL = "smk_data_version"
# How long the thread waits for announcements before it checks that it should go on, and how
# often it checks that the idle connection is alive (a silent network loss raises nothing).
WAIT_SECONDS = 1.0
PING_SECONDS = 15.0
RETRY_SECONDS = 1.0

logger = logging.getLogger(__name__)


class VersionListener:
    def __init__(self, connect_kwargs: dict[str, Any]) -> None:
        self._connect_kwargs = connect_kwargs
        self._lock = threading.Lock()
        self._versions: dict[str, int] = {}
        self._forgotten: dict[str, int] = {}  # schema -> how many times this process wrote to it
        self._generation = 0
        self._listening = False
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None
        self._connection: psycopg.Connection | None = None

    # --- what requests ask ----------------------------------------------------------------

    def version(self, schema_name: str) -> int | None:
        """The latest committed version of `schema_name`, or None if not known now."""
        if not self._listening:
            return None
        return self._versions.get(schema_name)

    def ticket(self, schema_name: str) -> tuple[int, int] | None:
        """Taken before reading `schema_name`'s version from the database; None while not
        listening."""
        if not self._listening:
            return None
        return self._generation, self._forgotten.get(schema_name, 0)

    def learn(self, schema_name: str, version: int, ticket: tuple[int, int] | None) -> None:
        """Record a version read from the database since `ticket` was taken, unless the
        listener reconnected or this process wrote to the schema in between."""
        with self._lock:
            if ticket != (self._generation, self._forgotten.get(schema_name, 0)):
                return
            if not self._listening:
                return
            self._versions[schema_name] = max(version, self._versions.get(schema_name, version))

    def forget(self, schema_name: str) -> None:
        """This process wrote to the schema: read its version again, and drop what a request
        that read it before the write would record."""
        with self._lock:
            self._versions.pop(schema_name, None)
            self._forgotten[schema_name] = self._forgotten.get(schema_name, 0) + 1

    @property
    def listening(self) -> bool:
        return self._listening

    # --- the thread -----------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="data-version-listener", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        if self._thread is not None:
            self._thread.join(timeout=WAIT_SECONDS * 5)

    def wait_listening(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not self._listening and time.monotonic() < deadline:
            time.sleep(0.01)
        return self._listening

    def _run(self) -> None:
        while not self._stopped.is_set():
            try:
                self._listen()
            except psycopg.Error as error:
                logger.warning("data version listener: %s; reconnecting", error)
            finally:
                self._set_listening(False)
            self._stopped.wait(RETRY_SECONDS)

    def _listen(self) -> None:
        with psycopg.connect(**self._connect_kwargs, autocommit=True) as connection:
            self._connection = connection
            connection.execute(f"LISTEN {CHANNEL}")
            self._set_listening(True)
            pinged = time.monotonic()
            while not self._stopped.is_set():
                for notification in connection.notifies(timeout=WAIT_SECONDS):
                    self._announced(notification.payload)
                if time.monotonic() - pinged > PING_SECONDS:
                    connection.execute("SELECT 1")
                    pinged = time.monotonic()

    def _announced(self, payload: str) -> None:
        schema_name, _, version = payload.rpartition(":")
        with self._lock:
            known = self._versions.get(schema_name)
            if known is None or int(version) > known:
                self._versions[schema_name] = int(version)

    def _set_listening(self, listening: bool) -> None:
        with self._lock:
            self._versions.clear()
            self._generation += 1
            self._listening = listening

    def backend_pid(self) -> int | None:
        connection = self._connection
        return None if connection is None or connection.closed else connection.info.backend_pid
