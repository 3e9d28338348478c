"""Password sign-in for API clients and browsers."""

from __future__ import annotations

from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction

from portal.accounts.exceptions import (
    InvalidCredentials,
    InvalidOTP,
    LoginThrottled,
    OTPRequired,
    SecondFactorThrottled,
)
from portal.accounts.identity import login_refuse_invisible, login_skeleton
from portal.accounts.models import AuthSession, User
from portal.accounts.services import throttle
from portal.accounts.services.sessions import IssuedTokens, auth_session_create
from portal.accounts.services.twofactor import two_factor_enabled, verify_second_factor
from portal.audit import services as audit
from portal.audit.services import RequestContext
from portal.devices.exceptions import DeviceRefused
from portal.devices.services import DeviceInfo, device_enforce_policy, device_register

# Checked against when the login is unknown, so that answer takes as long as a wrong password.
_DUMMY_HASH = make_password("portal-timing-equaliser")


def login_with_password(
    *,
    login: str,
    password: str,
    otp: str,
    device: DeviceInfo,
    kind: str,
    context: RequestContext,
) -> IssuedTokens:
    """Check the credentials (and second factor), register the device, start a session.

    The account is found by the key of ``login`` (``portal.accounts.identity``): any
    spelling that differs only in case, width or look-alike letters names the same
    account, and shares its throttle counter. A login with invisible or control
    characters is refused (``LoginInvalid``) before anything is checked. Unknown login,
    wrong password and inactive account give the same error after the same work. Failures
    count toward the per-login and per-address throttle and are audited; wrong codes also
    toward the user's second-factor throttle. While throttled, nothing is checked.
    """
    login_refuse_invisible(login)
    key = login_skeleton(login)
    wait = throttle.retry_after(throttle.SIGN_IN, key, context.ip)
    if wait:
        with transaction.atomic():
            audit.record(
                "auth.login_throttled", context=context,
                details={"login": login[:150], "retry_after": wait},
            )  # fmt: skip
        raise LoginThrottled(retry_after=wait)
    user = User.objects.select_related("agency").filter(login_key=key).first()
    password_ok = (
        user.check_password(password) if user is not None else check_password(password, _DUMMY_HASH)
    )
    if user is None or not password_ok or not user.is_active:
        _fail(login, key, context, reason="bad_credentials", user=user)
        raise InvalidCredentials()
    assert user is not None
    try:
        issued = _start_session(user, otp=otp, device=device, kind=kind, context=context)
    except InvalidOTP:
        otp_delay = throttle.register_failure(throttle.SECOND_FACTOR, str(user.pk), context.ip)
        _fail(login, key, context, reason="bad_otp", user=user, otp_delay=otp_delay)
        raise
    except SecondFactorThrottled as throttled:
        with transaction.atomic():
            audit.record(
                "auth.login_throttled", actor=None, context=context, target=user,
                details={"login": login[:150], "retry_after": throttled.retry_after,
                         "reason": "second_factor"},
            )  # fmt: skip
        raise
    except DeviceRefused as refused:
        with transaction.atomic():
            audit.record(
                "auth.login_refused", actor=user, context=context, target=user,
                details={"reason": refused.code, "device": device.client_device_id[:200]},
            )  # fmt: skip
        raise
    throttle.register_success(throttle.SIGN_IN, key, context.ip)
    return issued


def _start_session(
    user: User, *, otp: str, device: DeviceInfo, kind: str, context: RequestContext
) -> IssuedTokens:
    with transaction.atomic():
        if two_factor_enabled(user):
            if not otp:
                raise OTPRequired()
            wait = throttle.retry_after(throttle.SECOND_FACTOR, str(user.pk), context.ip)
            if wait:
                raise SecondFactorThrottled(retry_after=wait)
            if not verify_second_factor(user=user, code=otp, context=context):
                raise InvalidOTP()
            throttle.register_success(throttle.SECOND_FACTOR, str(user.pk), context.ip)
        device_row = device_register(user=user, info=device, context=context)
        # The app checks in right after signing in, so device-state rules wait until then.
        device_enforce_policy(
            device=device_row, user=user, ip=context.ip, ignore=frozenset({"checkin_required"})
        )
        issued = auth_session_create(user=user, device=device_row, kind=kind, context=context)
        audit.record(
            "auth.login",
            actor=user,
            context=RequestContext(context.ip, context.user_agent, device_row.pk),
            target=user,
            details={"kind": kind, "platform": device.platform, "session": str(issued.session.pk)},
        )
    return issued


def _fail(
    login: str, key: str, context: RequestContext, *, reason: str, user: User | None,
    otp_delay: int = 0,
) -> None:  # fmt: skip
    delay = max(throttle.register_failure(throttle.SIGN_IN, key, context.ip), otp_delay)
    with transaction.atomic():
        audit.record(
            "auth.login_failed",
            actor=None,
            context=context,
            target=user,
            details={"login": login[:150], "reason": reason, "throttle_delay": delay},
        )


def logout(*, session: AuthSession, context: RequestContext) -> None:
    """The user ends their own current session."""
    from portal.accounts.services.sessions import auth_session_revoke

    auth_session_revoke(actor=session.user, session=session, reason="logout", context=context)
