# ruff: noqa: E501  (tables of exact problem lines read best unwrapped)
"""SPEC section 3 on small hand-made files: every rejection names its row and column and
stores nothing; real-world file shapes are accepted; re-imports update and never duplicate."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from smarketing.configuration.models import WorkspaceSettings
from smarketing.funnel.models import (
    Activity,
    ContentDownload,
    Deal,
    ImportStatus,
    Lead,
    Spend,
    Traffic,
)
from tests.funnel.conftest import problems, run_import

LEADS_HEADER = "lead_id,created_at,source,mql_at,sql_at,owner\n"
MODELS = {
    "leads": Lead,
    "deals": Deal,
    "spend": Spend,
    "traffic": Traffic,
    "activities": Activity,
    "content": ContentDownload,
}


def stored(workspace, kind: str) -> int:
    with schema_context(workspace.schema_name):
        return MODELS[kind].objects.count()


REJECTIONS = [
    # (kind, file, expected problem)
    (
        "leads",
        "lead_id,source\nL1,web\n",
        "row 1, column created_at: this required column is missing",
    ),
    (
        "deals",
        "deal_id,created_at,amount\nD1,2025-01-01,5\n",
        "row 1, column status: this required column is missing",
    ),
    ("spend", "month,amount\n2025-01,5\n", "row 1, column source: this required column is missing"),
    (
        "traffic",
        "date,source\n2025-01-01,web\n",
        "row 1, column sessions: this required column is missing",
    ),
    (
        "activities",
        "activity_id,date,owner\nA1,2025-01-01,ann\n",
        "row 1, column type: this required column is missing",
    ),
    (
        "content",
        "date,lead_id\n2025-01-01,L1\n",
        "row 1, column asset: this required column is missing",
    ),
    (
        "leads",
        LEADS_HEADER + "L1,2025-01-01,web,,,\nL2,2025-02-30,web,,,\n",
        'row 3, column created_at: "2025-02-30" is not an ISO 8601 date (2025-03-14 or 2025-03-14T09:30:00Z)',
    ),
    (
        "leads",
        LEADS_HEADER + "L1,03/14/2025,web,,,\n",
        'row 2, column created_at: "03/14/2025" is not an ISO 8601 date (2025-03-14 or 2025-03-14T09:30:00Z); to read dates like this one, set "date_order" (DMY, MDY or YMD) in a mapping',
    ),
    (
        "leads",
        LEADS_HEADER + "L1,2025-01-01,web,2025-01-02T25:00:00,,\n",
        'row 2, column mql_at: "2025-01-02T25:00:00" is not an ISO 8601 date (2025-03-14 or 2025-03-14T09:30:00Z)',
    ),
    ("leads", LEADS_HEADER + "L1,2025-01-01,,,,\n", "row 2, column source: is required"),
    ("leads", LEADS_HEADER + ",2025-01-01,web,,,\n", "row 2, column lead_id: is required"),
    (
        "deals",
        "deal_id,created_at,status,amount\nD1,2025-01-01,pending,5\n",
        'row 2, column status: "pending" is not one of open, won, lost',
    ),
    (
        "deals",
        'deal_id,created_at,status,amount\nD1,2025-01-01,open,"1,5"\n',
        'row 2, column amount: "1,5" is not a decimal number (digits, with . as the decimal separator)',
    ),
    (
        "deals",
        "deal_id,created_at,status,amount\nD1,2025-01-01,open,-5\n",
        'row 2, column amount: "-5" must not be negative',
    ),
    (
        "deals",
        "deal_id,created_at,status,amount,closed_at\nD1,2025-01-01,won,5,\n",
        "row 2, column closed_at: is required when the status is won or lost",
    ),
    (
        "spend",
        "month,source,amount\n2025-13,web,5\n",
        'row 2, column month: "2025-13" is not a month like 2025-03',
    ),
    (
        "traffic",
        "date,source,sessions\n2025-01-01,web,12.5\n",
        'row 2, column sessions: "12.5" is not a whole number (digits, with . as the decimal separator)',
    ),
    (
        "activities",
        "activity_id,date,owner,type\nA1,2025-01-01,ann,fax\n",
        'row 2, column type: "fax" is not one of call, meeting, email',
    ),
    (
        "leads",
        LEADS_HEADER + "L1,2025-01-01,web,,,\nL2,2025-01-01,web,,,\nL1,2025-01-02,email,,,\n",
        "row 4, column lead_id: repeats the key of row 2 (a key may appear once per file)",
    ),
    (
        "traffic",
        "date,source,sessions\n2025-01-01,web,5\n2025-01-01T00:00:00,web,6\n",
        "row 3, column date: repeats the key of row 2 (a key may appear once per file)",
    ),
    (
        "content",
        "date,lead_id,asset\n2025-01-01,L1,guide\n2025-01-01,L1,guide\n",
        "row 3, column date: repeats the key of row 2 (a key may appear once per file)",
    ),
    (
        "leads",
        LEADS_HEADER + "L1,2025-01-01,web,,,\nL2,2025-01-01,web\n",
        "row 3, column mql_at: the row has 3 cells but the header has 6",
    ),
]


@pytest.mark.parametrize(("kind", "content", "expected"), REJECTIONS)
def test_invalid_file_is_rejected_naming_row_and_column_and_nothing_is_stored(
    alpha, kind, content, expected
):
    job = run_import(alpha, content, kind)
    assert job.status == ImportStatus.REJECTED
    assert expected in problems(alpha, job)
    assert stored(alpha, kind) == 0


def test_every_problem_of_a_file_is_listed(alpha):
    job = run_import(alpha, LEADS_HEADER + "L1,nope,,,,\nL2,2025-01-01,web,x,,\n", "leads")
    assert problems(alpha, job) == [
        'row 2, column created_at: "nope" is not an ISO 8601 date (2025-03-14 or 2025-03-14T09:30:00Z)',
        "row 2, column source: is required",
        'row 3, column mql_at: "x" is not an ISO 8601 date (2025-03-14 or 2025-03-14T09:30:00Z)',
    ]
    assert (job.error_count, job.rows_rejected, job.rows_stored) == (3, 2, 0)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "file: The file is empty."),
        (b"\r\n\r\n  \n", "file: the file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "file: the file is not text (it contains binary data)"),
        (b"PK\x03\x04" + b"\x00" * 100, "file: the file is a spreadsheet or archive, not CSV text: save it as CSV"),
    ],
)  # fmt: skip
def test_empty_or_binary_files_are_rejected(alpha, content, message):
    from django.core.exceptions import ValidationError

    try:
        job = run_import(alpha, content, "leads")
    except ValidationError as error:  # refused before any job exists
        assert f"file: {' '.join(error.messages)}" == message
        return
    assert job.status == ImportStatus.REJECTED
    assert problems(alpha, job) == [message]


def test_oversized_file_is_refused_before_it_is_read(alpha, settings):
    from django.core.exceptions import ValidationError

    settings.FUNNEL_IMPORT_MAX_BYTES = 100
    with pytest.raises(ValidationError, match="more than the limit"):
        run_import(alpha, LEADS_HEADER + "L1,2025-01-01,web,,,\n" * 10, "leads")


def lead(workspace, lead_id: str) -> Lead:
    with schema_context(workspace.schema_name):
        return Lead.objects.get(lead_id=lead_id)


@pytest.mark.parametrize(
    "content",
    [
        b"\xef\xbb\xbflead_id,created_at,source,owner\r\nL1,2025-03-14,web,Ren\xc3\xa9e\r\n",
        b"lead_id;created_at;source;owner\nL1;2025-03-14;web;Ren\xc3\xa9e\n",
        b"lead_id\tcreated_at\tsource\towner\nL1\t2025-03-14\tweb\tRen\xc3\xa9e\n",
        b"lead_id;created_at;source;owner\r\nL1;2025-03-14;web;Ren\xe9e\r\n",  # Windows-1252
        b"lead_id,created_at,source,owner\nL1,2025-03-14,web,Ren\xc3\xa9e\n\n\n",
    ],
    ids=["bom-crlf", "semicolons", "tabs", "cp1252", "trailing-blank-lines"],
)
def test_real_world_file_shapes_are_accepted(alpha, content):
    job = run_import(alpha, content, "leads")
    assert job.status == ImportStatus.SUCCEEDED, problems(alpha, job)
    stored_lead = lead(alpha, "L1")
    assert (stored_lead.owner, stored_lead.source) == ("Renée", "web")
    assert stored_lead.created_at == datetime(2025, 3, 14, tzinfo=UTC)


def test_cp1252_after_the_first_chunk_is_converted(alpha):
    # The sample read first is pure ASCII; the Windows-1252 byte comes much later.
    rows = "".join(f"L{n},2025-03-14,web,owner\n" for n in range(20000))
    content = (
        "lead_id,created_at,source,owner\n" + rows
    ).encode() + b"LX,2025-03-14,web,Ren\xe9e\n"
    job = run_import(alpha, content, "leads")
    assert job.status == ImportStatus.SUCCEEDED, problems(alpha, job)
    assert lead(alpha, "LX").owner == "Renée"
    assert job.encoding == "cp1252"


def test_quoted_newlines_are_one_row_and_extra_columns_are_ignored_and_named(alpha):
    content = (
        "lead_id,created_at,source,rejection_reason,rejected_at,notes\n"
        'L1,2025-03-14,web,"Not a fit:\nno budget",2025-03-20,"call\r\nback"\n'
        "L2,2025-03-15,web,,,x\n"
    )
    job = run_import(alpha, content, "leads")
    assert job.status == ImportStatus.SUCCEEDED
    assert job.ignored_columns == ["notes"]
    assert lead(alpha, "L1").rejection_reason == "Not a fit:\nno budget"
    assert job.rows_read == 2


def test_dates_follow_the_workspace_time_zone_unless_they_carry_an_offset(alpha):
    with schema_context(alpha.schema_name):
        WorkspaceSettings.objects.update_or_create(pk=1, defaults={"time_zone": "Europe/Paris"})
        WorkspaceSettings.objects.exclude(pk=1).delete()
    content = (
        "lead_id,created_at,source,mql_at,sql_at,opportunity_at\n"
        "L1,2025-03-14,web,2025-03-14T09:30:00,2025-03-14T09:30:00Z,2025-03-14T09:30:00.250+02:00\n"
    )
    job = run_import(alpha, content, "leads")
    assert job.status == ImportStatus.SUCCEEDED, problems(alpha, job)
    stored_lead = lead(alpha, "L1")
    assert stored_lead.created_at == datetime(2025, 3, 13, 23, 0, tzinfo=UTC)
    assert stored_lead.mql_at == datetime(2025, 3, 14, 8, 30, tzinfo=UTC)
    assert stored_lead.sql_at == datetime(2025, 3, 14, 9, 30, tzinfo=UTC)
    assert stored_lead.opportunity_at == datetime(2025, 3, 14, 7, 30, 0, 250000, tzinfo=UTC)


def test_every_kind_is_stored_with_its_types(alpha):
    files = {
        "deals": "deal_id,created_at,status,amount,lead_id,closed_at,lost_reason,owner\n"
        "D1,2025-01-05,Lost,1234.5,L1,2025-02-01,Price,ann\nD2,2025-01-06,open,0,,,,\n",
        "spend": "month,source,amount\n2025-01,paid_social,999.99\n",
        "traffic": "date,source,sessions\n2025-01-01,organic_search,120\n",
        "activities": "activity_id,date,owner,type,lead_id\nA1,2025-01-02T10:00:00Z,ann,meeting,L1\n",
        "content": "date,lead_id,asset\n2025-01-03,L1,guide\n",
    }
    for kind, content in files.items():
        job = run_import(alpha, content, kind)
        assert job.status == ImportStatus.SUCCEEDED, (kind, problems(alpha, job))
    with schema_context(alpha.schema_name):
        deal = Deal.objects.get(deal_id="D1")
        assert (deal.status, deal.amount, deal.lead_id, deal.lost_reason) == (
            "lost",
            Decimal("1234.5"),
            "L1",
            "Price",
        )
        assert deal.closed_at == datetime(2025, 2, 1, tzinfo=UTC)
        assert Deal.objects.get(deal_id="D2").closed_at is None
        spend = Spend.objects.get()
        assert (spend.month.isoformat(), spend.source, spend.amount) == (
            "2025-01-01",
            "paid_social",
            Decimal("999.99"),
        )
        assert Traffic.objects.get().sessions == 120
        assert Activity.objects.get().type == "meeting"
        assert ContentDownload.objects.get().asset == "guide"


def test_reimport_updates_by_key_and_never_duplicates(alpha):
    first = run_import(
        alpha, LEADS_HEADER + "L1,2025-01-01,web,,,ann\nL2,2025-01-02,web,,,bob\n", "leads"
    )
    second = run_import(
        alpha, LEADS_HEADER + "L1,2025-01-01,web,2025-01-03,,ann\nL2,2025-01-02,web,,,bob\nL3,2025-01-04,email,,,\n", "leads"
    )  # fmt: skip
    assert (first.rows_stored, second.rows_stored, second.rows_unchanged) == (2, 2, 1)
    with schema_context(alpha.schema_name):
        assert Lead.objects.count() == 3
        assert Lead.objects.get(lead_id="L1").mql_at == datetime(2025, 1, 3, tzinfo=UTC)
    # The import touched L1's new MQL date and L3's creation date; L2 was unchanged.
    assert (second.affected_start, second.affected_end) == (
        datetime(2025, 1, 1, tzinfo=UTC),
        datetime(2025, 1, 4, tzinfo=UTC),
    )


def row_versions(workspace) -> list[tuple[str, str]]:
    """Each lead with the place of its row version (an update writes a new one elsewhere)."""
    with schema_context(workspace.schema_name), connection.cursor() as cursor:
        cursor.execute("SELECT lead_id, ctid::text FROM funnel_lead ORDER BY lead_id")
        return cursor.fetchall()


def test_changed_rows_touch_the_periods_of_their_old_dates_too(alpha):
    run_import(alpha, LEADS_HEADER + "L1,2025-01-01,web,,,ann\nL2,2025-05-01,web,,,bob\n", "leads")
    # L1 moves from January to March (its January counts change too); L2 is unchanged.
    second = run_import(
        alpha, LEADS_HEADER + "L1,2025-03-01,web,,,ann\nL2,2025-05-01,web,,,bob\n", "leads"
    )
    assert (second.rows_stored, second.rows_unchanged) == (1, 1)
    assert (second.affected_start, second.affected_end) == (
        datetime(2025, 1, 1, tzinfo=UTC),
        datetime(2025, 3, 1, tzinfo=UTC),
    )


def test_unchanged_reimport_writes_nothing_and_touches_no_period(alpha):
    content = LEADS_HEADER + "L1,2025-01-01,web,2025-01-03,,ann\nL2,2025-01-02, web ,,,bob\n"
    run_import(alpha, content, "leads")
    versions = row_versions(alpha)
    # The same rows in other bytes (a new file), cells written differently but equal as values.
    again = run_import(
        alpha,
        LEADS_HEADER + "L2 ,2025-01-02T00:00:00Z,web,,,bob\nL1,2025-01-01,web,2025-01-03,,ann\n",
        "leads",
    )
    assert again.status == ImportStatus.SUCCEEDED
    assert (again.rows_stored, again.rows_unchanged) == (0, 2)
    assert (again.affected_start, again.affected_end) == (None, None)
    assert row_versions(alpha) == versions  # not rewritten: each row where it was


SAME_VALUES_AGAIN = [
    # (kind, a file whose cells are cast, rounded or normalised before they are stored)
    ("leads", LEADS_HEADER + "L1,2025-01-01,Paid Social,2025-01-02T10:00:00+01:00,, ann \n"),
    (
        "deals",
        "deal_id,created_at,status,amount,lead_id,closed_at,lost_reason,owner,currency\n"
        "D1,2025-01-01,Won,1234.56789,L1,2025-02-01,,ann,eur\n",
    ),
    ("spend", "month,source,amount\n2025-01,Paid Social,99.999999\n"),
    ("traffic", "date,source,sessions\n2025-01-01T00:00:00,web,+12\n"),
    ("activities", "activity_id,date,owner,type\nA1,2025-01-01,ann,Call\n"),
    ("content", "date,lead_id,asset\n2025-01-01,L1,guide\n"),
]


@pytest.mark.parametrize(
    ("kind", "content"), SAME_VALUES_AGAIN, ids=[k for k, _ in SAME_VALUES_AGAIN]
)
def test_the_same_values_again_write_nothing_for_every_kind(alpha, kind, content):
    """The re-import compares the typed cells with the stored values: a cast that kept more
    digits, or another type, than the column would see the row as changed every time."""
    assert run_import(alpha, content, kind).rows_stored == 1
    again = run_import(alpha, content + "\n", kind)  # other bytes, the same rows
    assert (again.status, again.rows_stored, again.rows_unchanged) == (ImportStatus.SUCCEEDED, 0, 1)
    assert (again.affected_start, again.affected_end) == (None, None)


@pytest.mark.parametrize("stored_before", [False, True], ids=["into empty", "into stored"])
def test_a_key_repeated_with_the_same_values_is_rejected(alpha, stored_before):
    row = "L1,2025-01-01,web,,,ann\n"
    if stored_before:  # the repeated rows equal the stored one: nothing would be written
        run_import(alpha, LEADS_HEADER + row, "leads")
    job = run_import(alpha, LEADS_HEADER + row + row, "leads")
    assert job.status == ImportStatus.REJECTED
    assert problems(alpha, job) == [
        "row 3, column lead_id: repeats the key of row 2 (a key may appear once per file)"
    ]
    assert stored(alpha, "leads") == (1 if stored_before else 0)


def test_same_file_again_is_recognised_and_does_nothing(alpha):
    content = LEADS_HEADER + "L1,2025-01-01,web,,,ann\n"
    first = run_import(alpha, content, "leads")
    again = run_import(alpha, content, "leads")
    assert again.pk == first.pk
    with schema_context(alpha.schema_name):
        assert first.__class__.objects.count() == 1


def test_skip_invalid_keeps_valid_rows_and_offers_the_rejected_ones(alpha):
    from smarketing.funnel import selectors

    content = LEADS_HEADER + "L1,2025-01-01,web,,,ann\nL2,someday,web,,,\nL3,2025-01-03,,,,=cmd\n"
    job = run_import(alpha, content, "leads", skip_invalid=True)
    assert job.status == ImportStatus.SUCCEEDED
    assert (job.rows_stored, job.rows_rejected) == (1, 2)
    with schema_context(alpha.schema_name):
        assert list(Lead.objects.values_list("lead_id", flat=True)) == ["L1"]
        download = "".join(selectors.import_rejected_rows_csv(job=job))
    assert download.splitlines() == [
        "row,lead_id,created_at,source,mql_at,sql_at,owner,problems",
        '3,L2,someday,web,,,,"created_at: ""someday"" is not an ISO 8601 date '
        '(2025-03-14 or 2025-03-14T09:30:00Z)"',
        "4,L3,2025-01-03,,,,'=cmd,source: is required",
    ]


def test_backwards_stage_dates_are_imported_with_a_warning(alpha):
    job = run_import(alpha, LEADS_HEADER + "L1,2025-01-10,web,2025-01-05,2025-01-20,\n", "leads")
    assert job.status == ImportStatus.SUCCEEDED
    assert problems(alpha, job, "warning") == [
        "row 2, column mql_at: is earlier than an earlier stage's date (imported anyway)"
    ]
    assert lead(alpha, "L1").mql_at == datetime(2025, 1, 5, tzinfo=UTC)


def test_kind_and_format_are_detected_from_the_header(alpha):
    job = run_import(alpha, "date,source,sessions\n2025-01-01,web,3\n", kind="")
    assert (job.status, job.kind, job.format) == (ImportStatus.SUCCEEDED, "traffic", "canonical")
    unknown = run_import(alpha, "foo,bar\n1,2\n", kind="")
    assert problems(alpha, unknown) == [
        "row 1, column foo: the columns were not recognised; choose the kind and the format"
    ]


def test_saved_column_mapping_reads_other_header_names(alpha):
    from smarketing.funnel import services

    with schema_context(alpha.schema_name):
        services.column_mapping_save(
            kind="spend", file_format="canonical", columns={"month": "Period", "amount": "Cost"}
        )
    job = run_import(alpha, "Period,source,Cost\n2025-02,web,10\n", "spend")
    assert job.status == ImportStatus.SUCCEEDED
    with schema_context(alpha.schema_name):
        assert Spend.objects.get().amount == Decimal(10)
    bad = run_import(alpha, "Period,source,Cost\n2025-02,web,ten\n", "spend")
    # A mapping (saved or given) reads amounts as people write them: "ten" is none.
    assert problems(alpha, bad) == [
        'row 2, column Cost: "ten" is not a decimal number (like 1234.56 or $1,234.56; for 1.234,56 set "decimal": ",")'
    ]
