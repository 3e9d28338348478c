from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "messaging"
    verbose_name = _("Messaging")

    def ready(self) -> None:
        # Services queue tasks by name (they may not import them: the tasks import the
        # services); loading the module registers the tasks in every process, so the name
        # resolves, and embedded mode runs them eagerly.
        from messaging import realtime, tasks  # noqa: F401

        realtime.register()
