"""The import pipeline: read a file, map its columns, validate and upsert in set-based SQL.

Pure modules (no Django): `kinds` (SPEC section 3 as data), `reading` (encoding, delimiter,
header), `mappings` (canonical, HubSpot and Salesforce columns onto the canonical ones), `sql`
(the statements). `pipeline` runs them on the database.
"""
