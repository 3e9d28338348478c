"""Users, agencies, departments, sign-in sessions and two-factor credentials."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.accounts.exceptions import LoginInvalid
from portal.accounts.identity import (
    LOGIN_KEY_MAX_LENGTH,
    login_refuse_invisible,
    login_skeleton,
    validate_login,
)
from portal.accounts.translit import search_text_for


class Agency(models.Model):
    """A government body. Users and departments belong to exactly one agency."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(_("name"), max_length=300, unique=True)
    short_name = models.CharField(_("short name"), max_length=100, blank=True)
    require_2fa = models.BooleanField(
        _("two-factor sign-in required"),
        default=False,
        help_text=_("Users of this agency must enrol an authenticator app before working."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.short_name or self.name


class Department(models.Model):
    """A node of an agency's department tree; ``parent`` is in the same agency or null.
    ``head`` (optional) is an active person of the same agency who leads it — an approval
    route may name "the head of this department" (docs/documents.md, "Approval"); they
    need not be a member of it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agency = models.ForeignKey(
        Agency, on_delete=models.CASCADE, related_name="departments", verbose_name=_("agency")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent department"),
    )
    name = models.CharField(_("name"), max_length=300)
    head = models.ForeignKey(
        "User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="headed_departments",
        verbose_name=_("head"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "parent", "name"], name="department_unique_name_in_parent"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def ancestors(self) -> list[Department]:
        """This department's parents from the nearest up to the root."""
        chain: list[Department] = []
        node = self.parent
        while node is not None and len(chain) < 100:
            chain.append(node)
            node = node.parent
        return chain

    def descendant_ids(self) -> list[uuid.UUID]:
        """Ids of this department and every department below it."""
        ids = [self.id]
        frontier = [self.id]
        while frontier:
            frontier = list(
                Department.objects.filter(parent_id__in=frontier).values_list("id", flat=True)
            )
            ids.extend(frontier)
        return ids


class PortalUserManager(UserManager["User"]):
    """Users are found by the key of their login (``portal.accounts.identity``), so
    "ADMIN", fullwidth "ａｄｍｉｎ" and "аdmin" with a Cyrillic "а" all name user "admin"."""

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(login_key=self._key_of(username))

    async def aget_by_natural_key(self, username: str | None) -> User:
        return await self.aget(login_key=self._key_of(username))

    def _key_of(self, username: str | None) -> str:
        try:
            login_refuse_invisible(username or "")
        except LoginInvalid:
            # No account has such a login; NUL would not even reach PostgreSQL.
            raise self.model.DoesNotExist() from None
        return login_skeleton(username or "")

    def _create_user(self, username, email, password, **extra_fields):
        from portal.accounts.services.users import login_clean

        # Portal signs in by ``login``; Django's helpers still call it ``username``.
        login = login_clean(login=username or "")
        user = self.model(login=login, email=self.normalize_email(email or ""), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, login, email=None, password=None, **extra_fields):  # type: ignore[override]
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(login, email, password, **extra_fields)

    def create_superuser(self, login, email=None, password=None, **extra_fields):  # type: ignore[override]
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(login, email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person (or a bot) who signs in to Portal.

    ``search_text`` is kept in step with the name fields on every save: the lower-cased full
    name in Cyrillic and its Latin transliteration, so the directory finds "Иванов" by
    "ivanov" and the other way round. ``login_key`` is kept in step with ``login`` the same
    way: its confusable skeleton (``portal.accounts.identity``), unique, the column every
    sign-in looks users up by. It is NULL only where migration 0003 found two existing
    logins with one key and left the later account's unset (it cannot sign in until an
    administrator renames one of them; ``manage.py check_login_collisions`` lists them).
    """

    class Language(models.TextChoices):
        RU = "ru", _("Russian")
        EN = "en", _("English")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    login = models.CharField(
        _("login"), max_length=150, unique=True, validators=[validate_login],
        help_text=_("Letters of one alphabet, digits and . _ - @. Compared without regard to "
                    "case and to letters that look alike."),
    )  # fmt: skip
    # NULL, not "": see the class docstring.
    login_key = models.CharField(  # noqa: DJ001
        max_length=LOGIN_KEY_MAX_LENGTH, unique=True, null=True, editable=False
    )
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    middle_name = models.CharField(_("middle name"), max_length=150, blank=True)
    position = models.CharField(_("position"), max_length=300, blank=True)
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("agency"),
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("department"),
    )
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    avatar_key = models.CharField(_("avatar"), max_length=200, blank=True, editable=False)
    language = models.CharField(
        _("language"), max_length=5, choices=Language.choices, default=Language.RU
    )
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Moscow")
    is_bot = models.BooleanField(_("bot"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(
        _("IT staff"), default=False, help_text=_("May sign in to the administration site.")
    )
    date_joined = models.DateTimeField(_("joined"), auto_now_add=True)
    search_text = models.TextField(editable=False, default="")

    USERNAME_FIELD = "login"
    REQUIRED_FIELDS = []

    objects = PortalUserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["last_name", "first_name", "login"]

    def __str__(self) -> str:
        return self.full_name or self.login

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.first_name or self.login

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.search_text = search_text_for(
            self.last_name, self.first_name, self.middle_name, self.login
        )
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "login" in update_fields:
            self.login_key = login_skeleton(self.login)
        if update_fields is not None:
            derived = {"search_text", "login_key"} if "login" in update_fields else {"search_text"}
            kwargs["update_fields"] = {*update_fields, *derived}
        super().save(*args, **kwargs)


class AuthSession(models.Model):
    """One sign-in of one user on one device: a browser session or an API token pair.

    Only SHA-256 hashes of tokens are stored. A session is usable while it is not revoked,
    its user is active and (for tokens) the access token has not expired; it can be
    refreshed while the refresh token has not expired.
    """

    class Kind(models.TextChoices):
        BROWSER = "browser", _("browser")
        TOKEN = "token", _("API token")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="auth_sessions", verbose_name=_("user")
    )
    device = models.ForeignKey(
        "devices.Device",
        on_delete=models.CASCADE,
        related_name="auth_sessions",
        verbose_name=_("device"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    # NULL, not "", for browser sessions: several may lack a token under a unique index.
    access_hash = models.CharField(max_length=64, unique=True, null=True, editable=False)  # noqa: DJ001
    refresh_hash = models.CharField(max_length=64, unique=True, null=True, editable=False)  # noqa: DJ001
    access_expires_at = models.DateTimeField(_("access expires"))
    refresh_expires_at = models.DateTimeField(_("refresh expires"))
    created_at = models.DateTimeField(_("signed in"))
    last_used_at = models.DateTimeField(_("last used"))
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("user agent"), max_length=500, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoke_reason = models.CharField(_("revoke reason"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "revoked_at"])]

    def __str__(self) -> str:
        return f"{self.user} / {self.device}"


class TOTPCredential(models.Model):
    """A user's authenticator-app secret; sign-in asks for a code once ``confirmed_at`` is set.

    ``last_used_step`` is the last accepted 30-second time step: a code is accepted once.
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="totp")
    secret = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_used_step = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("authenticator")
        verbose_name_plural = _("authenticators")

    def __str__(self) -> str:
        return f"TOTP: {self.user_id}"


class RecoveryCode(models.Model):
    """A single-use code that replaces an authenticator code; only its hash is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("recovery code")
        verbose_name_plural = _("recovery codes")

    def __str__(self) -> str:
        return f"recovery code of {self.user_id}"
