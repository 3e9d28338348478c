import { describe, expect, it } from "vitest";

import { isApprovalMessage, sortTasks, type Task } from "./api.js";
import { routeInput } from "./builder.js";
import { testMessage } from "../app/testing.js";

function task(id: string, fields: Partial<Task> = {}): Task {
  return {
    document_id: id,
    document_name: id,
    route_id: `r-${id}`,
    stage: 1,
    kind: "approval",
    mode: "all",
    deadline_at: null,
    overdue: false,
    on_behalf_of: null,
    version_number: 1,
    started_by: null,
    started_at: "2026-12-01T09:00:00Z",
    link: `/documents/${id}`,
    ...fields,
  };
}

describe("the inbox order", () => {
  it("puts overdue tasks first, then the nearest deadline, tasks without one last", () => {
    const sorted = sortTasks([
      task("none"),
      task("late-2", { overdue: true, deadline_at: "2026-12-01T08:00:00Z" }),
      task("soon", { deadline_at: "2026-12-02T10:00:00Z" }),
      task("late-1", { overdue: true, deadline_at: "2026-11-30T08:00:00Z" }),
      task("later", { deadline_at: "2026-12-05T10:00:00Z" }),
    ]);
    expect(sorted.map((t) => t.document_id)).toEqual(["late-1", "late-2", "soon", "later", "none"]);
  });
});

describe("the route builder's request", () => {
  const stage = (approvers: string[], fields = {}) => ({ key: 1, approvers, authorHead: false, mode: "all" as const, hours: "48", dueAt: "", ...fields });

  it("sends the stages in order with hours or a due date, the signer and the policy", () => {
    const input = routeInput([stage(["u-1", "u-2"]), stage(["u-3"], { mode: "any", dueAt: "2026-12-10T12:00" })], "u-9", "refuse", null);
    expect(input).toEqual({
      stages: [
        { approver_ids: ["u-1", "u-2"], mode: "all", duration_hours: 48 },
        { approver_ids: ["u-3"], mode: "any", due_at: new Date("2026-12-10T12:00").toISOString() },
      ],
      signer_id: "u-9",
      on_new_version: "refuse",
    });
  });

  it("refuses a stage without approvers, and a route without stages", () => {
    expect(routeInput([stage(["u-1"]), stage([])], null, "restart", null)).toBe("no_approvers");
    expect(routeInput([], null, "restart", null)).toBe("no_approvers");
  });

  it("asks for the head of the author's department as a stage's approver", () => {
    const input = routeInput([stage([], { authorHead: true }), stage(["u-2"], { authorHead: true })], null, "restart", null);
    expect(input).toMatchObject({
      stages: [
        { approver_ids: [], head_of: ["author"], mode: "all", duration_hours: 48 },
        { approver_ids: ["u-2"], head_of: ["author"] },
      ],
    });
  });

  it("names the template it started from", () => {
    expect(routeInput([stage(["u-1"])], null, "restart", "tpl-1")).toMatchObject({ template_id: "tpl-1" });
  });
});

describe("approval chat cards", () => {
  it("are the system messages whose action is approval_*", () => {
    expect(isApprovalMessage(testMessage(1, { kind: "system", system: { action: "approval_started", document_id: "d" } as never }))).toBe(true);
    expect(isApprovalMessage(testMessage(2, { kind: "system", system: { event: "created" } }))).toBe(false);
    expect(isApprovalMessage(testMessage(3, { kind: "system", system: { event: "approval_registered" } as never }))).toBe(true);
    expect(isApprovalMessage(testMessage(4, { kind: "system", system: { event: "document_shared" } as never }))).toBe(false);
  });
});
