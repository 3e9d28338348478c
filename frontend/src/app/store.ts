/**
 * The app's state: what the screens show, kept in one immutable object and changed only
 * here — by the REST answers the app asks for and by the one event dispatcher
 * (`applyEvent` in events.ts). Components read it with `useApp(selector)`.
 */
import { useSyncExternalStore } from "react";
import { ApiError, type ConnectionState, type OutgoingMessage, type PortalClient, type PortalEvent } from "../realtime/index.js";
import type { ConversationMember, ThreadPage } from "../api/index.js";
import { notificationKind } from "../features/notifications/rules.js";
import { setTimeZone } from "../i18n/format.js";
import { adoptProfileLanguage, getLanguage } from "../i18n/index.js";
import { applyEvent, membershipUserIds } from "./events.js";
import type { CallsState } from "../calls/state.js";
import type { Conversation, Limits, Me, MemberList, Message, Page, Presence, SyncState, ThreadState, Timeline, User } from "./model.js";

export interface AppState {
  connection: ConnectionState;
  /** The first `GET /api/v1/sync` of this session has answered. */
  synced: boolean;
  syncError: string | null;
  me: Me | null;
  conversations: Readonly<Record<string, Conversation>>;
  users: Readonly<Record<string, User>>;
  presence: Readonly<Record<string, Presence>>;
  /** conversation id → user id → when their "typing…" ends (ms). */
  typing: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** conversation id → user id → the seq they have read up to (read receipts). */
  readers: Readonly<Record<string, Readonly<Record<string, number>>>>;
  timelines: Readonly<Record<string, Timeline>>;
  /** Sends not confirmed yet, oldest first (the client's outbox). */
  pending: readonly OutgoingMessage[];
  /** conversation id → its pinned messages, the latest pin first (absent: not loaded, or
   * stale after a pin of a message not in view: load again). */
  pins?: Readonly<Record<string, readonly Message[]>>;
  // --- attachments, threads (features/attachments, features/threads) ---
  /** The server's limits (`limits` of `GET /api/v1/sync`); null before the first sync. */
  limits: Limits | null;
  /** Open thread panels: root message id → the root and its loaded replies. */
  threads: Readonly<Record<string, ThreadState>>;
  /** conversation id → its member list, once the members panel has opened it. */
  members?: Readonly<Record<string, MemberList>>;
  /** conversation id → how many membership changes (adds, removals, roles) arrived for it:
   * lists loaded elsewhere (the composer's mention list, the header's count) reload on it. */
  memberChanges?: Readonly<Record<string, number>>;
  /** Documents and approvals (documents/events.ts): key → how many events concerned it;
   * the open screens showing that thing reload on a change. */
  documentChanges?: Readonly<Record<string, number>>;
  /** Calls (calls/state.ts): their latest states, from the call events and REST answers. */
  calls?: CallsState;
  /** Conferences (conferences/events.ts): key → how many events concerned it. */
  conferenceChanges?: Readonly<Record<string, number>>;
  /** Unread notifications (features/notifications): `more` when there are over `unread`. */
  notifications: { unread: number; more: boolean };
}

const HISTORY_PAGE = 50;

export class AppStore {
  private state: AppState;
  private readonly listeners = new Set<() => void>();
  private readonly userRequests = new Map<string, Promise<User | null>>();
  private syncing: Promise<void> | null = null;
  private readonly unknownLoads = new Set<string>();
  /** Events delivered while a sync is in flight: the answer may predate some of them. */
  private duringSync: { id: number; topic?: string; event: PortalEvent }[] = [];
  private typingTimer: ReturnType<typeof setTimeout> | null = null;
  private notificationsTimer: ReturnType<typeof setTimeout> | null = null;

  constructor(readonly client: PortalClient) {
    this.state = initialState(client.state, client.pending);
  }

  getState = (): AppState => this.state;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Replace the state with `change(state)` and tell the screens. */
  update(change: (state: AppState) => AppState): void {
    const next = change(this.state);
    if (next === this.state) return;
    this.state = next;
    for (const listener of this.listeners) listener();
  }

