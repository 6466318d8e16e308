def test_missing_page_in_a_workspace_is_a_friendly_404(alice_client):
    response = alice_client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"nothing at this address in this workspace" in response.content


def test_forbidden_page_explains_the_role(bob_client):
    response = bob_client.get("/settings/")
    assert response.status_code == 403
    assert b"Your role in this workspace does not allow this" in response.content


def test_a_value_the_database_refuses_is_a_400_and_an_unreachable_database_a_503(
    alice_client, monkeypatch
):
    """One exception path: whatever view raises it, never a 500 for these two classes."""
    from django.db import DataError, OperationalError

    from smarketing.dashboard.views import home as dashboard_views

    alice_client.raise_request_exception = False
    for error, status in ((DataError("value out of range"), 400), (OperationalError("gone"), 503)):

        def broken(self, error=error, **kwargs):
            raise error

        monkeypatch.setattr(dashboard_views.HomeView, "get_context_data", broken)
        page = alice_client.get("/")
        assert page.status_code == status
        monkeypatch.setattr(
            "smarketing.accounts.apis.MeApi.get",
            lambda self, request, error=error: (_ for _ in ()).throw(error),
        )
        api = alice_client.get("/api/v1/me/")
        assert api.status_code == status and "detail" in api.json()
    assert api["Retry-After"] == "5"
