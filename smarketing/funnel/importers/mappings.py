"""Map a file's header onto the canonical columns of SPEC section 3.

The result is, for each canonical column, a SQL expression over the staged text columns
(`c0`, `c1`, … in file order) that yields the canonical text value or NULL, and the label of
the file column it came from (problems name the column as the uploader sees it). HubSpot and
Salesforce exports are described by the column names those CRMs write, both as labels and as
internal/API names, and by their values (stage labels, won/closed flags, empty ids). A mapping
file (`mapping_files.MappingFile`) is laid over the format: its columns, value tables and
constants win, the format's names, values and leniency still apply to the rest.

Value tables are not turned into SQL text: `ColumnMap.value_tables` lists them, the pipeline
loads them into a temporary table and `sql` joins it, so a translation costs one hash join
whatever its size.
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from smarketing.core.sql import sql_literal

from .kinds import KINDS, ColumnType, KindSpec
from .mapping_files import ANY_VALUE, MappingFile, header_key

CANONICAL, HUBSPOT, SALESFORCE = "canonical", "hubspot", "salesforce"
FORMATS = (CANONICAL, HUBSPOT, SALESFORCE)

__all__ = ["CANONICAL", "FORMATS", "HUBSPOT", "SALESFORCE", "header_key"]


@dataclass(frozen=True)
class ParseOptions:
    """How the cells of one import read (the mapping's and the format's rules)."""

    # DMY, MDY or YMD: how numeric non-ISO dates read; None accepts ISO 8601 only.
    date_order: str | None = None
    # "." or ",": amounts may carry currency signs and thousands separators; None is SPEC
    # section 3's strict form (digits, "." as the separator).
    decimal: str | None = None
    # Vendor leniency (SPEC 3.1): empty source → unknown, empty amount → 0, a closed deal
    # without a close date is stored with a warning.
    lenient: bool = False
    # Cell values that mean null (besides the empty cell).
    empty: tuple[str, ...] = ()
    # Salesforce: an all-zero 15- or 18-character id is an empty cell.
    zero_ids_empty: bool = False


@dataclass(frozen=True)
class ValueTable:
    """A mapping's `values` for one canonical column, joined in SQL as `alias`."""

    column: str
    alias: str
    # The SQL expression whose value is looked up: the cell of the file column (NULL → '').
    key: str
    entries: Mapping[str, str]


@dataclass
class ColumnMap:
    kind: KindSpec
    expressions: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    missing_required: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    # Extra columns some formats store beyond SPEC's (Lead.converted_deal_id).
    extra_expressions: dict[str, str] = field(default_factory=dict)
    options: ParseOptions = field(default_factory=ParseOptions)
    value_tables: list[ValueTable] = field(default_factory=list)
    # Canonical columns given as constants: nothing in the file to check.
    constants: set[str] = field(default_factory=set)
    # canonical column → index of the file column it reads (its values are translated).
    sources: dict[str, int] = field(default_factory=dict)
    # A collation that knows every script, for channel names and amounts (the database's).
    collation: str | None = None


def _cell_sql(index: int, options: ParseOptions) -> str:
    value = f"btrim(c{index})"
    if not options.empty and not options.zero_ids_empty:
        return f"NULLIF({value}, '')"
    conditions = [f"{value} IN ({', '.join(sql_literal(v) for v in ('', *options.empty))})"]
    if options.zero_ids_empty:
        conditions.append(f"{value} ~ '^0{{15}}([0-9A-Z]{{3}})?$'")
    return f"CASE WHEN {' OR '.join(conditions)} THEN NULL ELSE {value} END"


def _channel_key(value: str) -> str:
    """The ASCII key a CRM's source label or enum compares by (ORGANIC_SEARCH, "Paid Social")."""
    return f"btrim(regexp_replace(lower({value}), '[^a-z0-9]+', '_', 'g'), '_')"


def channel_expression(value: str) -> str:
    """A CRM's source label or enum as the channel names SPEC uses (the synonyms below);
    any other value passes through, to be normalised like every channel name."""
    cases = " ".join(
        f"WHEN {sql_literal(alias)} THEN {sql_literal(channel)}"
        for alias, channel in CHANNEL_SYNONYMS.items()
    )
    return f"CASE {_channel_key(value)} {cases} ELSE {value} END"


