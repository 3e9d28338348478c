import { useEffect, useId, useState } from "react";
import { useT } from "../i18n/index.js";
import { appStore, useApp } from "../app/store.js";
import type { User } from "../app/model.js";
import { errorMessage } from "../ui/errors.js";
import { UserSearch } from "../features/members/UserPicker.js";
import { approvalsApi, type OnNewVersion, type StageMode, type Template } from "./api.js";
import { newStage, routeInput, type DraftStage } from "./builder.js";
import { approvalsMessages } from "./messages.js";

function useUserNames(ids: readonly string[]): Record<string, string> {
  const users = useApp((s) => s.users);
  useEffect(() => {
    for (const id of ids) if (!users[id]) void appStore().user(id);
  }, [ids, users]);
  return Object.fromEntries(ids.map((id) => [id, users[id]?.full_name || users[id]?.login || "…"]));
}

/**
 * The route builder: ordered stages, each with approvers from the directory, all/any, a
 * deadline (hours from the stage's start, or a date), an optional final signer, what a new
 * version does meanwhile; or a saved template to start from (and saving this one as one).
 */
export function RouteBuilder({ documentId, onStarted, onCancel }: { documentId: string; onStarted: () => void; onCancel: () => void }) {
  const t = useT(approvalsMessages);
  const [stages, setStages] = useState<DraftStage[]>(() => [newStage()]);
  const [signer, setSigner] = useState<string | null>(null);
  const [policy, setPolicy] = useState<OnNewVersion>("restart");
  const [templates, setTemplates] = useState<Template[]>([]);
  const [templateId, setTemplateId] = useState<string | null>(null);
  const [templateName, setTemplateName] = useState("");
  const [notice, setNotice] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const ids = { template: useId(), policy: useId(), templateName: useId() };
  const names = useUserNames([...stages.flatMap((s) => s.approvers), ...(signer ? [signer] : [])]);

  useEffect(() => {
    approvalsApi
      .templates()
      .then((page) => setTemplates(page.results))
      .catch(() => setTemplates([]));
  }, []);

  const change = (key: number, patch: Partial<DraftStage>) => setStages((list) => list.map((s) => (s.key === key ? { ...s, ...patch } : s)));
  const remember = (user: User) => appStore().update((s) => ({ ...s, users: { ...s.users, [user.id]: s.users[user.id] ?? user } }));

  function applyTemplate(id: string) {
    setTemplateId(id || null);
    const template = templates.find((x) => x.id === id);
    if (!template) return;
    setStages(template.stages.map((s) => newStage(s.approver_ids, s.mode, String(s.duration_hours), s.head_of.includes("author"))));
    setSigner(template.signer_id);
  }

  const input = routeInput(stages, signer, policy, templateId);

  async function start() {
    if (input === "no_approvers") return setError(t("noApprovers"));
    setBusy(true);
    setError(null);
    try {
      await approvalsApi.start(documentId, input);
      onStarted();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }

  async function saveTemplate() {
    if (input === "no_approvers" || !templateName.trim()) return;
    setError(null);
    try {
      const saved = await approvalsApi.saveTemplate(
        templateName.trim(),
        input.stages.map((s) => ({ approver_ids: s.approver_ids, head_of: s.head_of ?? [], mode: s.mode, duration_hours: s.duration_hours ?? 24, manager_id: null })),
        signer,
      );
      setTemplates((list) => [...list, saved]);
      setNotice(t("templateSaved", { name: saved.name }));
      setTemplateName("");
    } catch (e) {
      setError(errorMessage(e));
    }
  }

  return (
    <section className="route-builder" aria-label={t("builderTitle")} data-testid="route-builder">
      {templates.length > 0 && (
        <label htmlFor={ids.template}>
          {t("fromTemplate")}
          <select id={ids.template} value={templateId ?? ""} onChange={(e) => applyTemplate(e.target.value)} data-testid="route-template">
            <option value="">{t("noTemplate")}</option>
            {templates.map((x) => (
              <option key={x.id} value={x.id}>
                {x.name}
              </option>
            ))}
          </select>
        </label>
      )}
      <ol className="builder-stages">
        {stages.map((stage, index) => (
          <li key={stage.key} className="builder-stage" data-testid="builder-stage">
            <div className="builder-stage-head">
              <strong>{t("stageN", { number: index + 1 })}</strong>
              {stages.length > 1 && (
                <button type="button" className="link" onClick={() => setStages((list) => list.filter((s) => s.key !== stage.key))}>
                  {t("removeStage", { number: index + 1 })}
                </button>
              )}
            </div>
            <ul className="approver-chips" aria-label={t("approvers")}>
              {stage.approvers.map((id) => (
                <li key={id} data-testid="builder-approver">
                  {names[id]}
                  <button type="button" className="icon" aria-label={t("removeApprover", { name: names[id] ?? "" })} onClick={() => change(stage.key, { approvers: stage.approvers.filter((a) => a !== id) })}>
                    ✕
                  </button>
                </li>
              ))}
            </ul>
            <UserSearch
              label={t("addApprover")}
              exclude={stage.approvers}
              testId={`stage-${index + 1}-approver`}
              onPick={(user) => {
                remember(user);
                change(stage.key, { approvers: [...stage.approvers, user.id] });
              }}
            />
            <label className="checkbox">
              <input type="checkbox" checked={stage.authorHead} onChange={(e) => change(stage.key, { authorHead: e.target.checked })} data-testid={`stage-${index + 1}-author-head`} />
              {t("authorHead")}
            </label>
            <div className="builder-fields">
              <label>
                {t("mode")}
                <select value={stage.mode} onChange={(e) => change(stage.key, { mode: e.target.value as StageMode })} data-testid="stage-mode">
                  <option value="all">{t("modeAll")}</option>
                  <option value="any">{t("modeAny")}</option>
                </select>
              </label>
              <label>
                {t("durationHours")}
                <input type="number" min={1} max={8760} value={stage.hours} disabled={!!stage.dueAt} onChange={(e) => change(stage.key, { hours: e.target.value })} data-testid="stage-hours" />
              </label>
              <label>
                {t("dueAt")}
                <input type="datetime-local" value={stage.dueAt} onChange={(e) => change(stage.key, { dueAt: e.target.value })} data-testid="stage-due" />
              </label>
            </div>
          </li>
        ))}
      </ol>
      <button type="button" className="secondary" onClick={() => setStages((list) => [...list, newStage()])} data-testid="add-stage">
        {t("addStage")}
      </button>
      <div className="builder-signer">
        {signer ? (
          <p data-testid="builder-signer">
            {t("signer")}: <strong>{names[signer]}</strong>{" "}
            <button type="button" className="link" onClick={() => setSigner(null)}>
              {t("noSigner")}
            </button>
          </p>
        ) : (
          <UserSearch
            label={t("signer")}
            testId="route-signer"
            onPick={(user) => {
              remember(user);
              setSigner(user.id);
            }}
          />
        )}
      </div>
      <label htmlFor={ids.policy}>
        {t("policy")}
        <select id={ids.policy} value={policy} onChange={(e) => setPolicy(e.target.value as OnNewVersion)} data-testid="route-policy">
          <option value="restart">{t("policyRestart")}</option>
          <option value="refuse">{t("policyRefuse")}</option>
        </select>
      </label>
      {error && <p className="error" role="alert" data-testid="route-error">{error}</p>}
      {notice && <p className="ok" role="status">{notice}</p>}
      <div className="row">
        <button type="button" className="secondary" onClick={onCancel}>
          {t("cancel")}
        </button>
        <button type="button" className="primary" disabled={busy || input === "no_approvers"} onClick={() => void start()} data-testid="route-start">
          {t("startRoute")}
        </button>
      </div>
      <div className="builder-template-save">
        <label htmlFor={ids.templateName}>
          {t("templateName")}
          <input id={ids.templateName} type="text" value={templateName} maxLength={200} onChange={(e) => setTemplateName(e.target.value)} />
        </label>
        <button type="button" className="secondary" disabled={input === "no_approvers" || !templateName.trim()} onClick={() => void saveTemplate()}>
          {t("saveTemplate")}
        </button>
      </div>
    </section>
  );
}
