import { useEffect, useMemo, useRef, useState, type ChangeEvent, type KeyboardEvent as ReactKeyboardEvent } from "react";
import { useT } from "../../i18n/index.js";
import { appStore, useApp } from "../../app/store.js";
import type { Conversation, Message, User } from "../../app/model.js";
import { errorMessage } from "../../ui/errors.js";
import { Dialog } from "../../ui/Dialog.js";
import { UploadTray } from "../attachments/UploadTray.js";
import type { Uploads } from "../attachments/useUploads.js";
import { PollCreateDialog } from "../polls/PollCreateDialog.js";
import { ScheduleDialog } from "../scheduled/ScheduleDialog.js";
import { ScheduledList } from "../scheduled/ScheduledList.js";
import { EmojiPicker } from "./EmojiPicker.js";
import { Popover } from "./Popover.js";
import { Icon } from "./icons.js";
import { loadDraft, saveDraft } from "./draft.js";
import { conversationMessages } from "./messages.js";
import { pendingError } from "./MessageItem.js";
import { bodyTooLong, MAX_BODY, mentionQuery, mentionsOf, type InsertedMention } from "./rows.js";
import { preview, userName } from "./text.js";

const TYPING_EVERY_MS = 3000;

export interface Member {
  user: User;
  role: string;
}

