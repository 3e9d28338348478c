/** Line icons drawn inline (no icon font, no emoji font needed), sized to the text. */
const PATHS = {
  info: "M12 22a10 10 0 1 0 0-20 10 10 0 0 0 0 20zM12 11v6M12 7.5v.5",
  thread: "M4 5h16v11H9l-5 4z",
  pin: "M9 3h6l-1 6 4 4H6l4-4zM12 13v8",
  reply: "M10 8 5 12l5 4M5 12h9a5 5 0 0 1 5 5v1",
  smile: "M12 22a10 10 0 1 0 0-20 10 10 0 0 0 0 20zM8 14a5 5 0 0 0 8 0M9 9.5v.5M15 9.5v.5",
  more: "M5 12h.01M12 12h.01M19 12h.01",
  down: "M12 5v14M6 13l6 6 6-6",
  close: "M6 6l12 12M18 6 6 18",
  attach: "M20 11.5 12 19.5a5 5 0 0 1-7-7l8.5-8.5a3.5 3.5 0 0 1 5 5L10 17.5a2 2 0 0 1-3-3l7.5-7.5",
  plus: "M12 5v14M5 12h14",
  chevron: "M6 9l6 6 6-6",
} as const;

export type IconName = keyof typeof PATHS;

export function Icon({ name, size = 18 }: { name: IconName; size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth={2} strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false">
      <path d={PATHS[name]} />
    </svg>
  );
}
