import { useState } from "react";
import { appStore, useApp } from "../../app/store.js";
import type { Conversation, Message } from "../../app/model.js";
import { useT } from "../../i18n/index.js";
import { errorMessage } from "../../ui/errors.js";
import { applyEvent } from "../../app/events.js";
import { pollMessages } from "./messages.js";
import { pollResults, voterCount, type Poll } from "./poll.js";
import "./polls.css";

const KEPT = "portal.poll_choice.";

/** In an anonymous poll nobody's choice is named, the caller's neither: this device keeps it. */
function keptChoice(messageId: string): number[] | null {
  try {
    const raw = window.localStorage.getItem(KEPT + messageId);
    return raw ? (JSON.parse(raw) as number[]) : null;
  } catch {
    return null;
  }
}

function keepChoice(messageId: string, options: number[]): void {
  try {
    if (options.length) window.localStorage.setItem(KEPT + messageId, JSON.stringify(options));
    else window.localStorage.removeItem(KEPT + messageId);
  } catch {
    // not kept: the bars still show the totals
  }
}

/** A poll in a message: bars with the results, voting and withdrawing, closing (live through poll.update). */
export function PollView({ message, conversation }: { message: Message; conversation: Conversation }) {
  const t = useT(pollMessages);
  const me = useApp((s) => s.me);
  const poll: Poll | null = message.poll;
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [kept, setKept] = useState(() => keptChoice(message.id));
  const [selection, setSelection] = useState<number[]>([]);
  if (!poll) return null;

  const results = pollResults(poll, me?.id ?? null, kept);
  const mine = results.filter((r) => r.mine).map((r) => r.index);
  const voted = mine.length > 0;
  const canVote = !poll.closed && conversation.role !== "read_only";
  const canClose = !poll.closed && (message.author_id === me?.id || conversation.role === "owner" || conversation.role === "admin");
  const voters = voterCount(poll);

  async function act(path: string, body?: unknown, choice?: number[]) {
    setBusy(true);
    setError(null);
    try {
      const { data } = await appStore().client.request<Message>("POST", `/api/v1/messages/${encodeURIComponent(message.id)}/${path}`, body);
      // The answer is as fresh as the event that follows; show it at once.
      appStore().update((s) => applyEvent(s, { type: "poll", op: "update", conversation_id: data.conversation_id, message_id: data.id, poll: data["poll"] }));
      if (choice) {
        keepChoice(message.id, choice);
        setKept(choice);
        setSelection([]);
      }
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }

  const vote = (options: number[]) => void act("vote", { options }, options);

  return (
    <div className="poll" data-testid="poll" role="group" aria-labelledby={`poll-${message.id}`}>
      <div className="poll-head">
        <strong id={`poll-${message.id}`} className="poll-question">
          {poll.question}
        </strong>
        <span className="muted poll-kind">
          {[poll.anonymous ? t("anonymous") : t("poll"), poll.multiple ? t("multiple") : null, poll.closed ? t("closed") : null].filter(Boolean).join(" · ")}
        </span>
      </div>
      <ul className="poll-options">
        {results.map((r) => {
          const selected = selection.includes(r.index);
          const bar = (
            <span className="poll-bar" aria-hidden="true">
              <span className="poll-fill" style={{ width: `${r.percent}%` }} data-testid="poll-fill" data-percent={r.percent} />
            </span>
          );
          const text = (
            <span className="poll-option-text">
              <span>
                {r.text}
                {r.mine && <span className="poll-mine"> · {t("yourVote")}</span>}
              </span>
              <span className="muted">
                {t("percent", { percent: r.percent })}
                <span className="visually-hidden">, {t("votes", { count: r.votes })}</span>
              </span>
            </span>
          );
          return (
            <li key={r.index} className={r.mine ? "poll-option mine" : "poll-option"} data-testid="poll-option" data-votes={r.votes}>
              {canVote && poll.multiple ? (
                <label className="poll-choice">
                  <input
                    type="checkbox"
                    checked={voted && selection.length === 0 ? r.mine : selected}
                    disabled={busy}
                    onChange={(e) => {
                      const base = selection.length === 0 && voted ? mine : selection;
                      setSelection(e.target.checked ? [...new Set([...base, r.index])] : base.filter((i) => i !== r.index));
                    }}
                  />
                  {text}
                  {bar}
                </label>
              ) : canVote ? (
                <button type="button" className="poll-choice" aria-pressed={r.mine} disabled={busy} onClick={() => vote([r.index])} data-testid="poll-vote-option">
                  {text}
                  {bar}
                </button>
              ) : (
                <div className="poll-choice">
                  {text}
                  {bar}
                </div>
              )}
            </li>
          );
        })}
      </ul>
      <div className="poll-foot">
        <span className="muted" data-testid="poll-voters">
          {t("voters", { count: voters })}
        </span>
        {canVote && poll.multiple && selection.length > 0 && (
          <button type="button" className="primary" disabled={busy} onClick={() => vote(selection.slice().sort((a, b) => a - b))} data-testid="poll-vote">
            {t("vote")}
          </button>
        )}
        {canVote && voted && (
          <button type="button" className="secondary" disabled={busy} onClick={() => vote([])} data-testid="poll-withdraw">
            {t("withdraw")}
          </button>
        )}
        {canClose && (
          <button
            type="button"
            className="secondary"
            disabled={busy}
            onClick={() => {
              if (window.confirm(t("closeConfirm"))) void act("close-poll");
            }}
            data-testid="poll-close"
          >
            {t("close")}
          </button>
        )}
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
