// Messages between parents, students and the school's staff (C2): the
// conversations with unread counts, one conversation with its replies, and a
// new conversation with a person from the list the school allows.
import { get, post } from "../api.js";
import { failure, h, heading, show } from "../dom.js";
import { formatDateTime } from "../i18n.js";

export async function render(view, context, { conversationId }) {
  return conversationId ? conversation(view, context, conversationId) : inbox(view);
}

async function inbox(view) {
  document.title = "Сообщения — Электронный журнал";
  let conversations;
  let contacts;
  try {
    [conversations, contacts] = await Promise.all([get("/api/v1/conversations?page_size=50"),
      get("/api/v1/messages/contacts")]);
  } catch (error) {
    show(view, heading("Сообщения"), failure(error));
    return null;
  }
  const list = conversations.conversations.length
    ? h("ul", { class: "conversations" }, conversations.conversations.map((item) => h("li", {
      class: item.unread_count ? "unread" : null,
    }, h("a", { href: `#/messages/${item.id}` }, item.title || "Без темы"),
    item.unread_count ? h("strong", {}, ` — новых: ${item.unread_count}`) : null,
    h("span", { class: "muted" }, ` · ${formatDateTime(item.last_message_time)}`))))
    : h("p", { class: "muted" }, "Переписки пока нет.");
  const error = h("p", { class: "error", role: "alert", hidden: true });
  const form = h("form", { id: "new-message", class: "narrow", novalidate: true },
    h("h3", {}, "Новое сообщение"),
    h("label", { for: "message-to" }, "Кому"),
    h("select", { id: "message-to", name: "to" }, h("option", { value: "" }, "— выберите —"),
      contacts.contacts.map((contact) => h("option", { value: contact.person_id }, contact.display_name))),
    h("label", { for: "message-title" }, "Тема"),
    h("input", { id: "message-title", name: "title", maxlength: "200" }),
    h("label", { for: "message-text" }, "Сообщение"),
    h("textarea", { id: "message-text", name: "text", rows: "4", maxlength: "5000" }),
    h("button", { type: "submit" }, "Отправить"), error);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const fail = (text) => { error.textContent = text; error.hidden = false; };
    if (!form.to.value) { fail("Поле «Кому»: выберите получателя"); return; }
    if (!form.text.value.trim()) { fail("Поле «Сообщение»: напишите текст"); return; }
    try {
      const created = await post("/api/v1/conversations", {
        member_ids: [form.to.value], title: form.title.value.trim(), text: form.text.value.trim(),
        request_id: crypto.randomUUID(),
      });
      location.hash = `#/messages/${created.conversation.id}`;
    } catch (failed) {
      fail(failed.message);
    }
  });
  show(view, heading("Сообщения"), list, form);
  return null;
}

async function conversation(view, context, conversationId) {
  let messages;
  let title = "Переписка";
  try {
    const [page, all] = await Promise.all([
      get(`/api/v1/conversations/${conversationId}/messages?page_size=200`),
      get("/api/v1/conversations?page_size=200"),
    ]);
    messages = page.messages;
    const found = all.conversations.find((item) => item.id === conversationId);
    if (found && found.title) title = found.title;
  } catch (error) {
    show(view, heading("Переписка"), failure(error), h("p", {}, h("a", { href: "#/messages" }, "Все сообщения")));
    return null;
  }
  document.title = `${title} — Электронный журнал`;
  const me = context.me.person.id;
  const list = h("ol", { class: "messages" });
  const add = (message) => list.append(h("li", { class: message.sender_id === me ? "mine" : "theirs" },
    h("p", { class: "muted" }, message.sender_id === me ? "Вы" : "Собеседник", " · ", formatDateTime(message.create_time),
      message.sender_id === me && message.read_by_count ? " · прочитано" : ""),
    h("p", { class: "text" }, message.text),
    message.attachments.map((file) => h("p", {}, h("a", { href: `/api/v1/attachments/${file.id}` }, file.file_name)))));
  messages.forEach(add);
  post(`/api/v1/conversations/${conversationId}/read`).catch(() => { /* the receipt can wait */ });
  const status = h("p", { role: "status" });
  const form = h("form", { id: "reply", class: "narrow", novalidate: true },
    h("label", { for: "reply-text" }, "Ответ"),
    h("textarea", { id: "reply-text", name: "text", rows: "3", maxlength: "5000" }),
    h("button", { type: "submit" }, "Отправить"), status);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!form.text.value.trim()) { status.textContent = "Поле «Ответ»: напишите текст"; return; }
    try {
      add(await post(`/api/v1/conversations/${conversationId}/messages`,
        { text: form.text.value.trim(), request_id: crypto.randomUUID() }));
      form.reset();
      status.textContent = "Отправлено";
    } catch (error) {
      status.textContent = error.message;
    }
  });
  show(view, heading(title), h("p", {}, h("a", { href: "#/messages" }, "← Все сообщения")), list, form);
  return null;
}
