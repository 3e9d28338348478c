"""PUT/DELETE /api/v1/me/avatar and the signed links avatars come back as."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone
from PIL import Image

from portal import clock
from portal.audit.models import AuditEvent
from portal.storage import get_storage
from portal.storage.exceptions import ObjectNotFound
from tests.helpers.api import api_client, assert_api_error

pytestmark = pytest.mark.django_db

RED, GREEN, BLUE = (255, 0, 0), (0, 255, 0), (0, 0, 255)


def png(width: int = 400, height: int = 200) -> bytes:
    """Red left quarter, green middle half, blue right quarter."""
    image = Image.new("RGB", (width, height), GREEN)
    image.paste(RED, (0, 0, width // 4, height))
    image.paste(BLUE, (width - width // 4, 0, width, height))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg_rotated_with_gps() -> bytes:
    """200×100, red top and blue bottom as stored; EXIF says "rotate 90° clockwise to
    display" (orientation 6) and carries a GPS position."""
    image = Image.new("RGB", (200, 100), BLUE)
    image.paste(RED, (0, 0, 200, 50))
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation
    exif[0x010F] = "CameraMaker"  # Make
    exif.get_ifd(0x8825)[2] = (55.0, 45.0, 0.0)  # GPSLatitude
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif, quality=95)
    return buffer.getvalue()


def upload(client, data: bytes, name: str = "me.png", content_type: str = "image/png"):
    return client.put(
        "/api/v1/me/avatar",
        {"file": SimpleUploadedFile(name, data, content_type=content_type)},
        format="multipart",
    )


def near(pixel, colour, tolerance: int = 40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel[:3], colour, strict=True))


