"""Writes of the funnel app: accept an upload, run an import, remember a column mapping."""

import hashlib
import logging
import os
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import OperationalError, connection, transaction
from django.utils import timezone
from django.utils.text import get_valid_filename

from smarketing.core.outbox import outbox_dispatch_on_commit
from smarketing.core.tasks import task_send_now

from . import signals
from .importers.kinds import KINDS
from .importers.mapping_files import (
    MappingFile,
    MappingFileError,
    mapping_file_check_header,
    mapping_file_parse,
)
from .importers.mappings import CANONICAL, CRM_SOURCES, FORMATS
from .importers.pipeline import (
    column_mapping_store,
    current_schema,
    import_job_execute,
    import_lock_try,
    import_max_bytes,
)
from .importers.reading import size_over_limit
from .models import ColumnMapping, ImportJob, ImportProblem, ImportStatus, ProblemSeverity

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ImportAccepted:
    job: ImportJob
    # False when the same file (same SHA-256, kind, format and options) was already imported.
    created: bool


def _file_digest(file: File) -> str:
    digest = hashlib.sha256()
    file.seek(0)
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


def mapping_parse(document, *, kind: str = "") -> MappingFile:
    """A mapping file (JSON text or parsed), checked; ValidationError with one clear message."""
    try:
        return mapping_file_parse(document, kind=kind)
    except MappingFileError as error:
        raise ValidationError(f"mapping: {error}") from error


# Jobs that count as "this file was already imported": stored, or about to be. A rejected or
# failed import never blocks the corrected one (SPEC 3.1).
_ALREADY_IMPORTED = (ImportStatus.SUCCEEDED, ImportStatus.QUEUED, ImportStatus.RUNNING)


def _already_imported(
    *, sha256: str, kind: str, file_format: str, skip_invalid: bool, mapping_digest: str
) -> ImportJob | None:
    previous = ImportJob.objects.filter(
        sha256=sha256,
        skip_invalid=skip_invalid,
        status__in=_ALREADY_IMPORTED,
        mapping_digest=mapping_digest,
    )
    if kind:
        previous = previous.filter(kind=kind)
    if file_format:
        previous = previous.filter(format=file_format)
    # A mapping saved since may read the same bytes differently: such a file runs again.
    latest_mapping = ColumnMapping.objects.order_by("-updated_at").values_list(
        "updated_at", flat=True
    )
    if (changed := latest_mapping.first()) is not None:
        previous = previous.filter(created_at__gt=changed)
    return previous.order_by("-created_at").first()


def import_job_create(
    *,
    file: File,
    file_name: str,
    kind: str = "",
    file_format: str = "",
    skip_invalid: bool = False,
    mapping: MappingFile | None = None,
    save_mapping: bool = False,
    draft: bool = False,
    created_by=None,
    enqueue: bool = True,
) -> ImportAccepted:
    """Store an uploaded file and queue its import (on commit), unless it was imported already.

    `kind` and `file_format` may be empty: they are then detected from the header (a mapping
    saved for it first). `mapping` (SPEC 3.1) is laid over the format, the canonical one when
    none is given; with `save_mapping` it serves every later file with the same header. A
    `draft` is stored but not run: the import page maps it first (`import_job_map`).
    """
    if kind and kind not in KINDS:
        raise ValidationError(f"Unknown kind {kind!r}: use one of {', '.join(KINDS)}.")
    if file_format and file_format not in FORMATS:
        raise ValidationError(f"Unknown format {file_format!r}: use one of {', '.join(FORMATS)}.")
    if kind and file_format and file_format != CANONICAL and (file_format, kind) not in CRM_SOURCES:
        raise ValidationError(f"{file_format} exports are accepted for leads and deals only.")
    if mapping is not None and kind and mapping.kind != kind:
        raise ValidationError(
            f"mapping: the mapping is for {mapping.kind}, but the file is imported as {kind}"
        )
    size = file.size or 0
    if size == 0:
        raise ValidationError("The file is empty.")
    if size > import_max_bytes():
        reason = size_over_limit(size, import_max_bytes())
        raise ValidationError(f"{reason[0].upper()}{reason[1:]}.")
    sha256 = _file_digest(file)
    digest = mapping.digest if mapping is not None else ""
    if not draft:
        existing = _already_imported(
            sha256=sha256,
            kind=kind,
            file_format=file_format,
            skip_invalid=skip_invalid,
            mapping_digest=digest,
        )
        if existing is not None:
            return ImportAccepted(job=existing, created=False)
    name = get_valid_filename(os.path.basename(file_name) or "upload.csv")[:100] or "upload.csv"
    stored = default_storage.save(f"imports/{current_schema()}/{uuid.uuid4().hex}/{name}", file)
    with transaction.atomic():
        job = ImportJob.objects.create(
            kind=kind or (mapping.kind if mapping else ""),
            format=file_format,
            skip_invalid=skip_invalid,
            file=stored,
            file_name=os.path.basename(file_name)[:255] or name,
            file_size=size,
            sha256=sha256,
            mapping=mapping.as_json() if mapping is not None else None,
            mapping_digest=digest,
            save_mapping=save_mapping and mapping is not None,
            status=ImportStatus.DRAFT if draft else ImportStatus.QUEUED,
            created_by=created_by,
        )
        if enqueue and not draft:
            _enqueue_run(job.pk)
    return ImportAccepted(job=job, created=True)