  /** Listen to the client; returns the function that stops listening. */
  start(): () => void {
    const client = this.client;
    const stops = [
      client.on("state", (connection) => {
        if (connection.status === "signed_out") this.update(() => initialState(connection, []));
        else this.update((s) => ({ ...s, connection }));
      }),
      client.on("resync", () => void this.sync()),
      // One broadcast channel's events before its cursor are not coming: reload just it.
      client.on("topicResync", ({ conversationId }) => {
        if (conversationId) void this.reloadConversation(conversationId);
      }),
      client.on("event", ({ id, topic, event }) => {
        if (this.syncing) this.duringSync.push({ id, topic, event });
        this.update((s) => applyEvent(s, event));
        // Added to a conversation: the event has no membership fields (role, unread).
        const me = this.state.me?.id;
        if (event.type === "membership" && event.op === "add" && me && membershipUserIds(event as Record<string, unknown>).includes(me)) {
          void this.loadConversation((event["conversation"] as { id: string }).id);
        }
        // A message in a conversation the list does not know: one just created with the
        // caller in it, or a direct chat someone started (no membership event for those).
        if (event.type === "message" && event.op === "add" && this.state.synced) {
          const conversationId = (event["message"] as { conversation_id?: string } | undefined)?.conversation_id;
          if (conversationId && !this.state.conversations[conversationId] && !this.unknownLoads.has(conversationId)) {
            this.unknownLoads.add(conversationId);
            void this.loadConversation(conversationId)
              .then((loaded) => loaded && this.update((s) => applyEvent(s, event))) // its last message
              .finally(() => this.unknownLoads.delete(conversationId));
          }
        }
        // There is no notification event: a message for me may have made one (another device).
        if (event.type === "message" && event.op === "add") {
          const message = event["message"] as Message;
          if (notificationKind(message, this.state.me, this.state.conversations[message.conversation_id])) this.refreshNotificationsSoon();
        }
      }),
      client.on("outbox", (pending) => this.update((s) => ({ ...s, pending }))),
      client.on("sent", ({ message }) => this.update((s) => applyEvent(s, { type: "message", op: "add", message }))),
      client.on("ephemeral", (frame) => this.ephemeral(frame)),
    ];
    return () => stops.forEach((stop) => stop());
  }

  // --- loading ------------------------------------------------------------------------------

  /** Load the starting state (after sign-in, a reload, or `resync_required`). */
  sync(): Promise<void> {
    this.syncing ??= this.loadSync().finally(() => {
      this.syncing = null;
      this.duringSync = [];
    });
    return this.syncing;
  }

  private async loadSync(): Promise<void> {
    try {
      const { data } = await this.client.request<SyncState>("GET", "/api/v1/sync");
      setTimeZone(data.me.time_zone);
      adoptProfileLanguage(data.me.language);
      this.client.setLanguage(getLanguage());
      this.client.setResumePoint(data.last_event_id, data.topics);
      const topics = data.topics;
      this.update((s) => ({
        ...s,
        synced: true,
        syncError: null,
        me: data.me,
        conversations: Object.fromEntries(data.conversations.map((c) => [c.id, c])),
        users: { ...s.users, ...Object.fromEntries([...data.users, data.me].map((u) => [u.id, u])) },
        presence: { ...s.presence, ...data.presence },
        limits: data.limits ?? null,
        // Threads and timelines may have missed events while away: reload them when opened.
        timelines: {},
        pins: {},
        threads: {},
      }));
      void this.refreshNotifications();
      // What happened after the answer's event id was applied to the state it replaced:
      // apply it again on top (events are idempotent).
      // A topic's ids count along that topic: each is compared with its own head.
      const later = this.duringSync.filter((delivered) =>
        delivered.topic === undefined ? delivered.id > data.last_event_id : delivered.id > (topics[delivered.topic] ?? -1),
      );
      if (later.length) this.update((s) => later.reduce((state, delivered) => applyEvent(state, delivered.event), s));
    } catch (error) {
      this.update((s) => ({ ...s, syncError: errorText(error) }));
    }
  }

  /** The newest page of a conversation's history, unless it is already loaded. */
  async openTimeline(conversationId: string): Promise<void> {
    const existing = this.state.timelines[conversationId];
    if (existing && (existing.loaded || existing.loading)) return;
    this.setTimeline(conversationId, { messages: [], olderCursor: null, newerCursor: null, loaded: false, loading: true, error: null });
    try {
      const page = await this.historyPage(conversationId, null);
      // A sync dropped the timelines while this page was on its way: messages merged into
      // the loading one went with them, and this page may predate them. Load a fresh one.
      if (this.state.timelines[conversationId] === undefined) return this.openTimeline(conversationId);
      this.setTimeline(conversationId, (current) => ({
        // Events that arrived while the page was loading are kept (merged by seq).
        messages: mergeMessages(page.results.slice().reverse(), current?.messages ?? []),
        olderCursor: page.next,
        newerCursor: null,
        loaded: true,
        loading: false,
        error: null,
      }));
    } catch (error) {
      this.setTimeline(conversationId, (current) => ({ ...(current ?? emptyTimeline()), loading: false, error: errorText(error) }));
    }
  }

