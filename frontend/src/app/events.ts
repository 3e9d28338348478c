/**
 * The one event dispatcher: every durable event of the stream (docs/messaging.md, "Events")
 * changes the app state here and nowhere else. It is a pure function, applied idempotently:
 * the stream delivers each event once, but the starting state of `GET /api/v1/sync` may
 * already include what an event says (messages are merged by seq, counters recomputed).
 */
import type { PortalEvent } from "../realtime/index.js";
import type { Conversation, ConversationPayload, Member, Message, Role, ThreadState } from "./model.js";
import { mergeMessages, type AppState } from "./store.js";
import { countDocumentChange, isDocumentEvent } from "../documents/events.js";
import { applyCallEvent, CALL_EVENT_TYPE, emptyCalls } from "../calls/state.js";
import { countConferenceChange, isConferenceEvent } from "../conferences/events.js";

type Fields = Record<string, unknown>;

export function applyEvent(state: AppState, event: PortalEvent): AppState {
  const data = event as Fields;
  switch (`${event.type}.${event.op ?? ""}`) {
    case "message.add":
    case "message.update":
    case "message.remove":
    case "hidden_message.remove":
      return messageChanged(state, data["message"] as Message, event.type === "message" && event.op === "add");
    case "hidden_message.add":
      return messageHidden(state, data["conversation_id"] as string, data["message_id"] as string);
    case "membership.add":
    case "membership.remove": {
      const conversation = data["conversation"] as ConversationPayload;
      const userIds = membershipUserIds(data);
      let next = countMemberChange(state, conversation.id);
      for (const userId of userIds) next = membersChanged(next, conversation.id, userId, event.op as "add" | "remove");
      return membershipChanged(next, event.op!, conversation, userIds);
    }
    case "membership.update": {
      const counted = countMemberChange(state, data["conversation_id"] as string);
      const next = membersChanged(counted, data["conversation_id"] as string, data["user_id"] as string, "update", data["role"] as Role);
      if (data["user_id"] !== next.me?.id) return next;
      return patchConversation(next, data["conversation_id"] as string, { role: data["role"] as Role });
    }
    case "member_settings.update":
      return patchConversation(state, data["conversation_id"] as string, {
        muted_until: data["muted_until"] as string | null,
        pinned: data["pinned"] as boolean,
        archived: data["archived"] as boolean,
      });
    case "conversation.update": {
      const conversation = data["conversation"] as Conversation;
      return patchConversation(state, conversation.id, { ...conversation });
    }
    case "read.update":
      return readUpdated(state, data["conversation_id"] as string, data["user_id"] as string, data["seq"] as number);
    case "reaction.add":
    case "reaction.remove":
      return patchMessage(state, data["conversation_id"] as string, data["message_id"] as string, (m) =>
        reacted(m, event.op === "add", data["emoji"] as string, data["user_id"] as string),
      );
    case "pin.add":
    case "pin.remove":
      return pinsChanged(
        patchMessage(state, data["conversation_id"] as string, data["message_id"] as string, (m) => ({
          ...m,
          pinned: event.op === "add",
        })),
        data["conversation_id"] as string,
        data["message_id"] as string,
        event.op === "add",
      );
    case "poll.update":
      return patchMessage(state, data["conversation_id"] as string, data["message_id"] as string, (m) => ({
        ...m,
        poll: data["poll"] as Message["poll"],
      }));
    case "thread.update":
      return patchMessage(state, data["conversation_id"] as string, data["root_id"] as string, (m) => ({
        ...m,
        reply_count: data["reply_count"] as number,
        last_reply_at: data["last_reply_at"] as string | null,
      }));
    default:
      // Calls (calls/state.ts): the ringing overlay, the call screen and the history follow.
      if (event.type === CALL_EVENT_TYPE) {
        const calls = applyCallEvent(state.calls ?? emptyCalls, event);
        return calls === (state.calls ?? emptyCalls) ? state : { ...state, calls };
      }
      // Documents and approvals (documents/events.ts): open screens reload what changed.
      if (isDocumentEvent(event)) return { ...state, documentChanges: countDocumentChange(state.documentChanges, event) };
      // Conferences (conferences/events.ts): the open list or room reloads what changed.
      if (isConferenceEvent(event)) return { ...state, conferenceChanges: countConferenceChange(state.conferenceChanges, event) };
      return state; // events of later features: ignored until their screens exist
  }
}

