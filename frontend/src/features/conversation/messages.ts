import { defineMessages } from "../../i18n/index.js";

export const conversationMessages = defineMessages(
  {
    composerLabel: "Сообщение",
    composerPlaceholder: "Напишите сообщение…",
    send: "Отправить",
    notFound: "Чат не найден или у вас нет к нему доступа.",
    pending: "Отправляется…",
    failed: "Не отправлено",
    info: "О чате",
  },
  {
    composerLabel: "Message",
    composerPlaceholder: "Write a message…",
    send: "Send",
    notFound: "The chat does not exist or you have no access to it.",
    pending: "Sending…",
    failed: "Not sent",
    info: "About",
  },
);
