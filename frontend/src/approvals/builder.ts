/** The route builder's state and the request it makes (framework-free). */
import type { OnNewVersion, RouteStart, StageMode, TemplateStage } from "./api.js";

export interface DraftStage {
  key: number;
  approvers: string[];
  /** The head of the author's department approves too (found when the stage starts). */
  authorHead: boolean;
  mode: StageMode;
  hours: string;
  dueAt: string;
}

let stageKeys = 0;
export const newStage = (approvers: string[] = [], mode: StageMode = "all", hours = "24", authorHead = false): DraftStage => ({ key: ++stageKeys, approvers, authorHead, mode, hours, dueAt: "" });

/** The route as the builder holds it → the body of `POST documents/{id}/route`; null with
 * the reason when it cannot be sent yet. */
export function routeInput(stages: readonly DraftStage[], signerId: string | null, policy: OnNewVersion, templateId: string | null): RouteStart | "no_approvers" {
  if (!stages.length || stages.some((s) => s.approvers.length === 0 && !s.authorHead)) return "no_approvers";
  return {
    stages: stages.map((s) => ({
      approver_ids: s.approvers,
      ...(s.authorHead ? { head_of: ["author"] } : {}),
      mode: s.mode,
      ...(s.dueAt ? { due_at: new Date(s.dueAt).toISOString() } : { duration_hours: Math.max(1, Math.round(Number(s.hours) || 24)) }),
    })),
    signer_id: signerId,
    on_new_version: policy,
    ...(templateId ? { template_id: templateId } : {}),
  };
}

/** A template's stages as the builder edits them, and back (templates give hours only). */
export function draftStages(stages: readonly TemplateStage[]): DraftStage[] {
  return stages.map((s) => newStage(s.approver_ids, s.mode, String(s.duration_hours), s.head_of.includes("author")));
}

export function templateStages(stages: readonly DraftStage[]): TemplateStage[] | "no_approvers" {
  if (!stages.length || stages.some((s) => s.approvers.length === 0 && !s.authorHead)) return "no_approvers";
  return stages.map((s) => ({
    approver_ids: s.approvers,
    head_of: s.authorHead ? ["author"] : [],
    mode: s.mode,
    duration_hours: Math.max(1, Math.round(Number(s.hours) || 24)),
    manager_id: null,
  }));
}
