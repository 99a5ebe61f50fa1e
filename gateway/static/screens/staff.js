// The school's staff with roles and accounts (administration reads; the
// administrator adds people, changes roles and issues staff activation codes).
import { del, get, post } from "../api.js";
import { failure, h, heading, show } from "../dom.js";
import { ROLE_TITLES, WORDS, countOf, formatDate, formatDateTime } from "../i18n.js";
import { showSlips } from "../slips.js";

// Roles the administrator grants here; the class teacher's comes with a class.
const STAFF_ROLES = ["subject_teacher", "deputy_director", "director", "administrator"];

export async function render(view, context) {
  document.title = "Сотрудники — Электронный журнал";
  const manager = context.hasRole("administrator");
  const slips = h("section", { class: "slips-block", hidden: true });
  const status = h("p", { role: "status", class: "save-status" });
  const listing = h("div", {});
  const state = { view, manager, slips, status, listing };
  show(view, 
    h("div", { class: "no-print" }, heading("Сотрудники школы"), status, listing, manager ? newStaffForm(state) : null,
      manager && context.me.school ? rosterChanges(context.me.school.id) : null, manager ? signInLog() : null),
    slips,
  );
  await showStaff(state);
  return null;
}

async function showStaff(state) {
  let people = [];
  try {
    let token = "";
    do {
      const page = await get(`/api/v1/staff?page_size=200${token ? `&page_token=${encodeURIComponent(token)}` : ""}`);
      people = people.concat(page.people);
      token = page.next_page_token;
    } while (token);
  } catch (error) {
    state.listing.replaceChildren(failure(error));
    return;
  }
  const accountOf = (person) => {
    if (person.blocked) return "заблокирован";
    if (person.login) return `логин ${person.login}`;
    return "вход не настроен";
  };
  state.listing.replaceChildren(
    h("p", { class: "muted" }, countOf(people.length, ["сотрудник", "сотрудника", "сотрудников"])),
    h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Сотрудники" },
      h("table", { class: "members" },
        h("thead", {}, h("tr", {}, ["ФИО", "Роли", "Учётная запись", state.manager ? "Действия" : null]
          .filter(Boolean).map((text) => h("th", { scope: "col" }, text)))),
        h("tbody", {}, people.map((person) => h("tr", {},
          h("th", { scope: "row" }, person.full_name),
          h("td", {}, h("ul", { class: "roles" }, person.roles.map((grant) => h("li", {},
            ROLE_TITLES[grant.role] || grant.title,
            state.manager && person.roles.length > 1 ? removeRoleButton(state, person, grant) : null)))),
          h("td", {}, accountOf(person), person.activate_time ? h("br") : null,
            person.activate_time ? h("span", { class: "muted" }, `с ${formatDateTime(person.activate_time)}`) : null),
          state.manager ? h("td", {}, actions(state, person)) : null))))),
  );
}

function actions(state, person) {
  const code = h("button", { type: "button", class: "secondary small" }, "Выдать код");
  code.setAttribute("aria-label", `Выдать код активации: ${person.full_name}`);
  code.addEventListener("click", async () => {
    const role = (person.roles.find((grant) => grant.role !== "class_teacher") || person.roles[0]).role;
    try {
      const slip = await post(`/api/v1/people/${person.id}/activation-codes`, { role });
      state.status.textContent = `Код для ${person.full_name} выдан.`;
      showSlips(state.slips, [slip]);
    } catch (error) {
      state.status.textContent = error.message;
    }
  });
  const missing = STAFF_ROLES.filter((role) => !person.roles.some((grant) => grant.role === role));
  const first = person.login ? null : code;  // a code only until the person has signed in
  if (!missing.length) return first;
  const selectId = `add-role-${person.id}`;
  const select = h("select", { id: selectId }, missing.map((role) => h("option", { value: role }, ROLE_TITLES[role])));
  const add = h("button", { type: "button", class: "secondary small" }, "Добавить роль");
  add.setAttribute("aria-label", `Добавить роль: ${person.full_name}`);
  add.addEventListener("click", async () => {
    try {
      await post(`/api/v1/people/${person.id}/roles`, { role: select.value });
      state.status.textContent = `${person.full_name}: роль «${ROLE_TITLES[select.value]}» добавлена.`;
      await showStaff(state);
    } catch (error) {
      state.status.textContent = error.message;
    }
  });
  return h("div", { class: "actions" }, first,
    h("label", { for: selectId, class: "visually-hidden" }, `Роль для ${person.full_name}`), select, add);
}

function removeRoleButton(state, person, grant) {
  const button = h("button", { type: "button", class: "link remove" }, "×");
  const title = ROLE_TITLES[grant.role] || grant.title;
  button.setAttribute("aria-label", `Снять роль «${title}»: ${person.full_name}`);
  button.addEventListener("click", async () => {
    const query = grant.class_id ? `?class_id=${grant.class_id}` : "";
    try {
      await del(`/api/v1/people/${person.id}/roles/${grant.role}${query}`);
      state.status.textContent = `${person.full_name}: роль «${title}» снята.`;
      await showStaff(state);
    } catch (error) {
      state.status.textContent = error.message;
    }
  });
  return button;
}