def fetch(client, url: str, **headers):
    response = client.get(url, **headers)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def test_an_uploaded_png_becomes_three_downloadable_squares(user):
    client = api_client(user)
    response = upload(client, png())
    assert response.status_code == 200, response.content
    avatar = response.json()["avatar"]
    assert set(avatar) == {"64", "128", "256"}
    user.refresh_from_db()
    assert user.avatar_key.startswith(f"avatars/{user.pk}/")

    for size, url in avatar.items():
        assert url.startswith("http://testserver/api/v1/files/")
        got, body = fetch(client, url)
        assert got.status_code == 200
        assert got["Content-Type"] == "image/webp"
        picture = Image.open(io.BytesIO(body))
        assert picture.format == "WEBP"
        assert picture.size == (int(size), int(size))
        # The centred square of a 400×200 picture is its green middle.
        for point in ((0, 0), (int(size) - 1, int(size) - 1), (int(size) // 2, int(size) // 2)):
            assert near(picture.convert("RGB").getpixel(point), GREEN), (size, point)
        stored = get_storage().stat(f"{user.avatar_key}/{size}.webp")
        assert stored.content_type == "image/webp"
        assert stored.size == len(body)

    event = AuditEvent.objects.get(action="user.avatar_changed")
    assert event.target_id == str(user.pk)
    assert event.actor_id == user.pk
    assert event.details == {"change": "set"}


def test_jpeg_is_turned_upright_and_loses_its_metadata(user):
    client = api_client(user)
    response = upload(client, jpeg_rotated_with_gps(), "photo.jpg", "image/jpeg")
    assert response.status_code == 200, response.content
    _, body = fetch(client, response.json()["avatar"]["64"])
    picture = Image.open(io.BytesIO(body))
    # Upright, the stored top (red) is on the right and the bottom (blue) on the left.
    rgb = picture.convert("RGB")
    assert near(rgb.getpixel((8, 32)), BLUE)
    assert near(rgb.getpixel((56, 32)), RED)
    assert not picture.getexif()
    assert "exif" not in picture.info


def test_profile_and_directory_show_links_for_each_viewer(user, other_user):
    client = api_client(user)
    assert client.get("/api/v1/me").json()["avatar"] is None
    upload(client, png())
    mine = client.get("/api/v1/me").json()["avatar"]
    other_client = api_client(other_user)
    theirs = other_client.get(f"/api/v1/users/{user.pk}").json()["avatar"]
    assert set(theirs) == {"64", "128", "256"}
    assert theirs["64"] != mine["64"]
    got, body = fetch(other_client, theirs["64"])
    assert got.status_code == 200
    assert Image.open(io.BytesIO(body)).size == (64, 64)


def test_a_link_used_by_another_user_is_not_found(user, other_user):
    url = upload(api_client(user), png()).json()["avatar"]["128"]
    assert_api_error(api_client(other_user).get(url), 404, "file_not_found")


def test_an_expired_link_is_not_found(user):
    client = api_client(user)
    upload(client, png())
    with clock.frozen(timezone.now()) as frozen:
        url = client.get("/api/v1/me").json()["avatar"]["64"]
        assert client.get(url).status_code == 200
        frozen.advance(61)
        assert_api_error(client.get(url), 404, "file_not_found")


def test_a_tampered_link_is_not_found(user, other_user):
    client = api_client(user)
    upload(client, png())
    url = client.get("/api/v1/me").json()["avatar"]["64"]
    token = url.rsplit("/", 1)[1]
    data, _, signature = token.rpartition(":")
    # Another user's avatar link, re-signed by nobody: swap in the other payload.
    other_client = api_client(other_user)
    upload(other_client, png(300, 300))
    other_token = other_client.get("/api/v1/me").json()["avatar"]["64"].rsplit("/", 1)[1]
    other_data = other_token.rpartition(":")[0]
    for bad in (f"{other_data}:{signature}", f"{data}:{signature[::-1]}", token[:-3]):
        assert_api_error(client.get(f"/api/v1/files/{bad}"), 404, "file_not_found")


def test_range_request_answers_206_with_those_bytes(user):
    client = api_client(user)
    url = upload(client, png()).json()["avatar"]["256"]
    _, whole = fetch(client, url)
    got, part = fetch(client, url, HTTP_RANGE="bytes=10-29")
    assert got.status_code == 206
    assert part == whole[10:30]
    assert got["Content-Range"] == f"bytes 10-29/{len(whole)}"


NOT_IMAGES = [
    ("program.png", b"\x7fELF\x02\x01\x01\x00" + bytes(200)),
    ("setup.png", b"MZ\x90\x00\x03\x00\x00\x00" + bytes(200)),
    ("notes.png", "Это просто текст, а не картинка.".encode()),
    ("drawing.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
    ("broken.png", png()[:120]),
    ("bomb.png", None),  # filled in below: tiny file, 30 million pixels
]


def bomb() -> bytes:
    buffer = io.BytesIO()
    Image.new("1", (6000, 5000)).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


@pytest.mark.parametrize(("name", "data"), NOT_IMAGES, ids=[name for name, _ in NOT_IMAGES])
def test_what_is_not_a_readable_image_is_refused_and_nothing_changes(
    user, name, data, django_capture_on_commit_callbacks
):
    client = api_client(user)
    upload(client, png())
    user.refresh_from_db()
    before = user.avatar_key
    events = AuditEvent.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, data if data is not None else bomb(), name)
    assert_api_error(response, 400, "invalid_image")
    user.refresh_from_db()
    assert user.avatar_key == before
    assert AuditEvent.objects.count() == events
    get_storage().stat(f"{before}/64.webp")


@override_settings(AVATAR_MAX_BYTES=500)
def test_an_oversized_file_is_refused_with_413(user):
    client = api_client(user)
    data = png()
    assert len(data) > 500
    assert_api_error(upload(client, data), 413, "file_too_large")
    # Far over the limit, it is refused from Content-Length before the body is read.
    response = upload(client, data + bytes(200_000))
    error = assert_api_error(response, 413, "file_too_large")
    assert error["details"] == {"limit_bytes": 500}
    user.refresh_from_db()
    assert user.avatar_key == ""


def test_input_must_be_a_multipart_file_field(user):
    client = api_client(user)
    assert_api_error(
        client.put("/api/v1/me/avatar", {"file": "x"}, format="json"), 415, "unsupported_media_type"
    )
    response = client.put("/api/v1/me/avatar", {"other": "x"}, format="multipart")
    error = assert_api_error(response, 400, "validation_failed")
    assert set(error["details"]["fields"]) == {"file", "other"}


def test_replacing_deletes_the_old_pictures(user, django_capture_on_commit_callbacks):
    client = api_client(user)
    upload(client, png())
    user.refresh_from_db()
    old_key = user.avatar_key
    old_url = client.get("/api/v1/me").json()["avatar"]["64"]
    with django_capture_on_commit_callbacks(execute=True):
        assert upload(client, png(300, 300)).status_code == 200
    user.refresh_from_db()
    assert user.avatar_key != old_key
    for size in (64, 128, 256):
        with pytest.raises(ObjectNotFound):
            get_storage().stat(f"{old_key}/{size}.webp")
        get_storage().stat(f"{user.avatar_key}/{size}.webp")
    assert_api_error(client.get(old_url), 404, "file_not_found")


def test_delete_removes_the_avatar(user, django_capture_on_commit_callbacks):
    client = api_client(user)
    upload(client, png())
    user.refresh_from_db()
    key = user.avatar_key
    with django_capture_on_commit_callbacks(execute=True):
        response = client.delete("/api/v1/me/avatar")
    assert response.status_code == 204
    assert client.get("/api/v1/me").json()["avatar"] is None
    user.refresh_from_db()
    assert user.avatar_key == ""
    with pytest.raises(ObjectNotFound):
        get_storage().stat(f"{key}/64.webp")
    removed = AuditEvent.objects.filter(action="user.avatar_changed").order_by("-id").first()
    assert removed is not None and removed.details == {"change": "removed"}
    # Deleting again changes nothing and records nothing.
    events = AuditEvent.objects.count()
    assert client.delete("/api/v1/me/avatar").status_code == 204
    assert AuditEvent.objects.count() == events


def test_anonymous_callers_must_sign_in():
    client = api_client()
    assert_api_error(upload(client, png()), 401, "not_authenticated")
    assert_api_error(client.delete("/api/v1/me/avatar"), 401, "not_authenticated")


def test_embedded_mode_keeps_avatars_on_the_filesystem(user, tmp_path):
    with override_settings(STORAGE={"BACKEND": "filesystem", "ROOT": str(tmp_path)}):
        client = api_client(user)
        avatar = upload(client, png()).json()["avatar"]
        got, body = fetch(client, avatar["128"], HTTP_RANGE="bytes=0-3")
        assert got.status_code == 206
        assert body == b"RIFF"  # the start of a WebP file
        user.refresh_from_db()
        assert (tmp_path / user.avatar_key / "128.webp").is_dir()
