/**
 * What the members panel offers, by the rules of docs/messaging.md "Roles and permissions"
 * (messaging/permissions.py): only what the server would allow.
 */
import type { Conversation, Role } from "../../app/model.js";

const RANK: Record<Role, number> = { read_only: 0, member: 1, admin: 2, owner: 3 };
export const ROLES: readonly Role[] = ["owner", "admin", "member", "read_only"];

type Kind = Conversation["kind"];

/** Add members; remove or change the role of members below one's own (`manage_members`). */
export function canManageMembers(kind: Kind, role: Role): boolean {
  return kind !== "direct" && (role === "owner" || role === "admin");
}

/** Title, description, visibility, comments, edit window (`change_settings`). */
export function canChangeSettings(kind: Kind, role: Role): boolean {
  return canManageMembers(kind, role);
}

export function canRemove(kind: Kind, mine: Role, theirs: Role): boolean {
  return canManageMembers(kind, mine) && RANK[theirs] < RANK[mine];
}

/** The roles `mine` may give a member who now has `theirs` (not the one they have);
 * "owner" is a transfer of ownership, the owner's only. Nobody changes the owner's role. */
export function assignableRoles(kind: Kind, mine: Role, theirs: Role): Role[] {
  if (!canManageMembers(kind, mine) || RANK[theirs] >= RANK[mine]) return [];
  return ROLES.filter((role) => role !== theirs && (role === "owner" ? mine === "owner" : RANK[role] <= RANK[mine]));
}

/** Who may leave: anyone but the owner, and nobody leaves a direct chat. */
export function canLeave(kind: Kind, role: Role): boolean {
  return kind !== "direct" && role !== "owner";
}

/** Owner first, then admins, members, read-only; by name within a role. */
export function byRole<T extends { role: Role; name: string }>(list: T[]): T[] {
  return list.slice().sort((a, b) => RANK[b.role] - RANK[a.role] || a.name.localeCompare(b.name, "ru"));
}
