"""Writes of the SLA app: SLAs (page, admin, API, files and the settings' KPI targets all come
through here), their evaluation, the alerts a breach raises, and the shared definitions."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from smarketing.accounts.models import Role, User
from smarketing.configuration.selectors import workspace_settings_get
from smarketing.configuration.services import definitions_version_set
from smarketing.core.periods import SNAPSHOT_GRAINS, Grain, Period
from smarketing.kpis.definitions import KPIS_BY_KEY

from . import notifications
from .evaluation import Evaluation, SlaTerms, alert_due, sla_evaluate
from .glossary import STAGES, definitions_problems
from .models import (
    DefinitionSignoff,
    DefinitionVersion,
    SignoffTeam,
    Sla,
    SlaAlert,
    SlaEvaluation,
    SlaTeam,
    StageDefinition,
    TeamLead,
)
from .rules import FIELDS, sla_normalised, slas_problems
from .selectors import (
    PeriodValues,
    definition_signer_team,
    sla_current_period,
    sla_period_values,
    sla_periods,
)

# A new or changed SLA is judged over this many closed periods at once (its compliance over
# 12 periods is then known from the start); routine evaluations look at the latest one.
HISTORY_PERIODS = 12
# Changing any of these makes the SLA measure something else: its history is recomputed.
MEASURE_FIELDS = ("kpi", "source", "period")


class SlaNameTaken(ValidationError):
    """A valid SLA whose name another SLA has (the API answers 409)."""


def _validated(slas: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The SLAs' fields as stored (no source: empty); ValidationError listing every problem."""
    problems = slas_problems(slas)
    if problems:
        raise ValidationError(problems)
    return [_stored(sla_normalised(sla)) for sla in slas]


def _stored(fields: dict[str, Any]) -> dict[str, Any]:
    return {**fields, "source": fields["source"] or ""}


def _evaluate_later(sla_ids: Iterable[int]) -> None:
    """Judge these SLAs' recent history once the transaction commits (a task)."""
    ids = sorted(set(sla_ids))
    if not ids:
        return

    def send() -> None:
        from .tasks import sla_evaluate_task

        sla_evaluate_task.delay(sla_ids=ids, history=HISTORY_PERIODS)

    transaction.on_commit(send)


def _name_taken(name: str, *, other_than: int | None = None) -> bool:
    slas = Sla.objects.filter(name=name)
    return (slas.exclude(pk=other_than) if other_than is not None else slas).exists()


@transaction.atomic
def sla_create(*, terms: Mapping[str, Any], created_at: datetime | None = None) -> Sla:
    """A new SLA; ValidationError (naming the SLA) and nothing stored when it is invalid."""
    (fields,) = _validated([terms])
    if _name_taken(fields["name"]):
        raise SlaNameTaken([f'SLA "{fields["name"]}": an SLA of that name already exists'])
    sla = Sla.objects.create(**fields, created_at=created_at or timezone.now())
    _evaluate_later([sla.pk])
    return sla


def _apply_terms(sla: Sla, fields: dict[str, Any]) -> bool:
    """Set `fields` on `sla` (unsaved); True when what it measures changed."""
    measure_changed = any(getattr(sla, name) != fields[name] for name in MEASURE_FIELDS)
    for name, value in fields.items():
        setattr(sla, name, value)
    return measure_changed


@transaction.atomic
def sla_update(*, sla: Sla, terms: Mapping[str, Any]) -> Sla:
    """Change an SLA. Closed periods keep the target they were judged by; when the KPI, source
    or period kind changes, the SLA measures something else and its history is recomputed."""
    (fields,) = _validated([terms])
    if _name_taken(fields["name"], other_than=sla.pk):
        raise SlaNameTaken([f'SLA "{fields["name"]}": an SLA of that name already exists'])
    if _apply_terms(sla, fields):
        sla.evaluations.all().delete()
    sla.retired_at = None
    sla.save()
    _evaluate_later([sla.pk])
    return sla


@transaction.atomic
def sla_retire(*, sla: Sla) -> Sla:
    """Stop evaluating an SLA; its history stays."""
    if sla.retired_at is None:
        sla.retired_at = timezone.now()
        sla.save(update_fields=["retired_at", "updated_at"])
        # The forecast of a period it will never finish is no longer news.
        sla.evaluations.filter(final=False).delete()
    return sla