def import_job_map(
    *,
    job: ImportJob,
    kind: str,
    file_format: str = "",
    mapping: MappingFile | None = None,
    save_mapping: bool = False,
    skip_invalid: bool = False,
    created_by=None,
    enqueue: bool = True,
) -> ImportAccepted:
    """Import `job`'s file as `kind` (in `file_format`, with `mapping`): a draft is queued
    with these choices; any other job's file is imported again as a new job (a rejected
    import corrected by a mapping), unless that exact import was already stored."""
    if kind not in KINDS:
        raise ValidationError(f"Unknown kind {kind!r}: use one of {', '.join(KINDS)}.")
    if file_format and file_format not in FORMATS:
        raise ValidationError(f"Unknown format {file_format!r}: use one of {', '.join(FORMATS)}.")
    if file_format not in ("", CANONICAL) and (file_format, kind) not in CRM_SOURCES:
        raise ValidationError(f"{file_format} exports are accepted for leads and deals only.")
    if mapping is not None and mapping.kind != kind:
        raise ValidationError(
            f"mapping: the mapping is for {mapping.kind}, but the file is imported as {kind}"
        )
    digest = mapping.digest if mapping is not None else ""
    options = {
        "kind": kind,
        "format": file_format,
        "skip_invalid": skip_invalid,
        "mapping": mapping.as_json() if mapping is not None else None,
        "mapping_digest": digest,
        "mapping_origin": "",
        "save_mapping": save_mapping and mapping is not None,
    }
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().get(pk=job.pk)
        if locked.status == ImportStatus.DRAFT:
            for name, value in options.items():
                setattr(locked, name, value)
            locked.status = ImportStatus.QUEUED
            locked.save()
            if enqueue:
                _enqueue_run(locked.pk)
            return ImportAccepted(job=locked, created=True)
        existing = _already_imported(
            sha256=job.sha256,
            kind=kind,
            file_format=file_format,
            skip_invalid=skip_invalid,
            mapping_digest=digest,
        )
        if existing is not None:
            return ImportAccepted(job=existing, created=False)
        again = ImportJob.objects.create(
            file=job.file.name,
            file_name=job.file_name,
            file_size=job.file_size,
            sha256=job.sha256,
            created_by=created_by,
            **options,
        )
        if enqueue:
            _enqueue_run(again.pk)
    return ImportAccepted(job=again, created=True)


def import_job_run(*, job_id: int) -> ImportJob | None:
    """Run a queued import in the current workspace; a technical failure marks it failed."""
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None:
        return None
    try:
        return import_job_execute(job)
    except Exception as error:
        if isinstance(error, OperationalError) and _connection_lost():
            raise  # the database went away: the task retries, the job starts over
        # Anything else (PostgreSQL's own limits included) fails the same way on every retry.
        logger.exception("import %s failed", job_id)
        with transaction.atomic():
            ImportProblem.objects.filter(job_id=job_id).delete()
            ImportProblem.objects.create(
                job_id=job_id,
                severity=ProblemSeverity.ERROR,
                row_number=0,
                message="the import failed unexpectedly and stored nothing; try again or "
                "contact support",
            )
            ImportJob.objects.filter(pk=job_id).update(
                status=ImportStatus.FAILED, finished_at=timezone.now(), error_count=1
            )
        job.refresh_from_db()
        return job


def _connection_lost() -> bool:
    """True when the database connection is gone (worth a retry), not when a statement failed."""
    return connection.connection is None or not connection.is_usable()


def import_stale_seconds() -> int:
    return int(getattr(settings, "FUNNEL_IMPORT_STALE_SECONDS", 15 * 60))


# A job says "running" a moment before its transaction takes the import lock.
RUNNING_GRACE = timedelta(seconds=30)

STALE_MESSAGE = (
    "no worker finished this import (it was lost, e.g. when the queue restarted) and nothing "
    "was stored; upload the file again"
)


@dataclass(frozen=True)
class StaleImports:
    requeued: list[int]
    failed: list[int]


IMPORT_OUTBOX = "imports"


def _enqueue_run(job_id: int) -> None:
    """Queue the import through the outbox: the job row is the message, sent once this
    transaction commits, or by the dispatcher of beat while the broker is down."""
    outbox_dispatch_on_commit(IMPORT_OUTBOX, job_id)


def import_job_send(job_id: int) -> None:
    """Hand one import's task to the broker now (the outbox calls this)."""
    from .tasks import import_job_run_task

    task_send_now(import_job_run_task, job_id)


