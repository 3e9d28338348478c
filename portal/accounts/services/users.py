"""Creating, changing and deactivating users; changes to their permissions are audited."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from portal.accounts.exceptions import (
    InvalidCredentials,
    InvalidInput,
    InvalidPassword,
    LoginTaken,
    LoginThrottled,
)
from portal.accounts.identity import login_skeleton, login_validate
from portal.accounts.models import Department, User
from portal.accounts.services import throttle
from portal.accounts.services.sessions import auth_sessions_revoke_all
from portal.audit import services as audit
from portal.audit.services import RequestContext
from portal.devices.events import policy_updated_event
from portal.realtime import publish

PROFILE_FIELDS = frozenset({"phone", "language", "time_zone"})
# Fields whose change alters what a user may do; their changes are audited one by one.
PRIVILEGE_FIELDS = ("is_active", "is_staff", "is_superuser")


def _check_password(password: str, user: User) -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise InvalidPassword(messages=list(exc.messages)) from exc


def login_clean(*, login: str, user: User | None = None) -> str:
    """The one check of a login that every path creating or renaming a user goes through
    (services, admin forms, the manager, ``createsuperuser``): returns the login as it is
    stored, or raises ``LoginInvalid`` (the rules of ``portal.accounts.identity``) or
    ``LoginTaken`` (another user's login has the same key: differs only in case, width or
    look-alike letters). ``user`` is the account being renamed; its own unchanged login
    passes as it is, unless its key was left unset by an unresolved collision."""
    if user is not None and not user._state.adding:
        stored = User.objects.filter(pk=user.pk).values_list("login", "login_key").first()
        if stored is not None and stored[0] == login and stored[1] is not None:
            return login
    login = login_validate(login)
    taken = User.objects.filter(login_key=login_skeleton(login))
    if user is not None:
        taken = taken.exclude(pk=user.pk)
    if taken.exists():
        raise LoginTaken()
    return login


def _save_checked(user: User, **kwargs: Any) -> None:
    """Save ``user``; a concurrent save that took the same login key first is LoginTaken."""
    try:
        with transaction.atomic():
            user.save(**kwargs)
    except IntegrityError:
        if User.objects.filter(login_key=user.login_key).exclude(pk=user.pk).exists():
            raise LoginTaken() from None
        raise


def user_create(
    *, actor: User | None, login: str, password: str | None, context: RequestContext, **fields: Any
) -> User:
    """Create a user; ``login`` must pass ``login_clean``, ``password`` the password policy
    (None: cannot sign in)."""
    department: Department | None = fields.get("department")
    if department is not None and fields.get("agency") is None:
        fields["agency"] = department.agency
    if department is not None and fields["agency"].pk != department.agency_id:
        raise InvalidInput(field="department", reason="department of another agency")
    with transaction.atomic():
        user = User(login=login_clean(login=login), **fields)
        if password is None:
            user.set_unusable_password()
        else:
            _check_password(password, user)
            user.set_password(password)
        _save_checked(user)
        audit.record("user.created", actor=actor, context=context, target=user)
    return user


def user_update_profile(*, user: User, changes: dict[str, Any], context: RequestContext) -> User:
    """A user changes their own contact details and preferences (PROFILE_FIELDS only)."""
    unknown = set(changes) - PROFILE_FIELDS
    if unknown:
        raise InvalidInput(fields=sorted(unknown))
    with transaction.atomic():
        for name, value in changes.items():
            setattr(user, name, value)
        user.save(update_fields=list(changes))
        audit.record(
            "user.profile_updated", actor=user, context=context, target=user,
            details={"fields": sorted(changes)},
        )  # fmt: skip
    return user


def user_set_password(
    *, actor: User, user: User, password: str, context: RequestContext, keep_session: Any = None
) -> None:
    """Set a new password and end every other session of the user."""
    _check_password(password, user)
    with transaction.atomic():
        user.set_password(password)
        user.save(update_fields=["password"])
        audit.record("user.password_changed", actor=actor, context=context, target=user)
        auth_sessions_revoke_all(
            actor=actor, user=user, reason="password_changed", context=context, keep=keep_session
        )


def user_change_own_password(
    *, user: User, current_password: str, new_password: str, context: RequestContext,
    keep_session: Any = None,
) -> None:  # fmt: skip
    """The user changes their own password, proving the current one. That proof counts
    toward the sign-in throttle of their login, like a sign-in: a stolen session is no
    way around it to guess the password. Then as ``user_set_password``."""
    key = user.login_key or login_skeleton(user.login)
    wait = throttle.retry_after(throttle.SIGN_IN, key, context.ip)
    if wait:
        raise LoginThrottled(retry_after=wait)
    if not user.check_password(current_password):
        delay = throttle.register_failure(throttle.SIGN_IN, key, context.ip)
        with transaction.atomic():
            audit.record(
                "user.password_change_failed", actor=user, context=context, target=user,
                details={"throttle_delay": delay},
            )  # fmt: skip
        raise InvalidCredentials()
    throttle.register_success(throttle.SIGN_IN, key, context.ip)
    user_set_password(
        actor=user, user=user, password=new_password, context=context, keep_session=keep_session
    )


def user_deactivate(*, actor: User | None, user: User, context: RequestContext) -> None:
    """Block the user: every session ends at once and their sockets close."""
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(is_active=False)
        user.is_active = False
        audit.record("user.deactivated", actor=actor, context=context, target=user)
        auth_sessions_revoke_all(actor=actor, user=user, reason="deactivated", context=context)


def user_admin_save(
    *, actor: User, user: User, changed: list[str], created: bool, context: RequestContext
) -> None:
    """Save a user edited in Django admin, auditing privilege changes and ending the
    sessions of a user who was just deactivated. A new or changed login must pass
    ``login_clean``."""
    with transaction.atomic():
        before = None if created else User.objects.filter(pk=user.pk).first()
        user.login = login_clean(login=user.login, user=user)
        _save_checked(user)
        if created:
            audit.record("user.created", actor=actor, context=context, target=user)
            return
        privilege_changes = {
            name: [getattr(before, name), getattr(user, name)]
            for name in PRIVILEGE_FIELDS
            if before is not None and getattr(before, name) != getattr(user, name)
        }
        audit.record(
            "admin.user_changed",
            actor=actor,
            context=context,
            target=user,
            details={"fields": sorted(changed), "privileges": privilege_changes},
        )
        if before is not None and (
            before.department_id != user.department_id or before.agency_id != user.agency_id
        ):
            # Device policies are inherited through the organisation: re-check their devices.
            event, recipients = policy_updated_event([user.pk])
            publish(event, user_ids=recipients)
        if before is not None and before.is_active and not user.is_active:
            audit.record("user.deactivated", actor=actor, context=context, target=user)
            auth_sessions_revoke_all(actor=actor, user=user, reason="deactivated", context=context)
