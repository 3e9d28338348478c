import { useEffect, useState } from "react";
import { useApp } from "../app/store.js";
import { useDocumentChanges } from "../documents/hooks.js";
import { approvalsApi } from "./api.js";

/** How many tasks wait for my decision: the navigation's badge (reloaded on approval events
 * and at most once a minute otherwise, for deadlines passing). */
export function useInboxCount(): number {
  const changes = useDocumentChanges("approvals");
  const online = useApp((s) => s.connection.status === "online");
  const [count, setCount] = useState(0);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setTick((n) => n + 1), 60_000);
    return () => clearInterval(timer);
  }, []);
  useEffect(() => {
    if (!online) return;
    let cancelled = false;
    approvalsApi
      .inbox()
      .then((page) => !cancelled && setCount(page.results.length))
      .catch(() => undefined);
    return () => {
      cancelled = true;
    };
  }, [changes, online, tick]);
  return count;
}