function messageChanged(state: AppState, message: Message, added: boolean): AppState {
  const conversationId = message.conversation_id;
  let next = threadMessageChanged(state, message);
  const conversation = state.conversations[conversationId];
  if (conversation) {
    const mine = message.author_id !== null && message.author_id === state.me?.id;
    const lastSeq = Math.max(conversation.last_seq, message.seq);
    const lastReadSeq = added && mine ? Math.max(conversation.last_read_seq, message.seq) : conversation.last_read_seq;
    const isLast = !message.thread_root && (!conversation.last_message || conversation.last_message.seq <= message.seq);
    next = withConversation(next, {
      ...conversation,
      last_seq: lastSeq,
      last_read_seq: lastReadSeq,
      unread: Math.max(0, lastSeq - lastReadSeq),
      // A new message (past last_seq: a repeat or a sync that counted it adds nothing) that mentions me.
      mentions: conversation.mentions + (added && !mine && message.seq > conversation.last_seq && mentionsMe(message, state.me) ? 1 : 0),
      ...(isLast ? { last_message: message, last_message_at: added ? message.created_at : conversation.last_message_at } : {}),
    });
  }
  next = pinnedMessageChanged(next, message);
  const timeline = next.timelines[conversationId];
  if (!timeline || message.thread_root) return next;
  const known = timeline.messages.some((m) => m.seq === message.seq);
  if (!known) {
    // While the first page loads, a new message is kept (the store merges it with the page,
    // which the server may have read before the message was written); anything else comes
    // with the page.
    if (!timeline.loaded && !(added && timeline.loading)) return next;
    // A window that does not reach the newest message: paging forward will bring it.
    const last = timeline.messages[timeline.messages.length - 1];
    if (timeline.newerCursor !== null && (!last || message.seq > last.seq)) return next;
    // An edit of a message older than the loaded window changes nothing on screen.
    const first = timeline.messages[0];
    if (!added && timeline.olderCursor !== null && first && message.seq < first.seq) return next;
  }
  return {
    ...next,
    timelines: { ...next.timelines, [conversationId]: { ...timeline, messages: mergeMessages(timeline.messages, [message]) } },
  };
}

/** The message's mentions reach `me`: by name, @all, or my own department (the server also
 * counts sub-departments; the next sync corrects the count). */
function mentionsMe(message: Message, me: AppState["me"]): boolean {
  if (!me) return false;
  const mentions = (message as unknown as { mentions?: { users?: string[]; departments?: string[]; all?: boolean } }).mentions;
  if (!mentions) return false;
  return Boolean(mentions.all) || (mentions.users ?? []).includes(me.id) || (me.department !== null && (mentions.departments ?? []).includes(me.department.id));
}

function messageHidden(state: AppState, conversationId: string, messageId: string): AppState {
  const pins = state.pins?.[conversationId];
  if (pins?.some((m) => m.id === messageId)) {
    state = { ...state, pins: { ...state.pins, [conversationId]: pins.filter((m) => m.id !== messageId) } };
  }
  const timeline = state.timelines[conversationId];
  if (!timeline) return state;
  return {
    ...state,
    timelines: { ...state.timelines, [conversationId]: { ...timeline, messages: timeline.messages.filter((m) => m.id !== messageId) } },
  };
}

/** Everyone a membership event names: `user_ids` (one event for a whole call that added
 * many), or `user_id` alone from servers that sent one event per user. */
export function membershipUserIds(data: Fields): string[] {
  const ids = data["user_ids"];
  if (Array.isArray(ids)) return ids as string[];
  return typeof data["user_id"] === "string" ? [data["user_id"]] : [];
}

