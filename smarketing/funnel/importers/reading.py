"""What a file is before it is read whole: size, text or not, encoding, delimiter, header.

Only the first SAMPLE_BYTES are inspected (charset-normalizer and csv.Sniffer, well-kept
libraries rather than hand-rolled guesses); `utf8_chunks` then streams the whole file as UTF-8,
converting other encodings on the fly, so memory stays bounded whatever the file's size.

Real exports are not always clean text: CRMs leave NUL bytes in rich-text fields. A file is
"not text" only when it cannot be decoded; stray NULs are removed, row by row, with a warning
(`NulBytes` sends such a file to the tolerant reader, which knows the rows).
"""

import codecs
import csv
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass

import charset_normalizer

SAMPLE_BYTES = 256 * 1024
CHUNK_BYTES = 1024 * 1024
DELIMITERS = ",;\t"
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# "MB" on every page and in every message means 2^20 bytes, the unit of the limit's default
# (FUNNEL_IMPORT_MAX_BYTES = 200 MB = 209,715,200 bytes), so the limit reads "200 MB" everywhere.
MEGABYTE = 1024 * 1024


def megabytes(size: int) -> str:
    """A size in bytes as people read it: "200 MB", "2.5 MB", "12 KB" (MB = 2^20 bytes)."""
    value = size / MEGABYTE
    if value >= 10:
        return f"{value:,.0f} MB"
    if value >= 0.1:
        return f"{value:.1f}".removesuffix(".0") + " MB"
    return f"{max(1, round(size / 1024)):,} KB"


def size_over_limit(size: int, max_bytes: int) -> str:
    """Why an upload of `size` bytes is refused, e.g. "the file is 250.0 MB, more than …"."""
    return f"the file is {size / MEGABYTE:,.1f} MB, more than the limit of {megabytes(max_bytes)}"


class UnreadableFile(Exception):
    """The file as a whole cannot be imported; the message says why, for the uploader."""


class NulBytes(Exception):
    """The file holds NUL bytes: PostgreSQL's COPY refuses them, the tolerant reader removes
    them and says where."""


# Single-byte code pages that decode Western text too and that charset-normalizer may prefer
# on a small sample (Spanish "Diseño" read as cp1250 gives "Diseńo"): Windows-1252, the usual
# export encoding, wins when it decodes the sample as well (SPEC 3.1).
_LATIN_LOOKALIKES = frozenset(
    codecs.lookup(name).name
    for name in (
        "cp1250", "cp1254", "cp1257", "cp1258", "latin_1", "iso8859_2", "iso8859_3",
        "iso8859_4", "iso8859_9", "iso8859_10", "iso8859_13", "iso8859_14", "iso8859_15",
        "iso8859_16", "mac_roman", "mac_latin2", "mac_iceland", "mac_turkish", "cp437",
        "cp850", "cp852", "cp858",
    )
)  # fmt: skip
_SPREADSHEETS = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")


@dataclass(frozen=True)
class FileShape:
    encoding: str  # a Python codec name; "utf-8" means the bytes can be sent as they are
    bom_length: int
    delimiter: str
    header: list[str]


