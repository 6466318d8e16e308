"""Survey pages run under a Content-Security-Policy without 'unsafe-inline' scripts: no inline
<script> block and no on…= handler attribute in any survey template (JavaScript lives in
static files loaded with <script src>; data may travel in json_script)."""

import re
from pathlib import Path

import pytest

TEMPLATES = sorted((Path(__file__).parents[2] / "templates" / "surveys").glob("*.html"))
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")", re.I)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda path: path.name)
def test_no_inline_script_or_event_handler(template):
    text = template.read_text()
    assert not INLINE_SCRIPT.search(text), template.name
    assert not HANDLER.search(text), template.name


def test_the_check_finds_what_it_looks_for():
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert not INLINE_SCRIPT.search('<script src="/static/x.js"></script>')
    assert HANDLER.search('<select onchange="this.form.submit()">')
    assert TEMPLATES
