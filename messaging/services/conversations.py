"""Conversations and their members: creating, settings, roles, joining, leaving, reading."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction

from messaging import events, selectors
from messaging.exceptions import (
    InvalidMembers,
    NotConversationAdmin,
    OwnerCannotLeave,
)
from messaging.models import (
    Conversation,
    Membership,
)
from messaging.services.common import (
    ADMIN_ROLES,
    MAX_GROUP_MEMBERS,
    RECEIPTS_MAX_MEMBERS,
    active_users,
    system_message,
)
from portal import clock
from portal.accounts.models import User
from portal.realtime import publish


def conversation_create(
    *,
    actor: User,
    kind: str,
    title: str,
    description: str = "",
    member_ids: Iterable[Any] = (),
    visibility: str = Conversation.Visibility.PRIVATE,
    comments_enabled: bool = False,
) -> Conversation:
    """Create a group or a channel owned by ``actor`` with these members."""
    if kind not in (Conversation.Kind.GROUP, Conversation.Kind.CHANNEL):
        raise InvalidMembers(kind=["Use the direct endpoint for direct chats."])
    if not title.strip():
        raise InvalidMembers(title=["A group or channel needs a title."])
    others = [u for u in active_users(member_ids) if u.pk != actor.pk]
    if len(others) + 1 > MAX_GROUP_MEMBERS:
        raise InvalidMembers(limit=MAX_GROUP_MEMBERS)
    now = clock.now()
    with transaction.atomic():
        conversation = Conversation.objects.create(
            kind=kind, title=title.strip(), description=description, visibility=visibility,
            agency_id=actor.agency_id, comments_enabled=comments_enabled, created_by=actor,
            created_at=now,
        )  # fmt: skip
        Membership.objects.bulk_create(
            [Membership(conversation=conversation, user=actor, role=Membership.Role.OWNER,
                        joined_at=now)]
            + [Membership(conversation=conversation, user=u, joined_at=now) for u in others]
        )  # fmt: skip
        system_message(conversation, actor, {"event": "created", "title": conversation.title})
    return conversation


def direct_conversation(*, actor: User, other: User) -> Conversation:
    """The one direct chat between ``actor`` and ``other``, created on first use."""
    if other.pk == actor.pk or not other.is_active:
        raise InvalidMembers(users=[str(other.pk)])
    low, high = sorted([str(actor.pk), str(other.pk)])
    key = f"{low}:{high}"
    existing = Conversation.objects.filter(direct_key=key).first()
    if existing:
        return existing
    now = clock.now()
    try:
        with transaction.atomic():
            conversation = Conversation.objects.create(
                kind=Conversation.Kind.DIRECT, direct_key=key, created_by=actor, created_at=now
            )
            Membership.objects.bulk_create(
                [Membership(conversation=conversation, user=u, joined_at=now,
                            role=Membership.Role.MEMBER) for u in (actor, other)]
            )  # fmt: skip
    except IntegrityError:
        return Conversation.objects.get(direct_key=key)  # created concurrently
    return conversation


def conversation_members_add(*, actor: User, conversation_id: Any, user_ids: list[Any]) -> int:
    """Admins add members; each addition is a system message and a membership event."""
    with transaction.atomic():
        conversation, membership = selectors.access_conversation(
            actor, conversation_id, for_update=True
        )
        if membership.role not in ADMIN_ROLES or conversation.kind == Conversation.Kind.DIRECT:
            raise NotConversationAdmin()
        users = active_users(user_ids)
        current = set(selectors.member_ids(conversation))
        new = [u for u in users if u.pk not in current]
        if len(current) + len(new) > MAX_GROUP_MEMBERS:
            raise InvalidMembers(limit=MAX_GROUP_MEMBERS)
        now = clock.now()
        for user in new:
            Membership.objects.update_or_create(
                conversation=conversation, user=user,
                defaults={"left_at": None, "joined_at": now, "role": Membership.Role.MEMBER,
                          "last_read_seq": conversation.last_seq},
            )  # fmt: skip
            system_message(conversation, actor, {"event": "member_added", "user": str(user.pk)})
            publish(
                events.membership_event("add", conversation, user.pk),
                user_ids=selectors.member_ids(conversation),
            )
    return len(new)


def conversation_member_remove(*, actor: User, conversation_id: Any, user_id: Any) -> None:
    """An admin removes a member, or a member leaves (``user_id`` is the actor's own id).
    The removed user gets the event too, and then nothing more from this conversation."""
    with transaction.atomic():
        conversation, membership = selectors.access_conversation(
            actor, conversation_id, for_update=True
        )
        leaving = str(user_id) == str(actor.pk)
        if conversation.kind == Conversation.Kind.DIRECT:
            raise NotConversationAdmin()
        if not leaving and membership.role not in ADMIN_ROLES:
            raise NotConversationAdmin()
        target = Membership.objects.filter(
            conversation=conversation, user_id=user_id, left_at__isnull=True
        ).first()
        if target is None:
            raise InvalidMembers(users=[str(user_id)])
        if target.role == Membership.Role.OWNER:
            raise OwnerCannotLeave()
        recipients = selectors.member_ids(conversation)
        target.left_at = clock.now()
        target.save(update_fields=["left_at"])
        publish(events.membership_event("remove", conversation, user_id), user_ids=recipients)
        system_message(
            conversation, actor,
            {"event": "member_left" if leaving else "member_removed", "user": str(user_id)},
        )  # fmt: skip


def conversation_mark_read(*, actor: User, conversation_id: Any, seq: int) -> int:
    """Move the actor's read position forward to ``seq`` (never back, never past the end)."""
    with transaction.atomic():
        conversation, membership = selectors.access_conversation(actor, conversation_id)
        seq = max(0, min(int(seq), conversation.last_seq))
        updated = Membership.objects.filter(pk=membership.pk, last_read_seq__lt=seq).update(
            last_read_seq=seq
        )
        if updated:
            recipients = [actor.pk]
            members = selectors.member_ids(conversation)
            if len(members) <= RECEIPTS_MAX_MEMBERS:
                recipients = members
            publish(events.read_event(conversation, actor.pk, seq), user_ids=recipients)
    return seq


CONVERSATION_SETTINGS = frozenset(
    {"title", "description", "visibility", "comments_enabled", "edit_window_seconds"}
)


def conversation_update(
    *, actor: User, conversation_id: Any, changes: dict[str, Any]
) -> Conversation:
    """Admins change the title, description, visibility, comments or edit window; a system
    message records what changed."""
    unknown = set(changes) - CONVERSATION_SETTINGS
    if unknown:
        raise InvalidMembers(fields=sorted(unknown))
    with transaction.atomic():
        conversation, membership = selectors.access_conversation(
            actor, conversation_id, for_update=True
        )
        if membership.role not in ADMIN_ROLES or conversation.kind == Conversation.Kind.DIRECT:
            raise NotConversationAdmin()
        if "title" in changes and not str(changes["title"]).strip():
            raise InvalidMembers(title=["A group or channel needs a title."])
        for name, value in changes.items():
            setattr(conversation, name, value)
        conversation.save(update_fields=list(changes))
        system_message(
            conversation, actor, {"event": "settings_changed", "fields": sorted(changes)}
        )
        publish(
            events.conversation_event(conversation), user_ids=selectors.member_ids(conversation)
        )
    return conversation


def member_settings_update(
    *, actor: User, conversation_id: Any, changes: dict[str, Any]
) -> Membership:
    """A member's own mute, pin and archive settings; only their own devices hear of it."""
    with transaction.atomic():
        _, membership = selectors.access_conversation(actor, conversation_id, for_update=True)
        for name in ("muted_until", "pinned", "archived"):
            if name in changes:
                setattr(membership, name, changes[name])
        membership.save(
            update_fields=[n for n in ("muted_until", "pinned", "archived") if n in changes]
        )
        publish(events.member_settings_event(membership), user_ids=[actor.pk])
    return membership


def member_role_set(*, actor: User, conversation_id: Any, user_id: Any, role: str) -> None:
    """Admins make members admins, members or read-only; only the owner names a new owner,
    and then becomes an admin (ownership transfer). Nobody changes the owner's role."""
    if role not in Membership.Role.values:
        raise InvalidMembers(role=[role])
    with transaction.atomic():
        conversation, membership = selectors.access_conversation(
            actor, conversation_id, for_update=True
        )
        if membership.role not in ADMIN_ROLES or conversation.kind == Conversation.Kind.DIRECT:
            raise NotConversationAdmin()
        target = (
            Membership.objects.select_for_update()
            .filter(conversation=conversation, user_id=user_id, left_at__isnull=True)
            .first()
        )
        if target is None:
            raise InvalidMembers(users=[str(user_id)])
        if target.role == Membership.Role.OWNER or (
            role == Membership.Role.OWNER and membership.role != Membership.Role.OWNER
        ):
            raise NotConversationAdmin()
        recipients = selectors.member_ids(conversation)
        if role == Membership.Role.OWNER:
            membership.role = Membership.Role.ADMIN
            membership.save(update_fields=["role"])
            publish(events.role_event(conversation, actor.pk, membership.role), user_ids=recipients)
        target.role = role
        target.save(update_fields=["role"])
        publish(events.role_event(conversation, user_id, role), user_ids=recipients)
        system_message(conversation, actor, {"event": "role_changed", "user": str(user_id),
                                              "role": role})  # fmt: skip


def conversation_join(*, actor: User, conversation_id: Any) -> Conversation:
    """Join a group or channel open to the actor's agency or to everyone on the server."""
    with transaction.atomic():
        conversation = selectors.access_discoverable(actor, conversation_id)
        conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if len(selectors.member_ids(conversation)) >= MAX_GROUP_MEMBERS:
            raise InvalidMembers(limit=MAX_GROUP_MEMBERS)
        Membership.objects.update_or_create(
            conversation=conversation, user=actor,
            defaults={"left_at": None, "joined_at": clock.now(), "role": Membership.Role.MEMBER,
                      "last_read_seq": conversation.last_seq},
        )  # fmt: skip
        system_message(conversation, actor, {"event": "member_joined", "user": str(actor.pk)})
        publish(
            events.membership_event("add", conversation, actor.pk),
            user_ids=selectors.member_ids(conversation),
        )
    return conversation
