"""TOTP two-factor sign-in: enrolment, verification, recovery codes, disabling."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pyotp
import qrcode
import qrcode.image.svg
from django.conf import settings
from django.db import transaction

from portal import clock
from portal.accounts.exceptions import (
    InvalidOTP,
    SecondFactorThrottled,
    TwoFactorAlreadyEnabled,
    TwoFactorNotEnrolled,
    TwoFactorRequiredByAgency,
)
from portal.accounts.models import RecoveryCode, TOTPCredential, User
from portal.accounts.services import throttle
from portal.audit import services as audit
from portal.audit.services import RequestContext
from portal.db import require_transaction

RECOVERY_CODE_COUNT = 10
_STEP = 30


def two_factor_enabled(user: User) -> bool:
    return TOTPCredential.objects.filter(user=user, confirmed_at__isnull=False).exists()


def two_factor_required(user: User) -> bool:
    return bool(user.agency_id and user.agency and user.agency.require_2fa)


def _hash_code(code: str) -> str:
    normalized = code.replace("-", "").replace(" ", "").lower()
    return hashlib.sha256(f"{settings.SECRET_KEY}|{normalized}".encode()).hexdigest()


@dataclass(frozen=True)
class Enrolment:
    secret: str
    otpauth_uri: str
    qr_svg_data_uri: str


def totp_enrol_start(*, user: User, context: RequestContext) -> Enrolment:
    """Create (or replace an unconfirmed) secret and return it with its QR code."""
    with transaction.atomic():
        existing = TOTPCredential.objects.select_for_update().filter(user=user).first()
        if existing is not None and existing.confirmed_at is not None:
            raise TwoFactorAlreadyEnabled()
        secret = pyotp.random_base32()
        TOTPCredential.objects.update_or_create(
            user=user, defaults={"secret": secret, "confirmed_at": None, "last_used_step": 0}
        )
        audit.record("2fa.enrol_started", actor=user, context=context, target=user)
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.login, issuer_name=settings.TOTP_ISSUER)
    buffer = io.BytesIO()
    qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage).save(buffer)
    data_uri = "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()
    return Enrolment(secret=secret, otpauth_uri=uri, qr_svg_data_uri=data_uri)


def _match_step(secret: str, code: str) -> int | None:
    """The time step ``code`` belongs to (now ±1 step for clock skew), or None."""
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now = clock.now().timestamp()
    for offset in (0, -1, 1):
        at = now + offset * _STEP
        if hmac.compare_digest(totp.at(at), code):
            return int(at // _STEP)
    return None


@contextmanager
def _code_attempt(*, user: User, context: RequestContext, action: str) -> Iterator[None]:
    """Around one check of a code outside sign-in: refused while the user (or the address)
    is throttled, before any code is looked at; a wrong code (``InvalidOTP`` leaving the
    block) is counted toward ``throttle.SECOND_FACTOR`` and audited. The block's own
    transaction has rolled back by then, so the audit record is written after it."""
    subject = str(user.pk)
    wait = throttle.retry_after(throttle.SECOND_FACTOR, subject, context.ip)
    if wait:
        with transaction.atomic():
            audit.record(
                "2fa.throttled", actor=user, context=context, target=user,
                details={"action": action, "retry_after": wait},
            )  # fmt: skip
        raise SecondFactorThrottled(retry_after=wait)
    try:
        yield
    except InvalidOTP:
        delay = throttle.register_failure(throttle.SECOND_FACTOR, subject, context.ip)
        with transaction.atomic():
            audit.record(
                "2fa.code_failed", actor=user, context=context, target=user,
                details={"action": action, "throttle_delay": delay},
            )  # fmt: skip
        raise
    throttle.register_success(throttle.SECOND_FACTOR, subject, context.ip)


def _new_recovery_codes(user: User) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.bulk_create(
        [RecoveryCode(user=user, code_hash=_hash_code(c)) for c in codes]
    )
    return codes


def totp_enrol_confirm(*, user: User, code: str, context: RequestContext) -> list[str]:
    """Turn two-factor sign-in on with a first valid code; return fresh recovery codes.
    Wrong codes are throttled per user and address (``_code_attempt``)."""
    with _code_attempt(user=user, context=context, action="confirm"), transaction.atomic():
        cred = TOTPCredential.objects.select_for_update().filter(user=user).first()
        if cred is None:
            raise TwoFactorNotEnrolled()
        if cred.confirmed_at is not None:
            raise TwoFactorAlreadyEnabled()
        step = _match_step(cred.secret, code)
        if step is None:
            raise InvalidOTP()
        cred.confirmed_at = clock.now()
        cred.last_used_step = step
        cred.save()
        codes = _new_recovery_codes(user)
        audit.record("2fa.enabled", actor=user, context=context, target=user)
    return codes


def verify_second_factor(*, user: User, code: str, context: RequestContext) -> bool:
    """Check a TOTP code (each accepted once) or an unused recovery code, consuming it.

    Precondition: runs inside the caller's transaction, and the caller throttles wrong
    codes (sign-in, ``_code_attempt``).
    """
    require_transaction("verify_second_factor")
    cred = TOTPCredential.objects.select_for_update().filter(user=user).first()
    if cred is None or cred.confirmed_at is None:
        return False
    step = _match_step(cred.secret, code)
    if step is not None:
        if step <= cred.last_used_step:
            return False
        cred.last_used_step = step
        cred.save(update_fields=["last_used_step"])
        return True
    recovery = (
        RecoveryCode.objects.select_for_update()
        .filter(user=user, code_hash=_hash_code(code), used_at__isnull=True)
        .first()
    )
    if recovery is None:
        return False
    recovery.used_at = clock.now()
    recovery.save(update_fields=["used_at"])
    audit.record("2fa.recovery_code_used", actor=user, context=context, target=user)
    return True


def recovery_codes_regenerate(*, user: User, code: str, context: RequestContext) -> list[str]:
    """Replace all recovery codes, after proving possession of the second factor (wrong
    codes throttled)."""
    with _code_attempt(user=user, context=context, action="recovery_codes"), transaction.atomic():
        if not verify_second_factor(user=user, code=code, context=context):
            raise InvalidOTP()
        codes = _new_recovery_codes(user)
        audit.record("2fa.recovery_codes_regenerated", actor=user, context=context, target=user)
    return codes


def totp_disable(*, user: User, code: str, context: RequestContext) -> None:
    """Turn two-factor sign-in off, after proving possession (wrong codes throttled);
    refused where it is mandatory."""
    if two_factor_required(user):
        raise TwoFactorRequiredByAgency()
    with _code_attempt(user=user, context=context, action="disable"), transaction.atomic():
        if not verify_second_factor(user=user, code=code, context=context):
            raise InvalidOTP()
        TOTPCredential.objects.filter(user=user).delete()
        RecoveryCode.objects.filter(user=user).delete()
        audit.record("2fa.disabled", actor=user, context=context, target=user)


def totp_reset(*, actor: User, user: User, context: RequestContext) -> None:
    """An administrator removes a user's authenticator (lost phone); the user enrols again."""
    with transaction.atomic():
        TOTPCredential.objects.filter(user=user).delete()
        RecoveryCode.objects.filter(user=user).delete()
        audit.record("2fa.reset_by_admin", actor=actor, context=context, target=user)
