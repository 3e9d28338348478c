import { useEffect, useLayoutEffect, useRef, useState, type ReactNode } from "react";
import { createPortal } from "react-dom";

/**
 * A floating panel at a point of the screen (a context menu, the reaction picker), in a
 * portal so that the virtualised rows' transforms do not move it. Esc, a click outside or
 * a scroll closes it; focus goes into it on open and back where it was on close.
 */
export function Popover({
  x,
  y,
  onClose,
  children,
  label,
  role = "dialog",
  className = "",
  testId,
}: {
  x: number;
  y: number;
  onClose: () => void;
  children: ReactNode;
  label: string;
  role?: "menu" | "dialog";
  className?: string;
  testId?: string;
}) {
  const ref = useRef<HTMLDivElement>(null);
  const [position, setPosition] = useState({ left: x, top: y });

  useLayoutEffect(() => {
    const box = ref.current?.getBoundingClientRect();
    if (!box) return;
    const left = Math.max(8, Math.min(x, window.innerWidth - box.width - 8));
    const top = y + box.height > window.innerHeight - 8 ? Math.max(8, y - box.height) : y;
    setPosition({ left, top });
  }, [x, y]);

  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    const first = ref.current?.querySelector<HTMLElement>("[role=menuitem], input, button");
    first?.focus();
    const down = (event: MouseEvent) => {
      if (ref.current && !ref.current.contains(event.target as Node)) onClose();
    };
    const key = (event: KeyboardEvent) => {
      if (event.key === "Escape") {
        event.stopPropagation();
        onClose();
      }
    };
    document.addEventListener("mousedown", down);
    document.addEventListener("keydown", key, true);
    return () => {
      document.removeEventListener("mousedown", down);
      document.removeEventListener("keydown", key, true);
      if (previous && document.contains(previous)) previous.focus();
    };
  }, [onClose]);

  function arrows(event: React.KeyboardEvent) {
    if (role !== "menu" || (event.key !== "ArrowDown" && event.key !== "ArrowUp")) return;
    event.preventDefault();
    const items = [...(ref.current?.querySelectorAll<HTMLElement>("[role=menuitem]") ?? [])];
    const index = items.indexOf(document.activeElement as HTMLElement);
    const next = items[(index + (event.key === "ArrowDown" ? 1 : -1) + items.length) % items.length];
    next?.focus();
  }

  return createPortal(
    <div
      ref={ref}
      className={`popover ${className}`}
      role={role}
      aria-label={label}
      style={{ left: position.left, top: position.top }}
      onKeyDown={arrows}
      data-testid={testId}
    >
      {children}
    </div>,
    document.body,
  );
}
