# ruff: noqa: E501  (tables of exact messages read best unwrapped)
"""Mapping files (SPEC 3.1) are checked on their own, before any file is read: one clear
message per refusal. Pure: no database."""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smarketing.funnel.importers.kinds import KINDS, ColumnType
from smarketing.funnel.importers.mapping_files import (
    KEYS,
    MappingFile,
    MappingFileError,
    header_key,
    header_signature,
    mapping_file_check_header,
    mapping_file_parse,
)

LEAD_COLUMNS = ", ".join(KINDS["leads"].column_names)

REFUSED = [
    ('{"kind": "leads",', "the mapping is not valid JSON: Expecting property name enclosed in double quotes (line 1, column 18)"),
    ("[1, 2]", 'the mapping must be a JSON object like {"kind": "leads", …}'),
    ('{"kind": "leads", "colums": {}}', f'unknown key "colums" in the mapping (its keys are {", ".join(KEYS)})'),
    ("{}", 'the mapping needs a "kind" (leads, deals, spend, traffic, activities, content)'),
    ('{"kind": "lead"}', '"kind": "lead" is not one of leads, deals, spend, traffic, activities, content'),
    ('{"kind": "leads", "columns": {"lead": "id"}}', f'"columns": "lead" is not a column of leads (its columns: {LEAD_COLUMNS})'),
    ('{"kind": "leads", "columns": {"lead_id": ""}}', '"columns": lead_id must name a column of the file'),
    ('{"kind": "leads", "columns": ["lead_id"]}', '"columns" must be an object: {"canonical column": "file column"}'),
    ('{"kind": "leads", "date_order": "DD/MM/YYYY"}', '"date_order": "DD/MM/YYYY" is not one of DMY, MDY, YMD (DMY reads 14/03/2025, MDY 3/14/25, YMD 2025/03/14)'),
    ('{"kind": "deals", "decimal": ";"}', '"decimal": ";" is not "." or ","'),
    ('{"kind": "deals", "empty": "N/A"}', '"empty" must be a list of cell values, like ["N/A", "-"]'),
    ('{"kind": "deals", "values": {"status": {"Paid": "paid"}}}', '"values": status: "paid" is not a status (open, won, lost)'),
    ('{"kind": "deals", "values": {"status": "won"}}', '"values": status must be an object of file value → value, like {"Closed Won": "won"}'),
    ('{"kind": "deals", "values": {"stage": {"Paid": "won"}}}', '"values": "stage" is not a column of deals (its columns: deal_id, created_at, status, amount, lead_id, closed_at, lost_reason, owner, currency)'),
    ('{"kind": "deals", "constants": {"status": "sold"}}', '"constants": status: "sold" is not a status (open, won, lost)'),
    ('{"kind": "deals", "constants": {"currency": "Euro"}}', '"constants": currency: "Euro" is not a three-letter currency code like EUR'),
    ('{"kind": "deals", "columns": {"status": "Stage"}, "constants": {"status": "won"}}', '"status" is given both in "columns" and in "constants": keep one'),
]  # fmt: skip


@pytest.mark.parametrize(("document", "message"), REFUSED)
def test_a_bad_mapping_is_refused_with_one_clear_message(document, message):
    with pytest.raises(MappingFileError) as refused:
        mapping_file_parse(document)
    assert str(refused.value) == message


def test_a_mapping_for_another_kind_is_refused():
    with pytest.raises(
        MappingFileError, match="the mapping is for deals, but the file is imported as leads"
    ):
        mapping_file_parse('{"kind": "deals"}', kind="leads")


def test_the_kind_may_come_from_the_import():
    assert mapping_file_parse("{}", kind="spend") == MappingFile(kind="spend")


def test_the_documented_example_reads_as_written():
    parsed = mapping_file_parse(
        json.dumps(
            {
                "kind": "deals",
                "columns": {"deal_id": "order_id", "created_at": "won_date", "closed_at": "won_date"},
                "values": {"status": {"Closed Won": "won", "Paid": "won", "Closed Lost": "lost", "*": "open"}},
                "constants": {"currency": "eur"},
                "date_order": "dmy",
                "decimal": ",",
                "empty": ["000000000000000AAA", "N/A", 0],
            }
        )
    )  # fmt: skip
    assert parsed.columns["closed_at"] == "won_date"
    assert parsed.values["status"]["*"] == "open"
    assert (parsed.date_order, parsed.decimal, parsed.empty) == (
        "DMY", ",", ("000000000000000AAA", "N/A", "0"),
    )  # fmt: skip
    assert parsed.constants == {"currency": "eur"}


