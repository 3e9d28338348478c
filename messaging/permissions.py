"""Who may do what in a conversation: the one mapping from roles to django-guardian object
permissions, and the check every service makes.

Reading is being a current member (a ``Membership`` with ``left_at`` null): every read
query joins on it, and ``selectors.access_*`` answer "not found" to anyone else. Everything
beyond reading is a permission on the conversation (``Conversation.Meta.permissions``),
held as ``ConversationUserObjectPermission`` rows that
``services.conversations.member_permissions_set`` writes from the member's role whenever a
membership starts, changes role or ends. Checks read the rows, not the role: the rows are
the authority.
"""

from __future__ import annotations

from messaging.models import (
    Conversation,
    ConversationGroupObjectPermission,
    ConversationUserObjectPermission,
    Membership,
)
from portal.accounts.models import User
from portal.errors import PortalError

POST_MESSAGE = "post_message"
COMMENT_IN_THREADS = "comment_in_threads"
REACT = "react"
MENTION_ALL = "mention_all"
PIN_MESSAGES = "pin_messages"
MODERATE_MESSAGES = "moderate_messages"
MANAGE_MEMBERS = "manage_members"
CHANGE_SETTINGS = "change_settings"
TRANSFER_OWNERSHIP = "transfer_ownership"

Kind, Role = Conversation.Kind, Membership.Role

_TAKING_PART = frozenset({POST_MESSAGE, COMMENT_IN_THREADS, REACT})
_ADMINISTERING = _TAKING_PART | {
    MENTION_ALL,
    PIN_MESSAGES,
    MODERATE_MESSAGES,
    MANAGE_MEMBERS,
    CHANGE_SETTINGS,
}
_GROUP: dict[str, frozenset[str]] = {
    Role.OWNER: _ADMINISTERING | {TRANSFER_OWNERSHIP},
    Role.ADMIN: _ADMINISTERING,
    Role.MEMBER: _TAKING_PART,
    Role.READ_ONLY: frozenset(),
}
# In a channel members do not post in the timeline; they comment in threads while the
# channel's ``comments_enabled`` is on. Both members of a direct chat are "member": they
# post and pin, and nobody manages members or settings there.
ROLE_PERMISSIONS: dict[str, dict[str, frozenset[str]]] = {
    Kind.GROUP: _GROUP,
    Kind.CHANNEL: {**_GROUP, Role.MEMBER: _TAKING_PART - {POST_MESSAGE}},
    Kind.DIRECT: {Role.MEMBER: _TAKING_PART | {PIN_MESSAGES}},
}

# Whom a role outranks: admins manage members and read-only members, the owner also admins.
_RANK: dict[str, int] = {Role.READ_ONLY: 0, Role.MEMBER: 1, Role.ADMIN: 2, Role.OWNER: 3}


def role_permissions(kind: str, role: str) -> frozenset[str]:
    """The permission codenames a member with ``role`` gets in a conversation of ``kind``."""
    return ROLE_PERMISSIONS[kind].get(role, frozenset())


def outranks(role: str, other: str) -> bool:
    """Whether a member with ``role`` stands above one with ``other`` (and so may remove
    them or change their role, given ``manage_members``)."""
    return _RANK[role] > _RANK[other]


def perms_of(actor: User, conversation: Conversation) -> frozenset[str]:
    """The codenames of the permissions ``actor`` holds on ``conversation``: their own rows
    and their groups' rows, in one query (guardian's ``ObjectPermissionChecker`` makes two,
    and grants superusers everything, which Portal does not: IT staff are not moderators of
    the conversations they happen to be in). Precondition: the caller passed an
    ``access_*`` check, so ``actor`` is a current member. The send statement on PostgreSQL
    (``services/sql.py``) reads the same rows the same way: change both together."""
    own = ConversationUserObjectPermission.objects.filter(
        user=actor, content_object=conversation
    ).values_list("permission__codename", flat=True)
    of_groups = ConversationGroupObjectPermission.objects.filter(
        group__user=actor, content_object=conversation
    ).values_list("permission__codename", flat=True)
    return frozenset(own.union(of_groups))


def require_perm(
    actor: User, conversation: Conversation, perm: str, error: type[PortalError]
) -> frozenset[str]:
    """Raise ``error`` (a domain error, 403) unless ``actor`` holds ``perm`` on
    ``conversation``; otherwise return everything they hold, for further checks without
    another query. Same precondition as ``perms_of``."""
    held = perms_of(actor, conversation)
    if perm not in held:
        raise error()
    return held