function membershipChanged(state: AppState, op: string, conversation: ConversationPayload, userIds: readonly string[]): AppState {
  const me = state.me?.id;
  if (!me || !userIds.includes(me)) return state; // member lists are loaded by the members panel
  if (op === "remove") {
    const conversations = { ...state.conversations };
    delete conversations[conversation.id];
    const timelines = { ...state.timelines };
    delete timelines[conversation.id];
    return { ...state, conversations, timelines };
  }
  // Added: the event carries the conversation, not the membership; the store fetches it.
  if (state.conversations[conversation.id]) return state;
  return withConversation(state, {
    role: "member",
    last_read_seq: conversation.last_seq,
    unread: 0,
    mentions: 0,
    pinned: false,
    archived: false,
    muted_until: null,
    last_message_at: null,
    peer_id: null,
    last_message: null,
    ...conversation,
  });
}

function countMemberChange(state: AppState, conversationId: string): AppState {
  const changes = state.memberChanges ?? {};
  return { ...state, memberChanges: { ...changes, [conversationId]: (changes[conversationId] ?? 0) + 1 } };
}

/** A loaded member list follows additions (as `member`), removals and role changes. */
function membersChanged(state: AppState, conversationId: string, userId: string, op: "add" | "remove" | "update", role: Role = "member"): AppState {
  const list = state.members?.[conversationId];
  if (!list?.loaded) return state;
  const known = list.members.find((m) => m.user_id === userId);
  let members: Member[];
  if (op === "remove") {
    if (!known) return state;
    members = list.members.filter((m) => m.user_id !== userId);
  } else if (known) {
    if (op === "add" || known.role === role) return state; // a repeated add keeps the role
    members = list.members.map((m) => (m.user_id === userId ? { ...m, role } : m));
  } else {
    // A member beyond the loaded pages arrives with the page that holds them.
    if (list.next !== null) return state;
    members = [...list.members, { user_id: userId, role, joined_at: new Date().toISOString() }];
  }
  return { ...state, members: { ...state.members, [conversationId]: { ...list, members } } };
}

function readUpdated(state: AppState, conversationId: string, userId: string, seq: number): AppState {
  if (userId === state.me?.id) {
    const conversation = state.conversations[conversationId];
    if (!conversation || seq <= conversation.last_read_seq) return state;
    return withConversation(state, {
      ...conversation,
      last_read_seq: seq,
      unread: Math.max(0, conversation.last_seq - seq),
      mentions: seq >= conversation.last_seq ? 0 : conversation.mentions,
    });
  }
  const readers = state.readers[conversationId] ?? {};
  if ((readers[userId] ?? 0) >= seq) return state;
  return { ...state, readers: { ...state.readers, [conversationId]: { ...readers, [userId]: seq } } };
}

function reacted(message: Message, add: boolean, emoji: string, userId: string): Message {
  const reactions = ((message["reactions"] as { emoji: string; count: number; user_ids: string[] }[] | undefined) ?? []).map((r) => ({ ...r }));
  const entry = reactions.find((r) => r.emoji === emoji);
  if (add) {
    if (entry?.user_ids.includes(userId)) return message;
    if (entry) {
      entry.user_ids = [...entry.user_ids, userId];
      entry.count += 1;
    } else reactions.push({ emoji, count: 1, user_ids: [userId] });
  } else {
    if (!entry || !entry.user_ids.includes(userId)) return message;
    entry.user_ids = entry.user_ids.filter((id) => id !== userId);
    entry.count -= 1;
  }
  return { ...message, reactions: reactions.filter((r) => r.count > 0) };
}

function patchConversation(state: AppState, conversationId: string, patch: Partial<Conversation>): AppState {
  const conversation = state.conversations[conversationId];
  if (!conversation) return state;
  return withConversation(state, { ...conversation, ...patch });
}

