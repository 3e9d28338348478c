import { useState, type FormEvent } from "react";
import { appStore } from "../../app/store.js";
import type { Message } from "../../app/model.js";
import { useT } from "../../i18n/index.js";
import { Dialog } from "../../ui/Dialog.js";
import { Icon } from "../attachments/index.js";
import { errorMessage } from "../../ui/errors.js";
import { pollMessages } from "./messages.js";
import { validatePollDraft } from "./poll.js";
import "./polls.css";

/** Create a poll (question, 2–10 options, multiple, anonymous): `POST .../polls`. */
export function PollCreateDialog({ conversationId, onClose }: { conversationId: string; onClose: () => void }) {
  const t = useT(pollMessages);
  const [question, setQuestion] = useState("");
  const [options, setOptions] = useState(["", ""]);
  const [multiple, setMultiple] = useState(false);
  const [anonymous, setAnonymous] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // One id per dialog: a retry after a lost answer returns the same poll.
  const [clientId] = useState(() => crypto.randomUUID());

  async function submit(event: FormEvent) {
    event.preventDefault();
    const draft = validatePollDraft(question, options);
    if (typeof draft === "string") return setError(t(draft));
    setBusy(true);
    setError(null);
    try {
      await appStore().client.request<Message>("POST", `/api/v1/conversations/${encodeURIComponent(conversationId)}/polls`, {
        client_id: clientId,
        question: draft.question,
        options: draft.options,
        multiple,
        anonymous,
      });
      onClose();
    } catch (e) {
      setError(errorMessage(e));
      setBusy(false);
    }
  }

  return (
    <Dialog title={t("createTitle")} onClose={onClose}>
      <form className="poll-form" onSubmit={(e) => void submit(e)} data-testid="poll-create" noValidate>
        <label>
          {t("question")}
          <input value={question} maxLength={1000} onChange={(e) => setQuestion(e.target.value)} required autoFocus data-testid="poll-question" />
        </label>
        <fieldset className="poll-form-options">
          <legend>{t("optionsHint")}</legend>
          {options.map((value, index) => (
            <div key={index} className="poll-form-option">
              <label>
                {t("option", { index: index + 1 })}
                <input
                  value={value}
                  maxLength={200}
                  onChange={(e) => setOptions(options.map((o, i) => (i === index ? e.target.value : o)))}
                  data-testid="poll-option-input"
                />
              </label>
              {options.length > 2 && (
                <button type="button" className="icon" aria-label={t("removeOption", { index: index + 1 })} onClick={() => setOptions(options.filter((_, i) => i !== index))}>
                  <Icon name="close" size={16} />
                </button>
              )}
            </div>
          ))}
          {options.length < 10 && (
            <button type="button" className="secondary" onClick={() => setOptions([...options, ""])} data-testid="poll-add-option">
              {t("addOption")}
            </button>
          )}
        </fieldset>
        <label className="checkbox">
          <input type="checkbox" checked={multiple} onChange={(e) => setMultiple(e.target.checked)} data-testid="poll-multiple" /> {t("multipleLabel")}
        </label>
        <label className="checkbox">
          <input type="checkbox" checked={anonymous} onChange={(e) => setAnonymous(e.target.checked)} data-testid="poll-anonymous" /> {t("anonymousLabel")}
        </label>
        {error && (
          <p className="error" role="alert" data-testid="poll-error">
            {error}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" className="secondary" onClick={onClose}>
            {t("cancel")}
          </button>
          <button type="submit" className="primary" disabled={busy} data-testid="poll-submit">
            {t("create")}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