def test_a_column_the_file_lacks_is_named_with_the_files_columns():
    mapping = mapping_file_parse('{"kind": "leads", "columns": {"created_at": "first_contact"}}')
    mapping_file_check_header(mapping, ["mql_id", "First Contact"])  # names compare loosely
    with pytest.raises(MappingFileError) as refused:
        mapping_file_check_header(mapping, ["mql_id", "first_contact_date", "origin"])
    assert str(refused.value) == (
        '"columns": created_at names "first_contact", which is not a column of the file '
        '(its columns: "mql_id", "first_contact_date", "origin")'
    )


def test_header_names_compare_by_letters_and_digits_in_any_script():
    assert header_key('Date entered "MQL (Pipeline)"') == "date_entered_mql_pipeline"
    assert header_key("Año de Creación") == "año_de_creación"
    assert header_signature(["Record ID", "Create Date"]) == header_signature(
        ["record_id", "CREATE DATE "]
    )
    assert header_signature(["a", "b"]) != header_signature(["b", "a"])


# --- properties -----------------------------------------------------------------------------

KIND_NAMES = st.sampled_from(sorted(KINDS))
TEXT = st.text(min_size=1, max_size=20).filter(lambda value: value.strip() != "")


@st.composite
def valid_mappings(draw) -> dict:
    kind = draw(KIND_NAMES)
    spec = KINDS[kind]
    names = st.sampled_from(spec.column_names)
    columns = draw(st.dictionaries(names, TEXT.map(str.strip), max_size=4))

    def value_of(name: str):
        column = spec.column(name)
        if column.type == ColumnType.ENUM:
            return st.sampled_from(column.choices)
        if column.type == ColumnType.CURRENCY:
            return st.sampled_from(["EUR", "usd", "COP"])
        return TEXT.map(str.strip)

    document: dict = {"kind": kind}
    if columns:
        document["columns"] = columns
    constant_names = [name for name in spec.column_names if name not in columns]
    if constant_names and draw(st.booleans()):
        name = draw(st.sampled_from(constant_names))
        document["constants"] = {name: draw(value_of(name))}
    if draw(st.booleans()):
        name = draw(names)
        keys = st.text(max_size=10).map(str.strip)
        document["values"] = {name: draw(st.dictionaries(keys, value_of(name), max_size=4))}
    for key, choices in (("date_order", ["DMY", "MDY", "YMD"]), ("decimal", [".", ","])):
        if draw(st.booleans()):
            document[key] = draw(st.sampled_from(choices))
    if draw(st.booleans()):
        document["empty"] = draw(st.lists(TEXT.map(str.strip), max_size=3, unique=True))
    return document


@given(valid_mappings())
def test_every_valid_mapping_parses_and_survives_a_round_trip(document):
    parsed = mapping_file_parse(json.dumps(document))
    again = mapping_file_parse(json.dumps(parsed.as_json()))
    assert again == parsed
    assert again.digest == parsed.digest
    assert parsed.kind == document["kind"]
    assert dict(parsed.columns) == document.get("columns", {})


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=12,
)  # fmt: skip


@given(st.dictionaries(st.sampled_from([*KEYS, "other"]), JSON_VALUES, max_size=5) | JSON_VALUES)
def test_any_json_is_a_mapping_or_one_clear_refusal(document):
    try:
        parsed = mapping_file_parse(json.dumps(document))
    except MappingFileError as refusal:
        assert str(refusal) and "\n" not in str(refusal)
    else:
        assert parsed.kind in KINDS


@given(st.binary(max_size=64))
def test_any_bytes_are_a_mapping_or_one_clear_refusal(data):
    try:
        mapping_file_parse(data)
    except MappingFileError as refusal:
        assert str(refusal)
