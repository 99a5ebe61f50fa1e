// The first screen after sign-in: what this person can open, by role.
import { h, heading, show } from "../dom.js";
import { formatWeekdayDate, isoDay, ROLE_TITLES } from "../i18n.js";
import { get } from "../api.js";
import { recentJournals } from "./journal.js";
import { lessonItem } from "./lessons.js";
import { listPeriods } from "../periods.js";

export function render(view, context) {
  const { me } = context;
  const today = formatWeekdayDate(isoDay(new Date()));
  const cards = [];
  const children = me.children || [];
  if (children.length) {
    cards.push(card("Дети", h("ul", { class: "links" }, children.map((child) => h("li", {},
      h("a", { href: `#/diary/${child.id}` }, child.full_name),
      child.class_name ? h("span", { class: "muted" }, `, ${child.class_name} класс`) : null)))));
  }
  if (context.hasRole("student")) {
    cards.push(card("Дневник", h("p", {}, h("a", { href: `#/diary/${me.person.id}` }, "Отметки и пропуски"))));
  }
  for (const grant of me.roles) {
    if (grant.role === "class_teacher" && grant.class_id) {
      cards.push(card("Классное руководство", h("p", {},
        h("a", { href: `#/class/${grant.class_id}` }, "Ученики, родители и коды активации"))));
    }
  }
  if (context.hasRole("subject_teacher")) {
    const todayList = h("div", {}, h("p", { class: "muted" }, "Загрузка…"));
    cards.unshift(card("Уроки сегодня", todayList, h("p", {}, h("a", { href: "#/lessons" }, "Все уроки недели"))));
    Promise.all([get(`/api/v1/schedule/my-week?date=${isoDay(new Date())}`), listPeriods().catch(() => [])]).then(([week, periods]) => {
      const lessons = week.lessons.filter((lesson) => lesson.date === isoDay(new Date())).sort((a, b) => a.slot - b.slot);
      todayList.replaceChildren(lessons.length ? h("ol", { class: "day-items" }, lessons.map((lesson) => lessonItem(lesson, periods)))
        : h("p", { class: "muted" }, "Сегодня уроков нет."));
    }).catch((error) => todayList.replaceChildren(h("p", { class: "error" }, error.message)));
  }
  if (context.hasRole("subject_teacher", "class_teacher")) {
    const recent = recentJournals();
    cards.push(card("Журналы", recent.length
      ? h("ul", { class: "links" }, recent.map((item) => h("li", {}, h("a", { href: item.hash }, item.title))))
      : h("p", { class: "muted" }, "Открытые вами страницы журнала появятся здесь.")));
  }
  if (context.hasRole("administrator", "director", "deputy_director")) {
    cards.push(card("Школа", h("p", {}, h("a", { href: "#/staff" }, "Сотрудники, роли и коды активации"))));
  }
  if (context.hasRole("district_operator")) {
    cards.push(card("Район", h("p", {}, h("a", { href: "#/schools" }, "Школы и их администраторы"))));
  }
  cards.push(card("Профиль", h("p", {}, h("a", { href: "#/profile" }, "Пароль и сеансы"))));
  show(view, 
    heading(`Здравствуйте, ${[me.person.first_name, me.person.middle_name].filter(Boolean).join(" ")}!`),
    h("p", { class: "muted" }, `Сегодня ${today}. ${me.roles.map((grant) => ROLE_TITLES[grant.role] || grant.title).join(", ")}.`),
    h("div", { class: "cards" }, cards),
  );
  document.title = "Электронный журнал";
}

function card(title, ...content) {
  return h("section", { class: "card" }, h("h3", {}, title), ...content);
}
