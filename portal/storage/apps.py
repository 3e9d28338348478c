from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StorageConfig(AppConfig):
    name = "portal.storage"
    label = "storage"
    verbose_name = _("Object storage")
