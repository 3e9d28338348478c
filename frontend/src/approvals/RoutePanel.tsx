import { useId, useState } from "react";
import { useT } from "../i18n/index.js";
import { formatDateTime } from "../i18n/format.js";
import { useApp } from "../app/store.js";
import { errorMessage } from "../ui/errors.js";
import { Dialog } from "../ui/Dialog.js";
import { hasRole, type DocumentItem } from "../documents/api.js";
import { useDocumentChanges, useLoad } from "../documents/hooks.js";
import { approvalsApi, type Decision, type Route, type Stage, type Task } from "./api.js";
import { RouteBuilder } from "./RouteBuilder.js";
import { approvalsMessages, type ApprovalsKey } from "./messages.js";
import "./approvals.css";

/**
 * The document's approval: its route with each stage, its approvers and their decisions,
 * the signatures in order; the decision buttons (approve / reject / return, with a comment)
 * for whoever is to decide now (an approver of the current stage or their deputy: the
 * inbox says); the builder for an editor when no route runs.
 */
export function RoutePanel({ document: doc, onChanged }: { document: DocumentItem; onChanged: () => void }) {
  const t = useT(approvalsMessages);
  const changes = useDocumentChanges(`doc:${doc.id}`, "approvals");
  const route = useLoad(() => approvalsApi.latestRoute(doc.id), [doc.id, changes]);
  const inbox = useLoad(() => approvalsApi.inbox(), [changes]);
  const [building, setBuilding] = useState(false);
  const meId = useApp((s) => s.me?.id ?? null);
  const task = inbox.data?.results.find((x) => x.document_id === doc.id) ?? null;
  const running = route.data?.status === "running";
  const canStart = hasRole(doc.role, "editor") && !running;

  const refresh = () => {
    route.reload();
    inbox.reload();
    onChanged();
  };

  return (
    <section className="route-panel" aria-labelledby="route-title" data-testid="route-panel">
      <h2 id="route-title">{t("routeTitle")}</h2>
      {route.error && <p className="error" role="alert">{route.error}</p>}
      {route.data === null && !building && <p className="empty-note">{t("noRoute")}</p>}
      {route.data && <RouteView route={route.data} />}
      {task && running && route.data && <DecisionForm documentId={doc.id} task={task} onDecided={refresh} />}
      {running && route.data && (hasRole(doc.role, "owner") || route.data.started_by === meId) && <CancelRoute documentId={doc.id} onCancelled={refresh} />}
      {canStart && !building && (
        <button type="button" className="primary" onClick={() => setBuilding(true)} data-testid="route-new">
          {t("builderTitle")}
        </button>
      )}
      {canStart && building && (
        <Dialog title={t("builderTitle")} onClose={() => setBuilding(false)} wide>
          <RouteBuilder
            documentId={doc.id}
            onCancel={() => setBuilding(false)}
            onStarted={() => {
              setBuilding(false);
              refresh();
            }}
          />
        </Dialog>
      )}
    </section>
  );
}

function RouteView({ route }: { route: Route }) {
  const t = useT(approvalsMessages);
  const statusKey = `routeStatus_${route.status}` as ApprovalsKey;
  return (
    <div className="route" data-testid="route" data-status={route.status}>
      <p>
        <strong data-testid="route-status">{t(statusKey)}</strong> · <span className="muted">{t("routeVersion", { number: route.version.number })}</span>
      </p>
      {route.document.registration_number && (
        <p className="ok" data-testid="route-registered">
          {t("registered", { number: route.document.registration_number })}
        </p>
      )}
      <ol className="route-stages">
        {route.stages.map((stage) => (
          <StageView key={stage.number} stage={stage} current={route.current_stage === stage.number} />
        ))}
      </ol>
      {route.decisions.length > 0 && (
        <>
          <h3 className="field-title">{t("decisions")}</h3>
          <ol className="route-decisions" data-testid="route-decisions">
            {route.decisions.map((d) => (
              <li key={d.id} className={d.void ? "void" : ""} data-testid="route-decision" data-decision={d.decision}>
                <span className={`decision decision-${d.decision}`}>{t(`decision_${d.decision}`)}</span>{" "}
                <strong>{d.deputy ? t("deputyFor", { deputy: d.deputy.name, approver: d.approver.name }) : d.approver.name}</strong>{" "}
                <span className="muted">
                  · {t("stageN", { number: d.stage })} · {t("versionN", { number: d.version_number })} · <time dateTime={d.decided_at}>{formatDateTime(d.decided_at)}</time>
                  {d.void && <> · {t("voided")}</>}
                </span>
                {d.comment && <blockquote className="decision-comment">{d.comment}</blockquote>}
                <code className="signature-hash" title="SHA-256">{d.hash.slice(0, 16)}…</code>
              </li>
            ))}
          </ol>
        </>
      )}
    </div>
  );
}

