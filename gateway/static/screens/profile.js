// Everyone's own account: who they are, the password, and the sessions on
// other devices (end one, or all the others).
import { del, get, post, put } from "../api.js";
import { failure, h, heading, show } from "../dom.js";
import { ROLE_TITLES, WORDS, countOf, formatDateTime, personName } from "../i18n.js";

export async function render(view, context) {
  const { me } = context;
  document.title = "Профиль — Электронный журнал";
  const sessions = h("section", { "aria-labelledby": "sessions-title" });
  show(view, 
    heading("Профиль"),
    h("dl", {},
      h("dt", {}, "ФИО"), h("dd", {}, personName(me.person)),
      h("dt", {}, "Логин"), h("dd", {}, me.person.login || "—"),
      h("dt", {}, "Школа"), h("dd", {}, me.school ? me.school.name : "Все школы района"),
      h("dt", {}, "Роли"), h("dd", {}, me.roles.map((grant) => ROLE_TITLES[grant.role] || grant.title).join(", "))),
    passwordForm(),
    sessions,
    me.school ? preferencesSection() : null,
    context.hasRole("subject_teacher", "class_teacher", "parent", "student") ? calendarSection() : null,
  );
  await showSessions(sessions);
  return null;
}

const KINDS = {
  mark: "Отметки", absence: "Пропуски", homework: "Домашние задания", final_mark: "Итоговые отметки",
  schedule: "Изменения расписания", alert: "Тревожные сигналы", message: "Сообщения", school_event: "События школы",
};
const CHANNELS = { in_app: "В журнале", email: "По почте" };
const MODES = { immediate: "сразу", digest: "сводкой раз в день", off: "не присылать" };

// How each kind of notification arrives, and the quiet hours.
function preferencesSection() {
  const section = h("section", { "aria-labelledby": "preferences-title" }, h("h3", { id: "preferences-title" }, "Уведомления"));
  get("/api/v1/notifications/preferences").then((data) => {
    const mode = new Map(data.preferences.map((item) => [`${item.kind}|${item.channel}`, item.mode]));
    const selects = [];
    const rows = Object.entries(KINDS).map(([kind, title]) => h("tr", {}, h("th", { scope: "row" }, title),
      Object.entries(CHANNELS).map(([channel, channelTitle]) => {
        const id = `pref-${kind}-${channel}`;
        const allowed = channel === "in_app" ? ["immediate", "off"] : ["immediate", "digest", "off"];
        const select = h("select", { id, dataset: { kind, channel } }, allowed.map((value) => h("option", {
          value, selected: mode.get(`${kind}|${channel}`) === value,
        }, MODES[value])));
        selects.push(select);
        return h("td", {}, h("label", { for: id, class: "visually-hidden" }, `${title}: ${channelTitle}`), select);
      })));
    const quietStart = h("input", { id: "quiet-start", type: "time", value: data.quiet_start || "" });
    const quietEnd = h("input", { id: "quiet-end", type: "time", value: data.quiet_end || "" });
    const status = h("p", { role: "status" });
    const save = h("button", { type: "button" }, "Сохранить настройки уведомлений");
    save.addEventListener("click", async () => {
      const body = {
        preferences: selects.map((select) => ({ kind: select.dataset.kind, channel: select.dataset.channel, mode: select.value })),
      };
      if (quietStart.value && quietEnd.value) Object.assign(body, { quiet_start: quietStart.value, quiet_end: quietEnd.value });
      else body.clear_quiet_hours = true;
      try {
        await put("/api/v1/notifications/preferences", body);
        status.textContent = "Настройки сохранены";
      } catch (error) {
        status.textContent = error.message;
      }
    });
    section.append(
      h("p", { class: "muted" }, data.email ? `Письма приходят на ${data.email}.` : "Адрес почты не указан: письма не приходят."),
      h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-labelledby": "preferences-title" },
        h("table", { class: "members" },
          h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Что"),
            Object.values(CHANNELS).map((title) => h("th", { scope: "col" }, title)))),
          h("tbody", {}, rows))),
      h("div", { class: "quiet" },
        h("label", { for: "quiet-start" }, "Не беспокоить с"), quietStart,
        h("label", { for: "quiet-end" }, "до"), quietEnd),
      save, status);
  }).catch((error) => section.append(failure(error)));
  return section;
}

