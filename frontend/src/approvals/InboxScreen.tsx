import { useT } from "../i18n/index.js";
import { formatDateTime } from "../i18n/format.js";
import { useApp } from "../app/store.js";
import { AppLink } from "../documents/parts.js";
import { useDocumentChanges, useLoad } from "../documents/hooks.js";
import { approvalsApi, sortTasks } from "./api.js";
import { approvalsMessages } from "./messages.js";
import { DelegationsPanel } from "./DelegationsPanel.js";
import { TemplatesPanel } from "./TemplatesPanel.js";
import "./approvals.css";

/** `/approvals`: the tasks waiting for my decision (as approver or deputy), overdue first. */
export function InboxScreen() {
  const t = useT(approvalsMessages);
  const users = useApp((s) => s.users);
  const changes = useDocumentChanges("approvals");
  const inbox = useLoad(() => approvalsApi.inbox(), [changes]);
  const tasks = sortTasks(inbox.data?.results ?? []);
  return (
    <div className="page approvals-page" data-testid="approvals-inbox">
      <header className="page-header">
        <h1>{t("inboxTitle")}</h1>
        {tasks.length > 0 && <span className="muted">{t("inboxCount", { count: tasks.length })}</span>}
      </header>
      {inbox.error && <p className="error" role="alert">{inbox.error}</p>}
      {inbox.data && tasks.length === 0 && <p className="empty-note" data-testid="inbox-empty">{t("inboxEmpty")}</p>}
      {tasks.length > 0 && (
        <ul className="inbox-list" data-testid="inbox-list">
          {tasks.map((task) => (
            <li key={`${task.route_id}:${task.stage}:${task.on_behalf_of ?? ""}`} className={task.overdue ? "inbox-item overdue" : "inbox-item"} data-testid="inbox-item" data-overdue={task.overdue ? "true" : "false"} data-document={task.document_id}>
              <AppLink to={{ name: "document", id: task.document_id }} href={`/documents/${task.document_id}`} className="inbox-link" testId="inbox-link">
                {task.document_name}
              </AppLink>
              <span className="muted">
                {task.kind === "signature" ? t("signatureStage") : t("stageN", { number: task.stage })} · {t("versionN", { number: task.version_number })}
                {task.on_behalf_of && <> · {t("onBehalfOf", { name: users[task.on_behalf_of]?.full_name || users[task.on_behalf_of]?.login || "…" })}</>}
              </span>
              {task.overdue && <span className="overdue-label" data-testid="inbox-overdue">{t("overdue")}</span>}
              <span className="inbox-deadline">{task.deadline_at ? t("deadline", { time: formatDateTime(task.deadline_at) }) : t("noDeadline")}</span>
            </li>
          ))}
        </ul>
      )}
      <div className="approvals-settings">
        <DelegationsPanel />
        <TemplatesPanel />
      </div>
    </div>
  );
}
