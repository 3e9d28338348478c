"""Errors of sign-in, sessions, two-factor auth and the directory."""

from django.utils.translation import gettext_lazy as _

from portal.errors import InvalidInput, NotFound, PermissionDenied, PortalError, Throttled


class InvalidCredentials(PortalError):
    code = "invalid_credentials"
    status = 401
    default_message = _("Wrong login or password.")


class OTPRequired(PortalError):
    code = "otp_required"
    status = 401
    default_message = _("Enter the code from your authenticator app.")


class InvalidOTP(PortalError):
    code = "invalid_otp"
    status = 401
    default_message = _("The code is wrong or has already been used.")


class LoginThrottled(Throttled):
    code = "login_throttled"
    default_message = _("Too many failed sign-in attempts. Try again later.")


class SecondFactorThrottled(Throttled):
    code = "otp_throttled"
    default_message = _("Too many wrong codes. Try again later.")


class LoginInvalid(InvalidInput):
    """A login that may not exist; ``details`` name the ``field`` and a stable ``reason``."""

    code = "login_invalid"
    default_message = _("This login is not allowed.")


class LoginTaken(PortalError):
    # Which account it resembles is not said: that would tell who has an account.
    code = "login_taken"
    status = 409
    default_message = _(
        "This login is taken, or looks the same as one that is. Choose another login."
    )


class AccountInactive(PortalError):
    # Same answer as a wrong password: a disabled account is not confirmed to exist.
    code = "invalid_credentials"
    status = 401
    default_message = _("Wrong login or password.")


class NotAuthenticated(PortalError):
    code = "not_authenticated"
    status = 401
    default_message = _("Sign in to continue.")


class TokenInvalid(PortalError):
    code = "token_invalid"
    status = 401
    default_message = _("The token is not valid.")


class TokenExpired(PortalError):
    code = "token_expired"
    status = 401
    default_message = _("The token has expired. Refresh it or sign in again.")


class TokenRevoked(PortalError):
    code = "token_revoked"
    status = 401
    default_message = _("This session has been ended. Sign in again.")


class TwoFactorEnrolmentRequired(PermissionDenied):
    code = "two_factor_enrolment_required"
    default_message = _("Your agency requires two-factor sign-in. Set up an authenticator app.")


class TwoFactorAlreadyEnabled(PortalError):
    code = "two_factor_already_enabled"
    status = 409
    default_message = _("Two-factor sign-in is already on.")


class TwoFactorNotEnrolled(PortalError):
    code = "two_factor_not_enrolled"
    status = 409
    default_message = _("Start two-factor enrolment first.")


class TwoFactorRequiredByAgency(PermissionDenied):
    code = "two_factor_required_by_agency"
    default_message = _("Your agency requires two-factor sign-in; it cannot be turned off.")


class UserNotFound(NotFound):
    code = "user_not_found"
    default_message = _("User not found.")


class DepartmentNotFound(NotFound):
    code = "department_not_found"
    default_message = _("Department not found.")


class AgencyNotFound(NotFound):
    code = "agency_not_found"
    default_message = _("Agency not found.")


class SessionNotFound(NotFound):
    code = "session_not_found"
    default_message = _("Session not found.")


class InvalidPassword(InvalidInput):
    code = "invalid_password"
    default_message = _("The password does not meet the password policy.")


class InvalidImage(InvalidInput):
    code = "invalid_image"
    default_message = _("The file is not an image Portal can read (JPEG, PNG, WebP, GIF).")


class OrgInvalid(InvalidInput):
    """An agency or department change that would break the organisation's rules;
    ``details`` names the ``field`` and a stable ``reason``."""

    code = "org_invalid"


class OrgUnitInUse(PortalError):
    code = "org_unit_in_use"
    status = 409
    default_message = _("Move its users and sub-departments elsewhere first.")