# HubSpot's Original Source values and Salesforce's default Lead Source picklist, by channel.
CHANNEL_SYNONYMS = {
    "organic_search": "organic_search",
    "paid_search": "paid_search",
    "paid_social": "paid_social",
    "social_media": "organic_social",
    "organic_social": "organic_social",
    "email_marketing": "email",
    "referrals": "referral",
    "direct_traffic": "direct",
    "offline_sources": "offline",
    "offline": "offline",
    "other_campaigns": "other_campaigns",
    "ai_referrals": "ai_referral",
    "web": "web",
    "phone_inquiry": "phone",
    "partner_referral": "partner_referral",
    "employee_referral": "referral",
    "external_referral": "referral",
    "purchased_list": "purchased_list",
    "trade_show": "events",
    "seminar_internal": "events",
    "seminar_partner": "events",
    "advertisement": "paid_ads",
}


def true_expression(value: str) -> str:
    return f"lower(btrim({value})) IN ('true', '1', 'yes', 'y', 't', 'x')"


def crm_datetime_expression(value: str) -> str:
    """HubSpot's internal-name exports may carry epoch milliseconds; everything else is ISO."""
    return (
        f"CASE WHEN {value} ~ '^[0-9]{{12,13}}$' THEN "
        f"to_char(to_timestamp({value}::bigint / 1000.0) AT TIME ZONE 'UTC', "
        f'\'YYYY-MM-DD"T"HH24:MI:SS"Z"\') ELSE {value} END'
    )


@dataclass(frozen=True)
class Source:
    """Where a canonical column comes from: file columns by name, and how to read them."""

    names: tuple[str, ...]
    build: Callable[[str], str] = lambda value: value
    # A header (as `header_key`) matching this pattern serves when no name is found:
    # custom fields such as Salesforce's LossReason__c.
    pattern: str = ""


@dataclass(frozen=True)
class Derived:
    """A canonical column computed from several file columns (for example a status)."""

    inputs: dict[str, tuple[str, ...]]
    build: Callable[[dict[str, str | None]], str | None]
    # The input a mapping's `columns` replaces, whose values `values` translates, and whose
    # name problems carry.
    label_input: str


def _dates_from(*names: str) -> Source:
    return Source(names, crm_datetime_expression)


def _stage_dates(stage_label: str, internal: str, became: str) -> tuple[str, ...]:
    return (
        became,
        f'Date entered "{stage_label} (Lifecycle Stage Pipeline)"',
        f"Date entered {stage_label} (Lifecycle Stage Pipeline)",
        f"hs_lifecyclestage_{internal}_date",
        f"hs_v2_date_entered_{internal}",
    )


def _status_from_flags(stage_status: Callable[[str], str]) -> Callable[[dict], str | None]:
    """A deal status from the CRM's won / lost / closed flags when the export has them (any
    pipeline's custom won stages then count as won), else from the stage label."""

    def build(v: dict[str, str | None]) -> str | None:
        won, lost, closed, stage = v["won"], v["lost"], v["closed"], v["stage"]
        if not any((won, lost, closed, stage)):
            return None
        if not any((won, lost, closed)):
            return stage_status(stage) if stage else None
        branches = []
        if won:
            branches.append(f"WHEN {true_expression(won)} THEN 'won'")
        if lost:
            branches.append(f"WHEN {true_expression(lost)} THEN 'lost'")
        if closed and won:
            # Closed and its won flag (present) is not set: lost.
            branches.append(f"WHEN {won} IS NOT NULL AND {true_expression(closed)} THEN 'lost'")
        if closed:
            won_stage = f"{stage_status(stage)} = 'won'" if stage else "false"
            branches.append(
                f"WHEN {true_expression(closed)} THEN CASE WHEN {won_stage} THEN 'won' "
                "ELSE 'lost' END"
            )
        flags = [flag for flag in (won, lost, closed) if flag]
        if flags:
            branches.append(f"WHEN {' OR '.join(f'{f} IS NOT NULL' for f in flags)} THEN 'open'")
        if stage:
            branches.append(f"ELSE {stage_status(stage)}")
        return f"CASE {' '.join(branches)} END"

    return build


