/**
 * The card a `document_shared` system message shows in the chat: the document's name, its
 * version and status when it was shared, and a link to `/documents/<id>` (the document
 * screens open it; only those it is shared with can see it there).
 */
import type { MouseEvent as ReactMouseEvent } from "react";
import type { Message, User } from "../../app/model.js";
import { documentCard } from "./documentCard.js";
import { navigate } from "../../app/router.js";
import { defineMessages, useT } from "../../i18n/index.js";
import { userName } from "./text.js";
import { conversationMessages } from "./messages.js";

const cardMessages = defineMessages(
  {
    shared: "{actor} делится документом",
    version: "версия {number}",
    noVersion: "без версий",
    open: "Открыть документ {name}",
    status_draft: "черновик",
    status_in_approval: "на согласовании",
    status_returned: "возвращён на доработку",
    status_rejected: "отклонён",
    status_approved: "согласован",
    status_registered: "зарегистрирован",
  },
  {
    shared: "{actor} shared a document",
    version: "version {number}",
    noVersion: "no versions",
    open: "Open the document {name}",
    status_draft: "draft",
    status_in_approval: "in approval",
    status_returned: "returned for revision",
    status_rejected: "rejected",
    status_approved: "approved",
    status_registered: "registered",
  },
);

type StatusKey = `status_${"draft" | "in_approval" | "returned" | "rejected" | "approved" | "registered"}`;

export function DocumentSharedCard({ message, users }: { message: Message; users: Readonly<Record<string, User>> }) {
  const t = useT(cardMessages);
  const tc = useT(conversationMessages);
  const card = documentCard(message);
  if (!card) return null;
  const statusKey = `status_${card.status}` as StatusKey;
  const status = statusKey in cardMessages.ru ? t(statusKey) : card.status;
  const open = (event: ReactMouseEvent<HTMLAnchorElement>) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(card.href);
  };
  return (
    <div className="system-message document-card" data-testid="document-card" data-document-id={card.id}>
      <div>{t("shared", { actor: userName(users, message.author_id, tc) })}</div>
      <a href={card.href} onClick={open} aria-label={t("open", { name: card.name })}>
        <strong>{card.name}</strong>
      </a>
      <div>
        {card.version !== null ? t("version", { number: card.version }) : t("noVersion")}
        {status ? ` · ${status}` : ""}
      </div>
    </div>
  );
}
