import { useEffect, useMemo, useRef, useState } from "react";
import { useT } from "../i18n/index.js";
import { errorMessage } from "../ui/errors.js";
import { conferencesApi, type Conference, type Participant, type RoomApi } from "./api.js";
import { Mesh, type Signal } from "./mesh.js";
import { conferenceMessages } from "./messages.js";
import { departed, joinedInOrder, lobbyOf, offerTargets, type ParticipantMap } from "./state.js";

type T = ReturnType<typeof useT<(typeof conferenceMessages)["ru"]>>;

/** How this client reaches the others: the signalling path and the ICE configuration. */
export interface RoomLink {
  rtcConfig: RTCConfiguration;
  send: (to: string, signal: Signal) => void;
  /** Subscribe to the signals addressed to me; returns the unsubscribe. */
  listen: (handler: (from: string, signal: Signal) => void) => () => void;
}

export interface RoomProps {
  conference: Conference;
  me: Participant;
  participants: ParticipantMap;
  /** `media.peers` when I joined: those I offer to (state.ts, `offerTargets`). */
  peersAtJoin: readonly string[];
  moderator: boolean;
  api: RoomApi;
  link: RoomLink;
  onLeave: () => void;
}

/** The meeting itself: the video grid, my controls, the participant list, moderation. */
export function Room({ conference, me, participants, peersAtJoin, moderator, api, link, onLeave }: RoomProps) {
  const t = useT(conferenceMessages);
  const [local, setLocal] = useState<MediaStream | null>(null);
  const [mediaReady, setMediaReady] = useState(false);
  const [audioOn, setAudioOn] = useState(false);
  const [videoOn, setVideoOn] = useState(false);
  const [screen, setScreen] = useState<MediaStreamTrack | null>(null);
  const [, setTick] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const mesh = useRef<Mesh | null>(null);
  const peers = mesh.current?.peers;
  const mine = participants[me.id] ?? me;
  const isMesh = conference.topology === "mesh";

  // My camera and microphone, once; the meeting goes on without them if refused.
  useEffect(() => {
    let stopped = false;
    let stream: MediaStream | null = null;
    navigator.mediaDevices
      ?.getUserMedia({ audio: true, video: true })
      .then((s) => {
        if (stopped) return s.getTracks().forEach((track) => track.stop());
        stream = s;
        setLocal(s);
        setAudioOn(s.getAudioTracks().length > 0);
        setVideoOn(s.getVideoTracks().length > 0);
      })
      .catch(() => undefined)
      .finally(() => !stopped && setMediaReady(true));
    if (!navigator.mediaDevices) setMediaReady(true);
    return () => {
      stopped = true;
      stream?.getTracks().forEach((track) => track.stop());
    };
  }, []);

  // The mesh: once the local media is settled, offer to those already here, answer the rest.
  // One per room: the link and the peers at join are fixed for the room's life.
  useEffect(() => {
    if (!mediaReady || !isMesh) return;
    const created = new Mesh({ rtcConfig: link.rtcConfig, localStream: local, send: link.send, changed: () => setTick((n) => n + 1) });
    mesh.current = created;
    const unlisten = link.listen((from, signal) => void created.receive(from, signal).catch(() => undefined));
    for (const peer of offerTargets(peersAtJoin, me.id)) void created.offer(peer).catch(() => undefined);
    setTick((n) => n + 1);
    return () => {
      unlisten();
      created.close();
      mesh.current = null;
    };
  }, [mediaReady, isMesh]);

  // Peers who left or were removed: their connection goes.
  useEffect(() => {
    const current = mesh.current;
    if (!current) return;
    for (const id of departed(current.peers.keys(), participants, me.id)) current.drop(id);
  }, [participants, me.id]);

  // What others are shown of me follows my devices.
  useEffect(() => {
    if (!mediaReady) return;
    void api.setMedia(conference.id, { audio: audioOn, video: videoOn, screen: screen !== null }).catch(() => undefined);
  }, [mediaReady, audioOn, videoOn, screen, api, conference.id]);

  // A moderator muted me: the microphone goes off here too (I may turn it on again).
  const serverAudio = mine.audio;
  const lastServerAudio = useRef(serverAudio);
  useEffect(() => {
    if (lastServerAudio.current && !serverAudio && audioOn) setAudioOn(false);
    lastServerAudio.current = serverAudio;
  }, [serverAudio, audioOn]);

  useEffect(() => {
    local?.getAudioTracks().forEach((track) => (track.enabled = audioOn));
  }, [local, audioOn]);
  useEffect(() => {
    local?.getVideoTracks().forEach((track) => (track.enabled = videoOn));
  }, [local, videoOn]);

  async function toggleScreen() {
    const camera = local?.getVideoTracks()[0];
    if (!camera || !mesh.current) return;
    if (screen) {
      await mesh.current.replaceVideo(screen, camera);
      screen.stop();
      setScreen(null);
      return;
    }
    const display = await navigator.mediaDevices.getDisplayMedia({ video: true });
    const track = display.getVideoTracks()[0];
    if (!track) return;
    await mesh.current.replaceVideo(camera, track);
    track.onended = () => {
      void mesh.current?.replaceVideo(track, camera);
      setScreen(null);
    };
    setScreen(track);
  }

  async function act(action: () => Promise<unknown>) {
    setError(null);
    try {
      await action();
    } catch (e) {
      setError(errorMessage(e));
    }
  }

  const joined = useMemo(() => joinedInOrder(participants), [participants]);
  const lobby = useMemo(() => (moderator ? lobbyOf(participants) : []), [participants, moderator]);
  const others = joined.filter((p) => p.id !== me.id);
  const shown = useMemo(() => (screen ? new MediaStream([screen]) : local), [screen, local]);

  return (
    <div className="conference-room" data-testid="conference-room">
      <header className="conference-room-header">
        <h1>{conference.title}</h1>
        {conference.locked && <span className="conference-badge">{t("locked")}</span>}
      </header>
      {!isMesh && <p className="notice">{t("sfuNotice")}</p>}
      {mediaReady && !local && <p className="notice">{t("noMedia")}</p>}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="conference-body">
        <section className="conference-grid" aria-label={t("participants", { count: joined.length })}>
          <VideoTile stream={shown} label={`${mine.display_name} (${t("you")})`} muted t={t} />
          {others.map((p) => (
            <VideoTile key={p.id} stream={peers?.get(p.id)?.stream ?? null} label={p.display_name} state={peers?.get(p.id)?.connection.connectionState} t={t} />
          ))}
        </section>
        <aside className="conference-side">
          <h2>{t("participants", { count: joined.length })}</h2>
          <ul className="conference-participants" data-testid="conference-participants">
            {joined.map((p) => (
              <ParticipantRow key={p.id} participant={p} me={me.id} moderator={moderator} conferenceId={conference.id} act={act} t={t} />
            ))}
          </ul>
          {moderator && lobby.length > 0 && (
            <>
              <h2>{t("lobby", { count: lobby.length })}</h2>
              <ul className="conference-lobby" data-testid="conference-lobby">
                {lobby.map((p) => (
                  <li key={p.id} data-testid="lobby-entry">
                    <span>{p.display_name}</span>
                    <button type="button" className="primary" data-testid="admit" onClick={() => void act(() => conferencesApi.admit(conference.id, p.id))}>
                      {t("admit", { name: p.display_name })}
                    </button>
                    <button type="button" onClick={() => void act(() => conferencesApi.remove(conference.id, p.id))}>
                      {t("removeOne", { name: p.display_name })}
                    </button>
                  </li>
                ))}
              </ul>
            </>
          )}
          {moderator && <Moderation conference={conference} act={act} t={t} />}
        </aside>
      </div>
      <div className="conference-controls" role="toolbar" aria-label={t("title")}>
        <button type="button" aria-pressed={!audioOn} disabled={!local?.getAudioTracks().length} data-testid="toggle-mic" onClick={() => setAudioOn((v) => !v)}>
          {audioOn ? t("mute") : t("unmute")}
        </button>
        <button type="button" aria-pressed={!videoOn} disabled={!local?.getVideoTracks().length} data-testid="toggle-camera" onClick={() => setVideoOn((v) => !v)}>
          {videoOn ? t("cameraOff") : t("cameraOn")}
        </button>
        <button type="button" aria-pressed={screen !== null} disabled={!local?.getVideoTracks().length || !isMesh} data-testid="toggle-screen" onClick={() => void act(toggleScreen)}>
          {screen ? t("stopShare") : t("shareScreen")}
        </button>
        <button type="button" aria-pressed={mine.hand_raised_at !== null} data-testid="toggle-hand" onClick={() => void act(() => api.setMedia(conference.id, { hand_raised: mine.hand_raised_at === null }))}>
          {mine.hand_raised_at ? t("lowerHand") : t("raiseHand")}
        </button>
        <button type="button" className="danger" data-testid="leave" onClick={() => void act(async () => {
          await api.leave(conference.id);
          onLeave();
        })}>
          {t("leave")}
        </button>
      </div>
    </div>
  );
}

