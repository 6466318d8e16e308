"""The size limit refuses an upload on its declared length, before any of the body is read,
and every page and message states the limit the same way (MB = 2^20 bytes)."""

import io

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from smarketing.funnel.importers.reading import megabytes, size_over_limit
from smarketing.funnel.models import ImportJob
from tests.conftest import ALPHA_HOST, PASSWORD

LEADS = b"lead_id,created_at,source\n" + b"L1,2025-01-01,web\n" * 200  # 3,626 bytes
# Over a 1 KB limit by more than the 1 MB the declared length allows for multipart overhead.
HUGE = LEADS * 320


def strict_client(user=None) -> Client:
    """A browser whose POSTs go through CSRF checking, as a real one's do."""
    client = Client(HTTP_HOST=ALPHA_HOST, enforce_csrf_checks=True)
    if user is not None:
        from tenants.routing import workspace_for_host

        with schema_context(workspace_for_host(ALPHA_HOST).schema_name):
            assert client.login(username=user.username, password=PASSWORD)
    return client


def body_was_read(response) -> bool:
    return response.wsgi_request.environ["wsgi.input"].read_started


@pytest.mark.parametrize(
    ("size", "text"),
    [
        (200 * 1024 * 1024, "200 MB"),
        (2_621_440, "2.5 MB"),
        (1024 * 1024, "1 MB"),
        (12 * 1024, "12 KB"),
        (100, "1 KB"),
    ],
)
def test_sizes_read_in_megabytes_of_two_to_the_twentieth_bytes(size, text):
    assert megabytes(size) == text


def test_the_default_limit_reads_200_mb_on_the_page(alpha, alice_client, settings):
    settings.FUNNEL_IMPORT_MAX_BYTES = 200 * 1024 * 1024
    page = alice_client.get("/data/").content.decode()
    assert "(up to 200 MB)" in page
    assert f'data-max-bytes="{200 * 1024 * 1024}"' in page


def test_an_oversized_page_upload_is_refused_before_its_body_is_read(alpha, alice, settings):
    settings.FUNNEL_IMPORT_MAX_BYTES = 1024
    response = strict_client(alice).post("/data/", {"file": io.BytesIO(HUGE), "kind": "leads"})
    assert response.status_code == 413
    assert "The file is larger than the limit of 1 KB." in response.content.decode()
    assert not body_was_read(response)  # not even the CSRF check parsed it
    with schema_context(alpha.schema_name):
        assert not ImportJob.objects.exists()


def test_an_oversized_api_upload_is_refused_before_its_body_is_read(alpha, alice, settings):
    settings.FUNNEL_IMPORT_MAX_BYTES = 1024
    response = strict_client(alice).post("/api/v1/imports/", {"file": io.BytesIO(HUGE)})
    assert response.status_code == 400
    assert response.json() == {"file": ["The file is larger than the limit of 1 KB."]}
    assert not body_was_read(response)


def test_an_anonymous_upload_is_sent_to_sign_in_without_reading_the_body(alpha):
    response = strict_client().post("/data/", {"file": io.BytesIO(HUGE)})
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert not body_was_read(response)


def test_a_page_upload_within_the_limit_still_needs_its_csrf_token(alpha, alice, settings):
    settings.FUNNEL_IMPORT_MAX_BYTES = 1024 * 1024
    client = strict_client(alice)
    refused = client.post("/data/", {"file": io.BytesIO(LEADS), "kind": "leads"})
    assert refused.status_code == 403
    client.get("/data/")
    token = client.cookies["csrftoken"].value
    accepted = client.post(
        "/data/", {"file": io.BytesIO(LEADS), "kind": "leads", "csrfmiddlewaretoken": token}
    )
    assert accepted.status_code == 302
    with schema_context(alpha.schema_name):
        job = ImportJob.objects.get()
        assert accepted["Location"] == f"/data/imports/{job.pk}/"
        assert (job.file_size, job.file.read()) == (len(LEADS), LEADS)


def test_a_file_over_the_limit_by_less_than_the_multipart_allowance_is_refused_by_size(
    alpha, alice_client, settings
):
    # The declared length allows 1 MB of multipart overhead; the stored size is then checked.
    settings.FUNNEL_IMPORT_MAX_BYTES = 3000
    response = alice_client.post("/data/", {"file": io.BytesIO(LEADS), "kind": "leads"})
    assert response.status_code == 400
    assert size_over_limit(len(LEADS), 3000).removeprefix("the file") in response.content.decode()
    assert "the limit of 3 KB" in response.content.decode()