function newStaffForm(state) {
  const error = h("p", { class: "error", role: "alert", hidden: true });
  const form = h("form", { id: "new-staff", class: "narrow", novalidate: true },
    h("h3", {}, "Новый сотрудник"),
    h("label", { for: "staff-last" }, "Фамилия"), h("input", { id: "staff-last", name: "last", required: true, maxlength: "100" }),
    h("label", { for: "staff-first" }, "Имя"), h("input", { id: "staff-first", name: "first", required: true, maxlength: "100" }),
    h("label", { for: "staff-middle" }, "Отчество"), h("input", { id: "staff-middle", name: "middle", maxlength: "100" }),
    h("fieldset", {}, h("legend", {}, "Роли"), STAFF_ROLES.map((role) => h("label", { class: "inline" },
      h("input", { type: "checkbox", name: "role", value: role, checked: role === "subject_teacher" }), ` ${ROLE_TITLES[role]}`))),
    h("button", { type: "submit" }, "Добавить и выдать код"),
    error);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const show = (text) => { error.textContent = text; error.hidden = false; };
    const roles = [...form.querySelectorAll("input[name=role]:checked")].map((box) => ({ role: box.value }));
    if (!form.last.value.trim()) { show("Поле «Фамилия»: обязательное поле"); return; }
    if (!form.first.value.trim()) { show("Поле «Имя»: обязательное поле"); return; }
    if (!roles.length) { show("Поле «Роли»: выберите хотя бы одну роль"); return; }
    try {
      const person = await post("/api/v1/staff", {
        last_name: form.last.value.trim(), first_name: form.first.value.trim(), middle_name: form.middle.value.trim(),
        roles, request_id: crypto.randomUUID(),
      });
      const slip = await post(`/api/v1/people/${person.id}/activation-codes`, { role: roles[0].role });
      form.reset();
      error.hidden = true;
      state.status.textContent = `${person.full_name} добавлен(а), код выдан.`;
      showSlips(state.slips, [slip]);
      await showStaff(state);
    } catch (failure) {
      show(failure.message);
    }
  });
  return form;
}

// Who signed in (or failed to) and from where: the newest first (A4).
function signInLog() {
  const section = h("section", { "aria-labelledby": "sign-ins-title" }, h("h3", { id: "sign-ins-title" }, "Журнал входов"));
  get("/api/v1/sign-ins?page_size=50").then((page) => {
    section.append(h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-labelledby": "sign-ins-title" },
      h("table", { class: "members sign-ins" },
        h("thead", {}, h("tr", {}, ["Когда", "Логин", "ФИО", "Итог", "Адрес", "Устройство"]
          .map((text) => h("th", { scope: "col" }, text)))),
        h("tbody", {}, page.sign_ins.map((item) => h("tr", { class: item.succeeded ? null : "failed-sign-in" },
          h("td", {}, formatDateTime(item.time)), h("td", {}, item.login), h("td", {}, item.full_name || "—"),
          h("td", {}, item.succeeded ? "вход" : "отказ"), h("td", {}, item.address || "—"),
          h("td", { class: "agent" }, item.user_agent || "—")))))));
  }).catch((error) => section.append(failure(error)));
  return section;
}

// Arrivals and departures asked for by class teachers, carried out here (4.3.6).
function rosterChanges(schoolId) {
  const section = h("section", { "aria-labelledby": "roster-admin-title" },
    h("h3", { id: "roster-admin-title" }, "Прибытие и выбытие учеников"));
  const list = h("div", {});
  const load = async () => {
    try {
      const changes = (await get(`/api/v1/journal/schools/${schoolId}/roster-changes?status=requested`)).changes;
      list.replaceChildren(changes.length ? h("ul", { class: "roster" }, changes.map((change) => {
        const status = h("span", { role: "status" });
        const carry = h("button", { type: "button", class: "small" }, "Провести");
        carry.setAttribute("aria-label", `Провести: ${change.student_name}`);
        carry.addEventListener("click", async () => {
          try {
            await post(`/api/v1/journal/roster-changes/${change.id}/carry-out`, {});
            status.textContent = " проведено";
            carry.remove();
          } catch (error) { status.textContent = ` ${error.message}`; }
        });
        return h("li", {}, `${change.kind === "arrival" ? "Прибытие" : "Выбытие"}: ${change.student_name}, `
          + `с ${formatDate(change.date)}${change.note ? ` (${change.note})` : ""} `, carry, status);
      })) : h("p", { class: "muted" }, "Заявок нет."));
    } catch (error) { list.replaceChildren(failure(error)); }
  };
  load();
  section.append(list);
  return section;
}
