"""Co-editing over REST: who may do what, edit tickets, named versions, restore, history,
export."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pycrdt
import pytest
from docx import Document as DocxDocument
from pypdf import PdfReader

from documents.collab import access, store
from documents.exceptions import EditTicketInvalid
from documents.models import DocumentUpdate, NamedSnapshot, Role, Version
from portal import clock
from portal.accounts.models import AuthSession
from portal.audit.models import AuditEvent
from portal.storage import get_storage
from tests.documents.collab_support import paragraphs, share
from tests.factories.accounts import UserFactory
from tests.factories.documents import make_document, make_rich_text
from tests.helpers.api import api_client, assert_api_error, sign_in

pytestmark = pytest.mark.django_db


def _write(document_id: Any, author: Any, nodes: list[Any]) -> None:
    """Content written as an editor's socket would: one update in the log."""
    doc: pycrdt.Doc = pycrdt.Doc()
    doc.apply_update(store.load(document_id).update)
    before = doc.get_state()
    fragment = doc.get("default", type=pycrdt.XmlFragment)
    with doc.transaction():
        while len(fragment.children):
            del fragment.children[0]
        for node in nodes:
            fragment.children.append(node)
    store.append(document_id, author_id=author.pk, data=doc.get_update(before))


def _paragraph(text: str) -> pycrdt.XmlElement:
    return pycrdt.XmlElement("paragraph", {}, [pycrdt.XmlText(text)])


def _content(document_id: Any) -> list[str]:
    doc: pycrdt.Doc = pycrdt.Doc()
    doc.apply_update(store.load(document_id).update)
    return paragraphs(doc)


@pytest.fixture
def people() -> dict[str, Any]:
    owner = UserFactory.create(login="owner")
    users = {
        "owner": owner,
        "editor": UserFactory.create(login="editor", agency=owner.agency),
        "commenter": UserFactory.create(login="commenter", agency=owner.agency),
        "viewer": UserFactory.create(login="viewer", agency=owner.agency),
        "outsider": UserFactory.create(login="outsider", agency=owner.agency),
    }
    document = make_rich_text(owner, name="Служебная записка")
    for role in (Role.EDITOR, Role.COMMENTER, Role.VIEWER):
        share(document, users[role], role)
    return {**users, "document": document}


def _endpoints(document: Any, snapshot: Any) -> list[tuple[str, str, Any, str]]:
    """(method, path, body, least role)."""
    base = f"/api/v1/documents/{document.pk}"
    return [
        ("post", f"{base}/edit-ticket", None, Role.VIEWER),
        ("get", f"{base}/snapshots", None, Role.VIEWER),
        ("get", f"{base}/history", None, Role.VIEWER),
        ("post", f"{base}/snapshots", {"name": "Черновик"}, Role.EDITOR),
        ("post", f"{base}/snapshots/{snapshot.pk}/restore", None, Role.EDITOR),
        ("post", f"{base}/export", {"format": "md"}, Role.EDITOR),
    ]


def test_access_matrix(people: dict[str, Any]) -> None:
    from documents.services.collab import snapshot_create

    document = people["document"]
    _write(document.pk, people["owner"], [_paragraph("Текст")])
    snapshot = snapshot_create(actor=people["owner"], document_id=document.pk, name="v1")
    ranks: list[str] = [Role.VIEWER, Role.COMMENTER, Role.EDITOR, Role.OWNER]
    for method, path, body, least in _endpoints(document, snapshot):
        anonymous = getattr(api_client(), method)(path, body, format="json")
        assert_api_error(anonymous, 401, "not_authenticated")
        outsider = getattr(api_client(people["outsider"]), method)(path, body, format="json")
        assert_api_error(outsider, 404, "document_not_found")
        for who in ("viewer", "commenter", "editor", "owner"):
            response = getattr(api_client(people[who]), method)(path, body, format="json")
            if ranks.index(who) >= ranks.index(least):
                assert response.status_code in (200, 201), (path, who, response.content[:300])
            else:
                assert_api_error(response, 403, "document_role_required")


def test_a_file_document_has_no_co_editing(people: dict[str, Any]) -> None:
    document = make_document(people["owner"])
    for method, path, body, _least in _endpoints(document, document):
        if "restore" in path:
            continue
        response = getattr(api_client(people["owner"]), method)(path, body, format="json")
        assert_api_error(response, 400, "document_kind_mismatch")