function withConversation(state: AppState, conversation: Conversation): AppState {
  return { ...state, conversations: { ...state.conversations, [conversation.id]: conversation } };
}

/** Change one message wherever the app shows it: the timeline, open threads and the list's last message. */
export function patchMessage(state: AppState, conversationId: string, messageId: string, change: (message: Message) => Message): AppState {
  let next = patchThreadMessage(state, messageId, change);
  const timeline = state.timelines[conversationId];
  if (timeline?.messages.some((m) => m.id === messageId)) {
    next = {
      ...next,
      timelines: { ...next.timelines, [conversationId]: { ...timeline, messages: timeline.messages.map((m) => (m.id === messageId ? change(m) : m)) } },
    };
  }
  const conversation = next.conversations[conversationId];
  if (conversation?.last_message?.id === messageId) {
    next = withConversation(next, { ...conversation, last_message: change(conversation.last_message) });
  }
  return next;
}

// --- pinned messages (the conversation screen's pinned bar) ----------------------------------

function pinsChanged(state: AppState, conversationId: string, messageId: string, pinned: boolean): AppState {
  const pins = state.pins?.[conversationId];
  if (!pins) return state; // not loaded: loaded when the conversation opens
  const rest = pins.filter((m) => m.id !== messageId);
  if (!pinned) return rest.length === pins.length ? state : { ...state, pins: { ...state.pins, [conversationId]: rest } };
  const message = state.timelines[conversationId]?.messages.find((m) => m.id === messageId);
  const pinsNext = { ...state.pins };
  // A message not in view: forget the list, so that it is loaded again with it.
  if (message) pinsNext[conversationId] = [message, ...rest];
  else delete pinsNext[conversationId];
  return { ...state, pins: pinsNext };
}

function pinnedMessageChanged(state: AppState, message: Message): AppState {
  const pins = state.pins?.[message.conversation_id];
  if (!pins?.some((m) => m.id === message.id)) return state;
  return { ...state, pins: { ...state.pins, [message.conversation_id]: pins.map((m) => (m.id === message.id ? message : m)) } };
}

// --- threads (features/threads): open thread panels follow their root and replies ----------------

/** A reply joins (or changes in) its open thread; an open thread's root is replaced. */
function threadMessageChanged(state: AppState, message: Message): AppState {
  const rootId = message.thread_root ?? message.id;
  const thread = state.threads[rootId];
  if (!thread) return state;
  let changed: ThreadState;
  if (message.thread_root) {
    if (!thread.loaded) return state; // the page being loaded brings it
    // Later replies than the loaded pages come with the next page.
    const last = thread.replies[thread.replies.length - 1];
    const known = thread.replies.some((m) => m.id === message.id);
    if (!known && thread.nextCursor !== null && last && message.seq > last.seq) return state;
    changed = { ...thread, replies: mergeMessages(thread.replies, [message]) };
    // Each reply makes the root's author and the replier followers (docs/messaging.md).
    const me = state.me?.id;
    if (!known && me && (message.author_id === me || thread.root?.author_id === me)) changed.following = true;
  } else {
    // The root's counters come with thread.update; keep them if the event's copy lacks them.
    changed = { ...thread, root: { ...thread.root, ...message } };
  }
  return { ...state, threads: { ...state.threads, [rootId]: changed } };
}

function patchThreadMessage(state: AppState, messageId: string, change: (message: Message) => Message): AppState {
  let threads: Record<string, ThreadState> | null = null;
  for (const [rootId, thread] of Object.entries(state.threads)) {
    const isRoot = thread.root?.id === messageId;
    const isReply = thread.replies.some((m) => m.id === messageId);
    if (!isRoot && !isReply) continue;
    threads ??= { ...state.threads };
    threads[rootId] = {
      ...thread,
      root: isRoot && thread.root ? change(thread.root) : thread.root,
      replies: isReply ? thread.replies.map((m) => (m.id === messageId ? change(m) : m)) : thread.replies,
    };
  }
  return threads ? { ...state, threads } : state;
}