@transaction.atomic
def slas_apply(*, slas: list[Mapping[str, Any]]) -> dict[str, list[str]]:
    """Make `slas` (SPEC section 6's file entries) the workspace's SLAs, matched by name:
    those listed are created or updated, active ones not listed are retired (history kept).
    Refused as a whole, changing nothing, when one of them is invalid. Idempotent."""
    wanted = _validated(list(slas))
    existing = {sla.name: sla for sla in Sla.objects.select_for_update()}
    result: dict[str, list[str]] = {"created": [], "updated": [], "retired": [], "unchanged": []}
    to_evaluate = []
    for fields in wanted:
        sla = existing.get(fields["name"])
        if sla is None:
            sla = Sla.objects.create(**fields)
            result["created"].append(sla.name)
            to_evaluate.append(sla.pk)
            continue
        if sla.terms() == {**fields, "source": fields["source"] or None} and not sla.retired_at:
            result["unchanged"].append(sla.name)
            continue
        if _apply_terms(sla, fields):
            sla.evaluations.all().delete()
        sla.retired_at = None
        sla.save()
        result["updated"].append(sla.name)
        to_evaluate.append(sla.pk)
    names = {fields["name"] for fields in wanted}
    for sla in existing.values():
        if sla.name not in names and sla.retired_at is None:
            sla_retire(sla=sla)
            result["retired"].append(sla.name)
    _evaluate_later(to_evaluate)
    return result


def _target_name(kpi: str) -> str:
    """`Win rate target`, or a numbered variant when another SLA has the name already."""
    base = f"{KPIS_BY_KEY[kpi].label} target" if kpi in KPIS_BY_KEY else f"{kpi} target"
    name, number = base, 2
    while _name_taken(name):
        name, number = f"{base} ({number})", number + 1
    return name


@transaction.atomic
def sla_kpi_targets_replace(*, kpi_targets: list[Mapping[str, Any]]) -> list[Sla]:
    """The settings' KPI targets (`{"kpi", "comparator", "target"}`, one per KPI) become the
    workspace's shared monthly SLAs on the whole workspace: matched by KPI, created, updated,
    and those not listed retired. ValidationError keyed by KPI, nothing changed, when one is
    invalid (the messages name the SLA)."""
    from .selectors import sla_kpi_target_list

    current: dict[str, Sla] = {}
    for sla in sla_kpi_target_list():
        current.setdefault(sla.kpi, sla)
    errors: dict[str, list[str]] = {}
    planned = []
    seen: set[str] = set()
    for target in kpi_targets:
        key = str(target.get("kpi"))
        matched = current.get(key)
        terms = {
            "name": matched.name if matched else _target_name(key),
            "kpi": key,
            "source": None,
            "comparator": target.get("comparator"),
            "target": target.get("target"),
            "period": "month",
            "team": SlaTeam.SHARED,
        }
        problems = slas_problems([terms])
        if key in seen:
            problems.append(f'SLA "{terms["name"]}": there is already a target for this KPI')
        seen.add(key)
        if problems:
            errors.setdefault(key, []).extend(problems)
        planned.append((matched, terms))
    if errors:
        raise ValidationError(errors)
    kept = []
    for matched, terms in planned:
        if matched is None:
            kept.append(sla_create(terms=terms))
        elif matched.terms() != sla_normalised(terms):  # both with None for no source
            kept.append(sla_update(sla=matched, terms=terms))
        else:
            kept.append(matched)
    for key, sla in current.items():
        if key not in seen:
            sla_retire(sla=sla)
    return kept


# --- evaluation --------------------------------------------------------------------------


def _values_by_period(pairs: list[tuple[Sla, Period]]) -> dict[tuple[str, datetime], Any]:
    """Each period's KPI values, loaded once for every SLA judged on it."""
    needs: dict[tuple[str, datetime], tuple[Period, set[str], set[str]]] = {}
    for sla, period in pairs:
        key = (str(period.grain), period.start)
        _, kpis, sources = needs.setdefault(key, (period, set(), set()))
        kpis.add(sla.kpi)
        if sla.source:
            sources.add(sla.source)
    return {
        key: sla_period_values(period, kpis=kpis, sources=sources)
        for key, (period, kpis, sources) in needs.items()
    }


def _terms(sla: Sla, stored: SlaEvaluation | None, closed: bool) -> SlaTerms:
    # A closed period keeps the target it was judged by; a forecast follows the SLA.
    if stored is not None and stored.final and closed:
        return SlaTerms(sla.kpi, stored.comparator, stored.target)
    return SlaTerms(sla.kpi, sla.comparator, sla.target)


def _fields(result: Evaluation, terms: SlaTerms, values: PeriodValues) -> dict[str, Any]:
    def number(value: Any) -> Decimal | None:
        return None if value is None else Decimal(value)

    return {
        "final": result.final,
        "status": str(result.status),
        "value": number(result.value),
        "value_so_far": number(result.value_so_far),
        "elapsed_share": result.elapsed_share,
        "comparator": terms.comparator,
        "target": Decimal(terms.target),
        "computed": values.computed,
        "definitions_version": values.definitions_version,
    }


