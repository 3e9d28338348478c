import { defineMessages } from "../../i18n/index.js";

export const membersMessages = defineMessages(
  {
    panelTitle: "О чате",
    kind_direct: "Личный чат",
    kind_group: "Группа",
    kind_channel: "Канал",
    noDescription: "Описания нет",
    leave: "Покинуть",
    leaveConfirm: "Покинуть «{title}»?",
    notFound: "Чат не найден или у вас нет к нему доступа.",
  },
  {
    panelTitle: "About",
    kind_direct: "Direct chat",
    kind_group: "Group",
    kind_channel: "Channel",
    noDescription: "No description",
    leave: "Leave",
    leaveConfirm: "Leave “{title}”?",
    notFound: "The chat does not exist or you have no access to it.",
  },
);
