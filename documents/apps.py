from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = _("Documents")

    def ready(self) -> None:
        from documents import files_setup  # files part: event schemas, part body limit
        from portal.realtime import gateway

        gateway.register_events(files_setup.EVENTS)
        files_setup.register()

        from documents import approval_ready

        approval_ready.ready()
