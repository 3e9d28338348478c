import { describe, expect, it } from "vitest";
import type { Message } from "../../app/model.js";
import { documentCard } from "./documentCard.js";

const ID = "0b9f3c4e-7a1d-4f7e-9c2a-5d6e7f8a9b0c";

function message(system: Record<string, unknown>, kind = "system"): Message {
  return { id: "m1", kind, system, author_id: "u1", body: "", seq: 1 } as unknown as Message;
}

describe("document_shared card", () => {
  it("shows the name, version and status, and links to the document", () => {
    const card = documentCard(message({ event: "document_shared", document_id: ID, name: "Приказ.docx", kind: "file", version: 3, status: "draft" }));
    expect(card).toEqual({ id: ID, name: "Приказ.docx", version: 3, status: "draft", href: `/documents/${ID}` });
  });

  it("has no version for a rich-text document without exports", () => {
    expect(documentCard(message({ event: "document_shared", document_id: ID, name: "Записка", version: null, status: "draft" }))?.version).toBeNull();
  });

  it("is null for other messages and for a card whose id is not an id", () => {
    expect(documentCard(message({ event: "member_added", user: "u2" }))).toBeNull();
    expect(documentCard(message({ event: "document_shared", document_id: "../../admin" }))).toBeNull();
    expect(documentCard(message({ event: "document_shared", document_id: ID }, "text"))).toBeNull();
  });
});
