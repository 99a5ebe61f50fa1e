// The district operator's schools: open a school and name its journal
// administrator, who gets an activation code to print; choose the school
// whose class pages the operator opens (their study periods).
import { post } from "../api.js";
import { failure, h, heading, show } from "../dom.js";
import { formatDateTime } from "../i18n.js";
import { showSlips } from "../slips.js";
import { listSchools, rememberSchool, rememberedSchool } from "../periods.js";

export async function render(view) {
  document.title = "Школы района — Электронный журнал";
  const listing = h("div", {});
  const slips = h("section", { class: "slips-block", hidden: true });
  const status = h("p", { role: "status" });
  const load = async () => {
    let schools;
    try {
      schools = await listSchools();
    } catch (error) {
      listing.replaceChildren(failure(error));
      return;
    }
    listing.replaceChildren(h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Школы района" },
      h("table", { class: "members schools" },
        h("thead", {}, h("tr", {}, ["Школа", "Краткое название", "Открыта", "Код действует, дней", "Второй фактор", "Администратор", "Просмотр"]
          .map((text) => h("th", { scope: "col" }, text)))),
        h("tbody", {}, schools.map((school) => h("tr", {},
          h("th", { scope: "row" }, school.name), h("td", {}, school.short_name), h("td", {}, formatDateTime(school.create_time)),
          h("td", {}, String(school.code_lifetime_days)), h("td", {}, school.staff_totp_required ? "обязателен" : "по желанию"),
          h("td", {}, adminForm(school, { slips, status })), h("td", {}, viewButton(school, status))))))));
  };
  show(view, h("div", { class: "no-print" }, heading("Школы района"), status, listing, newSchoolForm(load)), slips);
  await load();
  return null;
}

// The school whose class pages the operator opens (pressed: the chosen one).
function viewButton(school, status) {
  const title = school.short_name || school.name;
  const button = h("button", {
    type: "button", class: "secondary small view-school", "aria-label": `Смотреть классы: ${title}`,
    "aria-pressed": String((rememberedSchool() || {}).id === school.id),
  }, "Смотреть классы");
  button.addEventListener("click", () => {
    rememberSchool(school);
    for (const other of document.querySelectorAll("button.view-school")) other.setAttribute("aria-pressed", "false");
    button.setAttribute("aria-pressed", "true");
    status.textContent = `Страницы классов открываются в школе: ${title}.`;
  });
  return button;
}

function adminForm(school, { slips, status }) {
  const id = `admin-${school.id}`;
  const name = h("input", { id, maxlength: "300", placeholder: "Фамилия Имя Отчество" });
  const add = h("button", { type: "button", class: "secondary small" }, "Назначить и выдать код");
  add.setAttribute("aria-label", `Назначить и выдать код: ${school.short_name || school.name}`);
  add.addEventListener("click", async () => {
    const [last, first, ...middle] = name.value.trim().split(/\s+/);
    if (!last || !first) { status.textContent = `Поле «ФИО администратора» (${school.short_name}): укажите фамилию и имя`; return; }
    try {
      const person = await post("/api/v1/staff", {
        school_id: school.id, last_name: last, first_name: first, middle_name: middle.join(" "),
        roles: [{ role: "administrator" }], request_id: crypto.randomUUID(),
      });
      showSlips(slips, [await post(`/api/v1/people/${person.id}/activation-codes`, { role: "administrator" })]);
      name.value = "";
      status.textContent = `${person.full_name} назначен(а) администратором: ${school.short_name || school.name}.`;
    } catch (error) { status.textContent = error.message; }
  });
  return h("div", { class: "actions" }, h("label", { for: id, class: "visually-hidden" }, `ФИО администратора: ${school.name}`),
    name, add);
}

function newSchoolForm(reload) {
  const error = h("p", { class: "error", role: "alert", hidden: true });
  const form = h("form", { id: "new-school", class: "narrow", novalidate: true },
    h("h3", {}, "Новая школа"),
    h("label", { for: "new-school-name" }, "Полное название"), h("input", { id: "new-school-name", name: "name", maxlength: "200" }),
    h("label", { for: "new-school-short" }, "Краткое название"), h("input", { id: "new-school-short", name: "short", maxlength: "60" }),
    h("button", { type: "submit" }, "Открыть школу"), error);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!form.name.value.trim()) { error.textContent = "Поле «Полное название»: обязательное поле"; error.hidden = false; return; }
    try {
      await post("/api/v1/schools", { name: form.name.value.trim(), short_name: form.short.value.trim(),
        request_id: crypto.randomUUID() });
      form.reset();
      error.hidden = true;
      await reload();
    } catch (failed) { error.textContent = failed.message; error.hidden = false; }
  });
  return form;
}
