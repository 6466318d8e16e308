"""The cell parsers of an import are SQL expressions: these properties run them in PostgreSQL
on generated values (dates in every order and style, amounts as people write them)."""

from datetime import datetime
from decimal import Decimal

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smarketing.funnel.importers import sql
from smarketing.funnel.importers.kinds import Column, ColumnType
from smarketing.funnel.importers.mappings import ParseOptions

DATETIME = Column("created_at", ColumnType.DATETIME)
MONEY = Column("amount", ColumnType.MONEY)
CHANNEL = Column("source", ColumnType.CHANNEL)
DB_SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture
def evaluate(db):
    """evaluate(reader_method, column, texts) → [(valid, value)] computed by PostgreSQL."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL TimeZone = 'UTC'")
        for statement in sql.FUNCTIONS:
            cursor.execute(statement)
        cursor.execute(sql.UNICODE_COLLATION_QUERY, [list(sql.UNICODE_COLLATIONS)])
        collation = sql.unicode_collation([row[0] for row in cursor.fetchall()])

    def run(options: ParseOptions, column: Column, texts: list[str]) -> list[tuple]:
        read = sql.Reader(options, collation)
        # The import runs its statements without parameters; here `%` must be doubled.
        valid = read.valid(column, "t").replace("%", "%%")
        value = read.cast(column, "t").replace("%", "%%")
        with connection.cursor() as cursor:
            cursor.execute(  # the importer's own SQL; the values travel as a parameter
                f"SELECT {valid}, CASE WHEN {valid} THEN {value} END "  # noqa: S608
                "FROM unnest(%s::text[]) WITH ORDINALITY AS cells(t, n) ORDER BY n",
                [texts],
            )
            return cursor.fetchall()

    return run


# --- dates --------------------------------------------------------------------------------


@st.composite
def written_dates(draw):
    """(date_order, text, the datetime it means): numeric dates as exports write them."""
    moment = draw(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31)))
    order = draw(st.sampled_from(["DMY", "MDY", "YMD"]))
    separator = draw(st.sampled_from("/.-"))
    padded = draw(st.booleans())
    year = str(moment.year) if draw(st.booleans()) else f"{moment.year % 100:02d}"
    day, month = (f"{part:02d}" if padded else str(part) for part in (moment.day, moment.month))
    parts = {"DMY": (day, month, year), "MDY": (month, day, year), "YMD": (year, month, day)}
    text = separator.join(parts[order])
    style = draw(st.sampled_from(["date", "24h", "24h-seconds", "12h"]))
    if style == "date":
        return order, text, moment.replace(hour=0, minute=0, second=0, microsecond=0)
    moment = moment.replace(microsecond=0)
    joint = (
        draw(st.sampled_from([" ", ", ", "T"]))
        if style != "12h"
        else draw(st.sampled_from([" ", ", "]))
    )
    if style == "24h":
        moment = moment.replace(second=0)
        return order, f"{text}{joint}{moment:%H:%M}", moment
    if style == "24h-seconds":
        return order, f"{text}{joint}{moment:%H:%M:%S}", moment
    moment = moment.replace(second=0)
    hour = moment.hour % 12 or 12
    marker = draw(st.sampled_from(["AM", "am"] if moment.hour < 12 else ["PM", "pm"]))
    space = draw(st.sampled_from(["", " "]))
    return order, f"{text}{joint}{hour}:{moment:%M}{space}{marker}", moment


@DB_SETTINGS
@given(st.lists(written_dates(), min_size=1, max_size=12))
def test_numeric_dates_read_in_their_date_order(evaluate, cases):
    for order in ("DMY", "MDY", "YMD"):
        chosen = [(text, moment) for case_order, text, moment in cases if case_order == order]
        if not chosen:
            continue
        results = evaluate(ParseOptions(date_order=order), DATETIME, [text for text, _ in chosen])
        for (text, moment), (valid, value) in zip(chosen, results, strict=True):
            assert valid, (order, text)
            assert value.replace(tzinfo=None) == moment, (order, text)


@DB_SETTINGS
@given(
    st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2099, 12, 31)),
    st.sampled_from([None, "DMY", "MDY", "YMD"]),
)
def test_iso_8601_is_always_accepted(evaluate, moment, order):
    moment = moment.replace(microsecond=0)
    texts = [moment.date().isoformat(), moment.isoformat(), moment.isoformat(" ") + "Z"]
    results = evaluate(ParseOptions(date_order=order), DATETIME, texts)
    assert [valid for valid, _ in results] == [True, True, True]
    assert results[1][1].replace(tzinfo=None) == moment


@DB_SETTINGS
@given(st.dates(min_value=datetime(2000, 1, 13).date(), max_value=datetime(2099, 12, 31).date()))
def test_a_day_first_date_is_no_month_first_date_when_the_day_is_above_12(evaluate, day):
    if day.day <= 12:
        return
    text = f"{day.day}/{day.month}/{day.year}"
    ((valid_mdy, _),) = evaluate(ParseOptions(date_order="MDY"), DATETIME, [text])
    ((valid_none, _),) = evaluate(ParseOptions(), DATETIME, [text])
    assert (valid_mdy, valid_none) == (False, False)


@pytest.mark.parametrize(
    ("order", "text", "valid"),
    [
        ("DMY", "31/02/2025", False),  # no such day
        ("DMY", "14/03/2025 13:00 PM", False),
        ("MDY", "3/14/25 9:30 AM", True),
        ("DMY", "14/03-2025", False),  # one separator throughout
        ("DMY", "14/03/2025 tomorrow", False),
        ("YMD", "2025/3/14", True),
        (None, "2025/3/14", False),
    ],
)
def test_impossible_or_mixed_dates_are_invalid(evaluate, order, text, valid):
    assert evaluate(ParseOptions(date_order=order), DATETIME, [text])[0][0] is valid


# --- money --------------------------------------------------------------------------------


@st.composite
def written_amounts(draw):
    """(decimal separator, text, amount): amounts with signs, codes and separators."""
    amount = Decimal(draw(st.integers(min_value=0, max_value=10**12))) / 100
    decimal = draw(st.sampled_from([".", ","]))
    thousands = draw(
        st.sampled_from(
            ["", ",", " ", "\u00a0", "'"] if decimal == "." else ["", ".", " ", "\u202f"]
        )
    )
    whole, cents = f"{amount:.2f}".split(".")
    groups = []
    while whole:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    text = thousands.join(groups)
    if draw(st.booleans()) or cents != "00":
        text += decimal + cents
    prefix = draw(st.sampled_from(["", "$", "$ ", "USD ", "€", "£", "COP "]))
    suffix = draw(st.sampled_from(["", " €", "€", " MXN", " zł"]))
    return decimal, f"{prefix}{text}{suffix}", amount


@DB_SETTINGS
@given(st.lists(written_amounts(), min_size=1, max_size=12))
def test_amounts_read_with_signs_codes_and_thousands_separators(evaluate, cases):
    for decimal in (".", ","):
        chosen = [(text, amount) for case_decimal, text, amount in cases if case_decimal == decimal]
        if not chosen:
            continue
        results = evaluate(ParseOptions(decimal=decimal), MONEY, [text for text, _ in chosen])
        for (text, amount), (valid, value) in zip(chosen, results, strict=True):
            assert valid, (decimal, text)
            assert value == amount, (decimal, text)


@pytest.mark.parametrize(
    ("decimal", "text", "valid"),
    [
        (".", "1,5", False),  # a comma is a thousands separator here: groups of three
        (",", "1.5", False),
        (",", "1.234,56 €", True),
        (".", "-5", False),
        (".", "(5)", False),
        (None, "$5", False),  # the canonical format is strict
        (None, "5.25", True),
    ],
)
def test_ambiguous_or_negative_amounts_are_invalid(evaluate, decimal, text, valid):
    assert evaluate(ParseOptions(decimal=decimal), MONEY, [text])[0][0] is valid


# --- channel names ------------------------------------------------------------------------


@DB_SETTINGS
@given(
    st.lists(
        st.text(
            st.characters(exclude_characters="\x00", exclude_categories=["Cs"]),
            min_size=1,
            max_size=30,
        ),
        min_size=1,
        max_size=20,
    )
)
def test_channel_names_are_stable_lower_case_with_underscores(evaluate, texts):
    names = [value for _, value in evaluate(ParseOptions(), CHANNEL, texts)]
    again = [value for _, value in evaluate(ParseOptions(), CHANNEL, [n for n in names if n])]
    assert again == [n for n in names if n]  # normalising a channel name changes nothing
    for name in filter(None, names):
        assert name == name.strip("_") and "__" not in name and " " not in name
