import { describe, expect, it } from "vitest";
import { defineMessages, translate } from "./index.js";
import { formatSize } from "./format.js";

const catalog = defineMessages(
  {
    messages: { one: "{count} сообщение", few: "{count} сообщения", many: "{count} сообщений" },
    hello: "Здравствуйте, {name}",
  },
  {
    messages: { one: "{count} message", other: "{count} messages" },
    hello: "Hello, {name}",
  },
);

describe("translate", () => {
  it("picks the Russian plural forms", () => {
    const ru = (count: number) => translate(catalog, "ru", "messages", { count });
    expect([1, 2, 5, 11, 21, 22, 25, 101, 111].map(ru)).toEqual([
      "1 сообщение",
      "2 сообщения",
      "5 сообщений",
      "11 сообщений",
      "21 сообщение",
      "22 сообщения",
      "25 сообщений",
      "101 сообщение",
      "111 сообщений",
    ]);
    expect(ru(1.5)).toBe("1,5 сообщения");
    expect(ru(10000)).toBe("10\u00a0000 сообщений");
  });

  it("picks the English plural forms", () => {
    const en = (count: number) => translate(catalog, "en", "messages", { count });
    expect([0, 1, 2, 21].map(en)).toEqual(["0 messages", "1 message", "2 messages", "21 messages"]);
  });

  it("fills parameters and leaves unknown ones visible", () => {
    expect(translate(catalog, "en", "hello", { name: "Anna" })).toBe("Hello, Anna");
    expect(translate(catalog, "ru", "hello")).toBe("Здравствуйте, {name}");
  });

  it("formats sizes in each language", () => {
    expect(formatSize(512, "ru")).toBe("512 Б");
    expect(formatSize(1536, "ru")).toBe("1,5 КБ");
    expect(formatSize(100 * 1024 * 1024, "en")).toBe("100 MB");
  });
});
