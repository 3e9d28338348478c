from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DevicesConfig(AppConfig):
    name = "portal.devices"
    label = "devices"
    verbose_name = _("Devices")

    def ready(self) -> None:
        from portal.devices import realtime

        realtime.register()
