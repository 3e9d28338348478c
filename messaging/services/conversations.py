"""Conversations and their members: creating, settings, roles, joining, leaving, reading."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import Permission
from django.db import IntegrityError, transaction

from messaging import events, selectors
from messaging.exceptions import (
    InvalidMembers,
    NotConversationAdmin,
    OwnerCannotLeave,
)
from messaging.models import (
    Conversation,
    ConversationUserObjectPermission,
    Membership,
)
from messaging.permissions import (
    CHANGE_SETTINGS,
    MANAGE_MEMBERS,
    TRANSFER_OWNERSHIP,
    outranks,
    require_perm,
    role_permissions,
)
from messaging.services.common import (
    MAX_GROUP_MEMBERS,
    RECEIPTS_MAX_MEMBERS,
    active_users,
    announce,
    members_follow,
    members_unfollow,
    system_message,
)
from portal import clock
from portal.accounts.models import User
from portal.db import require_transaction
from portal.realtime import publish


def member_permissions_set(conversation: Conversation, memberships: Iterable[Membership]) -> None:
    """Make the guardian permission rows of these members on ``conversation`` exactly what
    their roles grant (``permissions.role_permissions``), and none for a membership that
    has ended: one delete and, if anything is granted, one lookup and one insert, however
    many members. Every service that creates a membership, changes a role or ends a
    membership calls it. Precondition: inside that service's transaction, with the
    conversation row locked (or just created)."""
    require_transaction("member_permissions_set")
    members = list(memberships)
    if not members:
        return
    ConversationUserObjectPermission.objects.filter(
        content_object=conversation, user_id__in=[m.user_id for m in members]
    ).delete()
    wanted = [
        (m.user_id, codename)
        for m in members
        if m.left_at is None
        for codename in role_permissions(conversation.kind, m.role)
    ]
    if not wanted:
        return
    ids = dict(
        Permission.objects.filter(
            content_type__app_label="messaging", content_type__model="conversation",
            codename__in={codename for _, codename in wanted},
        ).values_list("codename", "pk")
    )  # fmt: skip
    ConversationUserObjectPermission.objects.bulk_create(
        [ConversationUserObjectPermission(content_object=conversation, user_id=user_id,
                                          permission_id=ids[codename])
         for user_id, codename in wanted]
    )  # fmt: skip


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
        memberships = Membership.objects.bulk_create(
            [Membership(conversation=conversation, user=actor, role=Membership.Role.OWNER,
                        joined_at=now)]
            + [Membership(conversation=conversation, user=u, joined_at=now) for u in others]
        )  # fmt: skip
        member_permissions_set(conversation, memberships)
        members_follow(conversation, [m.user_id for m in memberships])
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
            memberships = Membership.objects.bulk_create(
                [Membership(conversation=conversation, user=u, joined_at=now,
                            role=Membership.Role.MEMBER) for u in (actor, other)]
            )  # fmt: skip
            member_permissions_set(conversation, memberships)
    except IntegrityError:
        return Conversation.objects.get(direct_key=key)  # created concurrently
    return conversation


def conversation_members_add(*, actor: User, conversation_id: Any, user_ids: list[Any]) -> int:
    """Holders of ``manage_members`` add members (as ``member``); each addition is a system
    message and a membership event."""
    with transaction.atomic():
        conversation, _ = selectors.access_conversation(actor, conversation_id, for_update=True)
        require_perm(actor, conversation, MANAGE_MEMBERS, NotConversationAdmin)
        users = active_users(user_ids)
        current = set(selectors.member_ids(conversation))
        new = [u for u in users if u.pk not in current]
        if len(current) + len(new) > MAX_GROUP_MEMBERS:
            raise InvalidMembers(limit=MAX_GROUP_MEMBERS)
        now = clock.now()
        added = []
        for user in new:
            membership, _ = Membership.objects.update_or_create(
                conversation=conversation, user=user,
                defaults={"left_at": None, "joined_at": now, "role": Membership.Role.MEMBER,
                          "last_read_seq": conversation.last_seq},
            )  # fmt: skip
            added.append(membership)
            members_follow(conversation, [user.pk])
            system_message(conversation, actor, {"event": "member_added", "user": str(user.pk)})
            announce(conversation, events.membership_event("add", conversation, user.pk))
        member_permissions_set(conversation, added)
    return len(new)


def conversation_member_remove(*, actor: User, conversation_id: Any, user_id: Any) -> None:
    """A holder of ``manage_members`` removes a member of a lower role, or a member leaves
    (``user_id`` is the actor's own id); the owner does neither (a direct chat keeps its
    pair). The removed user gets the event too, and then nothing more from this
    conversation; their permissions go in the same transaction."""
    with transaction.atomic():
        conversation, membership = selectors.access_conversation(
            actor, conversation_id, for_update=True
        )
        leaving = str(user_id) == str(actor.pk)
        if conversation.kind == Conversation.Kind.DIRECT:
            raise NotConversationAdmin()
        if not leaving:
            require_perm(actor, conversation, MANAGE_MEMBERS, NotConversationAdmin)
        target = Membership.objects.filter(
            conversation=conversation, user_id=user_id, left_at__isnull=True
        ).first()
        if target is None:
            raise InvalidMembers(users=[str(user_id)])
        if target.role == Membership.Role.OWNER:
            raise OwnerCannotLeave()
        if not leaving and not outranks(membership.role, target.role):
            raise NotConversationAdmin()
        recipients = selectors.member_ids(conversation)
        target.left_at = clock.now()
        target.save(update_fields=["left_at"])
        member_permissions_set(conversation, [target])
        announce(
            conversation, events.membership_event("remove", conversation, user_id),
            members=recipients,
        )  # fmt: skip
        members_unfollow(conversation, [user_id])
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
            # Receipts are shared in direct chats and small groups; in channels (and large
            # groups) only the reader's own devices hear of it.
            recipients = [actor.pk]
            if conversation.kind != Conversation.Kind.CHANNEL:
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
    """Holders of ``change_settings`` change the title, description, visibility, comments or
    edit window; a system message records what changed."""
    unknown = set(changes) - CONVERSATION_SETTINGS
    if unknown:
        raise InvalidMembers(fields=sorted(unknown))
    with transaction.atomic():
        conversation, _ = selectors.access_conversation(actor, conversation_id, for_update=True)
        require_perm(actor, conversation, CHANGE_SETTINGS, NotConversationAdmin)
        if "title" in changes and not str(changes["title"]).strip():
            raise InvalidMembers(title=["A group or channel needs a title."])
        for name, value in changes.items():
            setattr(conversation, name, value)
        conversation.save(update_fields=list(changes))
        system_message(
            conversation, actor, {"event": "settings_changed", "fields": sorted(changes)}
        )
        announce(conversation, events.conversation_event(conversation))
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
    """Holders of ``manage_members`` change the role of a member below their own to any role
    up to their own (admins make members admins, members or read-only); the owner, holding
    ``transfer_ownership``, names a new owner and then becomes an admin (ownership
    transfer). Nobody changes the owner's role. The permissions of everyone whose role
    changed follow in the same transaction."""
    if role not in Membership.Role.values:
        raise InvalidMembers(role=[role])
    with transaction.atomic():
        conversation, membership = selectors.access_conversation(
            actor, conversation_id, for_update=True
        )
        held = require_perm(actor, conversation, MANAGE_MEMBERS, NotConversationAdmin)
        target = (
            Membership.objects.select_for_update()
            .filter(conversation=conversation, user_id=user_id, left_at__isnull=True)
            .first()
        )
        if target is None:
            raise InvalidMembers(users=[str(user_id)])
        if role == Membership.Role.OWNER:
            # One owner: only the owner hands it on, and only with the permission to.
            allowed = TRANSFER_OWNERSHIP in held and membership.role == Membership.Role.OWNER
        else:
            allowed = not outranks(role, membership.role)
        if not (allowed and outranks(membership.role, target.role)):
            raise NotConversationAdmin()
        recipients = selectors.member_ids(conversation)
        changed = [target]
        if role == Membership.Role.OWNER:
            membership.role = Membership.Role.ADMIN
            membership.save(update_fields=["role"])
            changed.append(membership)
            announce(
                conversation, events.role_event(conversation, actor.pk, membership.role),
                members=recipients,
            )  # fmt: skip
        target.role = role
        target.save(update_fields=["role"])
        member_permissions_set(conversation, changed)
        announce(conversation, events.role_event(conversation, user_id, role), members=recipients)
        system_message(conversation, actor, {"event": "role_changed", "user": str(user_id),
                                              "role": role})  # fmt: skip


def conversation_join(*, actor: User, conversation_id: Any) -> Conversation:
    """Join a group or channel open to the actor's agency or to everyone on the server."""
    with transaction.atomic():
        conversation = selectors.access_discoverable(actor, conversation_id)
        conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if len(selectors.member_ids(conversation)) >= MAX_GROUP_MEMBERS:
            raise InvalidMembers(limit=MAX_GROUP_MEMBERS)
        membership, _ = Membership.objects.update_or_create(
            conversation=conversation, user=actor,
            defaults={"left_at": None, "joined_at": clock.now(), "role": Membership.Role.MEMBER,
                      "last_read_seq": conversation.last_seq},
        )  # fmt: skip
        member_permissions_set(conversation, [membership])
        members_follow(conversation, [actor.pk])
        system_message(conversation, actor, {"event": "member_joined", "user": str(actor.pk)})
        announce(conversation, events.membership_event("add", conversation, actor.pk))
    return conversation