def _hubspot_stage_status(stage: str) -> str:
    key = f"regexp_replace(lower({stage}), '[^a-z]', '', 'g')"
    return (
        f"CASE WHEN {stage} IS NULL THEN NULL WHEN {key} ~ '^closedwon' THEN 'won' "
        f"WHEN {key} ~ '^closedlost' THEN 'lost' ELSE 'open' END"
    )


def _salesforce_stage_status(stage: str) -> str:
    return (
        f"CASE WHEN {stage} IS NULL THEN NULL WHEN lower({stage}) ~ '^closed[ _-]*won' "
        f"THEN 'won' WHEN lower({stage}) ~ '^closed[ _-]*lost' THEN 'lost' ELSE 'open' END"
    )


_LOST_REASON_PATTERN = r"(los[st]|lost).*reason|reason.*(los[st])"

HUBSPOT_LEADS: dict[str, Source | Derived] = {
    "lead_id": Source(("Record ID", "Contact ID", "hs_object_id", "vid")),
    "created_at": _dates_from("Create Date", "createdate"),
    "source": Source(
        ("Original Source", "Original Traffic Source", "hs_analytics_source"), channel_expression
    ),
    "campaign": Source(
        (
            "Original Source Drill-Down 2",
            "Original Traffic Source Drill-Down 2",
            "hs_analytics_source_data_2",
        ),
        pattern="campaign",
    ),
    "persona": Source(("Persona", "hs_persona")),
    "company_size": Source(("Number of Employees", "numemployees", "Company size")),
    "mql_at": _dates_from(
        *_stage_dates(
            "Marketing Qualified Lead",
            "marketingqualifiedlead",
            "Became a Marketing Qualified Lead Date",
        )
    ),
    "sql_at": _dates_from(
        *_stage_dates(
            "Sales Qualified Lead", "salesqualifiedlead", "Became a Sales Qualified Lead Date"
        )
    ),
    "opportunity_at": _dates_from(
        *_stage_dates("Opportunity", "opportunity", "Became an Opportunity Date")
    ),
    "customer_at": _dates_from(*_stage_dates("Customer", "customer", "Became a Customer Date")),
    "first_touch_at": _dates_from(
        "First Engagement Date", "Time of First Engagement", "hs_sa_first_engagement_date"
    ),
    "owner": Source(("Contact owner", "HubSpot Owner", "hubspot_owner_id")),
    # "Unqualified" and "Bad Timing" (sent back for nurturing) are MQLs rejected by sales.
    "rejected_at": Derived(
        {
            "status": ("Lead Status", "hs_lead_status"),
            "date": ("Rejected Date", "Last Modified Date", "lastmodifieddate"),
            "mql": _stage_dates(
                "Marketing Qualified Lead",
                "marketingqualifiedlead",
                "Became a Marketing Qualified Lead Date",
            ),
            "created": ("Create Date", "createdate"),
        },
        lambda v: (
            None
            if v["status"] is None
            else f"CASE WHEN regexp_replace(lower({v['status']}), '[^a-z]', '', 'g') "
            f"IN ('unqualified', 'badtiming') THEN "
            + crm_datetime_expression(
                "COALESCE(" + ", ".join(x for x in (v["date"], v["mql"], v["created"]) if x) + ")"
            )
            + " END"
        ),
        label_input="date",
    ),
    "rejection_reason": Derived(
        {"status": ("Lead Status", "hs_lead_status"), "reason": ("Rejection Reason",)},
        lambda v: (
            None
            if v["status"] is None
            else f"CASE WHEN regexp_replace(lower({v['status']}), '[^a-z]', '', 'g') "
            f"IN ('unqualified', 'badtiming') THEN COALESCE({v['reason'] or 'NULL'}, "
            f"initcap(replace({v['status']}, '_', ' '))) END"
        ),
        label_input="reason",
    ),
}

_HUBSPOT_AMOUNT = ("Amount", "amount")

