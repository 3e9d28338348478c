from typing import Any

from django.apps import AppConfig
from django.core.signals import setting_changed
from django.utils.translation import gettext_lazy as _


def _storage_setting_changed(*, setting: str, **kwargs: Any) -> None:
    if setting == "STORAGE":
        from portal.storage import reset_storage

        reset_storage()


class StorageConfig(AppConfig):
    name = "portal.storage"
    label = "storage"
    verbose_name = _("Object storage")

    def ready(self) -> None:
        setting_changed.connect(_storage_setting_changed, dispatch_uid="portal.storage.reset")
