"""The send path on PostgreSQL in one statement: the conversation lock, every check
``message_send`` makes, the sequence number, the message row, its mentions, attachments,
the thread's counters and follows, and the author's read position.

The ORM path (``messages._message_send_locked``) makes seven statements besides the event
log's two, and spent most of a send's time building queries and model instances
(docs/performance.md). It stays as the
path on SQLite and as the oracle this one is tested against
(tests/messaging/test_send_sql.py): the same inputs give the same rows, the same events
and the same refusals.

Why one statement is still as safe as a lock followed by reads: under READ COMMITTED all
parts of a statement read one snapshot, taken before the lock was granted, so if another
transaction changed the conversation while this one waited for the lock, the reads could
be stale. Every change that matters to a send (members, roles, settings, another message)
moves the conversation's ``last_seq`` under the same lock, so the statement compares the
locked row with the snapshot's and writes nothing when they differ; the caller then runs
it again, holding the lock, with a fresh snapshot.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from django.db import connection

from messaging.events import ATTACHMENT_FIELDS
from messaging.models import Conversation
from messaging.permissions import COMMENT_IN_THREADS, MENTION_ALL, POST_MESSAGE

# The conversation's columns, as ``Conversation.from_db`` takes them back.
CONVERSATION_COLUMNS = [f.attname for f in Conversation._meta.concrete_fields]

_SEND = """
WITH RECURSIVE snapshot AS (
    SELECT last_seq FROM messaging_conversation WHERE id = %(conversation)s
), locked AS (
    SELECT {conversation_columns}, mb.id AS membership_id
    FROM messaging_membership mb JOIN messaging_conversation c ON c.id = mb.conversation_id
    WHERE mb.conversation_id = %(conversation)s AND mb.user_id = %(actor)s
      AND mb.left_at IS NULL
    FOR UPDATE OF mb, c
), held AS (
    SELECT p.codename FROM messaging_conversationuserobjectpermission up
      JOIN auth_permission p ON p.id = up.permission_id
    WHERE up.user_id = %(actor)s AND up.content_object_id = %(conversation)s
    UNION
    SELECT p.codename FROM messaging_conversationgroupobjectpermission gp
      JOIN auth_permission p ON p.id = gp.permission_id
      JOIN accounts_user_groups ug ON ug.group_id = gp.group_id
    WHERE ug.user_id = %(actor)s AND gp.content_object_id = %(conversation)s
), root AS (
    SELECT id, author_id FROM messaging_message
    WHERE id = %(thread_root)s AND conversation_id = %(conversation)s
      AND thread_root_id IS NULL AND kind = 'text' AND deleted_at IS NULL
), departments AS (
    SELECT id FROM accounts_department WHERE id = ANY(%(departments)s::uuid[])
    UNION
    SELECT d.id FROM accounts_department d JOIN departments ON d.parent_id = departments.id
), members AS (
    -- In a channel only the members a mention may reach: its events go to its topic, so
    -- a post to 100,000 members reads none of the others.
    SELECT mb.user_id FROM messaging_membership mb
    WHERE mb.conversation_id = %(conversation)s AND mb.left_at IS NULL
      AND (%(all)s
           OR (SELECT kind FROM messaging_conversation WHERE id = %(conversation)s) <> 'channel'
           OR mb.user_id::text = ANY(%(users)s::text[])
           OR EXISTS (SELECT FROM accounts_user u WHERE u.id = mb.user_id
                      AND u.department_id IN (SELECT id FROM departments)))
), mentioned AS (
    SELECT m.user_id FROM members m
    WHERE m.user_id <> %(actor)s
      AND (%(all)s OR m.user_id::text = ANY(%(users)s::text[])
           OR EXISTS (SELECT FROM accounts_user u WHERE u.id = m.user_id
                      AND u.department_id IN (SELECT id FROM departments)))
), free AS (
    SELECT id FROM messaging_attachment
    WHERE id = ANY(%(attachments)s::uuid[]) AND uploaded_by_id = %(actor)s
      AND conversation_id = %(conversation)s AND message_id IS NULL
    FOR UPDATE
), verdict AS (
    SELECT locked.*,
        locked.last_seq = (SELECT last_seq FROM snapshot) AS fresh,
        ARRAY(SELECT codename FROM held) AS held,
        (SELECT id FROM messaging_message
         WHERE author_id = %(actor)s AND client_id = %(client_id)s) AS existing_id,
        EXISTS (SELECT FROM root) AS root_found,
        EXISTS (SELECT FROM messaging_message WHERE id = %(reply_to)s
                AND conversation_id = %(conversation)s) AS reply_found,
        (SELECT count(*) FROM members) AS member_count,
        ARRAY(SELECT id FROM free) AS free
    FROM locked
), checked AS (
    SELECT verdict.*, (
        fresh AND existing_id IS NULL
        AND (%(thread_root)s::uuid IS NULL OR root_found)
        AND (%(post)s = ANY(held)
             OR (root_found AND comments_enabled AND %(comment)s = ANY(held)))
        AND (%(reply_to)s::uuid IS NULL OR reply_found)
        AND NOT (%(all)s AND member_count > %(mention_all_free)s
                 AND NOT %(mention_all)s = ANY(held))
        AND %(attachments_valid)s
        AND cardinality(free) = cardinality(%(attachments)s::uuid[])
    ) AS ok
    FROM verdict
), bumped AS (
    UPDATE messaging_conversation c SET last_seq = c.last_seq + 1, last_message_at = %(now)s
    FROM checked WHERE c.id = checked.id AND checked.ok
    RETURNING c.last_seq
), inserted AS (
    INSERT INTO messaging_message (id, conversation_id, seq, author_id, client_id, kind, body,
        body_html, system, reply_to_id, thread_root_id, reply_count, forwarded_from,
        mentions, created_at, edit_count)
    SELECT %(id)s, %(conversation)s, last_seq, %(actor)s, %(client_id)s, 'text', %(body)s,
        %(body_html)s, '{}'::jsonb, %(reply_to)s, %(thread_root)s, 0,
        %(forwarded_from)s::jsonb, %(mentions)s::jsonb, %(now)s, 0
    FROM bumped
    RETURNING seq
), read AS (
    UPDATE messaging_membership mb SET last_read_seq = inserted.seq
    FROM inserted, checked WHERE mb.id = checked.membership_id
), mention_rows AS (
    INSERT INTO messaging_mention (message_id, user_id, conversation_id, seq)
    SELECT %(id)s, mentioned.user_id, %(conversation)s, inserted.seq FROM mentioned, inserted
), bound AS (
    UPDATE messaging_attachment a SET message_id = %(id)s, position = given.n - 1
    FROM inserted, unnest(%(attachments)s::uuid[]) WITH ORDINALITY AS given(id, n)
    WHERE a.id = given.id
    RETURNING {attachment_fields}, a.position, a.created_at
), root_bumped AS (
    UPDATE messaging_message r SET reply_count = r.reply_count + 1, last_reply_at = %(now)s
    FROM inserted WHERE r.id = %(thread_root)s
    RETURNING r.reply_count, r.last_reply_at, r.author_id
), follows AS (
    INSERT INTO messaging_threadfollow (root_id, user_id)
    SELECT DISTINCT %(thread_root)s::uuid, follower
    FROM root_bumped, LATERAL (VALUES (root_bumped.author_id), (%(actor)s::uuid)) AS f(follower)
    WHERE follower IS NOT NULL
    ON CONFLICT (root_id, user_id) DO NOTHING
)
SELECT checked.*,
    (SELECT seq FROM inserted) AS seq,
    ARRAY(SELECT user_id FROM members) AS member_ids,
    ARRAY(SELECT user_id FROM mentioned) AS mentioned_ids,
    (SELECT json_agg(json_build_object({attachment_json}) ORDER BY position, created_at)
     FROM bound) AS attachment_rows,
    (SELECT reply_count FROM root_bumped) AS root_reply_count,
    (SELECT last_reply_at FROM root_bumped) AS root_last_reply_at
