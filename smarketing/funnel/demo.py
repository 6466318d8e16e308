"""A realistic canonical dataset for demos and benchmarks, written as streaming CSV.

18 months ending with last month, ~10 channels with their own funnel rates, seasonality
(summer and December dips), a webinar spike, an events spike, a tracking outage in traffic,
rejected MQLs and lost deals with reasons, spend, traffic, calls, meetings and content
downloads. Pure Python with a seeded random generator: the same seed gives the same files.
"""

import csv
import math
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path


@dataclass(frozen=True)
class Channel:
    name: str
    share: float  # of leads
    mql: float  # lead → MQL
    sql: float  # MQL → SQL
    opportunity: float  # SQL → opportunity
    win: float  # opportunity → customer
    paid: bool  # has spend
    web: bool  # has traffic


CHANNELS = (
    Channel("paid_social", 0.17, 0.35, 0.30, 0.55, 0.22, True, True),
    Channel("paid_search", 0.15, 0.45, 0.40, 0.60, 0.27, True, True),
    Channel("organic_search", 0.16, 0.40, 0.42, 0.60, 0.30, False, True),
    Channel("email", 0.09, 0.50, 0.35, 0.50, 0.25, True, False),
    Channel("webinar", 0.08, 0.60, 0.38, 0.55, 0.25, True, False),
    Channel("events", 0.07, 0.55, 0.45, 0.60, 0.28, True, False),
    Channel("referral", 0.06, 0.65, 0.55, 0.70, 0.40, False, True),
    Channel("content_syndication", 0.08, 0.25, 0.20, 0.45, 0.18, True, False),
    Channel("outbound", 0.09, 0.30, 0.45, 0.55, 0.25, False, False),
    Channel("sales_referral", 0.05, 0.70, 0.60, 0.70, 0.42, False, False),
)
# Summer and December dips, spring and autumn peaks (index 0 = January).
SEASONALITY = (1.0, 1.05, 1.2, 1.1, 1.05, 0.95, 0.75, 0.7, 1.1, 1.2, 1.1, 0.8)
PERSONAS = ("marketing_lead", "cfo", "it_manager", "founder", "operations", "sales_lead")
COMPANY_SIZES = ("1-10", "11-50", "51-200", "201-1000", "1000+")
SIZE_WEIGHTS = (0.2, 0.3, 0.25, 0.15, 0.1)
SIZE_AMOUNT = {"1-10": 2500, "11-50": 6000, "51-200": 15000, "201-1000": 40000, "1000+": 90000}
SDRS = ("Avery Stone", "Jordan Lee", "Sam Patel", "Riley Chen", "Morgan Diaz")
ACCOUNT_EXECUTIVES = ("Casey Nguyen", "Taylor Brooks", "Alex Romero", "Jamie Fischer")
REJECTION_REASONS = (
    "Not our ideal customer profile",
    "No budget",
    "Bad timing - back to nurturing",
    "Student or personal use",
    "Duplicate of an existing contact",
    "Competitor",
)
LOST_REASONS = ("Price", "Chose a competitor", "No decision", "Missing feature", "Timing")
ASSETS = (
    "state-of-alignment-report",
    "roi-calculator",
    "funnel-benchmarks-2025",
    "sla-template",
    "buyer-guide",
    "case-study-acme",
    "webinar-recording-kpis",
)
DAY = 86400.0


