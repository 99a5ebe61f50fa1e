// Everyone's own account: who they are, the password, and the sessions on
// other devices (end one, or all the others).
import { del, get, post } from "../api.js";
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
  );
  await showSessions(sessions);
  return null;
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
