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
        # Previews: services queue tasks by name (they may not import them), so loading
        # the module registers them in every process; receivers, download purposes, events.
        from documents import tasks  # noqa: F401
        from documents.api import serializers_previews
        from documents.services import previews, previews_serving

        previews.register()
        previews_serving.register()
        serializers_previews.register()
        from documents.collab.relay import on_access_changed
        from documents.signals import access_changed

        access_changed.connect(on_access_changed, dispatch_uid="collab.access_changed")