// A private calendar link (ICS) with the timetable, for a phone's calendar.
function calendarSection() {
  const output = h("p", {});
  const status = h("p", { role: "status" });
  const make = h("button", { type: "button" }, "Получить ссылку на календарь");
  const revoke = h("button", { type: "button", class: "secondary" }, "Отозвать ссылку");
  make.addEventListener("click", async () => {
    try {
      const feed = await post("/api/v1/schedule/feed", {});
      const address = new URL(feed.url, location.origin).href;
      output.replaceChildren(h("label", { for: "feed-url" }, "Ссылка (добавьте её в календарь как подписку)"),
        h("input", { id: "feed-url", readonly: true, value: address }));
      status.textContent = "Ссылка создана; прежняя, если была, больше не действует.";
    } catch (error) { status.textContent = error.message; }
  });
  revoke.addEventListener("click", async () => {
    try {
      await del("/api/v1/schedule/feed");
      output.replaceChildren();
      status.textContent = "Ссылка отозвана";
    } catch (error) { status.textContent = error.message; }
  });
  return h("section", { "aria-labelledby": "calendar-title" }, h("h3", { id: "calendar-title" }, "Расписание в календаре"),
    h("p", { class: "muted" }, "Личная ссылка: с ней календарь телефона показывает ваши уроки с заменами. Не пересылайте её."),
    output, make, " ", revoke, status);
}

function passwordForm() {
  const message = h("p", { role: "status" });
  const form = h("form", { id: "password-form", class: "narrow", novalidate: true },
    h("h3", {}, "Смена пароля"),
    h("label", { for: "current-password" }, "Текущий пароль"),
    h("input", { id: "current-password", name: "current", type: "password", autocomplete: "current-password", required: true, maxlength: "128" }),
    h("label", { for: "fresh-password" }, "Новый пароль (не короче 8 символов)"),
    h("input", { id: "fresh-password", name: "fresh", type: "password", autocomplete: "new-password", required: true, maxlength: "128" }),
    h("label", { for: "fresh-password-again" }, "Новый пароль ещё раз"),
    h("input", { id: "fresh-password-again", name: "again", type: "password", autocomplete: "new-password", required: true, maxlength: "128" }),
    h("button", { type: "submit" }, "Сменить пароль"),
    message);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    message.className = "error";
    if (!form.current.value) { message.textContent = "Поле «Текущий пароль»: введите текущий пароль"; return; }
    if (form.fresh.value !== form.again.value) {
      message.textContent = "Поле «Новый пароль ещё раз»: пароли не совпадают";
      return;
    }
    try {
      await post("/api/v1/me/password", { current_password: form.current.value, new_password: form.fresh.value });
      form.reset();
      message.className = "";
      message.textContent = "Пароль изменён. Сеансы на других устройствах завершены.";
    } catch (error) {
      message.textContent = error.message;
    }
  });
  return form;
}

async function showSessions(section) {
  let list;
  try {
    list = (await get("/api/v1/me/sessions")).sessions;
  } catch (error) {
    section.replaceChildren(h("h3", { id: "sessions-title" }, "Сеансы"), failure(error));
    return;
  }
  const others = list.filter((session) => !session.current);
  const status = h("p", { role: "status" });
  const endOthers = h("button", { type: "button", disabled: others.length === 0 }, "Завершить все остальные");
  endOthers.addEventListener("click", async () => {
    let ended = 0;
    for (const session of others) {
      try { ended += (await del(`/api/v1/me/sessions/${encodeURIComponent(session.id)}`)).ended; } catch { /* already gone */ }
    }
    await showSessions(section);
    section.querySelector("[role=status]").textContent = `Завершено: ${countOf(ended, WORDS.session)}.`;
  });
  section.replaceChildren(
    h("h3", { id: "sessions-title" }, "Сеансы"),
    h("p", { class: "muted" }, `Вы вошли на ${countOf(list.length, ["устройстве", "устройствах", "устройствах"])}.`),
    h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-labelledby": "sessions-title" },
      h("table", { class: "members" },
        h("thead", {}, h("tr", {}, ["Устройство", "Адрес", "Вход", "Последнее действие", "Действие"]
          .map((text) => h("th", { scope: "col" }, text)))),
        h("tbody", {}, list.map((session) => h("tr", {},
          h("td", {}, session.user_agent || "неизвестно"),
          h("td", {}, session.address || "—"),
          h("td", {}, formatDateTime(session.create_time)),
          h("td", {}, formatDateTime(session.last_use_time)),
          h("td", {}, session.current ? "этот сеанс" : endButton(session, section))))))),
    endOthers, status,
  );
}

function endButton(session, section) {
  const button = h("button", { type: "button", class: "secondary small" }, "Завершить");
  button.setAttribute("aria-label", `Завершить сеанс: ${session.user_agent || "неизвестное устройство"}`);
  button.addEventListener("click", async () => {
    try { await del(`/api/v1/me/sessions/${encodeURIComponent(session.id)}`); } catch { /* already gone */ }
    await showSessions(section);
  });
  return button;
}