HUBSPOT_DEALS: dict[str, Source | Derived] = {
    "deal_id": Source(("Record ID", "Deal ID", "hs_object_id", "dealId", "Deal Name", "dealname")),
    "created_at": _dates_from("Create Date", "createdate"),
    "status": Derived(
        {
            "won": ("Is Closed Won", "hs_is_closed_won"),
            "lost": ("Is Closed Lost", "hs_is_closed_lost"),
            "closed": ("Is Deal Closed?", "Is Closed", "hs_is_closed"),
            "stage": ("Deal Stage", "dealstage"),
        },
        _status_from_flags(_hubspot_stage_status),
        label_input="stage",
    ),
    "amount": Source((*_HUBSPOT_AMOUNT, "Amount in company currency", "amount_in_home_currency")),
    "lead_id": Source(
        (
            "Associated Contact IDs",
            "Associated Contact ID",
            "Associated Contact",
            "associatedcontactids",
            "Contact ID",
        ),
        # "Jane Doe (12345)" or "12345;67890": the first associated contact.
        lambda v: (
            f"COALESCE(substring({v} from '\\((\\d+)\\)'), "
            f"NULLIF(btrim(split_part({v}, ';', 1)), ''))"
        ),
    ),
    "closed_at": _dates_from("Close Date", "closedate"),
    "lost_reason": Source(
        ("Closed Lost Reason", "closed_lost_reason"), pattern=_LOST_REASON_PATTERN
    ),
    "owner": Source(("Deal owner", "Deal Owner", "hubspot_owner_id")),
    # The deal's own currency goes with "Amount"; "Amount in company currency" is converted.
    "currency": Derived(
        {
            "currency": ("Currency", "Deal Currency Code", "deal_currency_code"),
            "amount": _HUBSPOT_AMOUNT,
        },
        lambda v: v["currency"] if v["amount"] else None,
        label_input="currency",
    ),
}

_SF_REJECTED = "'(unqualified|not converted|disqualified|nurtur|rejected)'"

SALESFORCE_LEADS: dict[str, Source | Derived] = {
    "lead_id": Source(("Id", "Lead ID", "Record ID")),
    "created_at": Source(("CreatedDate", "Created Date")),
    "source": Source(("LeadSource", "Lead Source"), channel_expression),
    "campaign": Source(("Campaign", "Primary Campaign Source", "CampaignId"), pattern="campaign"),
    "company_size": Source(("NumberOfEmployees", "No. of Employees", "Employees")),
    "owner": Source(("OwnerId", "Owner ID", "Lead Owner", "Owner.Name", "Owner Name")),
    "mql_at": Source(("MQL Date", "MQL_Date__c", "Marketing Qualified Date")),
    # A converted lead was accepted by sales; converted with an opportunity, it reached it.
    "sql_at": Derived(
        {
            "sql": ("SQL Date", "SQL_Date__c"),
            "converted": ("IsConverted", "Converted"),
            "date": ("ConvertedDate", "Converted Date"),
        },
        lambda v: (
            f"COALESCE({v['sql'] or 'NULL'}, CASE WHEN "
            f"{true_expression(v['converted']) if v['converted'] else 'true'} "
            f"THEN {v['date']} END)"
            if v["date"]
            else v["sql"]
        ),
        label_input="date",
    ),
    "opportunity_at": Derived(
        {
            "opportunity": ("ConvertedOpportunityId", "Converted Opportunity ID"),
            "date": ("ConvertedDate", "Converted Date"),
        },
        lambda v: (
            f"CASE WHEN {v['opportunity']} IS NOT NULL THEN {v['date']} END"
            if v["date"] and v["opportunity"]
            else None
        ),
        label_input="date",
    ),
    "first_touch_at": Source(("FirstCallDateTime", "First Call Date", "First Touch Date")),
    "rejected_at": Derived(
        {
            "status": ("Status", "Lead Status"),
            "date": ("Rejected Date", "LastModifiedDate", "Last Modified Date"),
            "mql": ("MQL Date", "MQL_Date__c"),
            "created": ("CreatedDate", "Created Date"),
        },
        lambda v: (
            None
            if v["status"] is None
            else f"CASE WHEN lower({v['status']}) ~ {_SF_REJECTED} THEN COALESCE("
            + ", ".join(x for x in (v["date"], v["mql"], v["created"]) if x)
            + ") END"
        ),
        label_input="date",
    ),
    "rejection_reason": Derived(
        {"status": ("Status", "Lead Status"), "reason": ("Rejection Reason", "Reason__c")},
        lambda v: (
            None
            if v["status"] is None
            else f"CASE WHEN lower({v['status']}) ~ {_SF_REJECTED} THEN "
            f"COALESCE({v['reason'] or 'NULL'}, {v['status']}) END"
        ),
        label_input="reason",
    ),
}

