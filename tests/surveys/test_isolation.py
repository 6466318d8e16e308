"""Two workspaces: an owner, a teammate with a lesser role, and an outsider."""

from tests.conftest import ALPHA_HOST, BETA_HOST, client_for

from .helpers import alignment_survey, people


def test_owner_viewer_and_outsider_see_what_their_roles_allow(alpha, alice, bob, charlie):
    people(alpha, "marketing", 3)
    survey = alignment_survey(alpha, teams=("marketing",))
    alice_client = client_for(ALPHA_HOST, alice)
    bob_client = client_for(ALPHA_HOST, bob)
    charlie_client = client_for(BETA_HOST, charlie)

    assert [s["id"] for s in alice_client.get("/api/v1/surveys/").json()] == [survey.pk]
    assert (
        alice_client.get(f"/api/v1/surveys/{survey.pk}/invitations/").json()["participation"][
            "invited"
        ]
        == 3
    )

    # The viewer reads the (suppressed) results but manages nothing.
    assert bob_client.get(f"/api/v1/surveys/{survey.pk}/results/").status_code == 200
    assert bob_client.get(f"/surveys/{survey.pk}/").status_code == 200
    assert bob_client.get(f"/api/v1/surveys/{survey.pk}/invitations/").status_code == 403
    assert bob_client.post(f"/api/v1/surveys/{survey.pk}/close/").status_code == 403
    assert bob_client.post(f"/surveys/{survey.pk}/close/").status_code == 403

    # The outsider's workspace has no such survey; their session means nothing on alpha.
    assert charlie_client.get("/api/v1/surveys/").json() == []
    assert charlie_client.get(f"/api/v1/surveys/{survey.pk}/results/").status_code == 404
    assert charlie_client.get(f"/surveys/{survey.pk}/").status_code == 404
    outsider_on_alpha = client_for(ALPHA_HOST)
    outsider_on_alpha.cookies = charlie_client.cookies
    assert outsider_on_alpha.get(f"/api/v1/surveys/{survey.pk}/results/").status_code == 403
    assert outsider_on_alpha.get(f"/surveys/{survey.pk}/").status_code == 302
