// The inbox: notifications about marks, absences, homework, final marks and
// the school's news, newest first; read ones are dimmed.
import { get, post } from "../api.js";
import { failure, h, heading, show } from "../dom.js";
import { WORDS, countOf, formatDateTime } from "../i18n.js";

const PAGE_SIZE = 30;

// A notification's link is a path of the API's world ("/students/<id>/marks"):
// the screen of the web client that shows it.
function screenOf(link) {
  const student = /^\/students\/([\w-]+)/.exec(link || "");
  return student ? `#/diary/${student[1]}` : null;
}

export async function render(view) {
  document.title = "Уведомления — Электронный журнал";
  const list = h("ol", { class: "inbox" });
  const status = h("p", { role: "status" });
  const more = h("button", { type: "button", class: "secondary", hidden: true }, "Показать ещё");
  const readAll = h("button", { type: "button", class: "secondary" }, "Отметить все прочитанными");
  let token = "";
  let unread = 0;

  const summary = () => {
    status.textContent = unread ? `Непрочитанных: ${countOf(unread, WORDS.notification)}` : "Все уведомления прочитаны";
    document.dispatchEvent(new CustomEvent("ezh:unread", { detail: unread }));
  };
  const item = (note) => {
    const target = screenOf(note.link);
    const node = h("li", { class: note.read_time ? "read" : "unread", dataset: { id: note.id } },
      h("h3", {}, note.title),
      h("p", {}, note.body),
      h("p", { class: "muted" }, formatDateTime(note.create_time), note.read_time ? "" : " · новое"),
      target ? h("a", { href: target }, "Открыть дневник") : null);
    if (!note.read_time) {
      const mark = h("button", { type: "button", class: "link" }, "Прочитано");
      mark.setAttribute("aria-label", `Прочитано: ${note.title}`);
      mark.addEventListener("click", async () => {
        try {
          unread = (await post("/api/v1/notifications/read", { notification_ids: [note.id] })).unread_count;
          node.className = "read";
          mark.remove();
          summary();
        } catch (error) { status.textContent = error.message; }
      });
      node.append(mark);
    }
    return node;
  };
  const load = async () => {
    try {
      const page = await get(`/api/v1/notifications?page_size=${PAGE_SIZE}${token ? `&page_token=${encodeURIComponent(token)}` : ""}`);
      list.append(...page.notifications.map(item));
      token = page.next_page_token || "";
      unread = page.unread_count;
      more.hidden = !token;
      summary();
      if (!list.children.length) list.replaceWith(h("p", { class: "muted" }, "Уведомлений пока нет."));
    } catch (error) {
      status.replaceWith(failure(error));
    }
  };
  more.addEventListener("click", load);
  readAll.addEventListener("click", async () => {
    try {
      unread = (await post("/api/v1/notifications/read", { all: true })).unread_count;
      for (const node of list.querySelectorAll("li.unread")) {
        node.className = "read";
        node.querySelector("button")?.remove();
      }
      summary();
    } catch (error) { status.textContent = error.message; }
  });
  show(view, heading("Уведомления"), status, readAll, list, more);
  await load();
  return null;
}
