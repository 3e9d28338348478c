import { useEffect, useMemo, useState } from "react";
import { EditorContent, useEditor, useEditorState } from "@tiptap/react";
import StarterKit from "@tiptap/starter-kit";
import Collaboration from "@tiptap/extension-collaboration";
import CollaborationCaret from "@tiptap/extension-collaboration-caret";
import { useT } from "../i18n/index.js";
import { useApp } from "../app/store.js";
import { documentsApi } from "./api.js";
import { connectDocument, userColor, type CollabConnection, type CollabStatus } from "./collab.js";
import { documentsMessages } from "./messages.js";

interface Peer {
  clientId: number;
  name: string;
  color: string;
}

/**
 * The co-editor of a rich-text document: TipTap on the document's Y.Doc (the XmlFragment
 * "default"), synced through y-websocket; other editors' carets carry their names and
 * colours. `editable` false (viewers, commenters) shows the live text without editing it —
 * the server refuses their updates anyway.
 */
export function CoEditor({ documentId, editable }: { documentId: string; editable: boolean }) {
  const t = useT(documentsMessages);
  const [status, setStatus] = useState<CollabStatus>("connecting");
  const [connection, setConnection] = useState<CollabConnection | null>(null);
  const online = useApp((s) => s.connection.status === "online");

  useEffect(() => {
    const made = connectDocument({
      documentId,
      origin: window.location.origin,
      fetchTicket: async (id) => (await documentsApi.editTicket(id)).ticket,
      onStatus: setStatus,
    });
    setConnection(made);
    return () => made.destroy();
  }, [documentId]);

  // The app's socket came back: the network is back; do not wait for the backoff.
  useEffect(() => {
    if (online) connection?.reconnect();
  }, [online, connection]);

  const statusText = { connecting: t("editorConnecting"), online: t("editorOnline"), offline: t("editorOffline"), denied: t("editorDenied") }[status];
  return (
    <section className="co-editor" aria-label={t("editorLabel")} data-testid="co-editor" data-status={status}>
      <p className={status === "denied" ? "error editor-status" : "muted editor-status"} role="status" data-testid="editor-status">
        {statusText}
        {status !== "denied" && !editable && <> · {t("editorReadOnly")}</>}
      </p>
      {connection && status !== "denied" && <EditorBody key={documentId} connection={connection} editable={editable} />}
    </section>
  );
}

function EditorBody({ connection, editable }: { connection: CollabConnection; editable: boolean }) {
  const t = useT(documentsMessages);
  const me = useApp((s) => s.me);
  const user = useMemo(() => ({ name: me?.full_name || me?.login || "?", color: userColor(me?.id ?? "?") }), [me]);
  const editor = useEditor(
    {
      editable,
      extensions: [
        StarterKit.configure({ undoRedo: false }), // Yjs keeps the undo history
        Collaboration.configure({ document: connection.doc, field: "default" }),
        CollaborationCaret.configure({ provider: connection.provider, user, render: renderCaret }),
      ],
      editorProps: {
        attributes: { "aria-label": t("editorLabel"), "aria-multiline": "true", role: "textbox", class: "co-editor-text", "data-testid": "editor-text" },
      },
    },
    [connection],
  );
  useEffect(() => {
    editor?.setEditable(editable);
  }, [editor, editable]);

  const peers = usePeers(connection);
  const marks = useEditorState({
    editor,
    selector: ({ editor: e }) =>
      e
        ? {
            bold: e.isActive("bold"),
            italic: e.isActive("italic"),
            strike: e.isActive("strike"),
            heading: e.isActive("heading", { level: 2 }),
            bulletList: e.isActive("bulletList"),
            orderedList: e.isActive("orderedList"),
            quote: e.isActive("blockquote"),
          }
        : null,
  });

  const tools: { key: keyof NonNullable<typeof marks>; label: string; text: string; run: () => void }[] = editor
    ? [
        { key: "bold", label: t("bold"), text: "Ж", run: () => editor.chain().focus().toggleBold().run() },
        { key: "italic", label: t("italic"), text: "К", run: () => editor.chain().focus().toggleItalic().run() },
        { key: "strike", label: t("strike"), text: "S", run: () => editor.chain().focus().toggleStrike().run() },
        { key: "heading", label: t("heading"), text: "H", run: () => editor.chain().focus().toggleHeading({ level: 2 }).run() },
        { key: "bulletList", label: t("bulletList"), text: "•", run: () => editor.chain().focus().toggleBulletList().run() },
        { key: "orderedList", label: t("orderedList"), text: "1.", run: () => editor.chain().focus().toggleOrderedList().run() },
        { key: "quote", label: t("quote"), text: "❝", run: () => editor.chain().focus().toggleBlockquote().run() },
      ]
    : [];

  return (
    <>
      {peers.length > 0 && (
        <div className="editor-peers" data-testid="editor-peers">
          <span className="muted">{t("editorsNow")}:</span>
          <ul>
            {peers.map((peer) => (
              <li key={peer.clientId} style={{ borderColor: peer.color }} data-testid="editor-peer">
                {peer.name}
              </li>
            ))}
          </ul>
        </div>
      )}
      {editable && editor && (
        <div className="editor-toolbar" role="toolbar" aria-label={t("toolbar")}>
          {tools.map((tool) => (
            <button key={tool.key} type="button" className={marks?.[tool.key] ? "tool active" : "tool"} aria-pressed={marks?.[tool.key] ?? false} title={tool.label} onClick={tool.run}>
              <span aria-hidden="true">{tool.text}</span>
              <span className="visually-hidden">{tool.label}</span>
            </button>
          ))}
          <button type="button" className="tool" aria-label={t("undo")} title={t("undo")} onClick={() => editor.chain().focus().undo().run()}>
            ↶
          </button>
          <button type="button" className="tool" aria-label={t("redo")} title={t("redo")} onClick={() => editor.chain().focus().redo().run()}>
            ↷
          </button>
        </div>
      )}
      <EditorContent editor={editor} className="co-editor-frame" />
    </>
  );
}

/** Another editor's caret with their name in their colour (the extension's look, with
 * hooks for the tests). */
function renderCaret(user: Record<string, unknown>): HTMLElement {
  const color = typeof user["color"] === "string" ? user["color"] : "#5a6270";
  const caret = document.createElement("span");
  caret.classList.add("collaboration-carets__caret");
  caret.style.borderColor = color;
  caret.dataset["testid"] = "caret";
  const label = document.createElement("span");
  label.classList.add("collaboration-carets__label");
  label.style.backgroundColor = color;
  label.dataset["testid"] = "caret-label";
  label.textContent = typeof user["name"] === "string" ? user["name"] : "";
  caret.append(label);
  return caret;
}

/** The other people connected to the document now (awareness states with a user). */
function usePeers(connection: CollabConnection): Peer[] {
  const [peers, setPeers] = useState<Peer[]>([]);
  useEffect(() => {
    const awareness = connection.provider.awareness;
    const read = () => {
      const list: Peer[] = [];
      awareness.getStates().forEach((state, clientId) => {
        const user = (state as { user?: { name?: unknown; color?: unknown } }).user;
        if (clientId === connection.doc.clientID || !user || typeof user.name !== "string") return;
        list.push({ clientId, name: user.name, color: typeof user.color === "string" ? user.color : "#5a6270" });
      });
      setPeers(list);
    };
    read();
    awareness.on("change", read);
    return () => awareness.off("change", read);
  }, [connection]);
  return peers;
}
