"""Map a file's header onto the canonical columns of SPEC section 3.

The result is, for each canonical column, a SQL expression over the staged text columns
(`c0`, `c1`, … in file order) that yields the canonical text value or NULL, and the label of
the file column it came from (problems name the column as the uploader sees it). HubSpot and
Salesforce exports are described by the column names those CRMs write, both as labels and as
internal/API names; a workspace's saved mapping is applied on top.
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from smarketing.core.sql import sql_literal

from .kinds import KINDS, KindSpec

CANONICAL, HUBSPOT, SALESFORCE = "canonical", "hubspot", "salesforce"
FORMATS = (CANONICAL, HUBSPOT, SALESFORCE)


def header_key(name: str) -> str:
    """`Date entered "MQL (Pipeline)"` and `date_entered_mql_pipeline` compare equal."""
    return re.sub(r"[^a-z0-9]+", "_", name.lower().replace("\u201c", '"')).strip("_")


def cell(index: int) -> str:
    return f"NULLIF(btrim(c{index}), '')"


def channel_expression(value: str) -> str:
    """A CRM's source label or enum (ORGANIC_SEARCH, "Paid Social", "Web") as a channel name."""
    normalized = f"btrim(regexp_replace(lower({value}), '[^a-z0-9]+', '_', 'g'), '_')"
    cases = " ".join(
        f"WHEN {sql_literal(alias)} THEN {sql_literal(channel)}"
        for alias, channel in CHANNEL_SYNONYMS.items()
    )
    return f"COALESCE(NULLIF(CASE {normalized} {cases} ELSE {normalized} END, ''), 'unknown')"


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


def crm_money_expression(value: str) -> str:
    """CRM amounts may be empty (0) or carry thousands separators and currency signs."""
    stripped = f"regexp_replace({value}, '[^0-9.+-]', '', 'g')"
    return f"COALESCE(NULLIF({stripped}, ''), CASE WHEN {value} IS NULL THEN '0' END, {value})"


@dataclass(frozen=True)
class Source:
    """Where a canonical column comes from: file columns by name, and how to combine them."""

    names: tuple[str, ...]
    build: Callable[[str], str] = lambda value: value


@dataclass(frozen=True)
class Derived:
    """A canonical column computed from several file columns (for example a status)."""

    inputs: dict[str, tuple[str, ...]]
    build: Callable[[dict[str, str | None]], str | None]
    label_input: str


@dataclass
class ColumnMap:
    kind: KindSpec
    expressions: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    missing_required: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    # Extra columns some formats store beyond SPEC's (Lead.converted_deal_id).
    extra_expressions: dict[str, str] = field(default_factory=dict)


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


HUBSPOT_LEADS: dict[str, Source | Derived] = {
    "lead_id": Source(("Record ID", "Contact ID", "hs_object_id", "vid")),
    "created_at": _dates_from("Create Date", "createdate"),
    "source": Source(
        ("Original Source", "Original Traffic Source", "hs_analytics_source"), channel_expression
    ),
    "campaign": Source(("Original Source Drill-Down 2", "hs_analytics_source_data_2")),
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
        label_input="status",
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
        label_input="status",
    ),
}

HUBSPOT_DEALS: dict[str, Source | Derived] = {
    "deal_id": Source(("Record ID", "Deal ID", "hs_object_id", "dealId", "Deal Name", "dealname")),
    "created_at": _dates_from("Create Date", "createdate"),
    "status": Source(
        ("Deal Stage", "dealstage"),
        lambda v: (
            f"CASE WHEN {v} IS NULL THEN NULL "
            f"WHEN regexp_replace(lower({v}), '[^a-z]', '', 'g') ~ '^closedwon' THEN 'won' "
            f"WHEN regexp_replace(lower({v}), '[^a-z]', '', 'g') ~ '^closedlost' THEN 'lost' "
            "ELSE 'open' END"
        ),
    ),
    "amount": Source(("Amount", "amount", "Amount in company currency"), crm_money_expression),
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
    "lost_reason": Source(("Closed Lost Reason", "closed_lost_reason")),
    "owner": Source(("Deal owner", "Deal Owner", "hubspot_owner_id")),
}

_SF_REJECTED = "'(unqualified|not converted|disqualified|nurtur|rejected)'"

