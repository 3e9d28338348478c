import { describe, expect, it } from "vitest";

import type { Message } from "../app/model.js";
import { testMessage } from "../app/testing.js";
import { translate, type Language } from "../i18n/index.js";
import { messagePreview } from "../features/sidebar/list.js";
import { callsMessages } from "./messages.js";
import { callRecord, endKey, formatDuration, noticeText } from "./notice.js";

function notice(state: string, fields: Record<string, unknown> = {}): Message {
  return testMessage(5, {
    kind: "system",
    body: "",
    system: { event: "call", call_id: "call-1", call_kind: "audio", call_state: state, duration_seconds: null, ...fields },
  }, "alice");
}

const text = (message: Message, meId: string, language: Language = "ru") =>
  noticeText(callRecord(message)!, meId, (key, params) => translate(callsMessages, language, key, params));

describe("the system message of a call", () => {
  it("reads 'Пропущенный звонок' for the callee of an unanswered call, as the caller left it", () => {
    expect(text(notice("missed"), "bob")).toBe("Пропущенный звонок");
    expect(text(notice("cancelled"), "bob")).toBe("Пропущенный звонок");
    expect(text(notice("missed", { call_kind: "video" }), "bob")).toBe("Пропущенный видеозвонок");
    expect(text(notice("missed"), "alice")).toBe("Звонок без ответа");
    expect(text(notice("cancelled"), "alice")).toBe("Отменённый звонок");
    expect(text(notice("busy"), "alice")).toBe("Звонок: абонент был занят");
    expect(text(notice("missed"), "bob", "en")).toBe("Missed call");
  });

  it("reads 'Звонок, 12:34' for a call talked through, for both parties", () => {
    expect(text(notice("ended", { duration_seconds: 754 }), "alice")).toBe("Звонок, 12:34");
    expect(text(notice("ended", { duration_seconds: 754, call_kind: "video" }), "bob")).toBe("Видеозвонок, 12:34");
    expect(text(notice("ended", { duration_seconds: 7 }), "bob", "en")).toBe("Call, 0:07");
    expect(text(notice("declined"), "bob")).toBe("Вы отклонили звонок");
    expect(text(notice("declined"), "alice")).toBe("Звонок отклонён");
    expect(text(notice("failed"), "alice")).toBe("Звонок прервался");
  });

  it("is only a call's system message", () => {
    expect(callRecord(testMessage(3))).toBeNull();
    expect(callRecord({ kind: "system", system: { event: "member_added" }, author_id: "a" } as unknown as Message)).toBeNull();
  });

  it("shows in the sidebar's preview as worded for the reader", () => {
    const direct = { kind: "direct" } as Parameters<typeof messagePreview>[0];
    expect(messagePreview(direct, notice("missed"), {}, "bob")?.body).toEqual({ kind: "key", key: "system_call", params: { text: "Пропущенный звонок" } });
  });
});

describe("durations and endings", () => {
  it("formats minutes and seconds, and hours when there are any", () => {
    expect(formatDuration(0)).toBe("0:00");
    expect(formatDuration(59.9)).toBe("0:59");
    expect(formatDuration(754)).toBe("12:34");
    expect(formatDuration(3723)).toBe("1:02:03");
    expect(formatDuration(-5)).toBe("0:00");
  });

  it("words each way a call ends", () => {
    expect(["ended", "declined", "cancelled", "missed", "busy", "failed"].map((s) => translate(callsMessages, "ru", endKey(s as never)))).toEqual([
      "Звонок завершён", "Звонок отклонён", "Звонок отменён", "Нет ответа", "Абонент занят", "Соединение прервалось",
    ]);
  });
});