def _decodable_utf8(data: bytes) -> bool:
    try:
        # Not final: the sample may end in the middle of a multi-byte character.
        codecs.getincrementaldecoder("utf-8")().decode(data, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _looks_binary(text: str) -> bool:
    controls = sum(1 for char in text if char < " " and char not in "\t\r\n")
    return controls > max(2, len(text) // 200)


def _sniff_delimiter(text: str) -> str:
    lines = text.splitlines()
    header_line = lines[0] if lines else ""
    try:
        delimiter = csv.Sniffer().sniff("\n".join(lines[:50]), delimiters=DELIMITERS).delimiter
    except csv.Error:
        delimiter = ""
    if len(delimiter) != 1 or delimiter not in header_line:
        # The sniffer found no consistent pattern (or a single column): trust the header line.
        counts = {candidate: header_line.count(candidate) for candidate in DELIMITERS}
        delimiter = max(counts, key=lambda candidate: counts[candidate])
        if counts[delimiter] == 0:
            delimiter = ","
    return delimiter


def _utf16_without_bom(sample: bytes) -> str | None:
    """UTF-16 text without a byte-order mark: NULs in every other byte of ASCII characters."""
    half = max(1, len(sample) // 2)
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if odd > 0.4 * half and even < 0.1 * half:
        return "utf-16-le"
    if even > 0.4 * half and odd < 0.1 * half:
        return "utf-16-be"
    return None


def _single_byte_encoding(sample: bytes, had_nul: bool) -> str:
    best = charset_normalizer.from_bytes(sample).best()
    if best is None:
        if had_nul:
            raise UnreadableFile("the file is not text (it contains binary data)")
        raise UnreadableFile("the file is not text in any known encoding")
    encoding = codecs.lookup(best.encoding).name
    if encoding in _LATIN_LOOKALIKES:
        try:
            sample.decode("cp1252")
        except UnicodeDecodeError:
            return encoding
        return "cp1252"
    return encoding


def file_inspect(path: str | os.PathLike, *, max_bytes: int) -> FileShape:
    """Reject empty, oversized and binary files, and find the encoding, delimiter and header."""
    size = os.path.getsize(path)
    if size == 0:
        raise UnreadableFile("the file is empty")
    if size > max_bytes:
        raise UnreadableFile(size_over_limit(size, max_bytes))
    with open(path, "rb") as handle:
        sample = handle.read(SAMPLE_BYTES)
    if sample.startswith(_SPREADSHEETS):
        raise UnreadableFile("the file is a spreadsheet or archive, not CSV text: save it as CSV")
    bom_length = 0
    if sample.startswith(codecs.BOM_UTF8):
        encoding, bom_length = "utf-8", len(codecs.BOM_UTF8)
    elif sample.startswith(_UTF16_BOMS):
        encoding = "utf-16"
    elif (utf16 := _utf16_without_bom(sample)) is not None:
        encoding = utf16
    else:
        # Stray NULs (rich-text fields) say nothing about the encoding: leave them out.
        had_nul = b"\x00" in sample
        sample = sample.replace(b"\x00", b"")
        encoding = "utf-8" if _decodable_utf8(sample) else _single_byte_encoding(sample, had_nul)
    text = sample[bom_length:].decode(encoding, errors="replace").replace("\x00", "")
    if _looks_binary(text):
        raise UnreadableFile("the file is not text (it contains binary data)")
    if not text.strip():
        raise UnreadableFile("the file is empty")
    delimiter = _sniff_delimiter(text)
    header = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [])
    header = [name.strip().lstrip("\ufeff") for name in header]
    if not any(header):
        raise UnreadableFile("the first row must name the columns, and it is empty")
    return FileShape(encoding=encoding, bom_length=bom_length, delimiter=delimiter, header=header)


def utf8_chunks(path: str | os.PathLike, shape: FileShape) -> Iterator[tuple[bytes, int]]:
    """The file after its byte-order mark, as UTF-8 chunks with the bytes read so far.

    UTF-8 is checked as it streams (UnicodeDecodeError when it is not, so the caller can retry
    with `shape` for another encoding); other encodings are converted. Blank lines at the very
    end are dropped, since PostgreSQL's COPY would read them as rows.
    """
    is_utf8 = shape.encoding in ("utf-8", "ascii")
    decoder = codecs.getincrementaldecoder("utf-8" if is_utf8 else shape.encoding)(
        errors="strict" if is_utf8 else "replace"
    )
    bytes_read = 0
    pending = b""
    newline = b""
    with open(path, "rb") as handle:
        handle.seek(shape.bom_length)
        bytes_read = shape.bom_length
        while chunk := handle.read(CHUNK_BYTES):
            bytes_read += len(chunk)
            if is_utf8:
                decoder.decode(chunk)
                data = chunk
            else:
                data = decoder.decode(chunk).encode("utf-8")
            if b"\x00" in data:
                raise NulBytes
            if not newline:
                newline = next((end for end in (b"\r\n", b"\n", b"\r") if end in data), b"")
            if pending:
                yield pending, bytes_read - len(chunk)
            pending = data
        if not is_utf8:
            pending += decoder.decode(b"", final=True).encode("utf-8")
        else:
            decoder.decode(b"", final=True)
    tail = pending.rstrip(b"\r\n")
    if tail:
        yield tail + (newline or b"\n"), bytes_read


def text_records(path: str | os.PathLike, shape: FileShape) -> Iterator[list[str]]:
    """Every record after the header, parsed by Python's csv module (the tolerant slow path).

    NUL characters are left in the cells: the caller removes them and says where they were.
    """
    encoding = "utf-8-sig" if shape.encoding in ("utf-8", "ascii") else shape.encoding
    with open(path, encoding=encoding, errors="replace", newline="") as handle:
        reader = csv.reader(handle, delimiter=shape.delimiter)
        next(reader, None)
        yield from reader
