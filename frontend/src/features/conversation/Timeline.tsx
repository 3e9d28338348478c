import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type MutableRefObject } from "react";
import { useVirtualizer } from "@tanstack/react-virtual";
import { useT } from "../../i18n/index.js";
import { appStore } from "../../app/store.js";
import type { Conversation, Message, Timeline as TimelineState, User } from "../../app/model.js";
import { MessageItem, PendingItem, type MessageActions, type Permissions } from "./MessageItem.js";
import { conversationMessages } from "./messages.js";
import { Icon } from "./icons.js";
import type { Row } from "./rows.js";

export interface TimelineControl {
  page(direction: 1 | -1): void;
  toEnd(): void;
}

const READ_DEBOUNCE_MS = 400;
/** A programmatic scroll (to a row by index) settles over a few frames; paging meanwhile
 * would shift the indexes under it. */
const SETTLE_MS = 700;
/** Load the next page when the view is this many rows from a loaded edge. */
const EDGE_ROWS = 5;

/**
 * The virtualised history: only the rows in view (and a few around them) are in the DOM,
 * each measured as it renders. Prepending older pages keeps what is on screen in place and
 * new messages are followed while the view is at the bottom (the virtualiser's
 * `anchorTo: "end"`, `followOnAppend`). It positions itself once on the first page: at the
 * target message (centred, highlighted), else at the first unread, else at the bottom.
 */