def _evaluate(pairs: list[tuple[Sla, Period]], *, now: datetime) -> list[SlaEvaluation]:
    """Load the values (outside any lock), then judge and store every (SLA, period) pair and
    raise the alerts due, in one transaction under the SLAs' row locks, so concurrent
    evaluations (beat, a refresh, a command) queue up instead of racing."""
    pairs = [(sla, period) for sla, period in pairs if period.start <= now]
    values = _values_by_period(pairs)
    latest_closed = {
        grain: sla_current_period(str(grain), now=now).previous().start for grain in SNAPSHOT_GRAINS
    }
    stored: list[SlaEvaluation] = []
    new_alerts: list[int] = []
    with transaction.atomic():
        locked = {sla.pk: sla for sla in Sla.objects.select_for_update().filter(
            pk__in={sla.pk for sla, _ in pairs}
        )}  # fmt: skip
        existing = {
            (evaluation.sla_id, evaluation.period_start): evaluation
            for evaluation in SlaEvaluation.objects.filter(
                sla__in=locked, period_start__in={period.start for _, period in pairs}
            )
        }
        for sla_in, period in pairs:
            sla = locked[sla_in.pk]
            row = existing.get((sla.pk, period.start))
            period_values = values[(str(period.grain), period.start)]
            terms = _terms(sla, row, closed=period.end <= now)
            result = sla_evaluate(
                terms, period_values.of(sla.source), start=period.start, end=period.end, now=now
            )
            fields = _fields(result, terms, period_values)
            if row is None:
                row = SlaEvaluation.objects.create(
                    sla=sla,
                    period_label=period.label,
                    period_start=period.start,
                    period_end=period.end,
                    changed_at=now,
                    **fields,
                )
            elif any(getattr(row, name) != value for name, value in fields.items()):
                for name, value in fields.items():
                    setattr(row, name, value)
                row.changed_at = now
                row.save()
            stored.append(row)
            kind = alert_due(
                result,
                period_start=period.start,
                period_end=period.end,
                latest_closed_start=latest_closed[Grain(sla.period)],
                sla_created_at=sla.created_at,
            )
            if kind is not None:
                alert = _alert_raise(sla=sla, row=row, kind=kind, now=now)
                if alert is not None:
                    new_alerts.append(alert.pk)
        notifications.alerts_send_later(new_alerts)
    return stored


def _alert_raise(*, sla: Sla, row: SlaEvaluation, kind: str, now: datetime) -> SlaAlert | None:
    """The alert for this SLA, period and kind, unless it was raised before (then None)."""
    if SlaAlert.objects.filter(sla=sla, period_start=row.period_start, kind=kind).exists():
        return None
    alert = SlaAlert.objects.create(
        sla=sla,
        kind=kind,
        period_label=row.period_label,
        period_start=row.period_start,
        value=row.value,
        comparator=row.comparator,
        target=row.target,
        created_at=now,
    )
    notifications.alert_notifications_create(alert=alert)
    return alert


def slas_evaluate(
    *,
    now: datetime | None = None,
    sla_ids: Iterable[int] | None = None,
    history: int = 1,
    only: set[tuple[str, datetime]] | None = None,
) -> list[SlaEvaluation]:
    """Judge active SLAs (all, or `sla_ids`) over their `history` latest closed periods and
    the one in progress; with `only`, just those of these (grain, period_start) pairs."""
    now = now or timezone.now()
    slas = Sla.objects.filter(retired_at=None)
    if sla_ids is not None:
        slas = slas.filter(pk__in=list(sla_ids))
    periods: dict[str, list[Period]] = defaultdict(list)
    pairs: list[tuple[Sla, Period]] = []
    for sla in slas:
        if sla.period not in periods:
            periods[sla.period] = sla_periods(sla.period, now=now, history=history)
        pairs.extend(
            (sla, period)
            for period in periods[sla.period]
            if only is None or (str(period.grain), period.start) in only
        )
    return _evaluate(pairs, now=now)


def slas_evaluate_period(*, period: Period, now: datetime | None = None) -> list[SlaEvaluation]:
    """Judge every active SLA whose period kind is `period`'s (a week, month or quarter that
    has started): `met`/`missed`/`no_data` when it is over, else a forecast. Stored."""
    now = now or timezone.now()
    if period.grain not in SNAPSHOT_GRAINS:
        raise ValidationError("SLAs are evaluated per week, month or quarter (e.g. 2025-03)")
    if period.start > now:
        raise ValidationError(f"{period.label} has not started yet")
    slas = Sla.objects.filter(retired_at=None, period=str(period.grain)).order_by("name")
    return _evaluate([(sla, period) for sla in slas], now=now)


