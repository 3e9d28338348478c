"""Sharing (users, departments, conversations; roles; revoke at once) and comments, over
REST, with the exact recipients of every event."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from documents.signals import access_changed
from messaging.models import Message
from portal.audit.models import AuditEvent
from tests.factories.accounts import DepartmentFactory, UserFactory
from tests.factories.documents import make_document
from tests.helpers.api import api_client, assert_api_error
from tests.helpers.events import capture_events

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def scene(db):
    department = DepartmentFactory.create()
    owner = UserFactory.create(login="owner", agency=department.agency)
    bob = UserFactory.create(login="bob", agency=department.agency)
    dept_a = UserFactory.create(login="dept_a", department=department)
    dept_b = UserFactory.create(login="dept_b", department=department)
    stranger = UserFactory.create(login="stranger")  # another agency
    users = SimpleNamespace(owner=owner, bob=bob, dept_a=dept_a, dept_b=dept_b, stranger=stranger)
    c = {name: api_client(u) for name, u in vars(users).items()}
    for client in c.values():
        client.default_format = "json"
    document = make_document(owner, data=b"shared text", filename="Приказ.txt")
    return SimpleNamespace(
        u=users, c=c, document=document, department=department,
        url=f"/api/v1/documents/{document.pk}",
    )  # fmt: skip


def share(scene, kind, grantee_id, role, client="owner"):
    return scene.c[client].post(
        f"{scene.url}/shares", {"grantee": {"kind": kind, "id": str(grantee_id)}, "role": role}
    )


def test_roles_of_a_user_share_and_revoke_at_once(scene):
    bob, owner = scene.c["bob"], scene.c["owner"]
    vid = scene.document.current_version_id
    assert_api_error(bob.get(scene.url), 404, "document_not_found")
    with capture_events() as captured:
        made = share(scene, "user", scene.u.bob.pk, "viewer")
    assert made.status_code == 201, made.content
    shared = made.json()
    assert shared["grantee"] == {
        "kind": "user",
        "id": str(scene.u.bob.pk),
        "name": str(scene.u.bob),
    }
    assert captured.events == [
        ({"type": "document_share", "op": "add", "document_id": str(scene.document.pk),
          "share": shared}, {str(scene.u.owner.pk), str(scene.u.bob.pk)}),
    ]  # fmt: skip
    assert bob.get(scene.url).json()["role"] == "viewer"
    assert [d["id"] for d in bob.get("/api/v1/documents/shared").json()["results"]] == [
        str(scene.document.pk)
    ]
    link = bob.get(f"{scene.url}/versions/{vid}/link").json()["url"]
    assert bob.get(link).status_code == 200
    # A viewer reads, and nothing more.
    assert_api_error(bob.post(f"{scene.url}/comments", {"body": "Замечание"}), 403,
                     "document_role_required")  # fmt: skip
    new_version = bob.post(
        f"{scene.url}/versions", {"file": SimpleUploadedFile("a.txt", b"x")}, format="multipart"
    )
    assert_api_error(new_version, 403, "document_role_required")  # fmt: skip
    assert_api_error(share(scene, "user", scene.u.dept_a.pk, "viewer", client="bob"), 403,
                     "document_role_required")  # fmt: skip
    assert_api_error(bob.get(f"{scene.url}/shares"), 403, "document_role_required")
    # Commenter, then editor.
    changed = owner.patch(f"{scene.url}/shares/{shared['id']}", {"role": "commenter"})
    assert changed.status_code == 200 and changed.json()["role"] == "commenter"
    assert bob.post(f"{scene.url}/comments", {"body": "Замечание"}).status_code == 201
    again = share(scene, "user", scene.u.bob.pk, "editor")
    assert again.status_code == 200 and again.json()["id"] == shared["id"]
    uploaded = bob.post(
        f"{scene.url}/versions", {"file": SimpleUploadedFile("a.txt", b"edit")}, format="multipart"
    )
    assert uploaded.status_code == 201, uploaded.content
    # Revoked: at once, the link made before included.
    received = []

    def receiver(sender, document_id, **kwargs):
        received.append(str(document_id))

    access_changed.connect(receiver)
    try:
        with capture_events() as captured:
            assert owner.delete(f"{scene.url}/shares/{shared['id']}").status_code == 204
    finally:
        access_changed.disconnect(receiver)
    assert received == [str(scene.document.pk)]
    [(event, users)] = captured.of_type("document_share")
    assert event["op"] == "remove" and users == {str(scene.u.owner.pk), str(scene.u.bob.pk)}
    assert_api_error(bob.get(link), 404, "file_not_found")
    assert_api_error(bob.get(scene.url), 404, "document_not_found")
    assert bob.get("/api/v1/documents/shared").json()["results"] == []
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"document.shared", "document.share_changed", "document.share_revoked"} <= actions


def test_share_to_someone_outside_the_agency_is_refused(scene):
    assert_api_error(share(scene, "user", scene.u.stranger.pk, "viewer"), 400, "invalid_grantee")
    other_department = DepartmentFactory.create()
    assert_api_error(share(scene, "department", other_department.pk, "viewer"), 400,
                     "invalid_grantee")  # fmt: skip
    assert_api_error(scene.c["stranger"].get(scene.url), 404, "document_not_found")


def test_department_share_reaches_its_members(scene):
    with capture_events() as captured:
        made = share(scene, "department", scene.department.pk, "commenter")
    assert made.status_code == 201, made.content
    [(_event, users)] = captured.events
    assert users == {str(u.pk) for u in (scene.u.owner, scene.u.dept_a, scene.u.dept_b)}
    for name in ("dept_a", "dept_b"):
        assert scene.c[name].get(scene.url).json()["role"] == "commenter"
    assert_api_error(scene.c["bob"].get(scene.url), 404, "document_not_found")


def test_conversation_share_posts_a_card_to_its_members(scene):
    owner = scene.c["owner"]
    group = owner.post("/api/v1/conversations", {
        "kind": "group", "title": "Совещание", "member_ids": [str(scene.u.bob.pk)],
    })  # fmt: skip
    assert group.status_code == 201, group.content
    conversation_id = group.json()["id"]
    # Someone who is not a member cannot share there (nor learn it exists).
    other = make_document(scene.u.dept_a, data=b"x", filename="x.txt")
    refused = scene.c["dept_a"].post(
        f"/api/v1/documents/{other.pk}/shares",
        {"grantee": {"kind": "conversation", "id": conversation_id}, "role": "viewer"},
    )
    assert_api_error(refused, 404, "conversation_not_found")
    with capture_events() as captured:
        made = share(scene, "conversation", conversation_id, "viewer")
    assert made.status_code == 201, made.content
    members = {str(scene.u.owner.pk), str(scene.u.bob.pk)}
    [(_share_event, users)] = captured.of_type("document_share")
    assert users == members
    [(message_event, message_users)] = captured.of_type("message")
    assert message_users == members
    card = message_event["message"]["system"]
    assert card == {
        "event": "document_shared", "document_id": str(scene.document.pk),
        "name": "Приказ.txt", "kind": "file", "version": 1, "status": "draft",
    }  # fmt: skip
    assert Message.objects.filter(system__event="document_shared").count() == 1
    assert scene.c["bob"].get(scene.url).json()["role"] == "viewer"
    folder = scene.c["bob"].get(f"/api/v1/conversations/{conversation_id}/folder")
    assert folder.status_code == 200 and folder.json()["owner"]["kind"] == "conversation"
    assert_api_error(scene.c["dept_a"].get(f"/api/v1/conversations/{conversation_id}/folder"),
                     404, "conversation_not_found")  # fmt: skip


def test_share_endpoints_hide_the_document_from_outsiders(scene):
    made = share(scene, "user", scene.u.bob.pk, "viewer").json()
    outsider = scene.c["dept_a"]
    share_url = f"{scene.url}/shares/{made['id']}"
    assert_api_error(outsider.patch(share_url, {"role": "owner"}), 404, "document_not_found")
    assert_api_error(outsider.delete(share_url), 404, "document_not_found")
    assert_api_error(scene.c["bob"].delete(share_url), 403, "document_role_required")
    wrong = f"/api/v1/documents/{make_document(scene.u.owner).pk}/shares/{made['id']}"
    assert_api_error(scene.c["owner"].delete(wrong), 404, "share_not_found")


def test_comments_roles(scene):
    share(scene, "user", scene.u.bob.pk, "commenter")
    share(scene, "department", scene.department.pk, "viewer")
    bob, owner, viewer = scene.c["bob"], scene.c["owner"], scene.c["dept_a"]
    vid = str(scene.document.current_version_id)
    on_version = bob.post(f"{scene.url}/comments", {"body": "  К версии 1  ", "version_id": vid})
    assert on_version.status_code == 201, on_version.content
    assert on_version.json()["body"] == "К версии 1" and on_version.json()["version_id"] == vid
    by_owner = owner.post(f"{scene.url}/comments", {"body": "Принято"}).json()
    listed = viewer.get(f"{scene.url}/comments").json()["results"]
    assert [c["id"] for c in listed] == [by_owner["id"], on_version.json()["id"]]
    assert_api_error(bob.delete(f"{scene.url}/comments/{by_owner['id']}"), 403,
                     "document_role_required")  # fmt: skip
    other = make_document(scene.u.owner)
    assert_api_error(
        bob.post(f"{scene.url}/comments",
                 {"body": "x", "version_id": str(other.current_version_id)}),
        404, "version_not_found",
    )  # fmt: skip
    assert_api_error(scene.c["stranger"].get(f"{scene.url}/comments"), 404, "document_not_found")
    assert bob.delete(f"{scene.url}/comments/{on_version.json()['id']}").status_code == 204
    assert owner.delete(f"{scene.url}/comments/{by_owner['id']}").status_code == 204
    assert viewer.get(f"{scene.url}/comments").json()["results"] == []


def test_move_and_bin_tell_exactly_who_lost_the_document(scene):
    # The document moves from the owner's folder to the department's: the department's
    # members gain it, a user share keeps bob; then the bin removes it for all of them.
    share(scene, "user", scene.u.bob.pk, "viewer")
    member_client = scene.c["dept_a"]
    roots = member_client.get("/api/v1/documents/roots").json()["results"]
    department_root = roots[1]["id"]
    assert_api_error(
        scene.c["owner"].patch(scene.url, {"folder_id": department_root}), 404, "folder_not_found"
    )  # the owner is not in the department: they cannot move it there
    own = make_document(scene.u.dept_a, data=b"x", filename="x.txt")
    received = []

    def receiver(sender, document_id, **kwargs):
        received.append(str(document_id))

    access_changed.connect(receiver)
    try:
        with capture_events() as captured:
            moved = member_client.patch(
                f"/api/v1/documents/{own.pk}", {"folder_id": department_root}
            )
        assert moved.status_code == 200, moved.content
        [(update, users)] = captured.of_type("document")
        assert update["op"] == "update"
        assert users == {str(scene.u.dept_a.pk), str(scene.u.dept_b.pk)}
        assert scene.c["dept_b"].get(f"/api/v1/documents/{own.pk}").json()["role"] == "editor"
        with capture_events() as captured:
            assert member_client.delete(f"/api/v1/documents/{own.pk}").status_code == 204
        [(removed, users)] = captured.of_type("document")
        assert removed == {"type": "document", "op": "remove", "document_id": str(own.pk),
                           "folder_id": department_root}  # fmt: skip
        assert users == {str(scene.u.dept_a.pk), str(scene.u.dept_b.pk)}
    finally:
        access_changed.disconnect(receiver)
    assert received == [str(own.pk), str(own.pk)]
    assert_api_error(scene.c["dept_b"].get(f"/api/v1/documents/{own.pk}"), 404,
                     "document_not_found")  # fmt: skip


def test_shared_with_me_pages_newest_first(scene):
    older = make_document(scene.u.owner, data=b"a", filename="old.txt")
    for document in (older, scene.document):
        made = scene.c["owner"].post(
            f"/api/v1/documents/{document.pk}/shares",
            {"grantee": {"kind": "user", "id": str(scene.u.bob.pk)}, "role": "viewer"},
        )
        assert made.status_code == 201
    first = scene.c["bob"].get("/api/v1/documents/shared?limit=1").json()
    assert [d["id"] for d in first["results"]] == [str(scene.document.pk)]
    second = scene.c["bob"].get(f"/api/v1/documents/shared?limit=1&cursor={first['next']}")
    assert [d["id"] for d in second.json()["results"]] == [str(older.pk)]


def test_a_conversation_folder_is_edited_by_its_members_and_owned_by_its_owner(scene):
    owner, bob = scene.c["owner"], scene.c["bob"]
    group = owner.post("/api/v1/conversations", {
        "kind": "group", "title": "Рабочая группа", "member_ids": [str(scene.u.bob.pk)],
    }).json()  # fmt: skip
    folder = bob.get(f"/api/v1/conversations/{group['id']}/folder").json()
    assert folder["role"] == "editor"
    assert owner.get(f"/api/v1/conversations/{group['id']}/folder").json()["role"] == "owner"
    made = bob.post(
        f"/api/v1/folders/{folder['id']}/documents",
        {"file": SimpleUploadedFile("plan.txt", b"plan")},
        format="multipart",
    )
    assert made.status_code == 201, made.content  # fmt: skip
    assert owner.get(f"/api/v1/documents/{made.json()['id']}").json()["role"] == "owner"
    assert_api_error(scene.c["dept_a"].get(f"/api/v1/documents/{made.json()['id']}"), 404,
                     "document_not_found")  # fmt: skip
