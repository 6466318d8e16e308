"""The API against its own OpenAPI description (schemathesis, every check), authenticated.

Each operation gets a bounded number of generated requests, valid and invalid, sent to the app
in-process as a workspace admin on alpha's host (token authentication): no answer may be a
server error, and every answer must be one the schema describes (status code, content type,
headers, body), valid data must be accepted and invalid data refused. Before this, the schema's
components collided ("Input", "Output", "PatchedInput"), the KPI endpoints had no response
schema, error answers were undocumented and invalid PATCH bodies were accepted.
"""

from datetime import date, timedelta

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import override_settings
from django_tenants.utils import schema_context
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS, load_all_checks

from smarketing.accounts.models import User
from tests.conftest import ALPHA_HOST
from tests.surveys.helpers import alignment_survey, answered_survey, public_survey

EXAMPLES_PER_OPERATION = 8
# APIs whose schemas their own work is still making describe what they do; each joins this run
# when its inputs and outputs are described (remove its line). Listed, so none is forgotten.
OPERATIONS_PENDING: dict[str, str] = {}

# "Every schema-valid request is accepted" cannot hold where validity is a rule across fields
# that OpenAPI 3.0 cannot state: one target per KPI, a share at most 1 for rates, whole numbers
# for counts (settings); a HubSpot or Salesforce file only for leads and deals (imports; the
# upload schema says it with anyOf, which generators ignore for multipart). Invalid requests are
# still checked: they must be refused.
CHECKS_NOT_APPLICABLE = {
    ("PATCH /api/v1/settings/", "positive_data_acceptance"),
    ("POST /api/v1/imports/", "positive_data_acceptance"),
    # A mapping file names columns of the header it is saved for (SPEC 3.1).
    ("POST /api/v1/import-mappings/", "positive_data_acceptance"),
    # A pulse asks at least one statement (from the bank or written) and an NPS/CSAT survey
    # none; a survey closes after it opens; invitees are the workspace's own active members.
    ("POST /api/v1/surveys/create/", "positive_data_acceptance"),
    # An SLA's target depends on its KPI (a rate at most 1, a count a whole number, SPEC 5).
    ("POST /api/v1/slas/create/", "positive_data_acceptance"),
    ("PATCH /api/v1/slas/{id}/update/", "positive_data_acceptance"),
    ("PUT /api/v1/slas/apply/", "positive_data_acceptance"),
    # Currency codes are the keys of `rates` (OpenAPI 3.0 has no propertyNames), and the
    # workspace's own currency takes no rate (SPEC 3.1).
    ("POST /api/v1/exchange-rates/", "positive_data_acceptance"),
}

# Periods as people write them, around today's data (a series spans at most ten years).
_YEARS = st.integers(2023, 2026)
_PERIOD_TEXTS = st.one_of(
    _YEARS.map(str),
    st.tuples(_YEARS, st.integers(1, 4)).map(lambda t: f"{t[0]}-Q{t[1]}"),
    st.tuples(_YEARS, st.integers(1, 12)).map(lambda t: f"{t[0]}-{t[1]:02d}"),
    st.tuples(_YEARS, st.integers(1, 52)).map(lambda t: f"{t[0]}-W{t[1]:02d}"),
    st.dates(date(2023, 1, 1), date(2026, 12, 31)).map(date.isoformat),
    st.tuples(st.dates(date(2023, 1, 1), date(2026, 6, 30)), st.integers(1, 400)).map(
        lambda t: f"[{t[0]}, {t[0] + timedelta(days=t[1])})"
    ),
)
schemathesis.openapi.format("period", _PERIOD_TEXTS)
schemathesis.openapi.format(
    "plan-period",
    st.one_of(
        _YEARS.map(str),
        st.tuples(_YEARS, st.integers(1, 4)).map(lambda t: f"{t[0]}-Q{t[1]}"),
        st.tuples(_YEARS, st.integers(1, 12)).map(lambda t: f"{t[0]}-{t[1]:02d}"),
    ),
)

# SLAs are judged per week, month or quarter that has started (SPEC section 6).
_PAST_YEARS = st.integers(2023, date.today().year - 1)
schemathesis.openapi.format(
    "sla-period",
    st.one_of(
        st.tuples(_PAST_YEARS, st.integers(1, 4)).map(lambda t: f"{t[0]}-Q{t[1]}"),
        st.tuples(_PAST_YEARS, st.integers(1, 12)).map(lambda t: f"{t[0]}-{t[1]:02d}"),
        st.tuples(_PAST_YEARS, st.integers(1, 52)).map(lambda t: f"{t[0]}-W{t[1]:02d}"),
    ),
)