function VideoTile({ stream, label, muted = false, state, t }: { stream: MediaStream | null; label: string; muted?: boolean; state?: string; t: T }) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    if (ref.current && ref.current.srcObject !== stream) ref.current.srcObject = stream;
  }, [stream]);
  return (
    <figure className="video-tile" data-testid="video-tile" data-connection={state ?? "local"}>
      <video ref={ref} autoPlay playsInline muted={muted} aria-label={t("videoOf", { name: label })} />
      <figcaption>
        {label}
        {state && state !== "connected" && <span className="video-state"> · {t("connecting")}</span>}
      </figcaption>
    </figure>
  );
}

function ParticipantRow({ participant: p, me, moderator, conferenceId, act, t }: { participant: Participant; me: string; moderator: boolean; conferenceId: string; act: (a: () => Promise<unknown>) => Promise<void>; t: T }) {
  const states = [p.audio ? t("micOn") : t("micOff"), p.video ? t("camOn") : t("camOff"), ...(p.screen ? [t("screenOn")] : []), ...(p.hand_raised_at ? [t("handRaised")] : [])];
  return (
    <li className="conference-participant" data-testid="participant" data-participant-id={p.id}>
      <span className="participant-name">
        {p.hand_raised_at && <span aria-hidden="true">✋ </span>}
        {p.display_name}
        {p.id === me && ` (${t("you")})`}
        {p.guest && ` · ${t("guest")}`}
      </span>
      <span className="participant-state">{states.join(", ")}</span>
      {moderator && p.id !== me && (
        <span className="participant-actions">
          {p.audio && (
            <button type="button" onClick={() => void act(() => conferencesApi.mute(conferenceId, p.id))}>
              {t("muteOne", { name: p.display_name })}
            </button>
          )}
          <button type="button" onClick={() => void act(() => conferencesApi.remove(conferenceId, p.id))}>
            {t("removeOne", { name: p.display_name })}
          </button>
        </span>
      )}
    </li>
  );
}