def test_bad_input_is_refused(people: dict[str, Any]) -> None:
    client = api_client(people["owner"])
    base = f"/api/v1/documents/{people['document'].pk}"
    assert_api_error(client.post(f"{base}/export", {"format": "exe"}, format="json"), 400,
                     "validation_failed")  # fmt: skip
    assert_api_error(client.post(f"{base}/export", {}, format="json"), 400, "validation_failed")
    for body in ({"name": ""}, {"name": "a", "extra": 1}, {"name": 5}, {"name": "x" * 1001}):
        assert_api_error(client.post(f"{base}/snapshots", body, format="json"), 400,
                         "validation_failed")  # fmt: skip
    missing = f"{base}/snapshots/00000000-0000-0000-0000-000000000000/restore"
    assert_api_error(client.post(missing), 404, "snapshot_not_found")
    other = make_rich_text(people["owner"], name="Другой")
    from documents.services.collab import snapshot_create

    foreign = snapshot_create(actor=people["owner"], document_id=other.pk, name="чужой")
    assert_api_error(client.post(f"{base}/snapshots/{foreign.pk}/restore"), 404,
                     "snapshot_not_found")  # fmt: skip


def test_edit_ticket_is_bound_single_use_and_short_lived(people: dict[str, Any]) -> None:
    document = people["document"]
    client, issued = sign_in(people["viewer"])
    response = client.post(f"/api/v1/documents/{document.pk}/edit-ticket")
    assert response.status_code == 200
    body = response.json()
    assert body["role"] == "viewer"
    assert body["url"] == f"/ws/documents/{document.pk}/?ticket={body['ticket']}"
    session = AuthSession.objects.get(user=people["viewer"])
    granted = access.admit_socket(session=None, ticket=body["ticket"], document_id=document.pk,
                                  ip="127.0.0.1")  # fmt: skip
    assert (granted.user_id, granted.session_id, granted.role) == (
        people["viewer"].pk, session.pk, "viewer")  # fmt: skip
    with pytest.raises(EditTicketInvalid):  # used once already
        access.admit_socket(session=None, ticket=body["ticket"], document_id=document.pk,
                            ip="127.0.0.1")  # fmt: skip

    other = make_rich_text(people["owner"], name="Другой")
    share(other, people["viewer"], Role.VIEWER)
    fresh = client.post(f"/api/v1/documents/{document.pk}/edit-ticket").json()["ticket"]
    with pytest.raises(EditTicketInvalid):  # for another document
        access.admit_socket(session=None, ticket=fresh, document_id=other.pk, ip=None)
    for forged in ("", "x" * 2000, fresh[:-2] + "AA"):
        with pytest.raises(EditTicketInvalid):
            access.admit_socket(session=None, ticket=forged, document_id=document.pk, ip=None)

    with clock.frozen(clock.now()) as frozen:
        late = client.post(f"/api/v1/documents/{document.pk}/edit-ticket").json()["ticket"]
        frozen.advance(access.EDIT_TICKET_TTL + 1)
        with pytest.raises(EditTicketInvalid):
            access.admit_socket(session=None, ticket=late, document_id=document.pk, ip=None)

    # A ticket of a session that ended since is refused with the session's error.
    last = client.post(f"/api/v1/documents/{document.pk}/edit-ticket").json()["ticket"]
    session.revoked_at = clock.now()
    session.save()
    with pytest.raises(Exception) as refused:
        access.admit_socket(session=None, ticket=last, document_id=document.pk, ip=None)
    assert getattr(refused.value, "code", "") == "token_revoked"
    assert issued.access_token