/** The members of a conversation (for @-mentions), the first 200 in join order. */
export function useMembers(conversationId: string): Member[] {
  const [members, setMembers] = useState<Member[]>([]);
  // Reloaded when members come or go (one event for a whole bulk add), but only while the
  // list is complete: past its first page it is a sample for mentions, not a count.
  const changes = useApp((s) => s.memberChanges?.[conversationId] ?? 0);
  const complete = members.length < 200;
  const reload = complete ? changes : 0;
  useEffect(() => {
    let live = true;
    appStore()
      .client.request<{ results: Member[] }>("GET", `/api/v1/conversations/${encodeURIComponent(conversationId)}/members?limit=200`)
      .then(({ data }) => {
        if (!live) return;
        setMembers(data.results);
        appStore().update((s) => ({ ...s, users: { ...Object.fromEntries(data.results.map((m) => [m.user.id, m.user])), ...s.users } }));
      })
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [conversationId, reload]);
  return members;
}

/**
 * The composer: Enter sends, Shift+Enter is a new line; @ opens the member list; Up in an
 * empty field edits my last message; Esc cancels a reply or an edit. The draft (text, reply,
 * inserted mentions) is kept per chat in localStorage. A refused send comes back into the
 * field with the server's reason.
 */
export function Composer({
  conversation,
  members,
  replyTo,
  onReplyChange,
  editing,
  onEditingChange,
  lastEditable,
  uploads,
}: {
  conversation: Conversation;
  members: Member[];
  replyTo: Message | null;
  onReplyChange: (message: Message | null) => void;
  editing: Message | null;
  onEditingChange: (message: Message | null) => void;
  lastEditable: () => Message | null;
  /** The files being attached (features/attachments). */
  uploads: Uploads;
}) {
  const t = useT(conversationMessages);
  const id = conversation.id;
  const users = useApp((s) => s.users);
  const me = useApp((s) => s.me);
  const pending = useApp((s) => s.pending);
  const initial = useMemo(() => loadDraft(id), [id]);
  const [body, setBody] = useState(initial.body);
  const [inserted, setInserted] = useState<InsertedMention[]>(initial.mentions);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [emojiAt, setEmojiAt] = useState<{ x: number; y: number } | null>(null);
  const [mention, setMention] = useState<{ start: number; query: string } | null>(null);
  const [mentionIndex, setMentionIndex] = useState(0);
  const field = useRef<HTMLTextAreaElement>(null);
  const lastTyping = useRef(0);
  const sentHere = useRef(new Map<string, string>());
  const beforeEdit = useRef<string>("");
  const fileInput = useRef<HTMLInputElement>(null);
  const [more, setMore] = useState<{ x: number; y: number } | null>(null);
  const [dialog, setDialog] = useState<"poll" | "schedule" | "scheduled" | null>(null);
  const [scheduledKey, setScheduledKey] = useState(0);
  const limit = useApp((s) => s.limits?.max_body_chars) ?? MAX_BODY;
  const canSend = !uploads.busy;

  // The reply of a kept draft, once its message is known.
  const timeline = useApp((s) => s.timelines[id]);
  useEffect(() => {
    if (initial.replyTo && !replyTo) {
      const message = timeline?.messages.find((m) => m.id === initial.replyTo);
      if (message) onReplyChange(message);
    }
    // only on the first load of the timeline
  }, [timeline?.loaded]);

  useEffect(() => {
    if (!editing) saveDraft(id, { body, replyTo: replyTo?.id ?? null, mentions: inserted });
  }, [id, body, replyTo, inserted, editing]);

  // Entering edit mode puts the message's text in the field; leaving brings the draft back.
  const editingId = editing?.id ?? null;
  useEffect(() => {
    if (editing) {
      beforeEdit.current = body;
      setBody(editing.body);
      setError(null);
      requestAnimationFrame(() => {
        const element = field.current;
        if (element) {
          element.focus();
          element.setSelectionRange(element.value.length, element.value.length);
        }
      });
    }
  }, [editingId]);

  useEffect(() => {
    if (replyTo) field.current?.focus();
  }, [replyTo]);

  // A send from this field that the server refused: its text comes back, with the reason.
  useEffect(() => {
    for (const item of pending) {
      if (item.status !== "failed" || !sentHere.current.has(item.clientId)) continue;
      sentHere.current.delete(item.clientId);
      setError(t("sendFailed", { error: pendingError(item) }));
      setBody((current) => (current.trim() ? current : item.body));
      appStore().client.discardSend(item.clientId);
    }
  }, [pending, t]);

  const tooLong = bodyTooLong(body, limit);
  const length = body.trim().length;

  const candidates = useMemo(() => {
    if (!mention) return [];
    const query = mention.query.toLowerCase();
    const people = members
      .filter((m) => m.user.id !== me?.id)
      .filter((m) => {
        const names = `${m.user.full_name} ${m.user.login}`.toLowerCase();
        return !query || names.split(/\s+/).some((part) => part.startsWith(query)) || names.includes(query);
      })
      .slice(0, 8)
      .map((m) => ({ userId: m.user.id, label: m.user.full_name || m.user.login, hint: m.user.login }));
    const all = conversation.kind !== "direct" && ("all".startsWith(query) || "все".startsWith(query)) ? [{ userId: "all" as const, label: "all", hint: t("mentionAll") }] : [];
    return [...people, ...all];
  }, [mention, members, me, conversation.kind, t]);

  function change(event: ChangeEvent<HTMLTextAreaElement>) {
    const value = event.target.value;
    setBody(value);
    setError(null);
    setMention(mentionQuery(value, event.target.selectionStart));
    setMentionIndex(0);
    const now = Date.now();
    if (value.trim() && !editing && now - lastTyping.current >= TYPING_EVERY_MS) {
      lastTyping.current = now;
      appStore().client.sendTyping(id);
    }
  }

  function insertMention(choice: { userId: string; label: string }) {
    if (!mention) return;
    const element = field.current;
    const caret = element?.selectionStart ?? body.length;
    const text = `@${choice.label} `;
    const next = body.slice(0, mention.start) + text + body.slice(caret);
    setBody(next);
    setInserted((list) => [...list.filter((m) => m.userId !== choice.userId), { userId: choice.userId, label: choice.label }]);
    setMention(null);
    requestAnimationFrame(() => {
      element?.focus();
      const at = mention.start + text.length;
      element?.setSelectionRange(at, at);
    });
  }

  function insertText(text: string) {
    const element = field.current;
    const start = element?.selectionStart ?? body.length;
    const end = element?.selectionEnd ?? body.length;
    setBody(body.slice(0, start) + text + body.slice(end));
    requestAnimationFrame(() => {
      element?.focus();
      element?.setSelectionRange(start + text.length, start + text.length);
    });
  }

  async function submit() {
    const text = body.trim();
    if (tooLong || busy) return;
    if (editing) {
      if (!text) return;
      setBusy(true);
      try {
        await appStore().client.request("PATCH", `/api/v1/messages/${editing.id}`, { body: text });
        onEditingChange(null);
        setBody(beforeEdit.current);
        setError(null);
      } catch (failure) {
        setError(errorMessage(failure));
      } finally {
        setBusy(false);
      }
      return;
    }
    const attachmentIds = uploads.readyIds;
    if ((!text && !attachmentIds.length) || !canSend) return;
    const mentions = mentionsOf(text, inserted);
    const sent = appStore().client.sendMessage(id, text, {
      ...(replyTo ? { reply_to: replyTo.id } : {}),
      ...(mentions ? { mentions } : {}),
      ...(attachmentIds.length ? { attachment_ids: attachmentIds } : {}),
    });
    sentHere.current.set(sent.clientId, text);
    setBody("");
    setInserted([]);
    setError(null);
    onReplyChange(null);
    saveDraft(id, { body: "", replyTo: null, mentions: [] });
    uploads.clear();
  }

  function keyDown(event: ReactKeyboardEvent<HTMLTextAreaElement>) {
    if (mention && candidates.length) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        setMentionIndex((i) => (i + (event.key === "ArrowDown" ? 1 : -1) + candidates.length) % candidates.length);
        return;
      }
      if (event.key === "Enter" || event.key === "Tab") {
        event.preventDefault();
        insertMention(candidates[mentionIndex] ?? candidates[0]!);
        return;
      }
      if (event.key === "Escape") {
        event.preventDefault();
        event.stopPropagation();
        setMention(null);
        return;
      }
    }
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      void submit();
    } else if (event.key === "Escape" && (editing || replyTo)) {
      event.preventDefault();
      event.stopPropagation();
      if (editing) {
        onEditingChange(null);
        setBody(beforeEdit.current);
        setError(null);
      } else onReplyChange(null);
    } else if (event.key === "ArrowUp" && !body && !editing) {
      const message = lastEditable();
      if (message) {
        event.preventDefault();
        onEditingChange(message);
      }
    }
  }

  return (
    <div className="composer-area">
      {(replyTo || editing) && (
        <div className="composer-context" data-testid={editing ? "edit-bar" : "reply-bar"}>
          <div className="composer-context-text">
            <strong>{editing ? t("editing") : t("replyingTo", { name: userName(users, replyTo!.author_id, t) })}</strong>
            <span className="muted">{preview((editing ?? replyTo)!)}</span>
          </div>
          <button
            type="button"
            className="icon"
            aria-label={editing ? t("cancelEdit") : t("cancelReply")}
            onClick={() => {
              if (editing) {
                onEditingChange(null);
                setBody(beforeEdit.current);
              } else onReplyChange(null);
            }}
          >
            <Icon name="close" />
          </button>
        </div>
      )}
      {error && (
        <div className="composer-error error" role="alert" data-testid="composer-error">
          {error}
        </div>
      )}
      {tooLong && (
        <div className="composer-error error" role="alert" data-testid="too-long">
          {t("tooLong", { max: limit, length })}
        </div>
      )}
      <UploadTray uploads={uploads.uploads} onCancel={uploads.cancel} onRemove={uploads.remove} />
      <form
        className="composer"
        data-testid="composer"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <button type="button" className="icon" aria-label={t("attach")} title={t("attach")} data-testid="attach-button" onClick={() => fileInput.current?.click()}>
          <Icon name="attach" size={20} />
        </button>
        <input
          ref={fileInput}
          type="file"
          multiple
          hidden
          aria-label={t("attach")}
          onChange={(e) => {
            const files = [...(e.target.files ?? [])];
            e.target.value = "";
            if (files.length) uploads.add(files);
          }}
        />
        <div className="composer-field">
          <label className="visually-hidden" htmlFor={`composer-${id}`}>
            {t("composerLabel")}
          </label>
          <textarea
            id={`composer-${id}`}
            ref={field}
            name="body"
            data-testid="composer-input"
            rows={Math.min(8, Math.max(1, body.split("\n").length))}
            value={body}
            placeholder={t("composerPlaceholder")}
            aria-describedby={`composer-hint-${id}`}
            aria-invalid={tooLong}
            onChange={change}
            onKeyDown={keyDown}
            onBlur={() => setTimeout(() => setMention(null), 150)}
            onPaste={(e) => {
              const files = [...e.clipboardData.files];
              if (files.length) {
                e.preventDefault();
                uploads.add(files);
              }
            }}
          />
          <span id={`composer-hint-${id}`} className="visually-hidden">
            {t("markdownHint")}
          </span>
          {mention && candidates.length > 0 && (
            <ul className="mention-list" role="listbox" aria-label={t("mentionList")} data-testid="mention-list">
              {candidates.map((c, index) => (
                <li
                  key={c.userId}
                  role="option"
                  aria-selected={index === mentionIndex}
                  className={index === mentionIndex ? "active" : ""}
                  onMouseDown={(e) => {
                    e.preventDefault();
                    insertMention(c);
                  }}
                >
                  <strong>{c.label}</strong> <span className="muted">{c.hint}</span>
                </li>
              ))}
            </ul>
          )}
        </div>
        {length > limit * 0.9 && (
          <span className={tooLong ? "counter error" : "counter muted"} data-testid="counter">
            {t("counter", { length, max: limit })}
          </span>
        )}
        <button
          type="button"
          className="icon"
          aria-label={t("emoji")}
          title={t("emoji")}
          data-testid="emoji-button"
          onClick={(e) => {
            const box = e.currentTarget.getBoundingClientRect();
            setEmojiAt({ x: box.right - 320, y: box.top - 360 });
          }}
        >
          <Icon name="smile" size={20} />
        </button>
        <button
          type="button"
          className="icon"
          aria-label={t("moreComposer")}
          title={t("moreComposer")}
          aria-haspopup="menu"
          data-testid="composer-more"
          onClick={(e) => {
            const box = e.currentTarget.getBoundingClientRect();
            setMore({ x: box.left - 160, y: box.top - 140 });
          }}
        >
          <Icon name="plus" size={20} />
        </button>
        <button type="submit" className="primary" disabled={tooLong || busy || !canSend} data-testid="send">
          {editing ? t("saveEdit") : t("send")}
        </button>
      </form>
      {more && (
        <Popover x={more.x} y={more.y} onClose={() => setMore(null)} label={t("moreComposer")} role="menu" className="menu" testId="composer-menu">
          <button type="button" role="menuitem" className="menu-item" onClick={() => (setMore(null), setDialog("poll"))}>
            {t("poll")}
          </button>
          <button type="button" role="menuitem" className="menu-item" disabled={!body.trim() || tooLong} onClick={() => (setMore(null), setDialog("schedule"))}>
            {t("sendLater")}
          </button>
          <button type="button" role="menuitem" className="menu-item" onClick={() => (setMore(null), setDialog("scheduled"))}>
            {t("scheduledList")}
          </button>
        </Popover>
      )}
      {dialog === "poll" && <PollCreateDialog conversationId={id} onClose={() => setDialog(null)} />}
      {dialog === "schedule" && (
        <ScheduleDialog
          conversationId={id}
          body={body}
          onScheduled={() => {
            setBody("");
            setInserted([]);
            saveDraft(id, { body: "", replyTo: null, mentions: [] });
            setScheduledKey((k) => k + 1);
          }}
          onClose={() => setDialog(null)}
        />
      )}
      {dialog === "scheduled" && (
        <Dialog title={t("scheduledList")} onClose={() => setDialog(null)}>
          <ScheduledList conversationId={id} refreshKey={scheduledKey} />
        </Dialog>
      )}
      {emojiAt && (
        <Popover x={emojiAt.x} y={emojiAt.y} onClose={() => setEmojiAt(null)} label={t("emoji")} className="picker-popover">
          <EmojiPicker
            onPick={(emoji) => {
              setEmojiAt(null);
              insertText(emoji);
            }}
          />
        </Popover>
      )}
    </div>
  );
}
