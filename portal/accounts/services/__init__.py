"""Every write of the accounts app; split by entity, imported from here."""

from portal.accounts.services.admission import Admission, admit, admit_token
from portal.accounts.services.login import login_with_password, logout
from portal.accounts.services.org import (
    agency_delete,
    agency_save,
    department_delete,
    department_save,
    user_permissions_set,
)
from portal.accounts.services.sessions import (
    IssuedTokens,
    auth_session_create,
    auth_session_refresh,
    auth_session_revoke,
    auth_sessions_revoke_all,
)
from portal.accounts.services.twofactor import (
    recovery_codes_regenerate,
    totp_disable,
    totp_enrol_confirm,
    totp_enrol_start,
    totp_reset,
)
from portal.accounts.services.users import (
    login_clean,
    user_admin_save,
    user_change_own_password,
    user_create,
    user_deactivate,
    user_set_password,
    user_update_profile,
)

__all__ = [
    "Admission",
    "IssuedTokens",
    "admit",
    "admit_token",
    "agency_delete",
    "agency_save",
    "auth_session_create",
    "auth_session_refresh",
    "auth_session_revoke",
    "auth_sessions_revoke_all",
    "department_delete",
    "department_save",
    "login_clean",
    "login_with_password",
    "logout",
    "recovery_codes_regenerate",
    "totp_disable",
    "totp_enrol_confirm",
    "totp_enrol_start",
    "totp_reset",
    "user_admin_save",
    "user_change_own_password",
    "user_create",
    "user_deactivate",
    "user_permissions_set",
    "user_set_password",
    "user_update_profile",
]
