"""Folders under concurrent changes, each in its own connection on PostgreSQL: a folder
deleted while a document goes into it (the document's transaction holds the folder, FOR
KEY SHARE, so the delete waits and then finds it not empty — never a document whose folder
is gone, a foreign-key failure at commit: a 500); two folders moved into each other at
once (one at a time: no cycle)."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection

from documents.exceptions import FolderMoveInvalid, FolderNotEmpty
from documents.models import Document, Folder
from documents.services import files
from documents.services.folders import folder_create, folder_delete, folder_move
from tests.factories.accounts import UserFactory
from tests.factories.documents import root_of


@pytest.mark.django_db(transaction=True)
def test_a_folder_deleted_while_a_document_goes_in_waits_and_is_not_empty(monkeypatch):
    owner = UserFactory.create(login="owner")
    folder, _ = folder_create(actor=owner, parent_id=root_of(owner).pk, name="Приказы")
    held, release = threading.Event(), threading.Event()
    made = files._new_document

    def slow_new_document(*args, **kwargs):  # the upload is streaming: the folder is held
        held.set()
        assert release.wait(20)
        return made(*args, **kwargs)

    monkeypatch.setattr(files, "_new_document", slow_new_document)
    outcome: dict[str, object] = {}

    def create() -> None:
        try:
            outcome["document"] = files.document_create_rich_text(
                actor=owner, folder_id=folder.pk, name="Проект"
            )
        finally:
            connection.close()

    def delete() -> None:
        try:
            folder_delete(actor=owner, folder_id=folder.pk)
            outcome["deleted"] = True
        except FolderNotEmpty as error:
            outcome["deleted"] = error
        finally:
            connection.close()

    creator = threading.Thread(target=create)
    creator.start()
    assert held.wait(20)
    deleter = threading.Thread(target=delete)
    deleter.start()
    time.sleep(0.5)
    assert deleter.is_alive(), "the delete must wait for the document's transaction"
    release.set()
    for thread in (creator, deleter):
        thread.join(timeout=30)
        assert not thread.is_alive()
    assert isinstance(outcome["deleted"], FolderNotEmpty)
    assert Folder.objects.filter(pk=folder.pk).exists()
    assert Document.objects.filter(folder=folder, name="Проект").exists()


@pytest.mark.django_db(transaction=True)
def test_two_folders_moved_into_each_other_at_once_make_no_cycle():
    """A into B and B into A, each on its own connection, released together: moves are
    made one at a time, so the second finds the first done and is refused — no cycle,
    no deadlock (a 500)."""
    owner = UserFactory.create(login="owner")
    root = root_of(owner)
    a, _ = folder_create(actor=owner, parent_id=root.pk, name="А")
    b, _ = folder_create(actor=owner, parent_id=root.pk, name="Б")
    start = threading.Barrier(2, timeout=20)
    outcome: dict[str, object] = {}

    def move(name: str, folder: Folder, target: Folder) -> None:
        try:
            start.wait()
            folder_move(actor=owner, folder_id=folder.pk, parent_id=target.pk)
            outcome[name] = "moved"
        except FolderMoveInvalid as exc:
            outcome[name] = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=move, args=("a", a, b)),
        threading.Thread(target=move, args=("b", b, a)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(str(type(v).__name__) for v in outcome.values()) == ["FolderMoveInvalid", "str"]
    a.refresh_from_db()
    b.refresh_from_db()
    # Exactly one is inside the other, and that one hangs off the root.
    assert {(a.parent_id, b.parent_id)} <= {(b.pk, root.pk), (root.pk, a.pk)}