def test_named_version_restore_and_history(people: dict[str, Any]) -> None:
    document = people["document"]
    owner, editor = people["owner"], people["editor"]
    client = api_client(editor)
    base = f"/api/v1/documents/{document.pk}"
    _write(document.pk, owner, [_paragraph("Первая редакция")])
    response = client.post(f"{base}/snapshots", {"name": "  Согласовано  "}, format="json")
    assert response.status_code == 201
    created = response.json()
    assert created["name"] == "Согласовано"
    assert created["author"] == {"id": str(editor.pk), "name": str(editor)}
    snapshot = NamedSnapshot.objects.get(pk=created["id"])
    assert get_storage().stat(snapshot.key).size == snapshot.size == created["size"]
    _write(document.pk, editor, [_paragraph("Вторая"), _paragraph("редакция")])
    store.compact(document.pk)  # restore works from the snapshot object as from the log
    assert _content(document.pk) == ["Вторая", "редакция"]

    listed = api_client(people["viewer"]).get(f"{base}/snapshots").json()
    assert [s["id"] for s in listed["results"]] == [created["id"]]

    restored = client.post(f"{base}/snapshots/{snapshot.pk}/restore")
    assert restored.status_code == 200
    assert _content(document.pk) == ["Первая редакция"]
    last = DocumentUpdate.objects.filter(document=document).latest("seq")
    assert last.author == editor
    assert AuditEvent.objects.filter(action="document.snapshot_restored").count() == 1

    history = api_client(people["viewer"]).get(f"{base}/history").json()["results"]
    # Compacted spans and the log alike, newest first: the editor's restore, the editor's
    # edit and the owner's (one span each: different authors).
    assert [h["author"]["id"] for h in history][:1] == [str(editor.pk)]
    assert {h["author"]["id"] for h in history} == {str(owner.pk), str(editor.pk)}
    assert sum(h["updates"] for h in history) == 3
    for entry in history:
        assert dt.datetime.fromisoformat(entry["started_at"]) <= dt.datetime.fromisoformat(
            entry["ended_at"])  # fmt: skip


def _rich_content(document: Any, author: Any) -> None:
    # TipTap writes the level as a number (pycrdt types attributes as strings).
    heading = pycrdt.XmlElement("heading", {"level": 1})  # type: ignore[arg-type]
    body = pycrdt.XmlElement("paragraph")
    items = pycrdt.XmlElement("bulletList")
    _write(document.pk, author, [heading, body, items])
    # Formatted text is written into the integrated nodes (marks need an integrated text).
    doc: pycrdt.Doc = pycrdt.Doc()
    doc.apply_update(store.load(document.pk).update)
    before = doc.get_state()
    fragment = doc.get("default", type=pycrdt.XmlFragment)
    h, p, ul = list(fragment.children)
    assert isinstance(h, pycrdt.XmlElement) and isinstance(p, pycrdt.XmlElement)
    assert isinstance(ul, pycrdt.XmlElement)
    h.children.append(pycrdt.XmlText("О проведении совещания"))
    text = pycrdt.XmlText()
    p.children.append(text)
    text.insert(0, "Прошу ")
    text.insert(len("Прошу ".encode()), "срочно", {"bold": {}})
    text.insert(len("Прошу срочно".encode()), " согласовать.")
    for item in ("первое", "второе"):
        ul.children.append(pycrdt.XmlElement("listItem", {}, [_paragraph(item)]))
    store.append(document.pk, author_id=author.pk, data=doc.get_update(before))


@pytest.mark.parametrize("fmt", ["md", "docx", "pdf"])
def test_export_writes_a_new_version_that_opens(people: dict[str, Any], fmt: str) -> None:
    document = people["document"]
    _rich_content(document, people["owner"])
    response = api_client(people["editor"]).post(
        f"/api/v1/documents/{document.pk}/export", {"format": fmt}, format="json"
    )
    assert response.status_code == 201, response.content[:500]
    body = response.json()
    version = Version.objects.get(pk=body["id"])
    assert (version.source, version.filename) == ("export", f"Служебная записка.{fmt}")
    assert version.author == people["editor"]
    with get_storage().get(version.key) as reader:
        data = b"".join(reader)
    assert len(data) == version.size == body["size"]
    if fmt == "md":
        assert data.decode() == (
            "# О проведении совещания\n\nПрошу **срочно** согласовать.\n\n- первое\n- второе\n"
        )
    elif fmt == "docx":
        parsed = DocxDocument(io.BytesIO(data))
        texts = [(p.style.name if p.style else "", p.text) for p in parsed.paragraphs]
        assert texts == [
            ("Heading 1", "О проведении совещания"),
            ("Normal", "Прошу срочно согласовать."),
            ("List Bullet", "первое"),
            ("List Bullet", "второе"),
        ]
        assert [r.bold for r in parsed.paragraphs[1].runs] == [None, True, None]
    else:
        text = PdfReader(io.BytesIO(data)).pages[0].extract_text()
        for line in ("О проведении совещания", "Прошу срочно согласовать.", "первое", "второе"):
            assert line in text
