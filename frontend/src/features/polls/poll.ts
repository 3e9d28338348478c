/** Poll logic without React: results, the caller's choice, the create form's validation. */

import type { Poll } from "../../api/index.js";

export type { Poll };

export interface OptionResult {
  index: number;
  text: string;
  votes: number;
  /** Share of all votes cast, 0–100, rounded. */
  percent: number;
  mine: boolean;
}

/** Each option with its share; `mine` from voter_ids (or the kept choice in anonymous polls). */
export function pollResults(poll: Poll, userId: string | null, keptChoice: readonly number[] | null): OptionResult[] {
  const total = poll.options.reduce((sum, o) => sum + o.votes, 0);
  return poll.options.map((o, index) => ({
    index,
    text: o.text,
    votes: o.votes,
    percent: total ? Math.round((o.votes / total) * 100) : 0,
    mine: poll.anonymous ? (keptChoice ?? []).includes(index) : userId !== null && o.voter_ids.includes(userId),
  }));
}

/** How many people voted: known exactly only when voters are named. */
export function voterCount(poll: Poll): number {
  if (poll.anonymous || !poll.multiple) return poll.options.reduce((sum, o) => sum + o.votes, 0);
  return new Set(poll.options.flatMap((o) => o.voter_ids)).size;
}

export type PollDraftError = "needQuestion" | "needOptions" | "distinctOptions";

/** The create form's input checked as the server checks it (docs/messaging.md, "Polls"). */
export function validatePollDraft(question: string, options: readonly string[]): { question: string; options: string[] } | PollDraftError {
  const q = question.trim();
  if (!q) return "needQuestion";
  const filled = options.map((o) => o.trim()).filter(Boolean);
  if (filled.length < 2 || filled.length > 10) return "needOptions";
  if (new Set(filled.map((o) => o.toLocaleLowerCase())).size !== filled.length) return "distinctOptions";
  return { question: q, options: filled };
}