@transaction.atomic
def slas_accept(*, proposals: list[Mapping[str, Any]]) -> list[Sla]:
    """Adopt proposed SLAs (templates, or targets from a revenue goal) as the admin edited
    them: each created, or updated when an SLA of that name exists. All or nothing."""
    wanted = _validated([{name: proposal.get(name) for name in FIELDS} for proposal in proposals])
    existing = {sla.name: sla for sla in Sla.objects.select_for_update()}
    accepted = []
    for fields in wanted:
        terms = {**fields, "source": fields["source"] or None}
        sla = existing.get(fields["name"])
        accepted.append(sla_update(sla=sla, terms=terms) if sla else sla_create(terms=terms))
    return accepted


# --- shared definitions ------------------------------------------------------------------------


def _stage_entries(stages: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    entries = {}
    for stage in STAGES:
        entry = stages.get(stage) or {}
        criteria = {key: value for key, value in (entry.get("criteria") or {}).items() if value}
        if "required_fields" in criteria:
            criteria["required_fields"] = sorted(criteria["required_fields"])
        entries[stage] = {"text": (entry.get("text") or "").strip(), "criteria": criteria}
    return entries


@transaction.atomic
def definition_version_create(
    *, author: User | None, stages: Mapping[str, Mapping[str, Any]], note: str = ""
) -> DefinitionVersion:
    """Write a new version of the shared definitions (every stage's text and criteria). It is
    not in force until a marketing and a sales signer signed it; a draft still awaiting
    signatures is withdrawn (only the newest proposal can be signed)."""
    problems = definitions_problems(stages)
    if problems:
        raise ValidationError(problems)
    latest = DefinitionVersion.objects.select_for_update().order_by("-number").first()
    in_force = workspace_settings_get().definitions_version
    number = max(latest.number if latest else 0, in_force) + 1
    now = timezone.now()
    DefinitionVersion.objects.filter(effective_at=None, superseded_at=None).update(
        superseded_at=now
    )
    version = DefinitionVersion.objects.create(
        number=number, note=note.strip(), created_by=author, created_at=now
    )
    StageDefinition.objects.bulk_create(
        StageDefinition(version=version, stage=stage, **entry)
        for stage, entry in _stage_entries(stages).items()
    )
    return version


@transaction.atomic
def definition_version_sign(*, version: DefinitionVersion, user: User) -> DefinitionVersion:
    """`user` signs `version` for their team. With both teams' signatures it takes effect: the
    version before it is superseded, and KPI snapshots computed from now record its number."""
    version = DefinitionVersion.objects.select_for_update().get(pk=version.pk)
    team = definition_signer_team(user)
    if team is None:
        raise PermissionDenied(
            "Only a marketing or sales admin, or a team lead an admin named, signs definitions."
        )
    if version.status != "awaiting_signatures":
        raise ValidationError(f"Version {version.number} is {version.status.replace('_', ' ')}.")
    if version.signoffs.filter(team=team).exists():
        raise ValidationError(f"{team.capitalize()} has already signed version {version.number}.")
    now = timezone.now()
    DefinitionSignoff.objects.create(
        version=version, team=team, user=user, signer=user.get_full_name() or user.email,
        signed_at=now,
    )  # fmt: skip
    if version.signoffs.count() == len(SignoffTeam.values):
        DefinitionVersion.objects.filter(effective_at__isnull=False, superseded_at=None).update(
            superseded_at=now
        )
        version.effective_at = now
        version.save(update_fields=["effective_at"])
        definitions_version_set(version=version.number)
    return version


@transaction.atomic
def team_leads_set(*, leads: Mapping[str, Iterable[User]]) -> None:
    """The people (besides the team's admins) who sign the definitions for marketing and for
    sales: each must belong to that team."""
    wanted = {user.pk: team for team, users in leads.items() for user in users}
    problems = [
        f"{user.email} is not in the {team} team"
        if team not in SignoffTeam.values or user.team != team
        else f"{user.email} is a viewer: viewers read only"
        for team, users in leads.items()
        for user in users
        if team not in SignoffTeam.values or user.team != team or not user.has_role(Role.MEMBER)
    ]
    if problems:
        raise ValidationError(problems)
    TeamLead.objects.exclude(user_id__in=wanted).delete()
    for user_id, team in wanted.items():
        TeamLead.objects.update_or_create(user_id=user_id, defaults={"team": team})
