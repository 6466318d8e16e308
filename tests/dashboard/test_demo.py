"""The demo workspace's team logins and SLAs."""

import pytest
from django.contrib.auth import authenticate
from django_tenants.utils import schema_context

from smarketing.dashboard.demo import DEMO_SLAS, demo_slas_seed, demo_team_logins
from smarketing.slas.models import Sla, SlaEvaluation
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def test_one_marketing_and_one_sales_member_can_sign_in(alpha, alice):
    make_user(alpha, "mia@alpha.test", "member", "marketing")
    make_user(alpha, "sam@alpha.test", "viewer", "sales")
    with schema_context(alpha.schema_name):
        logins = demo_team_logins()
        assert logins == [
            ("marketing", "mia@alpha.test", "demo-marketing-pass"),
            ("sales", "sam@alpha.test", "demo-sales-pass"),
        ]
        assert authenticate(username="sam@alpha.test", password="demo-sales-pass") is not None
        assert demo_team_logins() == logins  # idempotent


def test_demo_slas_are_agreed_and_judged_once(alpha):
    with schema_context(alpha.schema_name):
        judged = demo_slas_seed()
        # 3 monthly SLAs × (12 closed months + the one in progress), 2 quarterly × (4 + 1).
        assert judged == 3 * 13 + 2 * 5
        assert sorted(Sla.objects.values_list("name", flat=True)) == sorted(
            sla["name"] for sla in DEMO_SLAS
        )
        assert SlaEvaluation.objects.count() == judged
        assert demo_slas_seed() == 0