SALESFORCE_LEADS: dict[str, Source | Derived] = {
    "lead_id": Source(("Id", "Lead ID", "Record ID")),
    "created_at": Source(("CreatedDate", "Created Date")),
    "source": Source(("LeadSource", "Lead Source"), channel_expression),
    "campaign": Source(("Campaign", "Primary Campaign Source", "CampaignId")),
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
        label_input="status",
    ),
    "rejection_reason": Derived(
        {"status": ("Status", "Lead Status"), "reason": ("Rejection Reason", "Reason__c")},
        lambda v: (
            None
            if v["status"] is None
            else f"CASE WHEN lower({v['status']}) ~ {_SF_REJECTED} THEN "
            f"COALESCE({v['reason'] or 'NULL'}, {v['status']}) END"
        ),
        label_input="status",
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
            "closed": ("IsClosed", "Closed"),
            "stage": ("StageName", "Stage"),
        },
        lambda v: (
            (
                "CASE "
                + (f"WHEN {true_expression(v['won'])} THEN 'won' " if v["won"] else "")
                + (f"WHEN {true_expression(v['closed'])} THEN 'lost' " if v["closed"] else "")
                + (
                    f"WHEN lower({v['stage']}) ~ '^closed won' THEN 'won' "
                    f"WHEN lower({v['stage']}) ~ '^closed lost' THEN 'lost' "
                    if v["stage"]
                    else ""
                )
                + "WHEN "
                + " OR ".join(f"{x} IS NOT NULL" for x in v.values() if x)
                + " THEN 'open' END"
            )
            if any(v.values())
            else None
        ),
        label_input="stage",
    ),
    "amount": Source(("Amount",), crm_money_expression),
    "lead_id": Source(("Lead ID", "LeadId", "Lead__c")),
    "closed_at": Source(("CloseDate", "Close Date")),
    "lost_reason": Source(("Loss_Reason__c", "Loss Reason", "Lost Reason", "Reason_Lost__c")),
    "owner": Source(("OwnerId", "Owner ID", "Opportunity Owner", "Owner.Name", "Owner Name")),
}

CRM_SOURCES: dict[tuple[str, str], dict[str, Source | Derived]] = {
    (HUBSPOT, "leads"): HUBSPOT_LEADS,
    (HUBSPOT, "deals"): HUBSPOT_DEALS,
    (SALESFORCE, "leads"): SALESFORCE_LEADS,
    (SALESFORCE, "deals"): SALESFORCE_DEALS,
}


class MappingError(Exception):
    pass


def _find(header_keys: dict[str, int], names: tuple[str, ...]) -> int | None:
    for name in names:
        index = header_keys.get(header_key(name))
        if index is not None:
            return index
    return None


def mapping_build(
    *, kind: str, file_format: str, header: list[str], saved: Mapping[str, str] | None = None
) -> ColumnMap:
    """Map `header` onto `kind`'s canonical columns for `file_format`, `saved` names first."""
    spec = KINDS[kind]
    if file_format != CANONICAL and (file_format, kind) not in CRM_SOURCES:
        raise MappingError(f"{file_format} exports are accepted for leads and deals only")
    header_keys: dict[str, int] = {}
    for index, name in enumerate(header):
        header_keys.setdefault(header_key(name), index)
    sources: Mapping[str, Source | Derived] = CRM_SOURCES.get((file_format, kind), {})
    result = ColumnMap(kind=spec)
    used: set[int] = set()
    for column in spec.columns:
        saved_name = (saved or {}).get(column.name)
        plan = sources.get(column.name)
        if file_format == CANONICAL or saved_name:
            # The saved name first, then the format's own names (or the canonical one).
            plan = Source(
                ((saved_name,) if saved_name else ())
                + (plan.names if isinstance(plan, Source) else (column.name,)),
                plan.build if isinstance(plan, Source) else (lambda value: value),
            )
        if isinstance(plan, Source):
            found = _find(header_keys, plan.names)
            if found is not None:
                used.add(found)
                result.expressions[column.name] = plan.build(cell(found))
                result.labels[column.name] = header[found]
        elif isinstance(plan, Derived):
            values: dict[str, str | None] = {}
            label = None
            for role, names in plan.inputs.items():
                found = _find(header_keys, names)
                values[role] = None if found is None else cell(found)
                if found is not None:
                    used.add(found)
                    if role == plan.label_input or label is None:
                        label = header[found]
            expression = plan.build(values)
            if expression is not None:
                result.expressions[column.name] = expression
                result.labels[column.name] = label or column.name
        if column.name not in result.expressions:
            result.labels[column.name] = saved_name or column.name
            if column.required:
                result.missing_required.append(column.name)
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

    if has("Deal Stage", "dealstage"):
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
