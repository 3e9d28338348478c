from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "documents"
    verbose_name = _("Documents")

    def ready(self) -> None:
        # Services queue tasks by name (they may not import them): loading the module
        # registers them in every process. Each part connects its receivers, download
        # purposes and events.
        from documents import tasks  # noqa: F401
        from documents.api import serializers_previews
        from documents.services import previews, previews_serving

        previews.register()
        previews_serving.register()
        serializers_previews.register()
