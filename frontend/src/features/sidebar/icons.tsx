/** Small line icons drawn inline (no icon font, no emoji font needed), hidden from
 * assistive technology: the element they sit in carries the text. */
const PATHS = {
  search: "M10.5 3a7.5 7.5 0 0 1 5.9 12.1l4.3 4.3-1.4 1.4-4.3-4.3A7.5 7.5 0 1 1 10.5 3zm0 2a5.5 5.5 0 1 0 0 11 5.5 5.5 0 0 0 0-11z",
  people:
    "M9 4a4 4 0 1 1 0 8 4 4 0 0 1 0-8zm0 2a2 2 0 1 0 0 4 2 2 0 0 0 0-4zm7.5-1a3.5 3.5 0 1 1 0 7 3.5 3.5 0 0 1 0-7zM9 14c3.3 0 6 1.8 6 4v2H3v-2c0-2.2 2.7-4 6-4zm0 2c-2.1 0-3.7.9-4 2h8c-.3-1.1-1.9-2-4-2zm8-1.9c2.3.3 4 1.7 4 3.4V20h-4.5v-2h2.4c-.3-.7-1.2-1.3-2.4-1.6z",
  bell: "M12 2a6 6 0 0 1 6 6v4.6l2 3.4V18H4v-2l2-3.4V8a6 6 0 0 1 6-6zm0 2a4 4 0 0 0-4 4v5.1L6.6 16h10.8L16 13.1V8a4 4 0 0 0-4-4zm-2 15h4a2 2 0 0 1-4 0z",
  gear: "M10.3 2h3.4l.5 2.6 1.5.7 2.3-1.4 2.4 2.4-1.4 2.3.7 1.5 2.6.5v3.4l-2.6.5-.7 1.5 1.4 2.3-2.4 2.4-2.3-1.4-1.5.7-.5 2.6h-3.4l-.5-2.6-1.5-.7-2.3 1.4-2.4-2.4 1.4-2.3-.7-1.5L2 13.7v-3.4l2.6-.5.7-1.5-1.4-2.3 2.4-2.4 2.3 1.4 1.5-.7zM12 8.5a3.5 3.5 0 1 0 0 7 3.5 3.5 0 0 0 0-7zm0 2a1.5 1.5 0 1 1 0 3 1.5 1.5 0 0 1 0-3z",
  pin: "M14.5 2 22 9.5l-1.4 1.4-1.1-1.1-3.9 3.9.7 4.2-1.4 1.4-3.9-3.9L5.4 21 3 21l.1-2.4 5.6-5.6-3.9-3.9 1.4-1.4 4.2.7 3.9-3.9-1.1-1.1z",
  muted: "M3.3 2 22 20.7 20.7 22l-3.9-3.9H4v-2l2-3.4V8.4L2 4.3zM8 10.4v2.7L6.6 16h8.2zM12 2a6 6 0 0 1 6 6v4.6l.9 1.5-1.9-1.9V8a4 4 0 0 0-6.4-3.2L9.2 3.4A6 6 0 0 1 12 2zm-2 17h4a2 2 0 0 1-4 0z",
  folder: "M3 5a2 2 0 0 1 2-2h4.4l2 2H19a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2zm2 0v13h14V7h-8.4l-2-2z",
  check: "M5 3h11l3 3v6h-2V7l-2-2H5v14h6v2H5a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm2 5h8v2H7zm0 4h5v2H7zm14.3 2.3 1.4 1.4-5.2 5.2-3.2-3.2 1.4-1.4 1.8 1.8z",
  video: "M3 6a2 2 0 0 1 2-2h10a2 2 0 0 1 2 2v3.2l4-2.7v11l-4-2.7V18a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2zm2 0v12h10V6z",
  more: "M5 10a2 2 0 1 1 0 4 2 2 0 0 1 0-4zm7 0a2 2 0 1 1 0 4 2 2 0 0 1 0-4zm7 0a2 2 0 1 1 0 4 2 2 0 0 1 0-4z",
} as const;

export type IconName = keyof typeof PATHS;

export function Icon({ name, size = 18 }: { name: IconName; size?: number }) {
  return (
    <svg className="icon-svg" width={size} height={size} viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path d={PATHS[name]} fill="currentColor" fillRule="evenodd" />
    </svg>
  );
}
