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
        from portal.accounts.services.sessions import revoke_device_sessions
        from portal.accounts.services.twofactor import two_factor_enabled
        from portal.devices.services import AccountHooks, register_account_hooks

        register_account_hooks(
            AccountHooks(
                two_factor_enabled=two_factor_enabled,
                end_device_sessions=revoke_device_sessions,
            )
        )
