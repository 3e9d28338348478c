/** The call this tab carries: ringing out, connecting, in the call (remote video or the
 * other party's avatar, our own preview, the controls), and how it ended. */
import { useEffect, useRef, useState } from "react";
import { appStore } from "../app/store.js";
import { useT, type Translate } from "../i18n/index.js";
import { Avatar } from "../ui/Avatar.js";
import { displayName, useNow, useUser } from "./hooks.js";
import { CallIcon, type CallIconName } from "./icons.js";
import { callsMessages, type CallsKey } from "./messages.js";
import { endKey, formatDuration } from "./notice.js";
import { callSession, type SessionView } from "./session.js";

type T = Translate<CallsKey>;

export function CallScreen({ view }: { view: SessionView }) {
  const t = useT(callsMessages);
  const peer = useUser(view.peerId);
  const name = displayName(peer, t("unknownUser"));
  const now = useNow(view.phase === "active");
  const remoteVideo = (view.remote?.getVideoTracks().length ?? 0) > 0;
  const localVideo = (view.local?.getVideoTracks().length ?? 0) > 0 && (view.sharing || !view.cameraOff);
  const ended = view.phase === "ended";
  return (
    <section
      className={ended ? "call-screen ended" : "call-screen"}
      role="dialog"
      aria-modal="false"
      aria-labelledby="call-screen-title"
      data-testid="call-screen"
      data-phase={view.phase}
      data-connection={view.connection ?? ""}
      data-relayed={view.relayed === null ? "" : String(view.relayed)}
      data-end-state={view.endState ?? ""}
    >
      <header className="call-screen-header">
        <h2 id="call-screen-title">{t("callWith", { name })}</h2>
        <p className="call-status" role="status" data-testid="call-status">
          {status(view, now, t)}
        </p>
      </header>
      <div className="call-stage">
        <MediaView stream={view.remote} muted={false} hidden={!remoteVideo || ended} className="remote-video" label={t("remoteVideo")} testId="remote-video" />
        {(!remoteVideo || ended) && (
          <div className="call-peer">
            <Avatar user={peer} id={view.peerId ?? undefined} size={128} />
            <p className="call-peer-name">{name}</p>
          </div>
        )}
        {!ended && view.local && localVideo && <MediaView stream={view.local} muted className="local-video" label={view.sharing ? t("shareScreen") : t("localVideo")} testId="local-video" />}
        {!ended && view.cameraOff && !view.sharing && (
          <div className="local-video camera-off" role="img" aria-label={t("cameraOffMark")} data-testid="local-camera-off">
            <CallIcon name="videoOff" size={32} />
          </div>
        )}
      </div>
      {(view.note || view.error) && (
        <p className={ended ? "call-note error" : "call-note"} role={ended ? "alert" : "status"} data-testid="call-note">
          {view.error ?? t(view.note!)}
        </p>
      )}
      {ended ? (
        <div className="call-controls">
          <button type="button" className="secondary" onClick={() => callSession(appStore()).dismiss()} data-testid="call-close">
            {t("close")}
          </button>
        </div>
      ) : (
        <Controls view={view} t={t} />
      )}
    </section>
  );
}

function status(view: SessionView, now: number, t: T): string {
  switch (view.phase) {
    case "starting":
    case "outgoing":
      return t("outgoing");
    case "connecting":
      return t("connecting");
    case "active": {
      const duration = formatDuration((now - (view.connectedAt ?? now)) / 1000);
      if (view.reconnecting) return `${duration} · ${t("reconnecting")}`;
      return `${duration} · ${t("connected")}${view.relayed ? ` ${t("relayed")}` : ""}`;
    }
    case "ended": {
      if (view.note === "answeredElsewhere") return t("answeredElsewhere");
      if (!view.endState) return t("endEnded");
      const duration = view.connectedAt !== null && view.endedAt !== null && view.endState === "ended" ? ` · ${formatDuration((view.endedAt - view.connectedAt) / 1000)}` : "";
      return t(endKey(view.endState)) + duration;
    }
    default:
      return "";
  }
}

