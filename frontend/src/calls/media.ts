/** The microphone, camera and screen: what the browser gives, with the user's choice of
 * device. */
import type { CallKind } from "./api.js";

export type MediaProblem = "denied" | "unavailable";

export interface LocalMedia {
  stream: MediaStream;
  /** A video call whose camera could not be had: it goes on with sound only. */
  videoLost: boolean;
}

export interface DeviceChoice {
  microphone: string | null;
  camera: string | null;
}

export class MediaError extends Error {
  constructor(readonly problem: MediaProblem) {
    super(problem);
  }
}

function problemOf(error: unknown): MediaProblem {
  const name = error instanceof DOMException ? error.name : "";
  return name === "NotAllowedError" || name === "SecurityError" ? "denied" : "unavailable";
}

function audioConstraints(deviceId: string | null): MediaTrackConstraints | boolean {
  return deviceId ? { deviceId: { exact: deviceId }, echoCancellation: true, noiseSuppression: true } : { echoCancellation: true, noiseSuppression: true };
}

function videoConstraints(deviceId: string | null): MediaTrackConstraints {
  return { ...(deviceId ? { deviceId: { exact: deviceId } } : {}), width: { ideal: 1280 }, height: { ideal: 720 } };
}

/** The microphone (and, for a video call, the camera); without a camera a video call goes
 * on with sound. Throws MediaError when there is no microphone either. */
export async function openLocalMedia(kind: CallKind, choice: DeviceChoice): Promise<LocalMedia> {
  const media = navigator.mediaDevices;
  if (!media?.getUserMedia) throw new MediaError("unavailable");
  if (kind === "video") {
    try {
      return { stream: await media.getUserMedia({ audio: audioConstraints(choice.microphone), video: videoConstraints(choice.camera) }), videoLost: false };
    } catch (error) {
      if (problemOf(error) === "denied") throw new MediaError("denied");
    }
  }
  try {
    return { stream: await media.getUserMedia({ audio: audioConstraints(choice.microphone) }), videoLost: kind === "video" };
  } catch (error) {
    throw new MediaError(problemOf(error));
  }
}

/** One track from a chosen device (a switch during the call; null: the default). */
export async function openDevice(kind: "audio" | "video", deviceId: string | null): Promise<MediaStreamTrack> {
  const stream = await navigator.mediaDevices.getUserMedia(kind === "audio" ? { audio: audioConstraints(deviceId) } : { video: videoConstraints(deviceId) });
  return stream.getTracks()[0]!;
}

/** The screen (or a window, a tab) the user picks. */
export async function openScreen(): Promise<MediaStreamTrack> {
  const stream = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
  return stream.getVideoTracks()[0]!;
}

export interface Devices {
  microphones: MediaDeviceInfo[];
  cameras: MediaDeviceInfo[];
}

/** The microphones and cameras (named once the page has been allowed to use them). */
export async function listDevices(): Promise<Devices> {
  const all = (await navigator.mediaDevices?.enumerateDevices?.()) ?? [];
  return { microphones: all.filter((d) => d.kind === "audioinput"), cameras: all.filter((d) => d.kind === "videoinput") };
}