  /** One page of older messages; resolves false when there are none left. */
  async loadOlder(conversationId: string): Promise<boolean> {
    const timeline = this.state.timelines[conversationId];
    if (!timeline || timeline.loading || !timeline.olderCursor) return false;
    this.setTimeline(conversationId, { ...timeline, loading: true });
    try {
      const page = await this.historyPage(conversationId, timeline.olderCursor);
      this.setTimeline(conversationId, (current) => ({
        ...(current ?? emptyTimeline()),
        messages: mergeMessages(page.results.slice().reverse(), current?.messages ?? []),
        olderCursor: page.next,
        loading: false,
        error: null,
      }));
      return page.next !== null;
    } catch (error) {
      this.setTimeline(conversationId, (current) => ({ ...(current ?? emptyTimeline()), loading: false, error: errorText(error) }));
      return false;
    }
  }

  private async historyPage(conversationId: string, cursor: string | null, extra: Record<string, string> = {}): Promise<Page<Message>> {
    const query = new URLSearchParams({ limit: String(HISTORY_PAGE), ...extra });
    if (cursor) query.set("cursor", cursor);
    const path = `/api/v1/conversations/${encodeURIComponent(conversationId)}/messages?${query}`;
    return (await this.client.request<Page<Message>>("GET", path)).data;
  }

  // --- history windows that need not reach the newest message (the conversation screen) -------

  /** Replace the timeline by the window around one message (`?around=`): jump to a message.
   * Resolves false when the message cannot be found there. */
  async openTimelineAround(conversationId: string, messageId: string): Promise<boolean> {
    return this.openWindow(conversationId, async () => {
      const page = await this.historyPage(conversationId, null, { around: messageId, limit: String(HISTORY_PAGE) });
      return { messages: page.results.slice().reverse(), olderCursor: page.next, newerCursor: page.previous };
    });
  }

  /** Replace the timeline by the window starting at `seq` (with a few older messages for
   * context): jump to the first unread message. */
  async openTimelineAt(conversationId: string, seq: number): Promise<boolean> {
    return this.openWindow(conversationId, async () => {
      const [before, after] = await Promise.all([
        this.historyPage(conversationId, String(seq), { limit: "20" }),
        this.historyPage(conversationId, null, { after: String(seq - 1) }),
      ]);
      return {
        messages: mergeMessages(before.results.slice().reverse(), after.results),
        olderCursor: before.next,
        newerCursor: after.next,
      };
    });
  }

  private async openWindow(
    conversationId: string,
    load: () => Promise<Pick<Timeline, "messages" | "olderCursor" | "newerCursor">>,
  ): Promise<boolean> {
    this.setTimeline(conversationId, { ...emptyTimeline(), loading: true });
    try {
      const window = await load();
      this.setTimeline(conversationId, (current) => {
        // Events of new messages that came meanwhile count only if the window is the newest.
        const live = window.newerCursor === null ? (current?.messages ?? []) : [];
        return { ...window, messages: mergeMessages(window.messages, live), loaded: true, loading: false, error: null };
      });
      return true;
    } catch (error) {
      this.setTimeline(conversationId, { ...emptyTimeline(), loading: false, error: errorText(error) });
      return false;
    }
  }

  /** One page of newer messages of a window that does not reach the newest; false when the
   * newest is now loaded (or nothing was to load). */
  async loadNewer(conversationId: string): Promise<boolean> {
    const timeline = this.state.timelines[conversationId];
    if (!timeline || timeline.loading || !timeline.newerCursor) return false;
    this.setTimeline(conversationId, { ...timeline, loading: true });
    try {
      const page = await this.historyPage(conversationId, null, { after: timeline.newerCursor });
      this.setTimeline(conversationId, (current) => ({
        ...(current ?? emptyTimeline()),
        messages: mergeMessages(current?.messages ?? [], page.results),
        newerCursor: page.next,
        loading: false,
        error: null,
      }));
      return page.next !== null;
    } catch (error) {
      this.setTimeline(conversationId, (current) => ({ ...(current ?? emptyTimeline()), loading: false, error: errorText(error) }));
      return false;
    }
  }