def demo_period(today: date | None = None) -> tuple[datetime, datetime]:
    """[start, end): the 18 whole months ending with last month."""
    today = today or date.today()
    end = datetime(today.year, today.month, 1, tzinfo=UTC)
    months = end.year * 12 + end.month - 1 - 18
    return datetime(months // 12, months % 12 + 1, 1, tzinfo=UTC), end


def _months(start: datetime, end: datetime) -> list[datetime]:
    months, current = [], start
    while current < end:
        months.append(current)
        current = datetime(
            current.year + current.month // 12, current.month % 12 + 1, 1, tzinfo=UTC
        )
    return months


def _iso(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def demo_data_write(
    directory: str | Path,
    *,
    leads: int = 5000,
    seed: int = 42,
    deals: int | None = None,
    today: date | None = None,
) -> dict[str, Path]:
    """Write leads.csv, deals.csv, spend.csv, traffic.csv, activities.csv and content.csv.

    `deals` sets the number of deals (opportunities first, then deals without a lead);
    by default every opportunity is a deal plus a few deals sales sourced without a lead.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    start, end = demo_period(today)
    months = _months(start, end)
    end_ts = end.timestamp()
    # Spikes and dips on top of seasonality: (month index, channel or None, factor).
    webinar_spike, events_spike, dip = len(months) - 6, len(months) - 11, len(months) - 3
    weights = []
    for index, month in enumerate(months):
        weight = SEASONALITY[month.month - 1] * (1 + 0.02 * index)  # slow growth
        weights.append(weight * (0.6 if index == dip else 1.0))
    total_weight = sum(weights)
    paths = {
        kind: directory / f"{kind}.csv" for kind in ("leads", "deals", "activities", "content")
    }
    files = {kind: path.open("w", newline="", encoding="utf-8") for kind, path in paths.items()}
    writers = {kind: csv.writer(handle) for kind, handle in files.items()}
    writers["leads"].writerow(
        [
            "lead_id", "created_at", "source", "campaign", "persona", "company_size", "mql_at",
            "sql_at", "opportunity_at", "customer_at", "rejected_at", "rejection_reason",
            "first_touch_at", "owner",
        ]
    )  # fmt: skip
    writers["deals"].writerow(
        [
            "deal_id",
            "created_at",
            "status",
            "amount",
            "lead_id",
            "closed_at",
            "lost_reason",
            "owner",
        ]
    )
    writers["activities"].writerow(["activity_id", "date", "owner", "type", "lead_id"])
    writers["content"].writerow(["date", "lead_id", "asset"])
    channel_weights = [channel.share for channel in CHANNELS]
    leads_per_month_channel: dict[tuple[int, str], int] = {}
    lead_number = deal_number = activity_number = 0
    deal_limit = deals
    for index, month in enumerate(months):
        month_start = month.timestamp()
        month_end = (months[index + 1] if index + 1 < len(months) else end).timestamp()
        count = round(leads * weights[index] / total_weight)
        if index == len(months) - 1:
            count = leads - lead_number
        for _ in range(count):
            lead_number += 1
            channel = rng.choices(CHANNELS, channel_weights)[0]
            if index == webinar_spike and rng.random() < 0.35:
                channel = CHANNELS[4]
            if index == events_spike and rng.random() < 0.3:
                channel = CHANNELS[5]
            key = (index, channel.name)
            leads_per_month_channel[key] = leads_per_month_channel.get(key, 0) + 1
            lead_id = f"L{lead_number:07d}"
            created = month_start + rng.random() * (month_end - month_start)
            size = rng.choices(COMPANY_SIZES, SIZE_WEIGHTS)[0]
            row = [
                lead_id, _iso(created), channel.name,
                f"{channel.name}-{month.strftime('%Y-%m')}", rng.choice(PERSONAS), size,
                "", "", "", "", "", "", "", rng.choice(SDRS),
            ]  # fmt: skip
            mql = sql = opportunity = customer = None
            if rng.random() < channel.mql:
                mql = created + rng.expovariate(1 / 6) * DAY
            if mql is not None and mql < end_ts:
                row[6] = _iso(mql)
                touch = mql + rng.expovariate(1 / 20) * 3600
                if touch < end_ts and rng.random() < 0.93:
                    row[12] = _iso(touch)
                if rng.random() < channel.sql:
                    sql = mql + (1 + rng.expovariate(1 / 5)) * DAY
                elif rng.random() < 0.55:
                    rejected = mql + (0.5 + rng.expovariate(1 / 3)) * DAY
                    if rejected < end_ts:
                        row[10], row[11] = _iso(rejected), rng.choice(REJECTION_REASONS)
            if sql is not None and sql < end_ts:
                row[7] = _iso(sql)
                row[13] = rng.choice(ACCOUNT_EXECUTIVES)
                if rng.random() < channel.opportunity:
                    opportunity = sql + (2 + rng.expovariate(1 / 8)) * DAY
            deal_status = None
            if opportunity is not None and opportunity < end_ts:
                row[8] = _iso(opportunity)
                closes = opportunity + (14 + rng.expovariate(1 / 35)) * DAY
                if rng.random() < channel.win:
                    customer = closes
                    deal_status = "won" if closes < end_ts else "open"
                else:
                    deal_status = "lost" if closes < end_ts else "open"
                if customer is not None and customer < end_ts:
                    row[9] = _iso(customer)
                if deal_limit is None or deal_number < deal_limit:
                    deal_number += 1
                    amount = SIZE_AMOUNT[size] * math.exp(rng.gauss(0, 0.35))
                    writers["deals"].writerow(
                        [
                            f"D{deal_number:07d}", _iso(opportunity), deal_status,
                            f"{amount:.2f}", lead_id, _iso(closes),
                            rng.choice(LOST_REASONS) if deal_status == "lost" else "", row[13],
                        ]
                    )  # fmt: skip
            writers["leads"].writerow(row)
            # Sales work the leads they accepted; marketing's content reaches many more.
            if sql is not None and sql < end_ts:
                for _ in range(rng.randint(1, 4)):
                    activity_number += 1
                    when = sql + rng.random() * 20 * DAY
                    if when < end_ts:
                        writers["activities"].writerow(
                            [
                                f"A{activity_number:08d}", _iso(when), row[13],
                                rng.choice(("call", "call", "meeting", "email")), lead_id,
                            ]
                        )  # fmt: skip
            if rng.random() < 0.3:
                downloaded = rng.sample(ASSETS, rng.randint(1, 2))
                for asset in downloaded:
                    when = created + rng.random() * 60 * DAY
                    if when < end_ts:
                        writers["content"].writerow(
                            [datetime.fromtimestamp(when, UTC).date().isoformat(), lead_id, asset]
                        )
    # Deals without a lead: sales-sourced or expansion deals (unattributed).
    extra = (deal_limit - deal_number) if deal_limit is not None else max(1, lead_number // 400)
    span = end_ts - start.timestamp()
    for _ in range(max(0, extra)):
        deal_number += 1
        created = start.timestamp() + rng.random() * span
        closes = created + (10 + rng.expovariate(1 / 30)) * DAY
        status = "open" if closes >= end_ts else rng.choice(("won", "lost"))
        writers["deals"].writerow(
            [
                f"D{deal_number:07d}", _iso(created), status,
                f"{8000 * math.exp(rng.gauss(0, 0.5)):.2f}", "", _iso(closes),
                rng.choice(LOST_REASONS) if status == "lost" else "",
                rng.choice(ACCOUNT_EXECUTIVES),
            ]
        )  # fmt: skip
    for handle in files.values():
        handle.close()
    _write_spend_and_traffic(directory, rng, months, end, leads_per_month_channel, paths)
    return paths


def _write_spend_and_traffic(directory, rng, months, end, leads_per_month_channel, paths):
    paths["spend"] = directory / "spend.csv"
    with paths["spend"].open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["month", "source", "amount"])
        cost_per_lead = {"paid_social": 95, "paid_search": 140, "email": 25, "webinar": 120,
                         "events": 380, "content_syndication": 60}  # fmt: skip
        for index, month in enumerate(months):
            for channel in CHANNELS:
                if channel.paid:
                    leads = leads_per_month_channel.get((index, channel.name), 0)
                    amount = (leads + 5) * cost_per_lead[channel.name] * rng.uniform(0.85, 1.15)
                    writer.writerow([month.strftime("%Y-%m"), channel.name, f"{amount:.2f}"])
    paths["traffic"] = directory / "traffic.csv"
    outage_start = months[-2].date() + timedelta(days=9)  # a week of broken tracking
    with paths["traffic"].open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["date", "source", "sessions"])
        for index, month in enumerate(months):
            month_end = months[index + 1] if index + 1 < len(months) else end
            days = (month_end - month).days
            for channel in CHANNELS:
                if not channel.web:
                    continue
                daily = 40 * (leads_per_month_channel.get((index, channel.name), 0) + 3) / days
                for day in range(days):
                    current = month.date() + timedelta(days=day)
                    factor = 0.55 if current.weekday() >= 5 else 1.0
                    if outage_start <= current < outage_start + timedelta(days=7):
                        factor *= 0.1
                    sessions = max(0, round(daily * factor * rng.uniform(0.8, 1.2)))
                    writer.writerow([current.isoformat(), channel.name, sessions])
