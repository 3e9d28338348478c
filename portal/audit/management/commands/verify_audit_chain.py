from typing import Any

from django.core.management.base import BaseCommand, CommandError

from portal.audit.services import verify_chain


class Command(BaseCommand):
    help = "Check the audit log hash chain; exit non-zero naming the first broken row."

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain()
        if report.first_broken_id is not None:
            raise CommandError(
                f"Audit chain broken at row {report.first_broken_id}: {report.reason} "
                f"({report.checked} rows checked)"
            )
        self.stdout.write(f"Audit chain intact: {report.checked} rows checked.")