  /** Drop a window that does not reach the present and load the newest page. */
  async jumpToLatest(conversationId: string): Promise<void> {
    const timeline = this.state.timelines[conversationId];
    if (timeline && timeline.newerCursor === null && timeline.loaded) return;
    this.update((s) => {
      const timelines = { ...s.timelines };
      delete timelines[conversationId];
      return { ...s, timelines };
    });
    await this.openTimeline(conversationId);
  }

  /** The pinned messages of a conversation (`GET …/pins`), kept current by pin events. */
  async loadPins(conversationId: string): Promise<void> {
    try {
      const { data } = await this.client.request<Page<Message>>("GET", `/api/v1/conversations/${encodeURIComponent(conversationId)}/pins`);
      this.update((s) => ({ ...s, pins: { ...s.pins, [conversationId]: data.results } }));
    } catch {
      // the bar stays as it was; the next open asks again
    }
  }

  private setTimeline(conversationId: string, next: Timeline | ((current: Timeline | undefined) => Timeline)): void {
    this.update((s) => {
      const value = typeof next === "function" ? next(s.timelines[conversationId]) : next;
      return { ...s, timelines: { ...s.timelines, [conversationId]: value } };
    });
  }

  /** A user's profile, fetched once and kept (null if they cannot be seen). */
  user(userId: string): Promise<User | null> {
    const known = this.state.users[userId];
    if (known) return Promise.resolve(known);
    let request = this.userRequests.get(userId);
    if (!request) {
      request = this.client
        .request<User>("GET", `/api/v1/users/${encodeURIComponent(userId)}`)
        .then(({ data }) => {
          this.update((s) => ({ ...s, users: { ...s.users, [data.id]: data } }));
          this.userRequests.delete(userId);
          return data;
        })
        .catch((error: unknown) => {
          // Not visible (404) stays unknown for this session: screens that re-render do not
          // ask again. Anything else (offline, 5xx) may be asked again a minute later.
          if (!(error instanceof ApiError && error.status === 404)) {
            setTimeout(() => this.userRequests.delete(userId), 60_000);
          }
          return null;
        });
      this.userRequests.set(userId, request);
    }
    return request;
  }

  /**
   * Load one conversation again, with the newest page of its history if it was open and its
   * pins when next shown: its topic's events up to now will not come (the topic was pruned,
   * or followed from its head), the rest of the state stands.
   */
  async reloadConversation(conversationId: string): Promise<void> {
    const hadTimeline = this.state.timelines[conversationId] !== undefined;
    this.update((s) => {
      const { [conversationId]: _timeline, ...timelines } = s.timelines;
      const { [conversationId]: _pins, ...pins } = s.pins ?? {};
      return { ...s, timelines, pins };
    });
    await Promise.all([this.loadConversation(conversationId), hadTimeline ? this.openTimeline(conversationId) : null]);
  }

  /** Fetch one conversation the list does not know yet (added to it, or joined). */
  async loadConversation(conversationId: string): Promise<Conversation | null> {
    try {
      const { data } = await this.client.request<Conversation>("GET", `/api/v1/conversations/${encodeURIComponent(conversationId)}`);
      this.update((s) => ({ ...s, conversations: { ...s.conversations, [data.id]: { ...s.conversations[data.id], ...data } } }));
      return data;
    } catch {
      return null;
    }
  }

  // --- members (the members panel) ------------------------------------------------------------

