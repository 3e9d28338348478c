import { useEffect, useState } from "react";
import type { Presence, User } from "../app/model.js";
import { appStore } from "../app/store.js";

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

// Avatar links are signed for one user and need that user's credentials: an <img src> would
// go without the bearer token, so the picture is fetched with it and shown from a blob.
// A link also expires within a minute, so a loaded picture is kept per user and size (for
// the tab's life, or until `forgetAvatar`), not per link.
const pictures = new Map<string, Promise<string | null>>();

function loadPicture(key: string, url: string): Promise<string | null> {
  let picture = pictures.get(key);
  if (!picture) {
    picture = appStore()
      .client.accessToken()
      .then((token) => fetch(url, { headers: { Authorization: `Bearer ${token}` } }))
      .then(async (response) => (response.ok ? URL.createObjectURL(await response.blob()) : null))
      .catch(() => null)
      .then((src) => {
        if (src === null) pictures.delete(key); // the next render with a fresh link tries again
        return src;
      });
    pictures.set(key, picture);
  }
  return picture;
}

/** Drop the kept pictures of a user whose avatar changed. */
export function forgetAvatar(userId: string): void {
  for (const [key, picture] of pictures) {
    if (!key.startsWith(`${userId}:`)) continue;
    pictures.delete(key);
    void picture.then((src) => src && URL.revokeObjectURL(src));
  }
}

/** `key` is "<user id>:<pixels>"; undefined while loading, or when it cannot be loaded. */
function useAvatarPicture(key: string | undefined, url: string | undefined): string | undefined {
  const [src, setSrc] = useState<string | undefined>(undefined);
  useEffect(() => {
    setSrc(undefined);
    if (!key || !url) return;
    let live = true;
    void loadPicture(key, url).then((loaded) => live && setSrc(loaded ?? undefined));
    return () => {
      live = false;
    };
  }, [key, url]);
  return src;
}

/** A person's picture (their avatar, else initials on a colour), with an optional presence dot. */
export function Avatar({ user, name, id, size = 36, presence }: { user?: User | null; name?: string; id?: string; size?: number; presence?: Presence }) {
  const label = user?.full_name || user?.login || name || "";
  const key = user?.id ?? id ?? label;
  const pixels = size <= 64 ? "64" : size <= 128 ? "128" : "256";
  const url = user?.avatar ? (user.avatar[pixels] ?? Object.values(user.avatar)[0]) : undefined;
  const src = useAvatarPicture(user?.id ? `${user.id}:${pixels}` : undefined, url);
  return (
    <span className="avatar" style={{ width: size, height: size, fontSize: size * 0.4, background: src ? undefined : colour(key) }} aria-hidden="true">
      {src ? <img src={src} alt="" width={size} height={size} /> : initials(label)}
      {presence && presence !== "offline" && <span className={`presence-dot ${presence}`} />}
    </span>
  );
}
