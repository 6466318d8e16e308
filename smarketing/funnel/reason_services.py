"""Writes of the rejection and loss loops: admins keep the lists of MQL rejection reasons and
deal loss reasons, and map the values their CRM writes onto them.

Imports store a reason's name for each value that is its name or alias (`importers.sql`); a
change to the lists relabels the rows already stored, in one statement, so stored data, a
re-import of the same file and the pages always agree. Every value is kept as the file had it
until it is mapped: a deleted reason's rows keep its name and are listed as unknown again."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Max

from . import signals
from .models import REASON_COLUMNS, Reason, ReasonAlias, ReasonKind

NAME_MAX_LENGTH = 200


class ReasonConflict(ValidationError):
    """Well-formed, but at odds with the lists as they are (a name or value that already
    means a reason, a reason of the other list): the API answers 409."""


# The column each kind's rows are dated by, for the KPI snapshots to refresh.
_DATED_BY = {ReasonKind.REJECTION: "rejected_at", ReasonKind.LOSS: "closed_at"}


def _clean(text: str, what: str) -> str:
    value = " ".join(str(text or "").split())
    if not value:
        raise ValidationError(f"The {what} cannot be empty.")
    if len(value) > NAME_MAX_LENGTH:
        raise ValidationError(f"The {what} is longer than {NAME_MAX_LENGTH} characters.")
    return value


def _kind(kind: str) -> ReasonKind:
    try:
        return ReasonKind(kind)
    except ValueError:
        raise ValidationError(
            f"Unknown reason list '{kind}': choose {' or '.join(ReasonKind.values)}."
        ) from None


def _check_free(kind: ReasonKind, value: str, *, reason: Reason | None = None) -> None:
    """`value` must not already mean another reason of the list (as a name or an alias)."""
    taken = Reason.objects.filter(kind=kind, name__iexact=value)
    aliases = ReasonAlias.objects.filter(kind=kind, value__iexact=value)
    if reason is not None:
        taken, aliases = taken.exclude(pk=reason.pk), aliases.exclude(reason=reason)
    if taken.exists():
        raise ReasonConflict(f'"{value}" is already on the list of {kind.label.lower()}.')
    alias = aliases.select_related("reason").first()
    if alias is not None:
        raise ReasonConflict(f'"{value}" already means "{alias.reason.name}".')


def reason_name_check(*, kind: str, name: str, reason: Reason | None = None) -> str:
    """The cleaned name, or ValidationError when it is empty, too long or already means a
    reason of the list (for forms that validate before they save)."""
    reason_kind = _kind(kind)
    cleaned = _clean(name, "reason")
    _check_free(reason_kind, cleaned, reason=reason)
    return cleaned


def reason_value_check(*, value: str, reason: Reason) -> str:
    """The cleaned value, or ValidationError when it is another reason's own name."""
    cleaned = _clean(value, "value")
    others = Reason.objects.filter(kind=reason.kind, name__iexact=cleaned).exclude(pk=reason.pk)
    if others.exists():
        raise ReasonConflict(f'"{cleaned}" is a reason of its own; delete or rename it first.')
    return cleaned


def _relabel(kind: ReasonKind, values: list[str], name: str) -> None:
    """Rows whose reason is one of `values` (any letter case) now carry `name`; the KPI
    snapshots of their periods are refreshed after commit."""
    table, column = REASON_COLUMNS[kind]
    dated_by = _DATED_BY[kind]
    keys = sorted({value.strip().lower() for value in values})
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH changed AS (UPDATE {table} SET {column} = %s "  # noqa: S608
            f"WHERE lower(btrim({column})) = ANY(%s) AND {column} IS DISTINCT FROM %s "
            f"RETURNING {dated_by} AS dated) SELECT min(dated), max(dated) FROM changed",
            [name, keys, name],
        )
        start, end = cursor.fetchone()
    if start is not None and end is not None:
        transaction.on_commit(
            lambda: signals.reasons_relabelled.send(sender=Reason, start=start, end=end)
        )


@transaction.atomic
def reason_create(*, kind: str, name: str) -> Reason:
    """Add a reason at the end of its list; stored values spelt as its name take it."""
    reason_kind = _kind(kind)
    name = reason_name_check(kind=kind, name=name)
    last = Reason.objects.filter(kind=reason_kind).aggregate(last=Max("position"))["last"]
    reason = Reason.objects.create(
        kind=reason_kind, name=name, position=0 if last is None else last + 1
    )
    _relabel(reason_kind, [name], name)
    return reason


@transaction.atomic
def reason_update(
    *, reason: Reason, name: str | None = None, position: int | None = None
) -> Reason:
    """Rename a reason (its rows follow; the old name stays an alias, as CRMs keep sending
    it) or move it in its list."""
    reason = Reason.objects.select_for_update().get(pk=reason.pk)
    kind = ReasonKind(reason.kind)
    if position is not None:
        if position < 0 or position > 32767:
            raise ValidationError("The position must be between 0 and 32767.")
        reason.position = position
    if name is not None:
        name = _clean(name, "reason")
        _check_free(kind, name, reason=reason)
        old = reason.name
        if name != old:
            reason.name = name
            reason.aliases.filter(value__iexact=name).delete()
            if old.lower() != name.lower():
                ReasonAlias.objects.create(reason=reason, kind=kind, value=old)
            reason.save(update_fields=["name", "position"])
            values = [old, name, *reason.aliases.values_list("value", flat=True)]
            _relabel(kind, values, name)
            return reason
    reason.save(update_fields=["position"])
    return reason


@transaction.atomic
def reason_delete(*, reason: Reason) -> None:
    """Take a reason off its list with its aliases; its rows keep its name, listed as an
    unknown value again (nothing is lost, an admin can map it elsewhere)."""
    Reason.objects.filter(pk=reason.pk).delete()


@transaction.atomic
def reason_value_map(*, kind: str, value: str, reason: Reason) -> ReasonAlias:
    """From now on `value` (as a CRM writes it) means `reason`: saved for later imports, and
    the rows already stored with it are relabelled."""
    reason_kind = _kind(kind)
    if reason.kind != reason_kind:
        raise ReasonConflict(f'"{reason.name}" is not on the list of {reason_kind.label.lower()}.')
    value = reason_value_check(value=value, reason=reason)
    existing = (
        ReasonAlias.objects.select_for_update()
        .filter(kind=reason_kind, value__iexact=value)
        .first()
    )
    if existing is not None:
        existing.reason = reason
        existing.save(update_fields=["reason"])
        alias = existing
    elif reason.name.lower() == value.lower():
        alias = ReasonAlias(reason=reason, kind=reason_kind, value=value)  # its own name
    else:
        alias = ReasonAlias.objects.create(reason=reason, kind=reason_kind, value=value)
    _relabel(reason_kind, [value], reason.name)
    return alias
