import { useId, useState } from "react";
import { useT } from "../i18n/index.js";
import { errorMessage } from "../ui/errors.js";
import { useLoad } from "../documents/hooks.js";
import { approvalsApi, type Template } from "./api.js";
import { draftStages, templateStages, type DraftStage } from "./builder.js";
import { StagesEditor } from "./StagesEditor.js";
import { approvalsMessages } from "./messages.js";

/** The agency's route templates: everyone sees them; their creator renames, edits the
 * stages and deletes (`editable`). New ones are saved from the route builder. */
export function TemplatesPanel() {
  const t = useT(approvalsMessages);
  const templates = useLoad(() => approvalsApi.templates(), []);
  const [editing, setEditing] = useState<Template | null>(null);
  const [error, setError] = useState<string | null>(null);
  const list = templates.data?.results ?? [];

  async function remove(template: Template) {
    if (!window.confirm(t("templateDeleteConfirm", { name: template.name }))) return;
    setError(null);
    try {
      await approvalsApi.deleteTemplate(template.id);
      templates.reload();
    } catch (e) {
      setError(errorMessage(e));
    }
  }

  return (
    <section className="approval-templates" aria-labelledby="templates-title" data-testid="templates">
      <h2 id="templates-title">{t("templatesTitle")}</h2>
      {templates.error && <p className="error" role="alert">{templates.error}</p>}
      {error && <p className="error" role="alert">{error}</p>}
      {templates.data && list.length === 0 && <p className="empty-note">{t("templatesEmpty")}</p>}
      <ul className="template-list">
        {list.map((template) => (
          <li key={template.id} data-testid="template" data-id={template.id}>
            {editing?.id === template.id ? (
              <TemplateForm
                template={template}
                onSaved={() => {
                  setEditing(null);
                  templates.reload();
                }}
                onCancel={() => setEditing(null)}
              />
            ) : (
              <>
                <strong data-testid="template-name">{template.name}</strong> <span className="muted">{t("templateStages", { count: template.stages.length })}</span>
                {template.editable && (
                  <span className="doc-row-actions">
                    <button type="button" className="link" onClick={() => setEditing(template)} aria-label={t("templateEdit", { name: template.name })} data-testid="template-edit">
                      {t("edit")}
                    </button>
                    <button type="button" className="link danger-link" onClick={() => void remove(template)} aria-label={t("templateDelete", { name: template.name })} data-testid="template-delete">
                      {t("delete")}
                    </button>
                  </span>
                )}
              </>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

function TemplateForm({ template, onSaved, onCancel }: { template: Template; onSaved: () => void; onCancel: () => void }) {
  const t = useT(approvalsMessages);
  const [name, setName] = useState(template.name);
  const [stages, setStages] = useState<DraftStage[]>(() => draftStages(template.stages));
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const id = useId();
  const asTemplate = templateStages(stages);

  async function save() {
    if (asTemplate === "no_approvers" || !name.trim()) return setError(t("noApprovers"));
    setBusy(true);
    setError(null);
    try {
      await approvalsApi.updateTemplate(template.id, { name: name.trim(), stages: asTemplate });
      onSaved();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form
      className="template-form"
      data-testid="template-form"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <label htmlFor={id}>
        {t("templateName")}
        <input id={id} type="text" value={name} maxLength={200} onChange={(e) => setName(e.target.value)} data-testid="template-name-input" />
      </label>
      <StagesEditor stages={stages} setStages={setStages} />
      {error && <p className="error" role="alert" data-testid="template-error">{error}</p>}
      <div className="row">
        <button type="button" className="secondary" onClick={onCancel}>
          {t("cancel")}
        </button>
        <button type="submit" className="primary" disabled={busy || asTemplate === "no_approvers" || !name.trim()} data-testid="template-save">
          {t("save")}
        </button>
      </div>
    </form>
  );
}
