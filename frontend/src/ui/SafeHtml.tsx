import DOMPurify from "dompurify";
import { useMemo } from "react";

// The server already renders Markdown through an allow-list (nh3, docs/messaging.md); the
// client sanitises again with the same allow-list, so a compromised or buggy server still
// cannot run script here. Links open in a new tab without the opener.
const ALLOWED_TAGS = ["p", "br", "strong", "em", "del", "s", "code", "pre", "blockquote", "ul", "ol", "li", "a", "mark"];
const ALLOWED_ATTR = ["href", "rel"];

DOMPurify.addHook("afterSanitizeAttributes", (node) => {
  if (node.tagName === "A") {
    const href = node.getAttribute("href") ?? "";
    if (!/^(https?:|mailto:)/i.test(href)) node.removeAttribute("href");
    node.setAttribute("target", "_blank");
    node.setAttribute("rel", "noopener noreferrer nofollow");
  }
});

export function sanitize(html: string): string {
  return DOMPurify.sanitize(html, { ALLOWED_TAGS, ALLOWED_ATTR: [...ALLOWED_ATTR, "target"], ALLOW_DATA_ATTR: false });
}

/** HTML from the server (a message's `body_html`, a search snippet), sanitised again. */
export function SafeHtml({ html, className, as: Tag = "div" }: { html: string; className?: string; as?: "div" | "span" }) {
  const clean = useMemo(() => sanitize(html), [html]);
  return <Tag className={className} dangerouslySetInnerHTML={{ __html: clean }} />;
}