function StageView({ stage, current }: { stage: Stage; current: boolean }) {
  const t = useT(approvalsMessages);
  return (
    <li className={current ? "route-stage current" : "route-stage"} data-testid="route-stage" data-current={current ? "true" : "false"} aria-current={current ? "step" : undefined}>
      <div className="route-stage-head">
        <strong>{stage.kind === "signature" ? t("signatureStage") : t("stageN", { number: stage.number })}</strong>
        <span className="muted">{stage.mode === "any" ? t("modeAny") : t("modeAll")}</span>
        {current && <span className="chip-label">{t("currentStage")}</span>}
        {stage.completed_at && <span className="chip-label ok">{t("stageDone")}</span>}
        {stage.deadline_at && (
          <span className="muted">
            {t("deadline", { time: formatDateTime(stage.deadline_at) })}
          </span>
        )}
      </div>
      <ul className="route-approvers">
        {stage.approvers.map((a) => (
          <li key={a.id} data-testid="route-approver" data-decision={a.decision ?? "none"}>
            {a.name}
            {a.head_of && <span className="muted"> ({a.head_of === "author" ? t("headOfAuthor") : t("headOfDepartment")})</span>} — <span className={a.decision ? `decision decision-${a.decision}` : "muted"}>{a.decision ? t(`decision_${a.decision}`) : t("waiting")}</span>
          </li>
        ))}
      </ul>
    </li>
  );
}

function DecisionForm({ documentId, task, onDecided }: { documentId: string; task: Task; onDecided: () => void }) {
  const t = useT(approvalsMessages);
  const [comment, setComment] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const id = useId();

  async function decide(decision: Decision) {
    if (decision !== "approve" && !comment.trim()) return setError(t("commentRequired"));
    setBusy(true);
    setError(null);
    try {
      await approvalsApi.decide(documentId, decision, comment);
      setComment("");
      onDecided();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="decision-form" aria-labelledby={`${id}-title`} data-testid="decision-form" onSubmit={(e) => e.preventDefault()}>
      <h3 id={`${id}-title`} className="field-title">
        {t("yourDecision")} · {task.kind === "signature" ? t("signatureStage") : t("stageN", { number: task.stage })}
        {task.overdue && <span className="overdue-label"> · {t("overdue")}</span>}
      </h3>
      <label htmlFor={id}>
        {t("comment")}
        <textarea id={id} rows={2} value={comment} maxLength={4000} onChange={(e) => setComment(e.target.value)} data-testid="decision-comment" />
      </label>
      {error && <p className="error" role="alert" data-testid="decision-error">{error}</p>}
      <div className="row start">
        <button type="button" className="primary" disabled={busy} onClick={() => void decide("approve")} data-testid="decide-approve">
          {t("approve")}
        </button>
        <button type="button" className="secondary" disabled={busy} onClick={() => void decide("return")} data-testid="decide-return">
          {t("returnBack")}
        </button>
        <button type="button" className="danger" disabled={busy} onClick={() => void decide("reject")} data-testid="decide-reject">
          {t("reject")}
        </button>
      </div>
    </form>
  );
}

function CancelRoute({ documentId, onCancelled }: { documentId: string; onCancelled: () => void }) {
  const t = useT(approvalsMessages);
  const [error, setError] = useState<string | null>(null);
  return (
    <>
      <button
        type="button"
        className="link"
        data-testid="route-cancel"
        onClick={() => {
          if (!window.confirm(t("cancelConfirm"))) return;
          approvalsApi
            .cancel(documentId)
            .then(onCancelled)
            .catch((e: unknown) => setError(errorMessage(e)));
        }}
      >
        {t("cancelRoute")}
      </button>
      {error && <p className="error" role="alert">{error}</p>}
    </>
  );
}
