/**
 * Compile-time only: the hand-written websocket shapes of types.ts against the components the
 * server's schema documents for them (x-websocket-frames, x-websocket-events). What the server
 * sends must fit the client's type; what the client sends must fit the server's. tsc fails
 * here when one side changes without the other. Nothing in this file runs.
 */
import type { Schemas } from "../api/index.js";
import type {
  AckFrame,
  AuthFrame,
  ConferenceSignalOutFrame,
  DeviceCommandEvent,
  EphemeralFrame,
  ErrorFrame,
  EventFrame,
  MessageEvent,
  HiddenMessageEvent,
  MessageSendFrame,
  PingFrame,
  PongFrame,
  PortalEvent,
  PresenceOutFrame,
  ReadyFrame,
  ResumeFrame,
  ResyncRequiredFrame,
  StreamFollowEvent,
  StreamUnfollowEvent,
  TypingOutFrame,
} from "./types.js";

type Fits<T extends true> = T;
type Extends<A, B> = [A] extends [B] ? true : false;

/** Server to client: the server's shape is assignable to the client's. */
export type ServerFramesFit = [
  Fits<Extends<Schemas["ReadyFrame"], ReadyFrame>>,
  Fits<Extends<Schemas["EventFrame"], EventFrame>>,
  Fits<Extends<Schemas["ResyncRequiredFrame"], ResyncRequiredFrame>>,
  Fits<Extends<Schemas["PongFrame"], PongFrame>>,
  Fits<Extends<Schemas["ErrorFrame"], ErrorFrame>>,
  Fits<Extends<Schemas["AckFrame"], AckFrame>>,
  Fits<Extends<Schemas["TypingFrame"], EphemeralFrame>>,
  Fits<Extends<Schemas["PresenceFrame"], EphemeralFrame>>,
  Fits<Extends<Schemas["ConferenceSignalFrame"], EphemeralFrame>>,
];

/** Events: each documented payload is one the client's union accepts. */
export type EventsFit = [
  Fits<Extends<Schemas["MessageEvent"], MessageEvent>>,
  Fits<Extends<Schemas["HiddenMessageEvent"], HiddenMessageEvent>>,
  Fits<Extends<Schemas["DeviceCommandEvent"], DeviceCommandEvent>>,
  Fits<Extends<Schemas["StreamFollowEvent"], StreamFollowEvent>>,
  Fits<Extends<Schemas["StreamUnfollowEvent"], StreamUnfollowEvent>>,
  Fits<Extends<Schemas["WebsocketEvent"], PortalEvent>>,
];

/** Client to server: the client's shape is assignable to the server's. */
export type ClientFramesFit = [
  Fits<Extends<AuthFrame, Schemas["AuthClientFrame"]>>,
  Fits<Extends<PingFrame, Schemas["PingClientFrame"]>>,
  Fits<Extends<ResumeFrame, Schemas["ResumeClientFrame"]>>,
  Fits<Extends<TypingOutFrame, Schemas["TypingClientFrame"]>>,
  Fits<Extends<ConferenceSignalOutFrame, Schemas["ConferenceSignalClientFrame"]>>,
  Fits<Extends<PresenceOutFrame, Schemas["PresenceClientFrame"]>>,
  // message.send: its own keys as the server documents them, and no key the client lacks.
  // Its body is the REST body (MessageInput is the generated MessageRequest); the schema
  // renders the frame as an answer component, where fields with a default look required.
  Fits<Extends<Pick<MessageSendFrame, SendFrameKeys>, Pick<Schemas["MessageSendClientFrame"], SendFrameKeys>>>,
  Fits<Extends<keyof Schemas["MessageSendClientFrame"], keyof MessageSendFrame>>,
];

type SendFrameKeys = "type" | "ref" | "conversation_id";
