import { useEffect, useId, useState } from "react";
import { useT } from "../i18n/index.js";
import { errorMessage } from "../ui/errors.js";
import { UserSearch } from "../features/members/UserPicker.js";
import { approvalsApi, type OnNewVersion, type Template } from "./api.js";
import { draftStages, newStage, routeInput, templateStages, type DraftStage } from "./builder.js";
import { rememberUser, StagesEditor, useUserNames } from "./StagesEditor.js";
import { approvalsMessages } from "./messages.js";

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


  function applyTemplate(id: string) {
    setTemplateId(id || null);
    const template = templates.find((x) => x.id === id);
    if (!template) return;
    setStages(draftStages(template.stages));
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
    const asTemplate = templateStages(stages);
    if (asTemplate === "no_approvers" || !templateName.trim()) return;
    setError(null);
    try {
      const saved = await approvalsApi.saveTemplate(templateName.trim(), asTemplate, signer);
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
      <StagesEditor stages={stages} setStages={setStages} allowDueAt />
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
              rememberUser(user);
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
