import { useEffect, useMemo, useRef, useState, type FormEvent } from "react";
import { useT } from "../i18n/index.js";
import { LanguageSwitch } from "../ui/LanguageSwitch.js";
import { errorMessage } from "../ui/errors.js";
import { guestApi, guestJoin, type IceServers } from "./api.js";
import { GuestSocket, type GuestSnapshot, type SignalFrame } from "./guestSocket.js";
import { conferenceMessages } from "./messages.js";
import type { Signal } from "./mesh.js";
import { relayOnly, rtcConfig } from "./relay.js";
import { Room, type RoomLink } from "./Room.js";
import { guestLinkSecret, participantMap } from "./state.js";
import "./conferences.css";

// The pass of this tab's guest, per link: a reload keeps the guest's place in the lobby.
const PASS_KEY = "portal.conferences.guestPass.";

function keptPass(link: string): string | null {
  try {
    return window.sessionStorage.getItem(PASS_KEY + link);
  } catch {
    return null;
  }
}

function keepPass(link: string, pass: string | null): void {
  try {
    if (pass) window.sessionStorage.setItem(PASS_KEY + link, pass);
    else window.sessionStorage.removeItem(PASS_KEY + link);
  } catch {
    // not kept: a reload asks for the name again
  }
}

/** A guest from outside the agency, by the meeting's link: a name, the lobby, the meeting. */
export function GuestScreen() {
  const t = useT(conferenceMessages);
  const link = useMemo(() => guestLinkSecret(window.location.hash), []);
  const [pass, setPass] = useState<string | null>(() => (link ? keptPass(link) : null));
  return (
    <div className="guest-screen" data-testid="guest-screen">
      <div className="guest-language">
        <LanguageSwitch />
      </div>
      {!link ? (
        <p className="error" role="alert" data-testid="guest-bad-link">{t("guestBadLink")}</p>
      ) : pass ? (
        <GuestMeeting
          pass={pass}
          onGone={() => {
            keepPass(link, null);
          }}
        />
      ) : (
        <GuestName
          link={link}
          onJoined={(newPass) => {
            keepPass(link, newPass);
            setPass(newPass);
          }}
        />
      )}
    </div>
  );
}

function GuestName({ link, onJoined }: { link: string; onJoined: (pass: string) => void }) {
  const t = useT(conferenceMessages);
  const [name, setName] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onJoined((await guestJoin(link, name)).token);
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }
  return (
    <form className="guest-form" onSubmit={(e) => void submit(e)} aria-labelledby="guest-title">
      <h1 id="guest-title">{t("guestTitle")}</h1>
      <label>
        {t("guestName")}
        <input value={name} maxLength={100} required autoFocus data-testid="guest-name" onChange={(e) => setName(e.target.value)} />
      </label>
      {error && <p className="error" role="alert">{error}</p>}
      <button type="submit" className="primary" disabled={busy || !name.trim()} data-testid="guest-enter">
        {t("guestEnter")}
      </button>
    </form>
  );
}

type Listener = (from: string, signal: Signal) => void;

function GuestMeeting({ pass, onGone }: { pass: string; onGone: () => void }) {
  const t = useT(conferenceMessages);
  const [snapshot, setSnapshot] = useState<GuestSnapshot | null>(null);
  const [gone, setGone] = useState(false);
  const [peersAtJoin, setPeersAtJoin] = useState<string[] | null>(null);
  // Fetched once admitted (a guest in the lobby gets no TURN credential); null: none.
  const [ice, setIce] = useState<IceServers | null | undefined>(undefined);
  const socket = useRef<GuestSocket | null>(null);
  const listeners = useRef(new Set<Listener>());
  const api = useMemo(() => guestApi(pass), [pass]);

  useEffect(() => {
    const opened = new GuestSocket(pass, {
      snapshot: (next) => {
        setSnapshot(next);
        if (next.participant.state === "joined") setPeersAtJoin((peers) => peers ?? next.media?.peers ?? []);
      },
      signal: (frame: SignalFrame) => listeners.current.forEach((listener) => listener(frame.from, frame)),
      ended: () => {
        setGone(true);
        onGone();
      },
    });
    socket.current = opened;
    opened.open();
    return () => opened.close();
  }, [pass]); // one socket per pass; the handlers only set state

  const conferenceId = snapshot?.conference.id;
  const admitted = peersAtJoin !== null;
  useEffect(() => {
    if (admitted && conferenceId) void api.iceServers(conferenceId).then(setIce, () => setIce(null));
  }, [admitted, conferenceId, api]);

  const link = useMemo<RoomLink>(
    () => ({
      rtcConfig: rtcConfig(ice ?? null, relayOnly()),
      send: (to, signal) => void socket.current?.send({ type: "conference.signal", conference_id: snapshot?.conference.id, to, ...signal }),
      listen: (handler) => {
        listeners.current.add(handler);
        return () => listeners.current.delete(handler);
      },
    }),
    [snapshot?.conference.id, ice],
  );

  const state = snapshot?.participant.state;
  if (gone || state === "left" || state === "removed" || snapshot?.conference.ended_at) {
    return (
      <p className="notice" role="status" data-testid="guest-gone">
        {snapshot?.conference.ended_at ? t("endedNotice") : state === "removed" ? t("removed") : t("guestGone")}
      </p>
    );
  }
  if (!snapshot) return <p role="status">{t("loading")}</p>;
  if (state === "lobby" || peersAtJoin === null || ice === undefined) {
    return (
      <section className="guest-lobby" data-testid="guest-lobby" aria-labelledby="lobby-title">
        <h1 id="lobby-title">{t("lobbyTitle")}</h1>
        <p role="status">{t("lobbyWaiting", { title: snapshot.conference.title })}</p>
      </section>
    );
  }
  return (
    <Room
      conference={snapshot.conference}
      me={snapshot.participant}
      participants={participantMap(snapshot.participants)}
      peersAtJoin={peersAtJoin}
      moderator={false}
      api={api}
      link={link}
      onLeave={() => setGone(true)}
    />
  );
}
