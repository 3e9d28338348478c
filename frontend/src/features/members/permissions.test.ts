import { describe, expect, it } from "vitest";
import { assignableRoles, byRole, canChangeSettings, canLeave, canManageMembers, canRemove } from "./permissions.js";

describe("what the members panel offers", () => {
  it("gives member management and settings to owners and admins outside direct chats", () => {
    expect(canManageMembers("group", "owner")).toBe(true);
    expect(canManageMembers("channel", "admin")).toBe(true);
    expect(canManageMembers("group", "member")).toBe(false);
    expect(canManageMembers("group", "read_only")).toBe(false);
    expect(canManageMembers("direct", "member")).toBe(false);
    expect(canChangeSettings("channel", "admin")).toBe(true);
    expect(canChangeSettings("channel", "member")).toBe(false);
  });

  it("removes only members below one's own role", () => {
    expect(canRemove("group", "admin", "member")).toBe(true);
    expect(canRemove("group", "admin", "read_only")).toBe(true);
    expect(canRemove("group", "admin", "admin")).toBe(false);
    expect(canRemove("group", "admin", "owner")).toBe(false);
    expect(canRemove("group", "owner", "admin")).toBe(true);
    expect(canRemove("group", "member", "read_only")).toBe(false);
  });

  it("offers roles up to one's own; owner is a transfer by the owner only", () => {
    expect(assignableRoles("group", "admin", "member")).toEqual(["admin", "read_only"]);
    expect(assignableRoles("group", "admin", "read_only")).toEqual(["admin", "member"]);
    expect(assignableRoles("group", "admin", "admin")).toEqual([]);
    expect(assignableRoles("group", "owner", "admin")).toEqual(["owner", "member", "read_only"]);
    expect(assignableRoles("channel", "owner", "member")).toEqual(["owner", "admin", "read_only"]);
    expect(assignableRoles("group", "owner", "owner")).toEqual([]);
    expect(assignableRoles("group", "member", "read_only")).toEqual([]);
    expect(assignableRoles("direct", "member", "member")).toEqual([]);
  });

  it("lets everyone but the owner leave, and nobody leave a direct chat", () => {
    expect(canLeave("group", "admin")).toBe(true);
    expect(canLeave("channel", "read_only")).toBe(true);
    expect(canLeave("group", "owner")).toBe(false);
    expect(canLeave("direct", "member")).toBe(false);
  });

  it("lists the owner first, then admins, members and read-only members by name", () => {
    const list = [
      { role: "member" as const, name: "Яковлев" },
      { role: "read_only" as const, name: "Абрамов" },
      { role: "admin" as const, name: "Петров" },
      { role: "member" as const, name: "Борисов" },
      { role: "owner" as const, name: "Сидоров" },
    ];
    expect(byRole(list).map((m) => m.name)).toEqual(["Сидоров", "Петров", "Борисов", "Яковлев", "Абрамов"]);
  });
});
