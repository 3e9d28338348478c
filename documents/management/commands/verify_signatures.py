"""``manage.py verify_signatures [--document <id>]``: walk the approval signature chain of
every document (or one), print each break, exit 1 if there is any."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from documents.services.approval import signatures_verify
from portal.ids import as_uuid


class Command(BaseCommand):
    help = "Check the hash chains of approval signatures; exit 1 on any break."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--document", help="Only this document's chain (its id).")

    def handle(self, *args: Any, **options: Any) -> None:
        document_id = None
        if options["document"] is not None:
            document_id = as_uuid(options["document"])
            if document_id is None:
                raise CommandError("--document takes a document id (a UUID).")
        checked, breaks = signatures_verify(document_id)
        for item in breaks:
            self.stderr.write(
                f"BROKEN document={item.document_id} signature={item.decision_id}: {item.reason}"
            )
        if breaks:
            documents = len({b.document_id for b in breaks})
            raise CommandError(
                f"{len(breaks)} break(s) in {documents} document chain(s); "
                f"{checked} signature(s) checked."
            )
        self.stdout.write(f"{checked} signature(s) checked, every chain holds.")
