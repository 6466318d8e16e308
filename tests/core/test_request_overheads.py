"""What every request pays for, paid once per process where the answer cannot change: the
Content-Security-Policy text (smarketing/core/csp.py), the validation of a query string and the
choice of renderer for a client that accepts anything (smarketing/core/api.py)."""

import pytest
from csp.constants import HEADER, HEADER_REPORT_ONLY, NONE
from csp.exceptions import CSPNonceError
from csp.utils import build_policy
from django.http import HttpResponse, QueryDict
from django.test import override_settings
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from smarketing.core.api import query_validated
from smarketing.core.csp import CSPMiddleware, shared_policy_headers

# --- Content-Security-Policy ------------------------------------------------------------------


def test_a_json_answer_gets_the_policy_django_csp_builds(alice_client):
    response = alice_client.get("/api/v1/kpis/?period=2025-Q1")
    assert response.status_code == 200
    assert response[HEADER] == build_policy()
    assert "nonce-" not in response[HEADER]


def test_a_response_that_used_the_nonce_names_it_in_its_policy(rf):
    middleware = CSPMiddleware(lambda request: HttpResponse(str(request.csp_nonce)))
    first, second = middleware(rf.get("/")), middleware(rf.get("/"))
    assert first.content != second.content
    for response in (first, second):
        assert f"'nonce-{response.content.decode()}'" in response[HEADER]


def test_a_nonce_asked_for_after_the_header_is_written_is_an_error(rf):
    request = rf.get("/")
    CSPMiddleware(lambda request: HttpResponse("no script"))(request)
    with pytest.raises(CSPNonceError):
        str(request.csp_nonce)


def test_a_changed_policy_setting_is_used_at_once(alice_client):
    policy = {"DIRECTIVES": {"default-src": [NONE]}}
    with override_settings(CONTENT_SECURITY_POLICY_REPORT_ONLY=policy):
        response = alice_client.get("/api/v1/kpis/?period=2025-Q1")
        assert response[HEADER_REPORT_ONLY] == "default-src 'none'"
        assert response[HEADER] == build_policy()
    response = alice_client.get("/api/v1/kpis/?period=2025-Q1")
    assert HEADER_REPORT_ONLY not in response
    assert shared_policy_headers() == ((HEADER, build_policy()),)


def test_excluded_prefixes_leave_the_decision_to_django_csp(alice_client, settings):
    settings.CONTENT_SECURITY_POLICY = {
        **settings.CONTENT_SECURITY_POLICY,
        "EXCLUDE_URL_PREFIXES": ["/api/"],
    }
    assert shared_policy_headers() is None
    assert HEADER not in alice_client.get("/api/v1/kpis/?period=2025-Q1")
    assert HEADER in alice_client.get("/")


# --- query strings ----------------------------------------------------------------------------


class Counting(serializers.Serializer):
    validations = 0
    period = serializers.CharField()
    by = serializers.ChoiceField(choices=["source", "owner"], required=False)

    def validate(self, attrs):
        type(self).validations += 1
        return attrs


def test_a_query_is_validated_once_and_each_caller_gets_its_own_copy():
    Counting.validations = 0
    first = query_validated(Counting, QueryDict("period=2025-Q1&by=source"))
    first["by"] = "changed by the caller"
    again = query_validated(Counting, QueryDict("by=source&period=2025-Q1"))  # other order
    assert again == {"period": "2025-Q1", "by": "source"}
    assert Counting.validations == 1
    assert query_validated(Counting, QueryDict("period=2025-Q2")) == {"period": "2025-Q2"}
    assert Counting.validations == 2


def test_an_invalid_query_is_refused_every_time():
    for _ in range(2):
        with pytest.raises(ValidationError) as refused:
            query_validated(Counting, QueryDict("period=2025-Q1&by=team"))
        assert "by" in refused.value.detail


def test_the_kpi_api_still_names_the_wrong_parameter(alice_client):
    for _ in range(2):
        response = alice_client.get("/api/v1/kpis/?period=2025&by=team")
        assert response.status_code == 400
        assert "by" in response.json()


# --- content negotiation ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "query", "expected"),
    [
        (None, "", "application/json"),
        ("*/*", "", "application/json"),
        ("text/html", "", "text/html; charset=utf-8"),
        ("*/*", "&format=api", "text/html; charset=utf-8"),
        ("application/json", "", "application/json"),
    ],
)
def test_the_renderer_follows_accept_and_format(alice_client, accept, query, expected):
    headers = {} if accept is None else {"HTTP_ACCEPT": accept}
    response = alice_client.get(f"/api/v1/kpis/?period=2025-Q1{query}", **headers)
    assert response.status_code == 200
    assert response["Content-Type"] == expected
