/** The approval API (согласование) as the screens use it (docs/api.md, "Approval"). */
import { appStore } from "../app/store.js";
import type { Message, Page } from "../app/model.js";
import type { Schemas } from "../api/index.js";

export type Decision = Schemas["ApprovalSignature"]["decision"];
export type StageMode = Schemas["ApprovalStage"]["mode"];
export type OnNewVersion = Schemas["ApprovalRoute"]["on_new_version"];
export type Person = Schemas["ApprovalPerson"];
export type Stage = Schemas["ApprovalStage"];
/** A decision, recorded as a simple electronic signature. */
export type Signature = Schemas["ApprovalSignature"];
/** A route with its stages, approvers and every decision (void ones included). */
export type Route = Schemas["ApprovalRoute"];
/** One task of the inbox (`GET approvals/inbox`). */
export type Task = Schemas["ApprovalTask"];
export type TemplateStage = Schemas["ApprovalTemplateStage"];
export type Template = Schemas["ApprovalTemplate"];
/** A deputy named for a period (`GET approval-delegations`: mine, and whom I stand in for). */
export type Delegation = Schemas["ApprovalDelegation"];

export interface StageInput {
  approver_ids: string[];
  /** "author" (the head of the document author's department) or department ids. */
  head_of?: string[];
  mode: StageMode;
  duration_hours?: number | null;
  due_at?: string | null;
  manager_id?: string | null;
}

export interface RouteStart {
  stages: StageInput[];
  signer_id?: string | null;
  on_new_version: OnNewVersion;
  template_id?: string | null;
}

const enc = encodeURIComponent;

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  return (await appStore().client.request<T>(method, `/api/v1/${path}`, body)).data;
}

export const approvalsApi = {
  /** The document's current or last route, or null: the newest of `GET …/routes` (a 200
   * with an empty list when there is none, where `GET …/route` answers 404). */
  latestRoute: async (documentId: string) => (await call<Page<Route>>("GET", `documents/${enc(documentId)}/routes`)).results[0] ?? null,
  start: (documentId: string, input: RouteStart) => call<Route>("POST", `documents/${enc(documentId)}/route`, input),
  decide: (documentId: string, decision: Decision, comment: string) => call<Route>("POST", `documents/${enc(documentId)}/route/decide`, { decision, comment }),
  cancel: (documentId: string) => call<Route>("POST", `documents/${enc(documentId)}/route/cancel`),
  inbox: () => call<Page<Task>>("GET", "approvals/inbox?limit=100"),
  templates: () => call<Page<Template>>("GET", "approval-templates?limit=100"),
  saveTemplate: (name: string, stages: TemplateStage[], signerId: string | null) =>
    call<Template>("POST", "approval-templates", { name, stages, signer_id: signerId }),
  updateTemplate: (id: string, changes: { name?: string; stages?: TemplateStage[]; signer_id?: string | null }) => call<Template>("PATCH", `approval-templates/${enc(id)}`, changes),
  deleteTemplate: (id: string) => call<null>("DELETE", `approval-templates/${enc(id)}`),
  delegations: () => call<Page<Delegation>>("GET", "approval-delegations?limit=100"),
  delegate: (deputyId: string, fromDate: string, toDate: string) => call<Delegation>("POST", "approval-delegations", { deputy_id: deputyId, from_date: fromDate, to_date: toDate }),
  deleteDelegation: (id: string) => call<null>("DELETE", `approval-delegations/${enc(id)}`),
};

/** Overdue tasks first, then by deadline (none last), then the oldest started: what the
 * server answers; kept here too so that a list merged from events stays in that order. */
export function sortTasks(tasks: readonly Task[]): Task[] {
  const time = (iso: string | null) => (iso ? Date.parse(iso) : Number.POSITIVE_INFINITY);
  return [...tasks].sort(
    (a, b) => Number(b.overdue) - Number(a.overdue) || time(a.deadline_at) - time(b.deadline_at) || time(a.started_at) - time(b.started_at),
  );
}

/** The step of an approval's system message (`system.event`, or `system.action` as the
 * approval service first wrote it: `approval_<step>`), or null for any other message. */
export function approvalStep(message: Message): string | null {
  const system = (message.system ?? {}) as Record<string, unknown>;
  for (const key of ["event", "action"]) {
    const value = system[key];
    if (typeof value === "string" && value.startsWith("approval_")) return value.slice("approval_".length);
  }
  return null;
}

/** The system message is an approval step's. */
export function isApprovalMessage(message: Message): boolean {
  return message.kind === "system" && approvalStep(message) !== null;
}
