"""What the parts of the documents app tell each other (files, co-editing, approval,
previews), so that none of them imports another's services.

- ``version_adding(document, actor)``: sent inside the transaction of every write of a new
  version, the document row locked, before the version is inserted. A receiver may refuse
  by raising a ``PortalError`` (the approval workflow refuses while a route runs and the
  owner chose so); the transaction then rolls back.
- ``version_created(version, actor)``: sent inside the same transaction right after the
  insert. Receivers that start outside work (previews) do it in ``transaction.on_commit``.
- ``access_changed(document_id)``: sent after commit whenever who may do what with a
  document may have changed (a share added, changed or revoked, the document moved or put
  in the bin). Co-editing re-checks the document's open sockets and closes those whose
  access is gone.
"""

from django.dispatch import Signal

version_adding = Signal()
version_created = Signal()
access_changed = Signal()