def import_jobs_stale_recover(*, now: datetime | None = None) -> StaleImports:
    """Requeue, then give up on, imports left queued or running with nothing running them.

    Acks-late redelivers the task of a worker that died, but only after the broker's visibility
    timeout, and a message the broker lost never comes back: its job would say "queued" or
    "running" forever. When no import is running in the current workspace (its import lock is
    free), a job is sent again once when:
    - it says "running" since more than `RUNNING_GRACE` (a running import holds the lock for
      its whole transaction, so its worker died: recovered within a minute or two, by beat);
    - or it was handed to the broker (or started, or requeued) more than
      `FUNNEL_IMPORT_STALE_SECONDS` ago and never finished (the message was lost).
    If that one is lost too, it is marked failed with a problem that says what to do. A job
    still waiting in the outbox (broker down) is not stale: it has not been sent yet.
    Idempotent: the task is a no-op for a finished job, and repeated checks change nothing more.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=import_stale_seconds())
    requeued: list[int] = []
    failed: list[int] = []
    with transaction.atomic(), connection.cursor() as cursor:
        if not import_lock_try(cursor):
            return StaleImports(requeued, failed)  # an import is running here: not stale
        jobs = ImportJob.objects.select_for_update().filter(
            status__in=(ImportStatus.QUEUED, ImportStatus.RUNNING)
        )
        for job in jobs:
            if job.status == ImportStatus.QUEUED and job.dispatched_at is None:
                continue  # still in the outbox: the broker has not had it yet
            seen = max(
                t for t in (job.created_at, job.started_at, job.requeued_at, job.dispatched_at) if t
            )
            worker_died = (
                job.status == ImportStatus.RUNNING
                and job.started_at is not None
                and job.started_at < now - RUNNING_GRACE
            )
            if seen > cutoff and not worker_died:
                continue
            if job.requeued_at is None:
                ImportJob.objects.filter(pk=job.pk).update(
                    status=ImportStatus.QUEUED, requeued_at=now, percent=0, dispatched_at=None
                )
                _enqueue_run(job.pk)
                requeued.append(job.pk)
                continue
            job.problems.all().delete()
            ImportProblem.objects.create(
                job=job, severity=ProblemSeverity.ERROR, row_number=0, message=STALE_MESSAGE
            )
            ImportJob.objects.filter(pk=job.pk).update(
                status=ImportStatus.FAILED, finished_at=now, error_count=1, percent=0
            )
            failed.append(job.pk)
    if requeued or failed:
        logger.warning("stale imports: requeued %s, failed %s", requeued, failed)
    return StaleImports(requeued, failed)


def import_stored_announce(*, job: ImportJob) -> None:
    """Once the import's transaction commits, send `signals.import_stored` with the range of
    timestamps it wrote or overwrote (the KPI app recomputes the periods it touched)."""
    if job.affected_start is None or job.affected_end is None:
        return
    import_id, kind, start, end = job.pk, job.kind, job.affected_start, job.affected_end
    transaction.on_commit(
        lambda: signals.import_stored.send(
            sender=ImportJob, import_id=import_id, kind=kind, start=start, end=end
        )
    )


def column_mapping_save(
    *,
    kind: str,
    file_format: str,
    columns: dict[str, str] | None = None,
    mapping: MappingFile | None = None,
    header: list[str] | None = None,
) -> ColumnMapping:
    """Remember a mapping: for files with `header` (found automatically, also when the kind
    and format are detected), or without one for every file of `kind` in `file_format`.

    `columns` alone is the short form ({canonical column: the workspace's header name}).
    """
    if kind not in KINDS:
        raise ValidationError(f"Unknown kind {kind!r}.")
    if file_format not in FORMATS:
        raise ValidationError(f"Unknown format {file_format!r}.")
    if mapping is None:
        cleaned = {
            name: value.strip()
            for name, value in (columns or {}).items()
            if value and value.strip()
        }
        mapping = mapping_parse({"kind": kind, "columns": cleaned})
    elif mapping.kind != kind:
        raise ValidationError(f"mapping: the mapping is for {mapping.kind}, not {kind}")
    if header is not None:
        if not any(name.strip() for name in header):
            raise ValidationError("header: name the file's columns")
        try:
            mapping_file_check_header(mapping, header)
        except MappingFileError as error:
            raise ValidationError(f"mapping: {error}") from error
    with transaction.atomic():
        return column_mapping_store(mapping=mapping, file_format=file_format, header=header)


def column_mapping_delete(*, mapping_id: int) -> bool:
    deleted, _ = ColumnMapping.objects.filter(pk=mapping_id).delete()
    return bool(deleted)


def demo_data_import(*, directory, leads: int = 5000, seed: int = 42) -> list[ImportJob]:
    """Fill an empty workspace with generated demo data, every kind through the import pipeline.

    Does nothing (returns []) when the current workspace already has leads.
    """
    from .demo import demo_data_write
    from .models import Lead

    if Lead.objects.exists():
        return []
    paths = demo_data_write(directory, leads=leads, seed=seed)
    jobs = []
    for kind in KINDS:
        with open(paths[kind], "rb") as handle:
            accepted = import_job_create(
                file=File(handle), file_name=f"demo-{kind}.csv", kind=kind,
                file_format="canonical", enqueue=False,
            )  # fmt: skip
            job = import_job_run(job_id=accepted.job.pk) if accepted.created else accepted.job
        if job is not None:
            jobs.append(job)
    return jobs