function Controls({ view, t }: { view: SessionView; t: T }) {
  const session = callSession(appStore());
  const [devicesOpen, setDevicesOpen] = useState(false);
  const ringing = view.phase === "starting" || view.phase === "outgoing";
  const hasCamera = (view.local?.getVideoTracks().length ?? 0) > 0 && !view.sharing;
  return (
    <>
      {devicesOpen && <DevicePanel view={view} t={t} />}
      <div className="call-controls">
        <Toggle icon={view.muted ? "micOff" : "mic"} pressed={view.muted} label={view.muted ? t("unmute") : t("mute")} onClick={() => session.toggleMute()} testId="call-mute" />
        <Toggle
          icon={hasCamera && !view.cameraOff ? "video" : "videoOff"}
          pressed={hasCamera && view.cameraOff}
          label={hasCamera && !view.cameraOff ? t("cameraOff") : t("cameraOn")}
          onClick={() => void session.toggleCamera()}
          testId="call-camera"
          disabled={view.sharing}
        />
        <Toggle icon="screen" pressed={view.sharing} label={view.sharing ? t("stopSharing") : t("shareScreen")} onClick={() => void session.toggleScreen()} testId="call-screen-share" disabled={ringing} />
        <Toggle icon="settings" pressed={devicesOpen} label={t("devices")} onClick={() => setDevicesOpen((open) => !open)} testId="call-devices" expanded={devicesOpen} />
        <button type="button" className="call-button decline" onClick={() => void session.hangUp()} aria-label={ringing ? t("cancel") : t("hangUp")} title={ringing ? t("cancel") : t("hangUp")} data-testid="call-hangup">
          <CallIcon name="hangup" />
        </button>
      </div>
    </>
  );
}

function Toggle({ icon, pressed, label, onClick, testId, disabled = false, expanded }: { icon: CallIconName; pressed: boolean; label: string; onClick: () => void; testId: string; disabled?: boolean; expanded?: boolean }) {
  return (
    <button
      type="button"
      className={pressed ? "call-toggle pressed" : "call-toggle"}
      aria-pressed={expanded === undefined ? pressed : undefined}
      aria-expanded={expanded}
      aria-label={label}
      title={label}
      onClick={onClick}
      disabled={disabled}
      data-testid={testId}
    >
      <CallIcon name={icon} />
    </button>
  );
}

function DevicePanel({ view, t }: { view: SessionView; t: T }) {
  const session = callSession(appStore());
  const current = (kind: "audio" | "video") => view.local?.getTracks().find((track) => track.kind === kind)?.getSettings().deviceId ?? "";
  const rows: { kind: "audio" | "video"; label: string; devices: MediaDeviceInfo[]; chosen: string | null; testId: string }[] = [
    { kind: "audio", label: t("microphone"), devices: view.devices.microphones, chosen: view.choice.microphone, testId: "device-microphone" },
    { kind: "video", label: t("camera"), devices: view.devices.cameras, chosen: view.choice.camera, testId: "device-camera" },
  ];
  return (
    <div className="call-devices" data-testid="call-device-panel">
      {rows.map((row) => (
        <label key={row.kind}>
          {row.label}
          <select value={row.chosen ?? current(row.kind)} onChange={(e) => void session.chooseDevice(row.kind, e.target.value)} data-testid={row.testId} disabled={row.devices.length === 0}>
            {!row.chosen && !current(row.kind) && <option value="">{t("deviceDefault")}</option>}
            {row.devices.map((device, n) => (
              <option key={device.deviceId || n} value={device.deviceId}>
                {device.label || t("deviceUnnamed", { n: n + 1 })}
              </option>
            ))}
          </select>
        </label>
      ))}
    </div>
  );
}

function MediaView({ stream, muted, className, label, testId, hidden = false }: { stream: MediaStream | null; muted: boolean; className: string; label: string; testId: string; hidden?: boolean }) {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    const element = ref.current;
    if (element && element.srcObject !== stream) element.srcObject = stream;
  }, [stream]);
  return <video ref={ref} className={className} autoPlay playsInline muted={muted} aria-label={label} data-testid={testId} hidden={hidden} />;
}
