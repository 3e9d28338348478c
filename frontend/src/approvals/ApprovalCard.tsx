/**
 * The chat card of an approval step: a system message whose `system.event` (or `action`)
 * is `approval_<step>` (documents/services/approval: `{action, document_id, name, route_id,
 * link, stage?, deadline_at?, task?, registration_number?, comment?}`), with a link that
 * opens the document.
 */
import { useT } from "../i18n/index.js";
import { formatDateTime } from "../i18n/format.js";
import type { Message, User } from "../app/model.js";
import { AppLink } from "../documents/parts.js";
import { approvalsMessages, type ApprovalsKey } from "./messages.js";
import { approvalStep, isApprovalMessage } from "./api.js";

export { isApprovalMessage };
import "./approvals.css";

const STEPS = ["started", "approved", "stage_completed", "registered", "rejected", "returned", "cancelled", "restarted", "reminder", "escalation"];

export function ApprovalCard({ message, users }: { message: Message; users: Readonly<Record<string, User>> }) {
  const t = useT(approvalsMessages);
  const data = (message.system ?? {}) as Record<string, unknown>;
  const step = approvalStep(message) ?? "";
  const documentId = typeof data["document_id"] === "string" ? data["document_id"] : null;
  const name = String(data["name"] ?? "");
  const author = message.author_id ? users[message.author_id] : undefined;
  const actor = author?.full_name || author?.login || "";
  const number = String(data["registration_number"] ?? "");
  const key: ApprovalsKey = data["task"] === true ? "card_task" : STEPS.includes(step) ? (`card_${step}` as ApprovalsKey) : "card_other";
  const deadline = typeof data["deadline_at"] === "string" ? data["deadline_at"] : null;
  const comment = typeof data["comment"] === "string" ? data["comment"] : "";
  return (
    <div className={`approval-card step-${step}`} data-testid="approval-card" data-step={step}>
      <p className="approval-card-text">{t(key, { actor, name, stage: String(data["stage"] ?? ""), number })}</p>
      {deadline && <p className="muted">{t("deadline", { time: formatDateTime(deadline) })}</p>}
      {comment && <blockquote className="decision-comment">{comment}</blockquote>}
      {documentId && (
        <AppLink to={{ name: "document", id: documentId }} href={`/documents/${documentId}`} testId="approval-card-link">
          {t("cardOpen")}
        </AppLink>
      )}
    </div>
  );
}
