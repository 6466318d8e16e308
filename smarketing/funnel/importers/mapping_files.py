"""Mapping files (SPEC section 3.1): a JSON document that says how a file becomes canonical rows.

```json
{"kind": "deals", "columns": {"deal_id": "order_id", "closed_at": "won_date"},
 "values": {"status": {"Paid": "won", "*": "open"}}, "constants": {"status": "won"},
 "date_order": "DMY", "decimal": ",", "empty": ["N/A"]}
```

`mapping_file_parse` checks the document on its own, `mapping_file_check_header` against a
file's header; both raise `MappingFileError` with one message a person can act on, before any
row is read. Pure Python: no Django, no database.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .kinds import KINDS, ColumnType

KEYS = ("kind", "columns", "values", "constants", "date_order", "decimal", "empty")
DATE_ORDERS = ("DMY", "MDY", "YMD")
DECIMALS = (".", ",")
# In `values`: the empty cell, and any value the table does not list.
EMPTY_VALUE, ANY_VALUE = "", "*"
MAX_BYTES = 1024 * 1024


class MappingFileError(Exception):
    """The mapping cannot be used; the message says why and where, for the person who wrote it."""


def header_key(name: str) -> str:
    """How header names compare: `Date entered "MQL"` and `date_entered_mql` are the same."""
    out = []
    previous_sep = True
    for char in name.lower().replace("\u201c", '"'):
        if char.isalnum():
            out.append(char)
            previous_sep = False
        elif not previous_sep:
            out.append("_")
            previous_sep = True
    return "".join(out).strip("_")


def header_signature(header: list[str]) -> str:
    """Files whose headers compare equal column by column share a saved mapping."""
    keys = "\x1f".join(header_key(name) for name in header)
    return hashlib.sha256(keys.encode()).hexdigest()


@dataclass(frozen=True)
class MappingFile:
    """A checked mapping document; every key but `kind` may be empty."""

    kind: str
    columns: Mapping[str, str] = field(default_factory=dict)
    values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    constants: Mapping[str, str] = field(default_factory=dict)
    date_order: str | None = None
    decimal: str | None = None
    empty: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        """The document as stored and shown: only the keys that say something."""
        document: dict[str, Any] = {"kind": self.kind}
        if self.columns:
            document["columns"] = dict(self.columns)
        if self.values:
            document["values"] = {name: dict(table) for name, table in self.values.items()}
        if self.constants:
            document["constants"] = dict(self.constants)
        if self.date_order:
            document["date_order"] = self.date_order
        if self.decimal:
            document["decimal"] = self.decimal
        if self.empty:
            document["empty"] = list(self.empty)
        return document

    @property
    def digest(self) -> str:
        """The same mapping written differently (key order, spacing) has the same digest."""
        text = json.dumps(self.as_json(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()

    def file_columns(self) -> dict[str, str]:
        """canonical column → file column, for the columns the mapping names."""
        return dict(self.columns)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _quoted(names) -> str:
    return ", ".join(_json(name) for name in names)


def _text(value: Any) -> str | None:
    """A JSON scalar as the text a CSV cell would hold (numbers as written), else None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value).removesuffix(".0")
    return None


def _check_value(kind: str, column: str, value: str, where: str) -> None:
    spec = KINDS[kind].column(column)
    if spec.type == ColumnType.ENUM and value.strip().lower() not in spec.choices:
        raise MappingFileError(
            f"{where}: {_json(value)} is not a {column} ({', '.join(spec.choices)})"
        )
    if (
        spec.type == ColumnType.CURRENCY
        and value
        and not (len(value.strip()) == 3 and value.strip().isascii() and value.strip().isalpha())
    ):
        raise MappingFileError(
            f"{where}: {_json(value)} is not a three-letter currency code like EUR"
        )


def _canonical_column(kind: str, name: Any, where: str) -> str:
    spec = KINDS[kind]
    if not isinstance(name, str) or not spec.has_column(name):
        raise MappingFileError(
            f"{where}: {_json(name)} is not a column of {kind} "
            f"(its columns: {', '.join(spec.column_names)})"
        )
    return name