export function Timeline({
  conversation,
  timeline,
  rows,
  users,
  readBy,
  pinnedIds,
  permissions,
  actions,
  target,
  onTargetShown,
  control,
}: {
  conversation: Conversation;
  timeline: TimelineState | undefined;
  rows: Row[];
  users: Readonly<Record<string, User>>;
  readBy: number;
  pinnedIds: ReadonlySet<string>;
  permissions: Permissions;
  actions: MessageActions;
  /** A message to bring into view and highlight (`?m=`), or null. */
  target: string | null;
  onTargetShown: () => void;
  control: MutableRefObject<TimelineControl | null>;
}) {
  const t = useT(conversationMessages);
  const scrollRef = useRef<HTMLDivElement>(null);
  const positioned = useRef(false);
  /** "To the latest" asked for a new window: it opens at the bottom, not at the unread mark. */
  const toLatest = useRef(false);
  const [highlight, setHighlight] = useState<string | null>(null);
  const [atEnd, setAtEnd] = useState(true);
  const pausedUntil = useRef(0);
  const [settled, setSettled] = useState(0);
  const conversationId = conversation.id;

  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => 64,
    overscan: 6,
    getItemKey: (index) => rows[index]!.key,
    anchorTo: "end",
    followOnAppend: true,
    scrollEndThreshold: 48,
    onChange: (instance) => setAtEnd(instance.isAtEnd(48)),
  });

  const scrollToRow = useCallback(
    (index: number, align: "center" | "start" | "end") => {
      pausedUntil.current = Date.now() + SETTLE_MS;
      setTimeout(() => setSettled((n) => n + 1), SETTLE_MS + 20);
      virtualizer.scrollToIndex(index, { align });
    },
    [virtualizer],
  );

  const byId = useMemo(() => {
    const map = new Map<string, Message>();
    for (const row of rows) if (row.kind === "message") map.set(row.message.id, row.message);
    return map;
  }, [rows]);

  control.current = {
    page(direction) {
      const element = scrollRef.current;
      if (element) virtualizer.scrollBy(direction * element.clientHeight * 0.9);
    },
    toEnd() {
      if (rows.length) virtualizer.scrollToEnd();
    },
  };

  // First positioning, once the first page is there.
  useLayoutEffect(() => {
    if (!timeline?.loaded) positioned.current = false; // a new window is loading
    if (positioned.current || !timeline?.loaded || !rows.length) return;
    positioned.current = true;
    const targetIndex = target ? rows.findIndex((r) => r.kind === "message" && r.message.id === target) : -1;
    const unreadIndex = rows.findIndex((r) => r.kind === "message" && r.firstUnread);
    const latest = toLatest.current;
    toLatest.current = false;
    if (targetIndex >= 0) scrollToRow(targetIndex, "center");
    else if (unreadIndex >= 0 && !latest) scrollToRow(unreadIndex, "start");
    else scrollToRow(rows.length - 1, "end");
  }, [timeline?.loaded, rows, target, virtualizer, scrollToRow]);

  // A jump (?m=) to a message: centre and highlight it once it is loaded.
  useEffect(() => {
    if (!target || !timeline?.loaded) return;
    const index = rows.findIndex((r) => r.kind === "message" && r.message.id === target);
    if (index < 0) return;
    scrollToRow(index, "center");
    setHighlight(target);
    onTargetShown();
  }, [target, rows, timeline?.loaded, scrollToRow, onTargetShown]);

  useEffect(() => {
    if (!highlight) return;
    const timer = setTimeout(() => setHighlight(null), 3000);
    return () => clearTimeout(timer);
  }, [highlight]);

  // My own new send: show it, wherever the view was.
  const lastRow = rows[rows.length - 1];
  const lastPendingKey = lastRow?.kind === "pending" ? lastRow.key : null;
  useEffect(() => {
    if (lastPendingKey && positioned.current) virtualizer.scrollToEnd();
  }, [lastPendingKey, virtualizer]);

  const items = virtualizer.getVirtualItems();
  const firstIndex = items[0]?.index ?? 0;
  const lastIndex = items[items.length - 1]?.index ?? 0;

  // Paging at the loaded edges.
  useEffect(() => {
    if (!positioned.current || !timeline || timeline.loading || Date.now() < pausedUntil.current) return;
    if (firstIndex < EDGE_ROWS && timeline.olderCursor) void appStore().loadOlder(conversationId);
    else if (lastIndex >= rows.length - EDGE_ROWS && timeline.newerCursor) void appStore().loadNewer(conversationId);
  }, [firstIndex, lastIndex, rows.length, timeline, conversationId, settled]);

  // Read receipts: what is on screen is read (debounced; only while the tab is visible).
  const offset = virtualizer.scrollOffset ?? 0;
  const height = scrollRef.current?.clientHeight ?? 0;
  let newestVisible = 0;
  for (const item of items) {
    const row = rows[item.index];
    if (row?.kind !== "message") continue;
    if (item.end > offset && item.start < offset + height) newestVisible = Math.max(newestVisible, row.message.seq);
  }
  useEffect(() => {
    if (!newestVisible || !positioned.current) return;
    const timer = setTimeout(() => {
      if (document.visibilityState === "visible") void appStore().markRead(conversationId, newestVisible);
    }, READ_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [newestVisible, conversationId]);

  const showJump = timeline?.loaded && (!atEnd || timeline.newerCursor !== null);

  return (
    <div className="timeline-wrap">
      <div
        ref={scrollRef}
        className="timeline"
        role="log"
        aria-label={t("historyLabel")}
        tabIndex={0}
        data-testid="timeline"
        data-older={timeline?.olderCursor ? "more" : "none"}
        data-newer={timeline?.newerCursor ? "more" : "none"}
      >
        {timeline?.loading && <div className="timeline-loading muted" role="status">{t("loadingHistory")}</div>}
        {timeline?.error && <div className="error" role="alert">{t("historyError", { error: timeline.error })}</div>}
        {timeline?.loaded && !rows.length && <div className="empty-state muted">{t("empty")}</div>}
        <div className="timeline-inner" style={{ height: virtualizer.getTotalSize() }}>
          <div className="timeline-rows" style={{ transform: `translateY(${items[0]?.start ?? 0}px)` }}>
            {items.map((item) => {
              const row = rows[item.index]!;
              return (
                <div key={item.key} data-index={item.index} ref={virtualizer.measureElement}>
                  {row.kind === "message" ? (
                    <MessageItem
                      row={row}
                      conversation={conversation}
                      users={users}
                      readBy={readBy}
                      highlighted={highlight === row.message.id}
                      pinned={pinnedIds.has(row.message.id)}
                      byId={byId}
                      permissions={permissions}
                      actions={actions}
                    />
                  ) : (
                    <PendingItem row={row} me={permissions.me} users={users} />
                  )}
                </div>
              );
            })}
          </div>
        </div>
      </div>
      {showJump && (
        <button
          type="button"
          className="jump-latest"
          data-testid="jump-latest"
          aria-label={t("jumpToLatest")}
          title={t("jumpToLatest")}
          onClick={() => {
            if (timeline?.newerCursor) {
              positioned.current = false;
              toLatest.current = true;
              void appStore().jumpToLatest(conversationId);
            } else virtualizer.scrollToEnd({ behavior: "smooth" });
          }}
        >
          <Icon name="down" size={20} />
        </button>
      )}
    </div>
  );
}
