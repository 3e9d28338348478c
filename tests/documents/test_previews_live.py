"""A watermarked PDF and preview image served by a live daphne (ASGI), as in production:
the copy made for the viewer streams from its temporary file through the worker-thread
reader, whole, with its length."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from pypdf import PdfReader

from documents.services.previews import document_policy_set, preview_make
from portal.audit.services import RequestContext
from tests.documents.previews_support import add_version, make_scene, pdf, png
from tests.helpers.api import sign_in
from tests.helpers.live import daphne_server, live_env

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]
__all__ = ["daphne_server", "live_env"]


def test_watermarked_files_stream_from_a_live_server(daphne_server):
    scene = make_scene()
    document_policy_set(actor=scene.owner, agency=scene.owner.agency, watermark=True,
                        context=RequestContext.system())  # fmt: skip
    paper = add_version(scene.document, pdf(4, text="Приказ"), filename="Приказ.pdf",
                        signal=False)  # fmt: skip
    picture = add_version(scene.document, png(1200, 800), filename="Схема.png", signal=False)
    assert preview_make(version_id=picture.pk) == "ready"
    _, issued = sign_in(scene.viewer)
    http = daphne_server.http()
    http.headers["Authorization"] = f"Bearer {issued.access_token}"
    base = f"{daphne_server.url}/api/v1/documents/{scene.document.pk}/versions"

    link = http.get(f"{base}/{paper.pk}/pdf", timeout=10)
    assert link.status_code == 200, link.text
    url = link.json()["url"]
    assert url.startswith(daphne_server.url)
    served = http.get(url, timeout=30)
    assert served.status_code == 200, served.text[:500]
    assert served.headers["Content-Type"] == "application/pdf"
    assert served.headers["Accept-Ranges"] == "none"
    assert int(served.headers["Content-Length"]) == len(served.content)
    pages = PdfReader(io.BytesIO(served.content)).pages
    assert len(pages) == 4
    assert all("Кузнецов Игорь Андреевич (viewer)" in page.extract_text() for page in pages)

    preview = http.get(f"{base}/{picture.pk}/preview", timeout=10).json()
    image = http.get(preview["pages"][0]["url"], timeout=30)
    assert image.status_code == 200 and image.headers["Content-Type"] == "image/webp"
    assert Image.open(io.BytesIO(image.content)).size == (1200, 800)
