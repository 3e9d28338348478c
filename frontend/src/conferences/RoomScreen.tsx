import { useEffect, useMemo, useState } from "react";
import { appStore, useApp } from "../app/store.js";
import { navigate } from "../app/router.js";
import { useT } from "../i18n/index.js";
import { formatDateTime } from "../i18n/format.js";
import { errorMessage } from "../ui/errors.js";
import { useLoad } from "../documents/hooks.js";
import { conferencesApi, type IceServers } from "./api.js";
import { useConferenceChanges } from "./hooks.js";
import type { SignalFrame } from "./guestSocket.js";
import { conferenceMessages } from "./messages.js";
import { relayOnly, rtcConfig } from "./relay.js";
import { Room, type RoomLink } from "./Room.js";
import { isModerator, participantMap } from "./state.js";
import "./conferences.css";

/** One conference for a signed-in user: what it is and a join button, then the room. */
export function ConferenceScreen({ id }: { id: string }) {
  const t = useT(conferenceMessages);
  const meId = useApp((s) => s.me?.id ?? null);
  const changes = useConferenceChanges(`conference:${id}`);
  const conference = useLoad(() => conferencesApi.get(id), [id, changes]);
  const self = useLoad(() => conferencesApi.me(id), [id, changes]);
  const participants = useLoad(() => conferencesApi.participants(id), [id, changes]);
  const [peersAtJoin, setPeersAtJoin] = useState<string[] | null>(null);
  const [ice, setIce] = useState<IceServers | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const link = useMemo<RoomLink>(
    () => ({
      rtcConfig: rtcConfig(ice, relayOnly()),
      send: (to, signal) => void appStore().client.sendConferenceSignal({ type: "conference.signal", conference_id: id, to, ...signal }),
      listen: (handler) =>
        appStore().client.on("ephemeral", (frame) => {
          if (frame.type !== "conference.signal") return;
          const signal = frame as unknown as SignalFrame;
          if (signal.conference_id === id) handler(signal.from, signal);
        }),
    }),
    [ice, id],
  );

  useEffect(() => {
    // A reload in the room: back in it from this device, with every peer offered to anew
    // (only the state matters here: the join itself reloads the rest).
    if (peersAtJoin === null && self.data?.participant?.state === "joined") void join();
  }, [self.data?.participant?.state]);

  async function join() {
    setBusy(true);
    setError(null);
    try {
      setIce(await conferencesApi.iceServers(id).catch(() => null));
      const joined = await conferencesApi.join(id);
      setPeersAtJoin(joined.media?.peers ?? []);
      self.reload();
      participants.reload();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }

  const c = conference.data;
  const me = self.data?.participant ?? null;
  if (conference.error && !c) return <p className="error" role="alert">{conference.error}</p>;
  if (!c) return <p role="status">{t("loading")}</p>;
  const moderator = isModerator(c, meId);
  const map = participantMap(participants.data?.results ?? []);
  if (me && me.state === "joined" && peersAtJoin !== null && !c.ended_at) {
    return (
      <Room
        conference={c}
        me={me}
        participants={map}
        peersAtJoin={peersAtJoin}
        moderator={moderator}
        api={conferencesApi}
        link={link}
        onLeave={() => {
          setPeersAtJoin(null);
          self.reload();
        }}
      />
    );
  }
  return (
    <div className="conference-prejoin" data-testid="conference-prejoin">
      <h1>{c.title}</h1>
      <p>{t("startsAt", { time: formatDateTime(c.starts_at) })}</p>
      {c.ended_at ? (
        <p className="notice" data-testid="conference-ended">{t("endedNotice")}</p>
      ) : me?.state === "removed" ? (
        <p className="notice" data-testid="conference-removed">{t("removed")}</p>
      ) : (
        <button type="button" className="primary" disabled={busy} data-testid="join-conference" onClick={() => void join()}>
          {busy ? t("joining") : t("join")}
        </button>
      )}
      {error && <p className="error" role="alert">{error}</p>}
      <p>
        <a href="/conferences" onClick={(e) => {
          e.preventDefault();
          navigate("/conferences");
        }}>
          {t("title")}
        </a>
      </p>
    </div>
  );
}
