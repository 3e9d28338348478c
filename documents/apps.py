from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = _("Documents")

    def ready(self) -> None:
        from documents.api import events_files  # files part: its event schemas
        from portal.realtime import gateway

        gateway.register_events(events_files.EVENTS)
