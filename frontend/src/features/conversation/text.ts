/** Readable texts made from messages: names, system messages, previews. */
import type { Message, User } from "../../app/model.js";
import type { Translate } from "../../i18n/index.js";
import type { ConversationKey } from "./messages.js";

export function userName(users: Readonly<Record<string, User>>, userId: string | null | undefined, t: Translate<ConversationKey>): string {
  if (!userId) return t("unknownUser");
  const user = users[userId];
  return user?.full_name || user?.login || t("unknownUser");
}

const ROLE_KEYS: Record<string, ConversationKey> = {
  owner: "roleOwner",
  admin: "roleAdmin",
  member: "roleMember",
  read_only: "roleReadOnly",
};

const FIELD_KEYS: Record<string, ConversationKey> = {
  title: "fieldTitle",
  description: "fieldDescription",
  visibility: "fieldVisibility",
  comments_enabled: "fieldComments",
  edit_window_seconds: "fieldEditWindow",
};

/** A system message (`kind: "system"`, data in `system`) as a sentence. */
export function systemText(message: Message, users: Readonly<Record<string, User>>, t: Translate<ConversationKey>): string {
  const data = message.system ?? {};
  const actor = userName(users, message.author_id, t);
  const user = userName(users, typeof data["user"] === "string" ? data["user"] : null, t);
  switch (data["event"]) {
    case "created":
      return t("sysCreated", { actor, title: String(data["title"] ?? "") });
    case "member_added":
      return t("sysMemberAdded", { actor, user });
    case "members_added": {
      const { shown, more } = addedNamed(message);
      const names = shown.map((id) => userName(users, id, t));
      if (more > 0) return t("sysMembersAddedMore", { actor, users: names.join(", "), count: more });
      const last = names.pop() ?? "";
      return t("sysMembersAdded", { actor, users: names.length ? t("listAnd", { first: names.join(", "), last }) : last });
    }
    case "member_removed":
      return t("sysMemberRemoved", { actor, user });
    case "member_left":
      return t("sysMemberLeft", { user });
    case "member_joined":
      return t("sysMemberJoined", { user });
    case "role_changed": {
      const key = ROLE_KEYS[String(data["role"])];
      return t("sysRoleChanged", { actor, user, role: key ? t(key) : String(data["role"] ?? "") });
    }
    case "settings_changed": {
      const fields = Array.isArray(data["fields"]) ? (data["fields"] as unknown[]) : [];
      const names = fields.map((f) => (FIELD_KEYS[String(f)] ? t(FIELD_KEYS[String(f)]!) : String(f)));
      return t("sysSettingsChanged", { actor, fields: names.join(", ") });
    }
    default:
      return t("sysUnknown");
  }
}

// A members_added notice names up to this many people; more read "A, B and N more".
const ADDED_NAMED = 3;

/** Whom a `members_added` notice names (all of up to three, else the first two) and how
 * many it only counts. */
function addedNamed(message: Message): { shown: string[]; more: number } {
  const listed = message.system?.["users"];
  const ids = Array.isArray(listed) ? listed.filter((id): id is string => typeof id === "string") : [];
  const shown = ids.length <= ADDED_NAMED ? ids : ids.slice(0, ADDED_NAMED - 1);
  return { shown, more: ids.length - shown.length };
}

/** The user ids a system message names (to fetch their profiles): never all of a thousand
 * added at once, only those the sentence shows. */
export function systemUserIds(message: Message): string[] {
  const user = message.system?.["user"];
  const added = message.system?.["event"] === "members_added" ? addedNamed(message).shown : [];
  return [message.author_id, typeof user === "string" ? user : null, ...added].filter((id): id is string => !!id);
}

/** One line of a message for quotes and the pinned bar. */
export function preview(message: Message, max = 120): string {
  const text = message.body.replace(/\s+/g, " ").trim();
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