const GUEST_LINK_MINUTES = 120;

function Moderation({ conference, act, t }: { conference: Conference; act: (a: () => Promise<unknown>) => Promise<void>; t: T }) {
  const [guestUrl, setGuestUrl] = useState<string | null>(null);
  return (
    <section className="conference-moderation" aria-label={t("moderation")}>
      <h2>{t("moderation")}</h2>
      <button type="button" onClick={() => void act(() => conferencesApi.mute(conference.id, null))}>
        {t("muteAll")}
      </button>
      <button type="button" data-testid="toggle-lock" onClick={() => void act(() => conferencesApi.lock(conference.id, !conference.locked))}>
        {conference.locked ? t("unlock") : t("lock")}
      </button>
      <button type="button" data-testid="guest-link" onClick={() => void act(async () => setGuestUrl((await conferencesApi.guestLink(conference.id, GUEST_LINK_MINUTES)).url))}>
        {t("guestLink")}
      </button>
      {guestUrl && (
        <p className="guest-link" data-testid="guest-link-url">
          {t("guestLinkCopy", { minutes: GUEST_LINK_MINUTES, url: guestUrl })}
        </p>
      )}
      <button type="button" className="danger" data-testid="end-all" onClick={() => void act(async () => {
        if (window.confirm(t("endConfirm"))) await conferencesApi.end(conference.id);
      })}>
        {t("endAll")}
      </button>
    </section>
  );
}
