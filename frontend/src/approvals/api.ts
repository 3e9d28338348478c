/** The approval API (согласование) as the screens use it (docs/api.md, "Approval"). */
import { appStore } from "../app/store.js";
import type { Message, Page } from "../app/model.js";
import type { DocumentStatus } from "../documents/api.js";

export type Decision = "approve" | "reject" | "return";
export type StageMode = "all" | "any";
export type OnNewVersion = "restart" | "refuse";

export interface Person {
  id: string;
  name: string;
}

export interface Stage {
  number: number;
  kind: "approval" | "signature";
  mode: StageMode;
  duration_hours: number | null;
  due_at: string | null;
  manager_id: string | null;
  started_at: string | null;
  deadline_at: string | null;
  completed_at: string | null;
  approvers: (Person & { decision: Decision | null })[];
}

export interface Signature {
  id: number;
  stage: number;
  approver: Person;
  deputy: Person | null;
  decision: Decision;
  comment: string;
  version_id: string;
  version_number: number;
  version_sha256: string;
  decided_at: string;
  void: boolean;
  hash: string;
}

export interface Route {
  id: string;
  document: { id: string; name: string; status: DocumentStatus; registration_number: string; registered_at: string | null };
  status: string;
  on_new_version: OnNewVersion;
  cycle: number;
  current_stage: number | null;
  version: { id: string; number: number; sha256: string };
  template_id: string | null;
  started_by: string | null;
  started_at: string;
  finished_at: string | null;
  stages: Stage[];
  decisions: Signature[];
}

export interface Task {
  document_id: string;
  document_name: string;
  route_id: string;
  stage: number;
  kind: "approval" | "signature";
  mode: StageMode;
  deadline_at: string | null;
  overdue: boolean;
  on_behalf_of: string | null;
  version_number: number;
  started_by: string | null;
  started_at: string | null;
  link: string;
}

export interface TemplateStage {
  approver_ids: string[];
  mode: StageMode;
  duration_hours: number;
  manager_id: string | null;
}

export interface Template {
  id: string;
  name: string;
  stages: TemplateStage[];
  signer_id: string | null;
  editable: boolean;
}

export interface StageInput {
  approver_ids: string[];
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
