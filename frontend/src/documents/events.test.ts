import { describe, expect, it } from "vitest";

import { applyEvent } from "../app/events.js";
import { initialState } from "../app/store.js";
import { documentEventKeys } from "./events.js";

const document = { id: "d-1", name: "Приказ", kind: "file", folder_id: "f-1", status: "draft" };

describe("the documents' events in the one dispatcher", () => {
  it("names the document, its folder and the shared list for document events", () => {
    expect(documentEventKeys({ type: "document", op: "add", document })).toEqual(["doc:d-1", "folder:f-1", "shared"]);
    expect(documentEventKeys({ type: "document", op: "remove", document_id: "d-1", folder_id: "f-1" })).toEqual(["doc:d-1", "folder:f-1", "shared"]);
  });

  it("names the document for versions, previews and shares; approvals also reach the inbox", () => {
    expect(documentEventKeys({ type: "document_version", op: "add", document_id: "d-1", version: { id: "v-2" } })).toEqual(["doc:d-1", "folders"]);
    expect(documentEventKeys({ type: "document_preview", op: "change", document_id: "d-1", version_id: "v-2", status: "ready" })).toEqual(["doc:d-1"]);
    expect(documentEventKeys({ type: "document_share", op: "remove", document_id: "d-1", share: { id: "s" } })).toEqual(["doc:d-1", "shared"]);
    expect(documentEventKeys({ type: "approval", op: "change", step: "approved", document_id: "d-1", route: { document: { id: "d-1" } } })).toEqual(["doc:d-1", "approvals"]);
  });

  it("moves the counters in the app state, once per event; other events leave the state as it was", () => {
    const start = initialState({ status: "online", userId: "me", headEventId: 0 });
    const once = applyEvent(start, { type: "document_version", op: "add", document_id: "d-1", version: {} });
    const twice = applyEvent(once, { type: "approval", op: "change", document_id: "d-1", route: {} });
    expect(twice.documentChanges).toEqual({ "doc:d-1": 2, folders: 1, approvals: 1 });
    expect(applyEvent(twice, { type: "something_else", op: "x" })).toBe(twice);
  });
});
