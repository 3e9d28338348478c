import { useEffect, useState } from "react";
import { appStore, useApp } from "../app/store.js";
import type { User } from "../app/model.js";
import { callsApi } from "./api.js";
import { mergeCall, emptyCalls } from "./state.js";

/** A user's profile from the app state, asked for when it is not there yet. */
export function useUser(userId: string | null): User | null {
  const user = useApp((s) => (userId ? s.users[userId] ?? null : null));
  useEffect(() => {
    if (userId && !user) void appStore().user(userId);
  }, [userId, user]);
  return user;
}

/** Whenever the socket comes online: the calls ringing for me or in progress (a tab opened
 * while a call rings learns of it here; later changes come as events). */
export function useActiveCalls(): void {
  const online = useApp((s) => s.connection.status === "online" && s.synced);
  useEffect(() => {
    if (!online) return;
    let live = true;
    callsApi
      .active()
      .then((calls) => live && appStore().update((s) => ({ ...s, calls: calls.reduce(mergeCall, s.calls ?? emptyCalls) })))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [online]);
}

/** The current time (ms), ticking every `ms` while `on`. */
export function useNow(on: boolean, ms = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!on) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [on, ms]);
  return now;
}

export function displayName(user: User | null, fallback: string): string {
  return user?.full_name || user?.login || fallback;
}
