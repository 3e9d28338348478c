import { defineMessages } from "../../i18n/index.js";

export const sidebarMessages = defineMessages(
  {
    title: "Чаты",
    unread: { one: "{count} непрочитанное", few: "{count} непрочитанных", many: "{count} непрочитанных" },
  },
  {
    title: "Chats",
    unread: { one: "{count} unread", other: "{count} unread" },
  },
);
