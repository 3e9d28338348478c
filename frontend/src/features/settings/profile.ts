/** Profile helpers of the settings screen: the avatar check and keeping `me` in the store. */
import type { Me } from "../../app/model.js";
import { appStore } from "../../app/store.js";

/** The formats `PUT /api/v1/me/avatar` decodes (portal/accounts/services/avatars.py). */
export const AVATAR_TYPES = ["image/jpeg", "image/png", "image/webp", "image/gif"] as const;
/**
 * The server's default AVATAR_MAX_BYTES. The API does not publish it, so this is checked
 * before uploading only to spare a hopeless upload; a deployment with another limit answers
 * 413 with `details.limit_bytes`, which the screen shows instead.
 */
export const AVATAR_MAX_BYTES = 10 * 1024 * 1024;

export type AvatarProblem = { kind: "type" } | { kind: "empty" } | { kind: "size"; size: number; limit: number };

/** Why `file` cannot be an avatar, or null when it may be uploaded. */
export function avatarProblem(file: { type: string; size: number }, limit = AVATAR_MAX_BYTES): AvatarProblem | null {
  if (!(AVATAR_TYPES as readonly string[]).includes(file.type.toLowerCase())) return { kind: "type" };
  if (file.size === 0) return { kind: "empty" };
  if (file.size > limit) return { kind: "size", size: file.size, limit };
  return null;
}

/** The profile the server answered becomes `me` (and the user entry) everywhere. */
export function keepMe(me: Me): void {
  appStore().update((s) => ({ ...s, me, users: { ...s.users, [me.id]: me } }));
}
