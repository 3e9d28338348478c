"""get_storage() builds its backend from settings.STORAGE; /readyz asks it."""

from __future__ import annotations

import socket

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, override_settings

from portal.storage import get_storage, reset_storage
from portal.storage.filesystem import FilesystemStorage
from portal.storage.s3 import S3Storage


def s3(endpoint: str) -> S3Storage:
    return S3Storage(endpoint=endpoint, access_key="a", secret_key="b", bucket="portal")


def test_the_suite_runs_on_the_s3_server(s3_server):
    storage = get_storage()
    assert isinstance(storage, S3Storage)
    assert storage.bucket == s3_server["S3_BUCKET"]
    assert s3_server["S3_ENDPOINT"].startswith("http://127.0.0.1:")
    assert get_storage() is storage  # built once
    reset_storage()
    assert get_storage() is not storage


def test_overriding_the_setting_switches_the_backend(tmp_path):
    with override_settings(STORAGE={"BACKEND": "filesystem", "ROOT": str(tmp_path)}):
        storage = get_storage()
        assert isinstance(storage, FilesystemStorage)
        assert storage.root == tmp_path
    assert isinstance(get_storage(), S3Storage)


def test_an_unknown_backend_is_a_configuration_error():
    with (
        override_settings(STORAGE={"BACKEND": "tape"}),
        pytest.raises(ImproperlyConfigured, match="tape"),
    ):
        get_storage()


@pytest.mark.parametrize(
    ("endpoint", "secure"),
    [
        ("http://127.0.0.1:9000", False),
        ("http://minio:9000/", False),
        ("https://minio.agency.example:9000", True),
        ("minio.agency.example:9000", True),
    ],
)
def test_endpoints(endpoint, secure):
    assert s3(endpoint).secure is secure


@pytest.mark.parametrize(
    "endpoint", ["ftp://minio:21", "http://key:secret@minio:9000", "http://minio:9000/bucket", ""]
)
def test_bad_endpoints_are_configuration_errors(endpoint):
    with pytest.raises(ImproperlyConfigured, match="S3_ENDPOINT"):
        s3(endpoint)


@pytest.mark.django_db
def test_readyz_reports_unreachable_storage():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))  # bound, not listening: connections are refused
        port = sock.getsockname()[1]
        config = {
            "BACKEND": "s3", "ENDPOINT": f"http://127.0.0.1:{port}", "ACCESS_KEY": "a",
            "SECRET_KEY": "b", "BUCKET": "portal", "REGION": "us-east-1",
        }  # fmt: skip
        with override_settings(STORAGE=config):
            response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["error"]["details"]["failing"] == ["storage"]