  /** The first page of a conversation's members (again if `reload`), or the next page. */
  async loadMembers(conversationId: string, { more = false, reload = false } = {}): Promise<void> {
    const current = this.state.members?.[conversationId];
    if (current?.loading) return;
    if (!more && !reload && current?.loaded) return;
    if (more && !current?.next) return;
    const cursor = more ? current!.next : null;
    this.setMembers(conversationId, (list) => ({ ...(list ?? emptyMembers()), loading: true, error: null }));
    try {
      const query = new URLSearchParams({ limit: "100" });
      if (cursor) query.set("cursor", cursor);
      const path = `/api/v1/conversations/${encodeURIComponent(conversationId)}/members?${query}`;
      const { data } = await this.client.request<Page<ConversationMember>>("GET", path);
      const page = data.results.map((row) => ({ user_id: row.user.id, role: row.role, joined_at: row.joined_at }));
      this.update((s) => ({ ...s, users: { ...s.users, ...Object.fromEntries(data.results.map((row) => [row.user.id, row.user])) } }));
      this.setMembers(conversationId, (list) => {
        const before = more ? (list?.members ?? []) : [];
        const seen = new Set(page.map((m) => m.user_id));
        return { members: [...before.filter((m) => !seen.has(m.user_id)), ...page], next: data.next, loaded: true, loading: false, error: null };
      });
    } catch (error) {
      this.setMembers(conversationId, (list) => ({ ...(list ?? emptyMembers()), loading: false, error: errorText(error) }));
    }
  }

  private setMembers(conversationId: string, change: (list: MemberList | undefined) => MemberList): void {
    this.update((s) => ({ ...s, members: { ...s.members, [conversationId]: change(s.members?.[conversationId]) } }));
  }

  // --- writing ------------------------------------------------------------------------------

  /** Move the read position forward (the server clamps it; events update the count). */
  async markRead(conversationId: string, seq: number): Promise<void> {
    const conversation = this.state.conversations[conversationId];
    if (!conversation || seq <= conversation.last_read_seq) return;
    this.update((s) => applyEvent(s, { type: "read", op: "update", conversation_id: conversationId, user_id: s.me?.id, seq }));
    try {
      await this.client.request("POST", `/api/v1/conversations/${encodeURIComponent(conversationId)}/read`, { seq });
    } catch {
      // the next read or the next sync corrects it
    }
  }

  // --- threads (features/threads) -------------------------------------------------------------

  /** The root and the first page of replies of a thread (again on each opening: it is cheap). */
  async openThread(rootId: string): Promise<void> {
    const existing = this.state.threads[rootId];
    if (existing?.loading) return;
    this.setThread(rootId, (current) => ({ ...(current ?? emptyThread()), loading: true, error: null }));
    try {
      const page = await this.threadPage(rootId, null);
      this.setThread(rootId, (current) => ({
        root: page.root,
        following: page.following,
        // Replies that arrived as events while the page was loading are kept.
        replies: mergeMessages(page.results, current?.replies ?? []),
        nextCursor: page.next,
        loaded: true,
        loading: false,
        error: null,
      }));
    } catch (error) {
      this.setThread(rootId, (current) => ({ ...(current ?? emptyThread()), loading: false, error: errorText(error) }));
    }
  }

  /** The next page of replies (later ones); resolves false when there are none left. */
  async loadMoreReplies(rootId: string): Promise<boolean> {
    const thread = this.state.threads[rootId];
    if (!thread || thread.loading || !thread.nextCursor) return false;
    this.setThread(rootId, { ...thread, loading: true });
    try {
      const page = await this.threadPage(rootId, thread.nextCursor);
      this.setThread(rootId, (current) => ({
        ...(current ?? emptyThread()),
        root: page.root,
        following: page.following,
        replies: mergeMessages(current?.replies ?? [], page.results),
        nextCursor: page.next,
        loading: false,
        error: null,
      }));
      return page.next !== null;
    } catch (error) {
      this.setThread(rootId, (current) => ({ ...(current ?? emptyThread()), loading: false, error: errorText(error) }));
      return false;
    }
  }

  /** The caller followed or unfollowed the thread. */
  setThreadFollowing(rootId: string, following: boolean): void {
    this.setThread(rootId, (current) => ({ ...(current ?? emptyThread()), following }));
  }

  /** The panel closed: its replies are not kept up to date any more. */
  closeThread(rootId: string): void {
    this.update((s) => {
      if (!s.threads[rootId]) return s;
      const threads = { ...s.threads };
      delete threads[rootId];
      return { ...s, threads };
    });
  }

  private async threadPage(rootId: string, cursor: string | null): Promise<ThreadPage> {
    const query = new URLSearchParams({ limit: String(HISTORY_PAGE) });
    if (cursor) query.set("cursor", cursor);
    const path = `/api/v1/messages/${encodeURIComponent(rootId)}/thread?${query}`;
    return (await this.client.request<ThreadPage>("GET", path)).data;
  }

