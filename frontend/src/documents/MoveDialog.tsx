import { useState } from "react";
import { useT } from "../i18n/index.js";
import { Dialog } from "../ui/Dialog.js";
import { errorMessage } from "../ui/errors.js";
import { documentsApi, hasRole, type Folder } from "./api.js";
import { useLoad } from "./hooks.js";
import { rootTitle } from "./DocumentsScreen.js";
import { documentsMessages } from "./messages.js";

export interface MoveItem {
  kind: "folder" | "document";
  id: string;
  name: string;
  /** The folder it is in now (moving there changes nothing). */
  folderId: string;
}

/**
 * Move a folder or a document into another folder, picked by walking down from the
 * caller's roots. The server has the rules (docs/documents.md): editor on both sides, owner
 * to leave the owner's tree, never a folder into itself; its error is shown as it says.
 */
export function MoveDialog({ item, onMoved, onClose }: { item: MoveItem; onMoved: () => void; onClose: () => void }) {
  const t = useT(documentsMessages);
  const [trail, setTrail] = useState<Folder[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const at = trail[trail.length - 1] ?? null;
  const roots = useLoad(() => documentsApi.roots(), []);
  const contents = useLoad(() => (at ? documentsApi.contents(at.id) : Promise.resolve(null)), [at?.id]);
  // The folder being moved is not offered as its own target (the server refuses it too).
  const choices = (at ? (contents.data?.folders ?? []) : (roots.data?.results ?? [])).filter((f) => !(item.kind === "folder" && f.id === item.id));
  const canDrop = !!at && hasRole(at.role, "editor") && at.id !== item.folderId;

  async function moveHere() {
    if (!at) return;
    setBusy(true);
    setError(null);
    try {
      if (item.kind === "folder") await documentsApi.moveFolder(item.id, at.id);
      else await documentsApi.moveDocument(item.id, at.id);
      onMoved();
      onClose();
    } catch (e) {
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Dialog title={t("moveTitle", { name: item.name })} onClose={onClose}>
      <div className="move-dialog" data-testid="move-dialog">
        <p className="muted" data-testid="move-location">
          {at ? trail.map((f, index) => (index === 0 ? rootTitle(f, t) : f.name)).join(" / ") : t("moveRoots")}
        </p>
        {at && (
          <button type="button" className="link" onClick={() => setTrail((list) => list.slice(0, -1))} data-testid="move-up">
            {t("moveUp")}
          </button>
        )}
        <ul className="move-folders">
          {choices.map((f) => (
            <li key={f.id}>
              <button type="button" className="link" onClick={() => setTrail((list) => [...list, f])} data-testid="move-folder">
                <span className="doc-icon folder" aria-hidden="true" />
                {at ? f.name : rootTitle(f, t)}
              </button>
            </li>
          ))}
        </ul>
        {at && choices.length === 0 && contents.data && <p className="empty-note">{t("moveNoSubfolders")}</p>}
        {error && (
          <p className="error" role="alert" data-testid="move-error">
            {error}
          </p>
        )}
        <div className="row">
          <button type="button" className="secondary" onClick={onClose}>
            {t("cancel")}
          </button>
          <button type="button" className="primary" disabled={busy || !canDrop} onClick={() => void moveHere()} data-testid="move-here">
            {t("moveHere")}
          </button>
        </div>
      </div>
    </Dialog>
  );
}