SALESFORCE_LEAD_EXTRAS = {
    "converted_deal_id": ("ConvertedOpportunityId", "Converted Opportunity ID"),
}

SALESFORCE_DEALS: dict[str, Source | Derived] = {
    "deal_id": Source(("Id", "Opportunity ID", "Record ID")),
    "created_at": Source(("CreatedDate", "Created Date")),
    "status": Derived(
        {
            "won": ("IsWon", "Won"),
            "lost": (),
            "closed": ("IsClosed", "Closed"),
            "stage": ("StageName", "Stage"),
        },
        _status_from_flags(_salesforce_stage_status),
        label_input="stage",
    ),
    "amount": Source(("Amount",)),
    "lead_id": Source(("Lead ID", "LeadId", "Lead__c")),
    "closed_at": Source(("CloseDate", "Close Date")),
    "lost_reason": Source(
        (
            "LossReason__c",
            "Loss_Reason__c",
            "Lost_Reason__c",
            "Reason_Lost__c",
            "Loss Reason",
            "Lost Reason",
        ),
        pattern=_LOST_REASON_PATTERN,
    ),
    "owner": Source(("OwnerId", "Owner ID", "Opportunity Owner", "Owner.Name", "Owner Name")),
    "currency": Source(
        ("CurrencyIsoCode", "Opportunity Currency", "Currency ISO Code", "Currency")
    ),
}

CRM_SOURCES: dict[tuple[str, str], dict[str, Source | Derived]] = {
    (HUBSPOT, "leads"): HUBSPOT_LEADS,
    (HUBSPOT, "deals"): HUBSPOT_DEALS,
    (SALESFORCE, "leads"): SALESFORCE_LEADS,
    (SALESFORCE, "deals"): SALESFORCE_DEALS,
}


class MappingError(Exception):
    pass


def _find(header_keys: dict[str, int], names: tuple[str, ...], pattern: str = "") -> int | None:
    for name in names:
        index = header_keys.get(header_key(name))
        if index is not None:
            return index
    if pattern:
        for key, index in header_keys.items():
            if re.search(pattern, key):
                return index
    return None


def parse_options(file_format: str, mapping: MappingFile | None) -> ParseOptions:
    """The reading rules of a format with a mapping laid over it."""
    lenient = file_format != CANONICAL
    decimal = mapping.decimal if mapping else None
    if decimal is None and (lenient or mapping is not None):
        decimal = "."
    return ParseOptions(
        date_order=mapping.date_order if mapping else None,
        decimal=decimal,
        lenient=lenient,
        empty=mapping.empty if mapping else (),
        zero_ids_empty=file_format == SALESFORCE,
    )


