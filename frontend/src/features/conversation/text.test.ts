import { describe, expect, it } from "vitest";
import type { Message, User } from "../../app/model.js";
import { translate, type Language } from "../../i18n/index.js";
import { conversationMessages, type ConversationKey } from "./messages.js";
import { systemText, systemUserIds } from "./text.js";

const users = {
  ivan: { id: "ivan", login: "ivan", full_name: "Иван Петров" },
  anna: { id: "anna", login: "anna", full_name: "Анна Смирнова" },
  oleg: { id: "oleg", login: "oleg", full_name: "Олег Иванов" },
  nina: { id: "nina", login: "nina", full_name: "Нина Орлова" },
} as unknown as Record<string, User>;

function notice(system: Record<string, unknown>): Message {
  return { id: "m-1", conversation_id: "c", seq: 2, author_id: "ivan", kind: "system", body: "", system } as unknown as Message;
}

const text = (message: Message, language: Language = "ru") =>
  systemText(message, users, (key: ConversationKey, params) => translate(conversationMessages, language, key, params));

describe("members_added", () => {
  const many = notice({ event: "members_added", users: ["anna", "oleg", ...Array.from({ length: 12 }, (_, i) => `u${i}`)] });

  it("names the first two of many and counts the rest, in both languages", () => {
    expect(text(many)).toBe("Иван Петров добавляет Анна Смирнова, Олег Иванов и ещё 12");
    expect(text(many, "en")).toBe("Иван Петров added Анна Смирнова, Олег Иванов and 12 more");
    const four = notice({ event: "members_added", users: ["anna", "oleg", "nina", "x1"] });
    expect(text(four, "en")).toBe("Иван Петров added Анна Смирнова, Олег Иванов and 2 more");
  });

  it("names everyone when there are up to three", () => {
    expect(text(notice({ event: "members_added", users: ["anna", "oleg", "nina"] }))).toBe("Иван Петров добавляет Анна Смирнова, Олег Иванов и Нина Орлова");
    expect(text(notice({ event: "members_added", users: ["anna", "oleg"] }), "en")).toBe("Иван Петров added Анна Смирнова and Олег Иванов");
  });

  it("keeps rendering the one-user notice of older messages", () => {
    expect(text(notice({ event: "member_added", user: "anna" }))).toBe("Иван Петров добавляет Анна Смирнова");
  });

  it("asks for the profiles of only those it names", () => {
    expect(systemUserIds(many)).toEqual(["ivan", "anna", "oleg"]);
    expect(systemUserIds(notice({ event: "members_added", users: ["anna", "oleg", "nina"] }))).toEqual(["ivan", "anna", "oleg", "nina"]);
  });
});
