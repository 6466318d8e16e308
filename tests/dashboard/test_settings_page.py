"""The settings page's channel owners and KPI targets: what an admin sees, what a POST stores
(through the same services as the API), validation messages, roles and workspace isolation."""

from decimal import Decimal

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from smarketing.configuration.models import ChannelOwnership, WorkspaceSettings
from smarketing.kpis.models import KpiSnapshotJob
from tests.conftest import ALPHA_HOST, make_user
from tests.factories.slas import kpi_target_make, kpi_targets_stored
from tests.kpis.conftest import lead, spend, traffic

pytestmark = pytest.mark.django_db


def stored_targets(workspace) -> dict[str, tuple[str, Decimal]]:
    with schema_context(workspace.schema_name):
        return kpi_targets_stored()


def stored_state(workspace) -> tuple[dict[str, str], int, int]:
    """(channel overrides, definitions version, snapshot jobs queued)."""
    with schema_context(workspace.schema_name):
        settings_row = WorkspaceSettings.objects.first()
        return (
            dict(ChannelOwnership.objects.values_list("source", "team")),
            settings_row.definitions_version if settings_row else 1,
            KpiSnapshotJob.objects.count(),
        )


@pytest.fixture
def alpha_channels(alpha):
    """Channels in each of the three tables, and an override of one not in the data."""
    with schema_context(alpha.schema_name):
        lead(created_at="2025-03-01T10:00", source="webinar")
        spend("2025-03", "outbound", "100")
        traffic("2025-03-02", "events", 40)
        ChannelOwnership.objects.create(source="podcast", team="sales")


def test_the_page_title_is_its_name_and_the_workspace(alpha, alice_client):
    """The title block once held the whole weights form (its CSRF token in the tab's title)."""
    page = alice_client.get("/settings/").content.decode()
    title = page[page.index("<title>") + len("<title>") : page.index("</title>")]
    assert title == f"Workspace settings · {alpha.name}"
    assert page.count('id="alignment"') == 1


def test_admin_sees_every_channel_of_the_data_with_its_owner(alpha_channels, alice_client):
    response = alice_client.get("/settings/")
    assert response.status_code == 200
    rows = [
        (channel.source, channel.owner, channel.default_owner, channel.seen_in_data)
        for channel, _ in response.context["channel_form"].rows
    ]
    assert rows == [
        ("events", "marketing", "marketing", True),  # from traffic
        ("outbound", "sales", "sales", True),  # from spend; sales by SPEC default
        ("podcast", "sales", "marketing", False),  # an override, no data yet
        ("webinar", "marketing", "marketing", True),  # from leads
    ]
    assert b'aria-label="Owner of webinar"' in response.content
    assert b"not in the data yet" in response.content


