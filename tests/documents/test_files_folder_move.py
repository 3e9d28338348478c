"""Moving a folder with everything in it (PATCH folders/{id} {"parent_id"}): editor on both
sides, owner to leave the owner's tree; never into itself or below itself; the documents'
new audience is told, the old one loses them."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from documents.exceptions import DocumentNotFound
from documents.models import Folder
from documents.selectors import access_document
from documents.services.folders import (
    MAX_FOLDER_DEPTH,
    conversation_root,
    department_root,
    folder_create,
    user_root,
)
from messaging.services import conversation_create
from portal.audit.models import AuditEvent
from tests.factories import documents as factories
from tests.factories.accounts import DepartmentFactory, UserFactory
from tests.helpers.api import api_client, assert_api_error
from tests.helpers.events import capture_events

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(db):
    department = DepartmentFactory.create()
    owner = UserFactory.create(login="owner", agency=department.agency, department=department)
    colleague = UserFactory.create(login="colleague", agency=department.agency,
                                   department=department)  # fmt: skip
    member = UserFactory.create(login="member", agency=department.agency)
    outsider = UserFactory.create(login="outsider", agency=department.agency)
    root = user_root(user=owner)
    a, _ = folder_create(actor=owner, parent_id=root.pk, name="А")
    b, _ = folder_create(actor=owner, parent_id=root.pk, name="Б")
    inner, _ = folder_create(actor=owner, parent_id=a.pk, name="Внутри")
    document = factories.make_document(owner, folder=inner, filename="Отчёт.pdf")
    return SimpleNamespace(
        department=department, owner=owner, colleague=colleague, member=member,
        outsider=outsider, root=root, a=a, b=b, inner=inner, document=document,
        c={u.login: api_client(u) for u in (owner, colleague, member, outsider)},
    )  # fmt: skip


def move(client, folder, parent_id):
    return client.patch(f"/api/v1/folders/{folder.pk}", {"parent_id": str(parent_id)},
                        format="json")  # fmt: skip


def test_a_folder_moves_with_its_contents_inside_the_owners_tree(scene):
    response = move(scene.c["owner"], scene.a, scene.b.pk)
    assert response.status_code == 200, response.content
    assert response.json()["parent_id"] == str(scene.b.pk)
    assert [p["name"] for p in response.json()["path"]][1:] == ["Б", "А"]
    inner = scene.c["owner"].get(f"/api/v1/folders/{scene.inner.pk}").json()
    assert [p["name"] for p in inner["path"]][1:] == ["Б", "А", "Внутри"]
    contents = scene.c["owner"].get(f"/api/v1/folders/{scene.b.pk}/contents").json()
    assert [f["name"] for f in contents["folders"]] == ["А"]
    event = AuditEvent.objects.get(action="document.folder_moved")
    assert event.details["folder_id"] == str(scene.b.pk)
    assert event.details["owner_changed"] is False


def test_rename_and_move_in_one_request(scene):
    response = scene.c["owner"].patch(
        f"/api/v1/folders/{scene.a.pk}", {"parent_id": str(scene.b.pk), "name": "Архив"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 200, response.content
    assert (response.json()["name"], response.json()["parent_id"]) == ("Архив", str(scene.b.pk))


@pytest.mark.parametrize("where", ["itself", "below"])
def test_never_into_itself_or_below_itself(scene, where):
    target = scene.a if where == "itself" else scene.inner
    assert_api_error(move(scene.c["owner"], scene.a, target.pk), 400, "folder_move_invalid")
    scene.a.refresh_from_db()
    assert scene.a.parent_id == scene.root.pk
    assert not AuditEvent.objects.filter(action="document.folder_moved").exists()


def test_a_root_does_not_move_and_bad_targets_are_refused(scene):
    other, _ = folder_create(actor=scene.owner, parent_id=scene.root.pk, name="В")
    assert_api_error(move(scene.c["owner"], scene.root, other.pk), 403, "document_role_required")
    assert_api_error(
        move(scene.c["owner"], scene.a, "00000000-0000-0000-0000-000000000000"), 404,
        "folder_not_found",
    )  # fmt: skip
    bad = scene.c["owner"].patch(f"/api/v1/folders/{scene.a.pk}", {"parent_id": "../"},
                                 format="json")  # fmt: skip
    assert_api_error(bad, 400, "validation_failed")


def test_outsiders_learn_nothing(scene):
    theirs = user_root(user=scene.outsider)
    # Their folder into mine, mine into theirs, mine by them: 404 alike.
    assert_api_error(move(scene.c["outsider"], scene.a, theirs.pk), 404, "folder_not_found")
    assert_api_error(move(scene.c["owner"], scene.a, theirs.pk), 404, "folder_not_found")
    mine, _ = folder_create(actor=scene.outsider, parent_id=theirs.pk, name="Моё")
    assert_api_error(move(scene.c["outsider"], mine, scene.b.pk), 404, "folder_not_found")
    assert_api_error(api_client().patch(f"/api/v1/folders/{scene.a.pk}", {}), 401,
                     "not_authenticated")  # fmt: skip
    scene.a.refresh_from_db()
    assert scene.a.parent_id == scene.root.pk


def test_department_editors_move_inside_its_tree_but_not_out_of_it(scene):
    shared = department_root(department=scene.department)
    x, _ = folder_create(actor=scene.colleague, parent_id=shared.pk, name="Икс")
    y, _ = folder_create(actor=scene.colleague, parent_id=shared.pk, name="Игрек")
    assert move(scene.c["colleague"], x, y.pk).status_code == 200
    # Out of the department's tree into their own: they are only editors of it.
    own = user_root(user=scene.colleague)
    assert_api_error(move(scene.c["colleague"], x, own.pk), 403, "document_role_required")
    x.refresh_from_db()
    assert (x.parent_id, x.owner_department_id) == (y.pk, scene.department.pk)


def test_into_another_owners_tree_the_documents_follow_and_audiences_are_told(scene):
    chat = conversation_create(actor=scene.owner, kind="group", title="Канцелярия",
                               member_ids=[scene.member.pk])  # fmt: skip
    chat_root = conversation_root(actor=scene.owner, conversation_id=chat.pk)
    with pytest.raises(DocumentNotFound):
        access_document(scene.member, scene.document.pk)

    with capture_events() as captured:
        response = move(scene.c["owner"], scene.a, chat_root.pk)
    assert response.status_code == 200, response.content
    assert response.json()["owner"]["kind"] == "conversation"
    for folder in Folder.objects.filter(pk__in=[scene.a.pk, scene.inner.pk]):
        assert (folder.owner_user_id, folder.owner_conversation_id) == (None, chat.pk)
    # The chat's member sees the document now (editor), and was told.
    _, role = access_document(scene.member, scene.document.pk)
    assert role == "editor"
    [(update, users)] = captured.of_type("document")
    assert update["op"] == "update" and update["document"]["id"] == str(scene.document.pk)
    assert users == {str(scene.owner.pk), str(scene.member.pk)}
    assert AuditEvent.objects.get(action="document.folder_moved").details["owner_changed"]

    # Back into the owner's own tree: the member loses it and is told so.
    with capture_events() as captured:
        assert move(scene.c["owner"], scene.a, scene.b.pk).status_code == 200
    removed = [(e, u) for e, u in captured.of_type("document") if e["op"] == "remove"]
    assert removed == [
        ({"type": "document", "op": "remove", "document_id": str(scene.document.pk),
          "folder_id": str(scene.inner.pk)}, {str(scene.member.pk)}),
    ]  # fmt: skip
    with pytest.raises(DocumentNotFound):
        access_document(scene.member, scene.document.pk)


def test_too_deep_a_tree_is_refused(scene):
    parent = scene.b
    for level in range(MAX_FOLDER_DEPTH - 3):  # b is depth 2: this reaches MAX - 1
        parent, _ = folder_create(actor=scene.owner, parent_id=parent.pk, name=f"L{level}")
    # a holds one level below it: at depth MAX it would put "Внутри" at MAX + 1.
    assert_api_error(move(scene.c["owner"], scene.a, parent.pk), 400, "folder_depth_exceeded")
