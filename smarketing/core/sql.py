"""SQL text for the statements the project builds itself: quoting done by psycopg, never by hand.

Values from a request always travel as query parameters. These helpers are for the few places
that must put a name or a constant into the text of a statement (a table of another schema, a
CASE list built from a translation table): `psycopg.sql` quotes them.
"""

from __future__ import annotations

from typing import Any

from psycopg import sql


def sql_literal(value: Any) -> str:
    """`O'Brien` → `'O''Brien'`: a constant as SQL text."""
    return sql.Literal(value).as_string(None)


def sql_identifier(*parts: str) -> str:
    """`("ws_acme", "funnel_lead")` → `"ws_acme"."funnel_lead"`."""
    return sql.Identifier(*parts).as_string(None)