def test_admin_changes_channel_owners_and_adds_one_queuing_one_refresh(
    alpha, alpha_channels, alice_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = alice_client.post(
            "/settings/channels/",
            {
                "owner:events": "marketing",  # unchanged
                "owner:outbound": "sales",  # unchanged
                "owner:podcast": "sales",  # unchanged override
                "owner:webinar": "sales",
                "new_source": " trade_show ",
                "new_team": "sales",
            },
        )
    assert response.status_code == 302 and response["Location"] == "/settings/#channels"
    overrides, version, jobs = stored_state(alpha)
    assert overrides == {"podcast": "sales", "webinar": "sales", "trade_show": "sales"}
    # As the API: one refresh queued; the definitions version is the signed glossary's.
    assert (version, jobs, len(callbacks)) == (1, 1, 1)
    page = alice_client.get("/settings/")
    assert "webinar → sales, trade_show → sales" in page.content.decode()


def test_setting_a_channel_back_to_its_default_drops_the_override_and_no_change_does_nothing(
    alpha, alpha_channels, alice_client, django_capture_on_commit_callbacks
):
    response = alice_client.post("/settings/channels/", {"owner:podcast": "marketing"})
    assert response.status_code == 302
    assert stored_state(alpha) == ({}, 1, 1)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        again = alice_client.post("/settings/channels/", {"owner:podcast": "marketing"})
    assert again.status_code == 302
    assert stored_state(alpha) == ({}, 1, 1) and callbacks == []
    assert "No channel changed owner." in alice_client.get("/settings/").content.decode()


def test_adding_a_channel_already_listed_is_refused(alpha, alpha_channels, alice_client):
    response = alice_client.post(
        "/settings/channels/", {"new_source": "webinar", "new_team": "sales"}
    )
    assert response.status_code == 200
    assert "webinar is already listed above: choose its owner there." in response.content.decode()
    assert stored_state(alpha) == ({"podcast": "sales"}, 1, 0)


def test_admin_adds_a_rate_target_typed_in_percent_stored_as_the_api_stores_it(
    alpha, alice_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = alice_client.post(
            "/settings/targets/",
            {"new_kpi": "mql_to_sql_rate", "new_comparator": ">=", "new_target": "30 %"},
        )
    assert response.status_code == 302 and response["Location"] == "/settings/#targets"
    assert stored_targets(alpha) == {"mql_to_sql_rate": (">=", Decimal("0.3"))}
    # Targets change no KPI value: like the API, no new definitions version, no refresh; the
    # new SLA's history is judged by a task once the change commits.
    assert stored_state(alpha)[1:] == (1, 0)
    assert [callback.__qualname__ for callback in callbacks] == ["_evaluate_later.<locals>.send"]
    api = alice_client.get("/api/v1/settings/").json()
    assert api["kpi_targets"] == [
        {"kpi": "mql_to_sql_rate", "comparator": ">=", "target": "0.300000"}
    ]


def test_admin_edits_and_removes_targets_each_in_its_unit(alpha, alice_client):
    with schema_context(alpha.schema_name):
        WorkspaceSettings.objects.create(currency="EUR")
        kpi_target_make("mql_to_sql_rate", ">=", Decimal("0.3"))
        kpi_target_make("revenue", ">=", Decimal("50000"))
        kpi_target_make("cost_per_lead", "<=", Decimal("40"))
    page = alice_client.get("/settings/")
    form = page.context["target_form"]
    shown = {row["label"]: (row["target"].value(), row["unit"]) for row in form.rows}
    assert shown == {
        "MQL → SQL": ("30 %", "%"),
        "Revenue": ("50000", "EUR"),
        "Cost per lead": ("40", "EUR"),
    }
    offered = dict(form.fields["new_kpi"].choices)
    assert "revenue" not in offered and "stage_days_median" not in offered
    # A label that names its unit says it once; the others get it in brackets.
    assert offered["sales_cycle_days_mean"] == "Sales cycle (mean days)"
    assert offered["mql_response_hours_median"] == "MQL response (median hours)"
    assert offered["win_rate"] == "Win rate (%)" and offered["spend"] == "Spend (EUR)"

    response = alice_client.post(
        "/settings/targets/",
        {
            "comparator:mql_to_sql_rate": "<=",
            "target:mql_to_sql_rate": "12,5 %",
            "comparator:revenue": ">=",
            "target:revenue": "50000",
            "remove:revenue": "on",
            "comparator:cost_per_lead": "<=",
            "target:cost_per_lead": "€1,250.50",
            "new_kpi": "sales_cycle_days_mean",
            "new_comparator": "<=",
            "new_target": "45.5",
        },
    )
    assert response.status_code == 302
    assert stored_targets(alpha) == {
        "mql_to_sql_rate": ("<=", Decimal("0.125")),
        "cost_per_lead": ("<=", Decimal("1250.5")),
        "sales_cycle_days_mean": ("<=", Decimal("45.5")),
    }


@pytest.mark.parametrize(
    ("kpi", "typed", "message"),
    [
        ("mql_to_sql_rate", "130 %", "a rate target is a fraction between 0 and 1"),
        ("mql_to_sql_rate", "thirty", "&#x27;thirty&#x27; is not a number (e.g. 30 %)."),
        ("mql_to_sql_rate", "", "Enter a target value."),
        ("mql_to_sql_rate", "33.33333 %", "At most 4 decimals in a percentage."),
        ("revenue", "-5", "Revenue target&quot;: the target cannot be negative"),
        ("revenue", "20 %", "Only rates take a percentage; enter a plain number."),
        ("leads", "10.5", "Leads target&quot;: a count target is a whole number"),
    ],
)
def test_invalid_target_is_refused_with_a_message_and_nothing_changes(
    alpha, alice_client, kpi, typed, message
):
    with schema_context(alpha.schema_name):
        kpi_target_make("win_rate", ">=", Decimal("0.2"))
    response = alice_client.post(
        "/settings/targets/",
        {
            "comparator:win_rate": ">=",
            "target:win_rate": "25 %",
            "new_kpi": kpi,
            "new_comparator": ">=",
            "new_target": typed,
        },
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert stored_targets(alpha) == {"win_rate": (">=", Decimal("0.2"))}


def test_a_target_value_without_a_kpi_is_refused(alpha, alice_client):
    response = alice_client.post(
        "/settings/targets/", {"new_kpi": "", "new_comparator": ">=", "new_target": "30 %"}
    )
    assert "Choose the KPI this target is for." in response.content.decode()
    assert stored_targets(alpha) == {}


@pytest.mark.parametrize(
    ("targets", "message"),
    [
        ([{"kpi": "stage_days_median", "comparator": "<=", "target": "5"}], "one value per stage"),
        ([{"kpi": "win_rate", "comparator": ">=", "target": "30"}], "between 0 and 1"),
        (
            [
                {"kpi": "win_rate", "comparator": ">=", "target": "0.3"},
                {"kpi": "win_rate", "comparator": "<=", "target": "0.5"},
            ],
            "already a target",
        ),
    ],
)
def test_the_api_refuses_the_same_targets_through_the_shared_service(
    alpha, alice_client, targets, message
):
    response = alice_client.patch(
        "/api/v1/settings/", {"kpi_targets": targets}, content_type="application/json"
    )
    assert response.status_code == 400
    assert any(message in detail for detail in response.json()["detail"])
    assert stored_targets(alpha) == {}


def test_viewer_and_member_cannot_see_or_change_the_settings(alpha, alpha_channels, bob_client):
    member = client_for_role(alpha, "mia@alpha.test", "member")
    for client in (bob_client, member):
        assert client.get("/settings/").status_code == 403
        changed_owner = client.post("/settings/channels/", {"owner:webinar": "sales"})
        added_target = client.post(
            "/settings/targets/", {"new_kpi": "leads", "new_comparator": ">=", "new_target": "5"}
        )
        assert (changed_owner.status_code, added_target.status_code) == (403, 403)
    assert stored_state(alpha) == ({"podcast": "sales"}, 1, 0)
    assert stored_targets(alpha) == {}


def client_for_role(workspace, email: str, role: str) -> Client:
    from tests.conftest import client_for

    return client_for(ALPHA_HOST, make_user(workspace, email, role))


def test_outsider_from_beta_gets_nothing_and_beta_sees_only_its_own(
    alpha, beta, alpha_channels, charlie_client
):
    with schema_context(alpha.schema_name):
        kpi_target_make("leads", ">=", Decimal("7"))
    # Charlie's beta session cookie on alpha's host: no such session in alpha, so a sign-in.
    outsider = Client(HTTP_HOST=ALPHA_HOST)
    outsider.cookies.load({name: morsel.value for name, morsel in charlie_client.cookies.items()})
    response = outsider.get("/settings/")
    assert response.status_code == 302 and "/login/" in response["Location"]
    outsider.post("/settings/channels/", {"owner:webinar": "sales"})
    outsider.post("/settings/targets/", {"remove:leads": "on", "new_kpi": ""})
    assert stored_state(alpha) == ({"podcast": "sales"}, 1, 0)
    assert stored_targets(alpha) == {"leads": (">=", Decimal("7"))}

    # On its own host, beta's admin sees none of alpha's channels or targets, and changes only beta.
    own = charlie_client.get("/settings/")
    assert own.context["channel_form"].rows == [] and own.context["target_form"].rows == []
    assert b"webinar" not in own.content and b"Owner of podcast" not in own.content
    charlie_client.post("/settings/channels/", {"new_source": "webinar", "new_team": "sales"})
    assert stored_state(beta)[0] == {"webinar": "sales"}
    assert stored_state(alpha)[0] == {"podcast": "sales"}
