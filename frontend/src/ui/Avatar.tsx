import type { Presence, User } from "../app/model.js";

const COLOURS = ["#1f5fbf", "#7a3fb0", "#1e7b34", "#a34d00", "#0f6e7a", "#b3261e", "#4a5a6a"];

function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  return ((parts[0]?.[0] ?? "") + (parts[1]?.[0] ?? "")).toUpperCase() || "?";
}

function colour(id: string): string {
  let hash = 0;
  for (const char of id) hash = (hash * 31 + char.charCodeAt(0)) | 0;
  return COLOURS[Math.abs(hash) % COLOURS.length]!;
}

/** A person's picture (their avatar, else initials on a colour), with an optional presence dot. */
export function Avatar({ user, name, id, size = 36, presence }: { user?: User | null; name?: string; id?: string; size?: number; presence?: Presence }) {
  const label = user?.full_name || user?.login || name || "";
  const key = user?.id ?? id ?? label;
  const src = user?.avatar ? (user.avatar[size <= 64 ? "64" : "256"] ?? Object.values(user.avatar)[0]) : undefined;
  return (
    <span className="avatar" style={{ width: size, height: size, fontSize: size * 0.4, background: src ? undefined : colour(key) }} aria-hidden="true">
      {src ? <img src={src} alt="" width={size} height={size} /> : initials(label)}
      {presence && presence !== "offline" && <span className={`presence-dot ${presence}`} />}
    </span>
  );
}
