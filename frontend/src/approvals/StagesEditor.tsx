import { useEffect } from "react";
import { useT } from "../i18n/index.js";
import { appStore, useApp } from "../app/store.js";
import type { User } from "../app/model.js";
import { UserSearch } from "../features/members/UserPicker.js";
import type { StageMode } from "./api.js";
import { newStage, type DraftStage } from "./builder.js";
import { approvalsMessages } from "./messages.js";

/** The display names of these users (asked for once each when the app does not know them). */
export function useUserNames(ids: readonly string[]): Record<string, string> {
  const users = useApp((s) => s.users);
  useEffect(() => {
    for (const id of ids) if (!users[id]) void appStore().user(id);
  }, [ids, users]);
  return Object.fromEntries(ids.map((id) => [id, users[id]?.full_name || users[id]?.login || "…"]));
}

/** Keep a user picked from the directory, so their name shows at once. */
export function rememberUser(user: User): void {
  appStore().update((s) => ({ ...s, users: { ...s.users, [user.id]: s.users[user.id] ?? user } }));
}

/** The stages of a route or a template: approvers from the directory (and the head of the
 * author's department), all/any, hours from the stage's start, or (routes only) a date. */
export function StagesEditor({ stages, setStages, allowDueAt = false }: { stages: DraftStage[]; setStages: (update: (list: DraftStage[]) => DraftStage[]) => void; allowDueAt?: boolean }) {
  const t = useT(approvalsMessages);
  const names = useUserNames(stages.flatMap((s) => s.approvers));
  const change = (key: number, patch: Partial<DraftStage>) => setStages((list) => list.map((s) => (s.key === key ? { ...s, ...patch } : s)));
  return (
    <>
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
                rememberUser(user);
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
              {allowDueAt && (
                <label>
                  {t("dueAt")}
                  <input type="datetime-local" value={stage.dueAt} onChange={(e) => change(stage.key, { dueAt: e.target.value })} data-testid="stage-due" />
                </label>
              )}
            </div>
          </li>
        ))}
      </ol>
      <button type="button" className="secondary" onClick={() => setStages((list) => [...list, newStage()])} data-testid="add-stage">
        {t("addStage")}
      </button>
    </>
  );
}
