/** Small line icons drawn inline (no icon font, nothing loaded from elsewhere). */
const PATHS = {
  download: "M12 4v11m0 0-4.5-4.5M12 15l4.5-4.5M5 19h14",
  attach: "M16.5 6.5 8.7 14.3a2 2 0 0 0 2.8 2.8l7.8-7.8a4 4 0 0 0-5.7-5.7L5.8 11.4a6 6 0 0 0 8.5 8.5l6.2-6.2",
  close: "M6 6l12 12M18 6 6 18",
  previous: "M15 5 8 12l7 7",
  next: "M9 5l7 7-7 7",
} as const;

export function Icon({ name, size = 20 }: { name: keyof typeof PATHS; size?: number }) {
  return (
    <svg className="icon-svg" width={size} height={size} viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path d={PATHS[name]} fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round" />
    </svg>
  );
}
