import { describe, expect, it } from "vitest";

import { pollResults, validatePollDraft, voterCount, type Poll } from "./poll.js";

const poll = (fields: Partial<Poll> = {}): Poll => ({
  question: "Когда совещание?",
  multiple: false,
  anonymous: false,
  closed: false,
  options: [
    { text: "Утром", votes: 3, voter_ids: ["u1", "u2", "u3"] },
    { text: "Днём", votes: 1, voter_ids: ["u4"] },
    { text: "Вечером", votes: 0, voter_ids: [] },
  ],
  ...fields,
});

describe("poll results", () => {
  it("gives each option its share and marks the caller's choice", () => {
    const results = pollResults(poll(), "u4", null);
    expect(results.map((r) => [r.percent, r.mine])).toEqual([
      [75, false],
      [25, true],
      [0, false],
    ]);
    expect(voterCount(poll())).toBe(4);
  });

  it("in an anonymous poll the kept choice is the caller's", () => {
    const anonymous = poll({ anonymous: true, options: poll().options.map((o) => ({ ...o, voter_ids: [] })) });
    expect(pollResults(anonymous, "u4", [2]).map((r) => r.mine)).toEqual([false, false, true]);
    expect(pollResults(anonymous, "u4", null).some((r) => r.mine)).toBe(false);
  });

  it("counts people, not votes, in a named multiple-choice poll; no votes is 0 %", () => {
    const multiple = poll({
      multiple: true,
      options: [
        { text: "A", votes: 2, voter_ids: ["u1", "u2"] },
        { text: "B", votes: 1, voter_ids: ["u1"] },
      ],
    });
    expect(voterCount(multiple)).toBe(2);
    const empty = poll({ options: [{ text: "A", votes: 0, voter_ids: [] }, { text: "B", votes: 0, voter_ids: [] }] });
    expect(pollResults(empty, "u1", null).map((r) => r.percent)).toEqual([0, 0]);
  });
});

describe("the create form", () => {
  it("takes a question and 2–10 distinct options, ignoring empty rows", () => {
    expect(validatePollDraft("  Вопрос ", ["Да", " ", "Нет "])).toEqual({ question: "Вопрос", options: ["Да", "Нет"] });
    expect(validatePollDraft(" ", ["Да", "Нет"])).toBe("needQuestion");
    expect(validatePollDraft("Вопрос", ["Да", ""])).toBe("needOptions");
    expect(validatePollDraft("Вопрос", Array.from({ length: 11 }, (_, i) => `В${i}`))).toBe("needOptions");
    expect(validatePollDraft("Вопрос", ["Да", "да"])).toBe("distinctOptions");
  });
});
