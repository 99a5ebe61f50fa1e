// School and class events: meetings and announcements, with answers
// ("приду / не приду") where the organiser asked for them.
import { get, post, put } from "../api.js";
import { failure, h, heading, show } from "../dom.js";
import { formatDateTime } from "../i18n.js";

const ANSWERS = { yes: "Приду", no: "Не приду", maybe: "Пока не знаю" };
const AUDIENCE = { all: "всем", parents: "родителям", students: "ученикам" };

export async function render(view, context) {
  document.title = "События — Электронный журнал";
  const list = h("ol", { class: "inbox events" });
  const administration = context.hasRole("administrator", "director", "deputy_director");
  const leads = context.me.roles.filter((grant) => grant.role === "class_teacher" && grant.class_id);
  const load = async () => {
    let events;
    try {
      events = (await get("/api/v1/events?page_size=50")).events;
    } catch (error) {
      list.replaceChildren(failure(error));
      return;
    }
    list.replaceChildren(...events.map((event) => eventItem(event)));
    if (!events.length) list.replaceChildren(h("li", { class: "read" }, h("p", { class: "muted" }, "Событий пока нет.")));
  };
  show(view, heading("События"), list, administration || leads.length ? newEventForm(administration, leads, load) : null);
  await load();
  return null;
}

function eventItem(event) {
  const status = h("p", { role: "status" });
  const counts = h("p", { class: "muted" }, `Придут: ${event.yes_count}, не придут: ${event.no_count}`);
  const answers = event.rsvp_enabled ? h("div", { class: "actions", role: "group", "aria-label": `Ответ: ${event.title}` },
    Object.entries(ANSWERS).map(([value, text]) => {
      const button = h("button", { type: "button", class: value === event.my_response ? "small" : "secondary small",
        "aria-pressed": String(value === event.my_response) }, text);
      button.addEventListener("click", async () => {
        try {
          const updated = await put(`/api/v1/events/${event.id}/response`, { response: value });
          for (const other of button.parentElement.querySelectorAll("button")) {
            const chosen = other === button;
            other.className = chosen ? "small" : "secondary small";
            other.setAttribute("aria-pressed", String(chosen));
          }
          counts.textContent = `Придут: ${updated.yes_count}, не придут: ${updated.no_count}`;
          status.textContent = `Ваш ответ: ${text.toLowerCase()}`;
        } catch (error) { status.textContent = error.message; }
      });
      return button;
    })) : null;
  return h("li", {},
    h("h3", {}, event.title),
    event.start_time ? h("p", {}, formatDateTime(event.start_time), event.place ? `, ${event.place}` : "") : null,
    event.description ? h("p", { class: "text" }, event.description) : null,
    h("p", { class: "muted" }, event.class_id ? "Событие класса" : "Событие школы", `, ${AUDIENCE[event.audience] || ""}`),
    event.rsvp_enabled ? counts : null, answers, status);
}

function newEventForm(administration, leads, reload) {
  const error = h("p", { class: "error", role: "alert", hidden: true });
  const scope = h("select", { id: "event-scope", name: "scope" },
    administration ? h("option", { value: "" }, "Вся школа") : null,
    leads.map((grant) => h("option", { value: grant.class_id }, "Мой класс")));
  const form = h("form", { id: "new-event", class: "narrow", novalidate: true },
    h("h3", {}, "Новое событие"),
    h("label", { for: "event-title" }, "Название"), h("input", { id: "event-title", name: "title", maxlength: "200" }),
    h("label", { for: "event-scope" }, "Для кого"), scope,
    h("label", { for: "event-audience" }, "Кому показать"),
    h("select", { id: "event-audience", name: "audience" },
      Object.entries(AUDIENCE).map(([value, text]) => h("option", { value }, text))),
    h("label", { for: "event-time" }, "Когда"), h("input", { id: "event-time", name: "when", type: "datetime-local" }),
    h("label", { for: "event-place" }, "Где"), h("input", { id: "event-place", name: "place", maxlength: "200" }),
    h("label", { for: "event-description" }, "Описание"),
    h("textarea", { id: "event-description", name: "description", rows: "3", maxlength: "5000" }),
    h("label", { class: "inline" }, h("input", { type: "checkbox", name: "rsvp" }), " Просить ответить, придут ли"),
    h("button", { type: "submit" }, "Опубликовать"), error);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const fail = (text) => { error.textContent = text; error.hidden = false; };
    if (!form.title.value.trim()) { fail("Поле «Название»: обязательное поле"); return; }
    const body = {
      title: form.title.value.trim(), description: form.description.value.trim(), place: form.place.value.trim(),
      audience: form.audience.value, rsvp_enabled: form.rsvp.checked, request_id: crypto.randomUUID(),
    };
    if (form.scope.value) body.class_id = form.scope.value;
    if (form.when.value) body.start_time = new Date(form.when.value).toISOString();
    try {
      await post("/api/v1/events", body);
      form.reset();
      error.hidden = true;
      await reload();
    } catch (failed) { fail(failed.message); }
  });
  return form;
}