  private setThread(rootId: string, next: ThreadState | ((current: ThreadState | undefined) => ThreadState)): void {
    this.update((s) => {
      const value = typeof next === "function" ? next(s.threads[rootId]) : next;
      return { ...s, threads: { ...s.threads, [rootId]: value } };
    });
  }

  // --- notifications (features/notifications) -----------------------------------------------

  /** Count the unread notifications again (after a sync, a message for me, marking read). */
  async refreshNotifications(): Promise<void> {
    try {
      const { data } = await this.client.request<Page<unknown>>("GET", "/api/v1/notifications?unread=true&limit=200");
      this.update((s) => ({ ...s, notifications: { unread: data.results.length, more: data.next !== null } }));
    } catch {
      // the next sync or message corrects it
    }
  }

  private refreshNotificationsSoon(): void {
    if (this.notificationsTimer) return;
    // A burst of messages costs one request; the server records notifications on commit.
    this.notificationsTimer = setTimeout(() => {
      this.notificationsTimer = null;
      void this.refreshNotifications();
    }, 1500);
  }

  // --- typing and presence --------------------------------------------------------------------

  private ephemeral(frame: { type: string; [field: string]: unknown }): void {
    if (frame.type === "presence" && typeof frame["user_id"] === "string") {
      const state = frame["state"] as Presence;
      this.update((s) => ({ ...s, presence: { ...s.presence, [frame["user_id"] as string]: state } }));
    } else if (frame.type === "typing") {
      const conversationId = frame["conversation_id"] as string;
      const userId = frame["user_id"] as string;
      const seconds = typeof frame["expires_in"] === "number" ? frame["expires_in"] : 6;
      this.update((s) => ({
        ...s,
        typing: { ...s.typing, [conversationId]: { ...s.typing[conversationId], [userId]: Date.now() + seconds * 1000 } },
      }));
      this.scheduleTypingCleanup();
    }
  }

  private scheduleTypingCleanup(): void {
    if (this.typingTimer) return;
    this.typingTimer = setTimeout(() => {
      this.typingTimer = null;
      const now = Date.now();
      let left = false;
      this.update((s) => {
        const typing: Record<string, Record<string, number>> = {};
        for (const [conversationId, users] of Object.entries(s.typing)) {
          const alive = Object.entries(users).filter(([, until]) => until > now);
          if (alive.length) typing[conversationId] = Object.fromEntries(alive);
        }
        left = Object.keys(typing).length > 0;
        return { ...s, typing };
      });
      if (left) this.scheduleTypingCleanup();
    }, 1000);
  }
}

/** The state of a tab before anything is loaded (also the base of the unit tests' states). */
export function initialState(connection: ConnectionState, pending: readonly OutgoingMessage[] = []): AppState {
  return {
    connection,
    synced: false,
    syncError: null,
    me: null,
    conversations: {},
    users: {},
    presence: {},
    typing: {},
    readers: {},
    timelines: {},
    pending,
    pins: {},
    limits: null,
    threads: {},
    notifications: { unread: 0, more: false },
  };
}

function emptyMembers(): MemberList {
  return { members: [], next: null, loaded: false, loading: false, error: null };
}

export function emptyTimeline(): Timeline {
  return { messages: [], olderCursor: null, newerCursor: null, loaded: false, loading: false, error: null };
}

export function emptyThread(): ThreadState {
  return { root: null, following: null, replies: [], nextCursor: null, loaded: false, loading: false, error: null };
}

/** Both lists ascending by seq; the result too, each seq once (the later copy wins). */
export function mergeMessages(older: readonly Message[], newer: readonly Message[]): Message[] {
  const bySeq = new Map<number, Message>();
  for (const message of older) bySeq.set(message.seq, message);
  for (const message of newer) bySeq.set(message.seq, message);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}

function errorText(error: unknown): string {
  if (error && typeof error === "object" && "message" in error && typeof error.message === "string") return error.message;
  return String(error);
}

// --- the React side -------------------------------------------------------------------------------

let instance: AppStore | null = null;

export function setAppStore(store: AppStore): void {
  instance = store;
}

export function appStore(): AppStore {
  if (!instance) throw new Error("the app store is not set up");
  return instance;
}

/** Read a part of the state; the component re-renders when that part changes. */
export function useApp<T>(selector: (state: AppState) => T): T {
  const store = appStore();
  return useSyncExternalStore(store.subscribe, () => selector(store.getState()));
}