FROM checked
"""
_SEND = (
    _SEND.replace("{conversation_columns}", ", ".join(f"c.{n}" for n in CONVERSATION_COLUMNS))
    .replace("{attachment_fields}", ", ".join(f"a.{c}" for c in ATTACHMENT_FIELDS.values()))
    .replace("{attachment_json}", ", ".join(f"'{k}', {c}" for k, c in ATTACHMENT_FIELDS.items()))
)


def send_statement(
    *,
    conversation_id: uuid.UUID,
    actor_id: uuid.UUID,
    message_id: uuid.UUID,
    client_id: str,
    body: str,
    body_html: str,
    reply_to_id: uuid.UUID | None,
    thread_root_id: uuid.UUID | None,
    forwarded_from: dict[str, Any] | None,
    mentions: dict[str, Any],
    mention_users: list[str],
    mention_departments: list[uuid.UUID],
    mention_all: bool,
    attachment_ids: list[uuid.UUID],
    attachments_valid: bool,
    mention_all_free_up_to: int,
    now: dt.datetime,
) -> dict[str, Any] | None:
    """Run the send statement once; the row it returns (by column name), or None when the
    actor is not a current member. Precondition: inside the sending transaction.

    It writes only when every check passes: the row says what it found (``existing_id``,
    ``root_found``, ``held``, ``reply_found``, ``member_count``, ``free``: which of
    ``attachment_ids`` are the actor's unbound uploads here), so that the caller raises the
    error the ORM path would, and, when written, ``seq``, the members, the mentioned,
    the attachments' payloads and the thread root's counters. ``attachment_ids`` are
    parsed and deduplicated, ``attachments_valid`` says none failed to parse and they are
    within the limit. A row with ``fresh`` false wrote nothing and holds the lock now: run
    it again."""
    params = {
        "conversation": conversation_id, "actor": actor_id, "id": message_id,
        "client_id": client_id, "body": body, "body_html": body_html,
        "reply_to": reply_to_id, "thread_root": thread_root_id,
        "forwarded_from": None if forwarded_from is None else json.dumps(forwarded_from),
        "mentions": json.dumps(mentions), "users": mention_users,
        "departments": mention_departments, "all": mention_all,
        "attachments": attachment_ids, "attachments_valid": attachments_valid,
        "mention_all_free": mention_all_free_up_to, "now": now,
        "post": POST_MESSAGE, "comment": COMMENT_IN_THREADS, "mention_all": MENTION_ALL,
    }  # fmt: skip
    with _prepared_cursor() as cursor:
        cursor.execute(_SEND, params)
        names = [column.name for column in cursor.description]
        row = cursor.fetchone()
    return None if row is None else dict(zip(names, row, strict=True))


@contextmanager
def _prepared_cursor() -> Iterator[Any]:
    """A cursor whose statements PostgreSQL plans once per connection: planning the send
    statement took longer than running it (1.4 ms against 0.8). Django turns psycopg's
    prepared statements off, for the ORM (whose SQL differs from call to call, and which
    binds parameters on the client, so it never prepares anyway) and for external poolers
    in transaction mode, which Portal does not use: its pool is in the process
    (portal/settings.py), so a statement prepared on a connection stays with it. They are
    allowed here for this cursor's statements only; Django's wrapper still logs them and
    turns database errors into Django's."""
    connection.ensure_connection()
    raw = connection.connection
    disabled = raw.prepare_threshold is None
    if disabled:
        raw.prepare_threshold = 0
    try:
        cursor = psycopg.Cursor(raw)
        log = connection.make_debug_cursor if connection.queries_logged else connection.make_cursor
        # The stubs say these take Django's wrapper; Django itself gives them the driver's.
        with log(cursor) as wrapped:  # type: ignore[arg-type]
            yield wrapped
    finally:
        if disabled:
            raw.prepare_threshold = None
