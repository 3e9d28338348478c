from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "portal.accounts"
    label = "accounts"
    verbose_name = _("Accounts and organisation")

    def ready(self) -> None:
        from portal.accounts import (
            schema,  # noqa: F401  (auth schemes in the OpenAPI schema)
            signals,  # noqa: F401  (connects admin sign-in auditing)
        )
        from portal.accounts.services import avatars  # noqa: F401  (registers its download check)
