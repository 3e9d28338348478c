from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConferencingConfig(AppConfig):
    name = "conferencing"
    verbose_name = _("Calls and conferences")

    def ready(self) -> None:
        # Services queue tasks by name; loading the modules registers them in every process.
        from conferencing import realtime, realtime_conferences, tasks, tasks_conferences  # noqa: F401

        realtime.register()
        realtime_conferences.register()
