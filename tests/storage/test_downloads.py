"""Signed download links and GET /api/v1/files/<token>, over the suite's S3 server."""

from __future__ import annotations

import io
import uuid
from typing import Any
from urllib.parse import unquote

import pytest
from asgiref.sync import sync_to_async
from django.db import connections
from django.test import AsyncClient, override_settings
from django.utils import timezone

from portal import clock
from portal.storage import get_storage
from portal.storage.links import download_url, register_download_check
from tests.factories.accounts import UserFactory
from tests.helpers.api import api_client, assert_api_error, sign_in

pytestmark = pytest.mark.django_db

# Objects of purpose "test" are readable unless their id is "revoked".
register_download_check("test", lambda user, object_id: object_id != "revoked")

DATA = bytes(range(256)) * 40  # 10,240 bytes


def store(data: bytes = DATA, content_type: str = "application/octet-stream") -> str:
    key = f"test/{uuid.uuid4().hex}/file.bin"
    get_storage().put(key, io.BytesIO(data), length=len(data), content_type=content_type)
    return key


def body(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def link(user, key: str, **overrides) -> str:
    arguments = {
        "user": user, "key": key, "filename": "report.bin",
        "content_type": "application/octet-stream", "purpose": "test", "object_id": "42",
        **overrides,
    }  # fmt: skip
    return download_url(**arguments)


def test_the_user_downloads_the_whole_file(user):
    key = store()
    url = link(user, key, filename="Отчёт за 2024.pdf", content_type="application/pdf")
    assert url.startswith("/api/v1/files/")
    response = api_client(user).get(url)
    assert response.status_code == 200
    assert body(response) == DATA
    info = get_storage().stat(key)
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Length"] == str(len(DATA))
    assert response["ETag"] == f'"{info.etag}"'
    assert response["Accept-Ranges"] == "bytes"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "Last-Modified" in response
    disposition = response["Content-Disposition"]
    assert disposition.startswith("inline; filename=")
    encoded = disposition.split("filename*=UTF-8''")[1]
    assert unquote(encoded) == "Отчёт за 2024.pdf"


def test_unsafe_types_are_attachments_and_names_are_cleaned(user):
    key = store(b"<script>alert(1)</script>", "text/html")
    url = link(user, key, filename='../../evil"\r\n.html', content_type="text/html")
    response = api_client(user).get(url)
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; ")
    assert "\r" not in disposition and "\n" not in disposition and "/" not in disposition
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_malformed_content_type_is_served_as_octet_stream(user):
    key = store()
    response = api_client(user).get(link(user, key, content_type="text/html\r\nX-Evil: 1"))
    assert response["Content-Type"] == "application/octet-stream"


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=100-199", 100, 199),
        ("bytes=10000-", 10000, 10239),
        ("bytes=-40", 10200, 10239),
        ("bytes=7-7", 7, 7),
        ("bytes=10000-99999", 10000, 10239),
    ],
)
def test_range_requests_answer_206(user, header, start, end):
    key = store()
    response = api_client(user).get(link(user, key), HTTP_RANGE=header)
    assert response.status_code == 206
    assert body(response) == DATA[start : end + 1]
    assert response["Content-Range"] == f"bytes {start}-{end}/{len(DATA)}"
    assert response["Content-Length"] == str(end - start + 1)


@pytest.mark.parametrize("header", ["bytes=10240-", "bytes=20000-30000", "bytes=-0"])
def test_unsatisfiable_ranges_answer_416(user, header):
    key = store()
    response = api_client(user).get(link(user, key), HTTP_RANGE=header)
    assert_api_error(response, 416, "range_not_satisfiable")
    assert response["Content-Range"] == f"bytes */{len(DATA)}"


@pytest.mark.parametrize("header", ["bytes=0-1,5-6", "bytes=9-3", "items=0-1", "bytes=abc"])
def test_ranges_the_server_ignores_get_the_whole_file(user, header):
    key = store()
    response = api_client(user).get(link(user, key), HTTP_RANGE=header)
    assert response.status_code == 200
    assert body(response) == DATA


def test_if_range_with_an_old_etag_gets_the_whole_file(user):
    key = store()
    url = link(user, key)
    client = api_client(user)
    etag = client.head(url)["ETag"]
    fresh = client.get(url, HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE=etag)
    assert fresh.status_code == 206
    stale = client.get(url, HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE='"something-else"')
    assert stale.status_code == 200


def test_head_sends_headers_only(user):
    key = store()
    response = api_client(user).head(link(user, key), HTTP_RANGE="bytes=0-9")
    assert response.status_code == 206
    assert response["Content-Length"] == "10"
    assert response.content == b""