def mapping_file_parse(document: str | bytes | Mapping[str, Any], *, kind: str = "") -> MappingFile:
    """Check a mapping document (JSON text or already parsed) and return it.

    `kind`, when given, is the kind the file is imported as: a mapping for another kind is
    refused. Raises `MappingFileError` at the first problem.
    """
    if isinstance(document, bytes | str):
        if len(document) > MAX_BYTES:
            raise MappingFileError("the mapping is larger than 1 MB")
        try:
            parsed = json.loads(document)
        except UnicodeDecodeError:
            raise MappingFileError("the mapping is not UTF-8 text") from None
        except ValueError as error:
            message = getattr(error, "msg", str(error))
            line, column = getattr(error, "lineno", 0), getattr(error, "colno", 0)
            raise MappingFileError(
                f"the mapping is not valid JSON: {message} (line {line}, column {column})"
            ) from None
    else:
        parsed = document
    if not isinstance(parsed, Mapping):
        raise MappingFileError('the mapping must be a JSON object like {"kind": "leads", …}')
    unknown = [key for key in parsed if key not in KEYS]
    if unknown:
        raise MappingFileError(
            f"unknown key {_quoted(unknown)} in the mapping (its keys are {', '.join(KEYS)})"
        )
    mapping_kind = parsed.get("kind")
    if mapping_kind is None:
        if not kind:
            raise MappingFileError(f'the mapping needs a "kind" ({", ".join(KINDS)})')
        mapping_kind = kind
    if not isinstance(mapping_kind, str) or mapping_kind not in KINDS:
        raise MappingFileError(f'"kind": {_json(mapping_kind)} is not one of {", ".join(KINDS)}')
    if kind and mapping_kind != kind:
        raise MappingFileError(
            f"the mapping is for {mapping_kind}, but the file is imported as {kind}"
        )
    columns = _columns(mapping_kind, parsed.get("columns", {}))
    values = _values(mapping_kind, parsed.get("values", {}))
    constants = _constants(mapping_kind, parsed.get("constants", {}))
    both = [name for name in constants if name in columns]
    if both:
        raise MappingFileError(
            f'{_quoted(both)} is given both in "columns" and in "constants": keep one'
        )
    date_order = parsed.get("date_order")
    if date_order is not None:
        if not isinstance(date_order, str) or date_order.upper() not in DATE_ORDERS:
            raise MappingFileError(
                f'"date_order": {_json(date_order)} is not one of {", ".join(DATE_ORDERS)} '
                "(DMY reads 14/03/2025, MDY 3/14/25, YMD 2025/03/14)"
            )
        date_order = date_order.upper()
    decimal = parsed.get("decimal")
    if decimal is not None and decimal not in DECIMALS:
        raise MappingFileError(f'"decimal": {_json(decimal)} is not "." or ","')
    empty = parsed.get("empty", [])
    if not isinstance(empty, list) or any(_text(item) is None for item in empty):
        raise MappingFileError('"empty" must be a list of cell values, like ["N/A", "-"]')
    return MappingFile(
        kind=mapping_kind,
        columns=columns,
        values=values,
        constants=constants,
        date_order=date_order,
        decimal=decimal,
        empty=tuple(dict.fromkeys(str(_text(item)).strip() for item in empty)),
    )


def _columns(kind: str, raw: Any) -> dict[str, str]:
    if not isinstance(raw, Mapping):
        raise MappingFileError('"columns" must be an object: {"canonical column": "file column"}')
    columns = {}
    for name, file_column in raw.items():
        _canonical_column(kind, name, '"columns"')
        if not isinstance(file_column, str) or not file_column.strip():
            raise MappingFileError(f'"columns": {name} must name a column of the file')
        columns[name] = file_column.strip()
    return columns


def _values(kind: str, raw: Any) -> dict[str, dict[str, str]]:
    if not isinstance(raw, Mapping):
        raise MappingFileError(
            '"values" must be an object: {"canonical column": {"file value": "value"}}'
        )
    values: dict[str, dict[str, str]] = {}
    for name, table in raw.items():
        _canonical_column(kind, name, '"values"')
        if not isinstance(table, Mapping):
            raise MappingFileError(
                f'"values": {name} must be an object of file value → value, '
                'like {"Closed Won": "won"}'
            )
        translated: dict[str, str] = {}
        for file_value, value in table.items():
            text = _text(value)
            if text is None:
                raise MappingFileError(
                    f'"values": {name}: {_json(file_value)} must become a text, not {_json(value)}'
                )
            key = file_value.strip()
            if key in translated and translated[key] != text:
                raise MappingFileError(f'"values": {name}: {_json(key)} is listed twice')
            if text.strip():
                _check_value(kind, name, text, f'"values": {name}')
            translated[key] = text.strip()
        values[name] = translated
    return values


def _constants(kind: str, raw: Any) -> dict[str, str]:
    if not isinstance(raw, Mapping):
        raise MappingFileError('"constants" must be an object: {"canonical column": "value"}')
    constants = {}
    for name, value in raw.items():
        _canonical_column(kind, name, '"constants"')
        text = _text(value)
        if text is None or not text.strip():
            raise MappingFileError(f'"constants": {name} must be a value, like "won"')
        _check_value(kind, name, text, f'"constants": {name}')
        constants[name] = text.strip()
    return constants


def mapping_file_check_header(mapping: MappingFile, header: list[str]) -> None:
    """Every file column the mapping names is in `header` (names compare as `header_key`)."""
    keys = {header_key(name) for name in header}
    for canonical, file_column in mapping.columns.items():
        if header_key(file_column) not in keys:
            shown = [name for name in header if name][:12]
            more = f", … ({len(header)} in all)" if len(header) > len(shown) else ""
            raise MappingFileError(
                f'"columns": {canonical} names {_json(file_column)}, which is not a column of the '
                f"file (its columns: {_quoted(shown)}{more})"
            )
