from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConferencingConfig(AppConfig):
    name = "conferencing"
    verbose_name = _("Calls and conferences")

    def ready(self) -> None:
        # Services queue tasks by name; loading the module registers them in every process.
        from conferencing import realtime, tasks  # noqa: F401

        realtime.register()
