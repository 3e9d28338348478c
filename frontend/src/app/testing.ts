/** Shared fixtures of the unit tests (not part of the app bundle: only tests import it). */
import type { Message } from "./model.js";

/** A text message number `seq` in conversation `c-1`, sent at 10:<seq> on 2026-12-01. */
export function testMessage(seq: number, fields: Partial<Message> = {}, author = "other"): Message {
  return {
    id: `m-${seq}`,
    conversation_id: "c-1",
    seq,
    author_id: author,
    client_id: `cid-${seq}`,
    kind: "text",
    body: `text ${seq}`,
    body_html: `<p>text ${seq}</p>`,
    system: {},
    reply_to: null,
    thread_root: null,
    reply_count: 0,
    created_at: new Date(Date.UTC(2026, 11, 1, 10, seq)).toISOString(),
    edited_at: null,
    edit_count: 0,
    deleted: false,
    reactions: [],
    poll: null,
    attachments: [],
    ...fields,
  } as Message;
}
