def test_missing_page_in_a_workspace_is_a_friendly_404(alice_client):
    response = alice_client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"nothing at this address in this workspace" in response.content


def test_forbidden_page_explains_the_role(bob_client):
    response = bob_client.get("/settings/")
    assert response.status_code == 403
    assert b"Your role in this workspace does not allow this" in response.content
