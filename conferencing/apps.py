from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConferencingConfig(AppConfig):
    name = "conferencing"
    verbose_name = _("Calls and conferences")

    def ready(self) -> None:
        from conferencing import realtime_conferences, tasks_conferences  # noqa: F401

        realtime_conferences.register()
