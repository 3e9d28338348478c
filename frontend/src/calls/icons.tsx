/** The call screens' line icons (inline, no icon font), hidden from assistive technology:
 * the button they sit in carries the text. */
const PATHS = {
  phone: "M5 4h4l2 5-2.5 1.5a11 11 0 0 0 5 5L15 13l5 2v4a2 2 0 0 1-2 2A16 16 0 0 1 3 6a2 2 0 0 1 2-2",
  video: "M3 7a2 2 0 0 1 2-2h9a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2zM16 10l5-3v10l-5-3",
  mic: "M12 3a3 3 0 0 1 3 3v6a3 3 0 0 1-6 0V6a3 3 0 0 1 3-3zM5 11a7 7 0 0 0 14 0M12 18v3",
  micOff: "M3 3l18 18M9 9v3a3 3 0 0 0 5 2.2M15 11V6a3 3 0 0 0-5.7-1.3M5 11a7 7 0 0 0 11.5 5.4M19 11a7 7 0 0 1-.8 3.2M12 18v3",
  videoOff: "M3 3l18 18M16 10l5-3v10l-4-2.4M14 14v3a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V7a2 2 0 0 1 2-2h2M10 5h4a2 2 0 0 1 2 2v3",
  screen: "M3 5h18v11H3zM8 20h8M12 16v4M9 11l3-3 3 3M12 8v5",
  settings: "M4 6h10M18 6h2M4 12h4M12 12h8M4 18h12M20 18h0M14 4v4M8 10v4M16 16v4",
  incoming: "M17 7 7 17M7 9v8h8",
  outgoing: "M7 17 17 7M9 7h8v8",
} as const;

export type CallIconName = keyof typeof PATHS | "hangup";

export function CallIcon({ name, size = 20 }: { name: CallIconName; size?: number }) {
  // Hang up: the receiver put down (the phone, turned).
  const path = name === "hangup" ? PATHS.phone : PATHS[name];
  return (
    <svg width={size} height={size} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2} strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false">
      <path d={path} transform={name === "hangup" ? "rotate(135 12 12)" : undefined} />
    </svg>
  );
}