def _raw_schema() -> dict:
    with override_settings(ROOT_URLCONF="smarketing.urls_tenants"):
        return SchemaGenerator(urlconf="smarketing.urls_tenants").get_schema(public=True)


RAW_SCHEMA = _raw_schema()
SCHEMA = schemathesis.openapi.from_dict(RAW_SCHEMA)
SCHEMA.app = get_wsgi_application()
# The test authenticates with a real token; no made-up session cookie or token is generated.
SCHEMA.config.generation.update(with_security_parameters=False)
OPERATIONS = {
    operation.ok().label: operation.ok()
    for operation in SCHEMA.get_all_operations()
    if not any(prefix in operation.ok().label for prefix in OPERATIONS_PENDING)
}
load_all_checks()
ALL_CHECKS = CHECKS.get_all()


@pytest.fixture(autouse=True)
def _keep_the_test_transactions_connection():
    """As Django's test client does: the WSGI handler must not close the connection that holds
    the test's transaction when a request finishes."""
    for signal in (signals.request_started, signals.request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (signals.request_started, signals.request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def alice_token(alpha, alice) -> str:
    with schema_context(alpha.schema_name):
        return Token.objects.create(user=alice).key


def test_the_schema_names_each_component_once_and_describes_every_kpi_answer():
    components = RAW_SCHEMA["components"]["schemas"]
    assert not {"Input", "Output", "PatchedInput"} & set(components)
    assert "KpiReportApiOutput" in components
    kpis = RAW_SCHEMA["paths"]["/api/v1/kpis/"]["get"]["responses"]
    assert set(kpis) >= {"200", "400", "401", "403", "429"}
    assert "$ref" in kpis["200"]["content"]["application/json"]["schema"]


def _surveys_of_every_kind_and_state(alpha) -> list[int]:
    """A closed pulse with released results, an open one with answers waiting, a draft, and
    open NPS and CSAT surveys with a released batch: ids a generated request may name."""
    closed = answered_survey(alpha, {"marketing": [[4, 2]] * 3, "sales": [[2, 3]] * 3})
    waiting = answered_survey(alpha, {"marketing": [[3]] * 3}, closed=False)
    draft = alignment_survey(alpha)
    nps = public_survey(alpha, "nps", (10, 9, 3, 7))
    csat = public_survey(alpha, "csat", (5, 4, 2))
    return [survey.pk for survey in (closed, waiting, draft, nps, csat)]


def _naming(strategy, parameter: str, ids: list[int]):
    """Most generated requests name an existing object (the rest keep their generated id:
    a 404 or a refused value), so the operation's real answers are checked too."""

    def name(drawn):
        case, chosen = drawn
        if chosen is not None and isinstance(case.path_parameters, dict):
            case.path_parameters[parameter] = chosen
        return case

    return st.tuples(strategy, st.sampled_from([*ids, *ids, None])).map(name)


def _inviting_members(strategy, alpha):
    """Valid bodies name the workspace's active members (ids OpenAPI cannot list), so a valid
    request is accepted (201, or 409 when the survey is not an open pulse); invalid ones stay."""
    with schema_context(alpha.schema_name):
        member_ids = list(User.objects.filter(is_active=True).values_list("pk", flat=True))

    def invite(drawn):
        case, ids = drawn
        if case.meta.generation.mode.is_positive and isinstance(case.body, dict):
            case.body["user_ids"] = ids
        return case

    members = st.lists(st.sampled_from(member_ids), min_size=1, max_size=3)
    return st.tuples(strategy, members).map(invite)


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_every_operation_conforms_to_the_schema(label, alice_token, alpha):
    operation = OPERATIONS[label]
    checks = [check for check in ALL_CHECKS if (label, check.__name__) not in CHECKS_NOT_APPLICABLE]
    headers = {"Authorization": f"Token {alice_token}"}
    strategy = operation.as_strategy(GenerationMode.POSITIVE) | operation.as_strategy(
        GenerationMode.NEGATIVE
    )
    if "{survey_id}" in label:
        strategy = _naming(strategy, "survey_id", _surveys_of_every_kind_and_state(alpha))
    if label == "POST /api/v1/surveys/{survey_id}/invitees/":
        strategy = _inviting_members(strategy, alpha)

    @hypothesis_settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def check(case):
        sent = {"base_url": f"http://{ALPHA_HOST}", "headers": headers}
        response = case.call(**sent)
        case.validate_response(response, checks=checks, headers=headers, transport_kwargs=sent)

    check()