def mapping_build(
    *,
    kind: str,
    file_format: str,
    header: list[str],
    mapping: MappingFile | None = None,
    strict_columns: bool = True,
) -> ColumnMap:
    """Map `header` onto `kind`'s canonical columns for `file_format`, `mapping` laid over it.

    With `strict_columns` a file column the mapping names must be in the header (check it
    first with `mapping_file_check_header`); without, the format's own names serve when it is
    not (a workspace's general column names, applied to every file of the kind).
    """
    spec = KINDS[kind]
    if file_format != CANONICAL and (file_format, kind) not in CRM_SOURCES:
        raise MappingError(f"{file_format} exports are accepted for leads and deals only")
    options = parse_options(file_format, mapping)
    header_keys: dict[str, int] = {}
    for index, name in enumerate(header):
        header_keys.setdefault(header_key(name), index)
    plans: Mapping[str, Source | Derived] = CRM_SOURCES.get((file_format, kind), {})
    chosen = dict(mapping.columns) if mapping else {}
    result = ColumnMap(kind=spec, options=options)
    used: set[int] = set()

    def cell(index: int) -> str:
        return _cell_sql(index, options)

    for column in spec.columns:
        name = column.name
        if mapping and name in mapping.constants:
            result.expressions[name] = sql_literal(mapping.constants[name])
            result.labels[name] = f"{name} (constant)"
            result.constants.add(name)
            continue
        plan = plans.get(name)
        if plan is None:
            plan = Source((name,))
        mapped = chosen.get(name)
        if mapped and isinstance(plan, Source):
            plan = Source((mapped,) if strict_columns else (mapped, *plan.names), plan.build)
        elif mapped and isinstance(plan, Derived):
            inputs = dict(plan.inputs)
            own = inputs.get(plan.label_input, ())
            inputs[plan.label_input] = (mapped,) if strict_columns else (mapped, *own)
            plan = Derived(inputs, plan.build, plan.label_input)
        key_index: int | None = None
        if isinstance(plan, Source):
            key_index = _find(header_keys, plan.names, plan.pattern)
            if key_index is not None:
                result.expressions[name] = plan.build(cell(key_index))
                result.labels[name] = header[key_index]
        else:
            values: dict[str, str | None] = {}
            label = None
            inputs_found: set[int] = set()
            for role, names in plan.inputs.items():
                found = _find(header_keys, names)
                values[role] = None if found is None else cell(found)
                if found is not None:
                    inputs_found.add(found)
                    if role == plan.label_input:
                        key_index = found
                    if role == plan.label_input or label is None:
                        label = header[found]
            expression = plan.build(values)
            if expression is not None:
                result.expressions[name] = expression
                result.labels[name] = label or name
                used.update(inputs_found)
        if key_index is not None:
            used.add(key_index)
            result.sources[name] = key_index
        table = (mapping.values.get(name) if mapping else None) or {}
        if table and key_index is not None:
            alias = f"v_{name}"
            key = f"COALESCE({cell(key_index)}, '')"
            fallback = (
                sql_literal(table[ANY_VALUE])
                if ANY_VALUE in table
                else result.expressions.get(name, "NULL::text")
            )
            result.value_tables.append(
                ValueTable(
                    column=name,
                    alias=alias,
                    key=key,
                    entries={k: v for k, v in table.items() if k != ANY_VALUE},
                )
            )
            result.expressions[name] = (
                f"CASE WHEN {alias}.file_value IS NOT NULL THEN NULLIF({alias}.value, '') "
                f"ELSE NULLIF({fallback}, '') END"
            )
            result.labels.setdefault(name, header[key_index])
        if name not in result.expressions:
            result.labels[name] = chosen.get(name) or name
            if column.required:
                result.missing_required.append(name)
    if (file_format, kind) == (SALESFORCE, "leads"):
        for name, names in SALESFORCE_LEAD_EXTRAS.items():
            found = _find(header_keys, names)
            if found is not None:
                used.add(found)
                result.extra_expressions[name] = cell(found)
    result.ignored_columns = [
        name for index, name in enumerate(header) if index not in used and name
    ]
    return result


def format_detect(header: list[str]) -> tuple[str, str] | None:
    """(kind, format) recognised from a header, or None."""
    keys = {header_key(name) for name in header}

    def has(*names: str) -> bool:
        return any(header_key(name) in keys for name in names)

    if has("Deal Stage", "dealstage", "Is Closed Won", "hs_is_closed_won"):
        return "deals", HUBSPOT
    if has("Record ID", "hs_object_id", "Contact ID", "vid") and has("Create Date", "createdate"):
        return "leads", HUBSPOT
    if has("StageName", "IsWon", "Opportunity ID"):
        return "deals", SALESFORCE
    if has("LeadSource", "IsConverted", "ConvertedOpportunityId", "Lead Source"):
        return "leads", SALESFORCE
    best: tuple[int, str] | None = None
    for kind, spec in KINDS.items():
        required = {column.name for column in spec.columns if column.required}
        if required <= keys:
            score = len(set(spec.column_names) & keys)
            if best is None or score > best[0]:
                best = (score, kind)
    return (best[1], CANONICAL) if best else None


def column_types(kind: str) -> dict[str, ColumnType]:
    return {column.name: column.type for column in KINDS[kind].columns}