def test_any_accept_header_is_fine(user):
    key = store(content_type="image/webp")
    response = api_client(user).get(
        link(user, key, content_type="image/webp"), HTTP_ACCEPT="image/webp"
    )
    assert response.status_code == 200


def test_a_link_of_another_user_is_not_found(user, other_user):
    url = link(user, store())
    assert_api_error(api_client(other_user).get(url), 404, "file_not_found")


def test_anonymous_callers_must_sign_in(user):
    url = link(user, store())
    assert_api_error(api_client().get(url), 401, "not_authenticated")


def test_an_expired_link_is_not_found(user):
    key = store()
    client = api_client(user)
    with clock.frozen(timezone.now()) as frozen:
        url = link(user, key)
        frozen.advance(59)
        assert client.get(url).status_code == 200
        frozen.advance(1)
        assert_api_error(client.get(url), 404, "file_not_found")


@override_settings(DOWNLOAD_LINK_TTL=600)
def test_the_lifetime_is_a_setting(user):
    key = store()
    client = api_client(user)
    with clock.frozen(timezone.now()) as frozen:
        url = link(user, key)
        frozen.advance(599)
        assert client.get(url).status_code == 200
        frozen.advance(1)
        assert client.get(url).status_code == 404


def test_tampered_and_malformed_tokens_are_not_found(user):
    url = link(user, store())
    token = url.rsplit("/", 1)[1]
    client = api_client(user)
    data, _, signature = token.rpartition(":")
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    for bad in (f"{data}:{flipped}", token[1:], "garbage", "a:b:c", "x" * 5000):
        assert_api_error(client.get(f"/api/v1/files/{bad}"), 404, "file_not_found")


def test_a_token_signed_for_another_purpose_is_not_found(user):
    from django.core import signing

    url = link(user, store())
    payload = signing.loads(url.rsplit("/", 1)[1], salt="portal.storage.download")
    forged = signing.dumps(payload, salt="some.other.salt", compress=True)
    assert_api_error(api_client(user).get(f"/api/v1/files/{forged}"), 404, "file_not_found")


def test_the_access_check_runs_when_the_link_is_used(user):
    url = link(user, store(), object_id="revoked")
    assert_api_error(api_client(user).get(url), 404, "file_not_found")


def test_links_cannot_be_made_for_an_unregistered_purpose(user):
    with pytest.raises(ValueError, match="no download check"):
        link(user, store(), purpose="unheard-of")


def test_a_deleted_object_is_not_found(user):
    key = store()
    url = link(user, key)
    get_storage().delete(key)
    assert_api_error(api_client(user).get(url), 404, "file_not_found")


def test_a_link_to_a_version_keeps_serving_it(user):
    key = store(b"first version")
    old = get_storage().stat(key)
    get_storage().put(key, io.BytesIO(b"second"), length=6)
    client = api_client(user)
    pinned = client.get(link(user, key, version_id=old.version_id))
    assert body(pinned) == b"first version"
    latest = client.get(link(user, key))
    assert body(latest) == b"second"


def test_x_accel_redirect_hands_the_bytes_to_nginx(user):
    key = store()
    with override_settings(STORAGE_X_ACCEL_REDIRECT="/_s3/"):
        response = api_client(user).get(link(user, key), HTTP_RANGE="bytes=0-9")
    assert response.status_code == 200
    assert response.content == b""
    location = response["X-Accel-Redirect"]
    assert location.startswith(f"/_s3/portal-test/{key}?")
    assert "X-Amz-Signature=" in location
    assert response["Content-Disposition"].startswith("attachment; ")
    assert "Content-Range" not in response


@pytest.mark.django_db(transaction=True)
async def test_over_asgi_the_file_is_streamed_chunk_by_chunk():
    data = bytes(range(256)) * 1024 * 10  # 2.5 MiB: several batches of storage chunks
    try:
        user = await sync_to_async(UserFactory.create)()
        _, issued = await sync_to_async(sign_in)(user)
        key = await sync_to_async(store)(data)
        url = await sync_to_async(link)(user, key)
        response: Any = await AsyncClient().get(
            url, headers={"Authorization": f"Bearer {issued.access_token}"}
        )
    finally:
        # The worker thread's connection would keep the test database from being dropped.
        await sync_to_async(connections.close_all)()
    assert response.status_code == 200, response.content
    assert response.is_async  # not buffered whole by Django
    chunks = [chunk async for chunk in response.streaming_content]
    assert len(chunks) > 1
    assert b"".join(chunks) == data
