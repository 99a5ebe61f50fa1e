// The diary of a student (for the student and their parents; phone first):
// the week's marks and absences by day, and the period's marks by subject
// with weighted averages. A parent switches between children here.
import { ApiError, get } from "../api.js";
import { h, heading, show } from "../dom.js";
import {
  ABSENCES, WORDS, WORK_TYPES, countOf, formatDayMonth, formatDecimal, formatWeekdayDate, isoDay, markText, parseDay,
} from "../i18n.js";

const PERIOD_KEY = "ezh.diary-period";

function mondayOf(date) {
  const monday = new Date(date.getFullYear(), date.getMonth(), date.getDate());
  monday.setDate(monday.getDate() - ((monday.getDay() + 6) % 7));
  return monday;
}

function addDays(date, days) {
  const next = new Date(date);
  next.setDate(next.getDate() + days);
  return next;
}

export async function render(view, context, { studentId, periodId }) {
  const { me } = context;
  const children = me.children || [];
  const self = context.hasRole("student") && me.person.id === studentId;
  const child = children.find((item) => item.id === studentId);
  const name = self ? "Мой дневник" : child ? `Дневник: ${child.full_name}` : "Дневник";
  // The period: from the address, else the one opened last.
  const period = periodId || localStorage.getItem(PERIOD_KEY);
  if (periodId) localStorage.setItem(PERIOD_KEY, periodId);
  const switcher = children.length > 1 ? h("nav", { class: "children", "aria-label": "Дети" },
    h("ul", {}, children.map((item) => h("li", {}, h("a", {
      href: `#/diary/${item.id}${period ? `/${period}` : ""}`,
      "aria-current": item.id === studentId ? "page" : null,
    }, item.full_name.split(" ").slice(0, 2).join(" "), item.class_name ? `, ${item.class_name}` : ""))))) : null;
  document.title = `${name} — Электронный журнал`;
  if (!period) {
    show(view, heading(name), switcher || "",
      h("p", { role: "alert" }, "Учебный период не выбран: откройте дневник по ссылке из журнала школы."));
    return null;
  }
  let data;
  try {
    data = await get(`/api/v1/students/${studentId}/marks?period_id=${encodeURIComponent(period)}`);
  } catch (error) {
    if (error instanceof ApiError && error.problem.field === "period_id") localStorage.removeItem(PERIOD_KEY);
    const polite = error instanceof ApiError && (error.status === 404 || error.status === 403)
      ? "Этот дневник вам недоступен: можно открыть только дневник своего ребёнка (или свой). "
        + "Проверьте ссылку или выберите ребёнка в меню."
      : error.message;
    show(view, heading("Дневник"), switcher || "", h("p", { class: "error", role: "alert" }, polite),
      h("p", {}, h("a", { href: "#/" }, "На главную")));
    return null;
  }
  localStorage.setItem(PERIOD_KEY, data.period.id);
  const today = new Date();
  const end = parseDay(data.period.end_date);
  let monday = mondayOf(today > end ? end : today);
  const week = h("section", { class: "week", "aria-labelledby": "week-title" });
  const drawWeek = () => week.replaceChildren(...weekView(data, monday, (step) => {
    monday = addDays(monday, 7 * step);
    drawWeek();
    week.querySelector("h3").focus();
  }));
  drawWeek();
  show(view, 
    heading(name), switcher || "",
    h("p", { class: "muted" }, `${data.period.title}: ${formatDayMonth(data.period.start_date)} — `
      + `${formatDayMonth(data.period.end_date)}`),
    week,
    subjectsView(data),
  );
  return null;
}

function weekView(data, monday, move) {
  const days = [];
  for (let offset = 0; offset < 6; offset += 1) {
    const day = isoDay(addDays(monday, offset));
    const items = [];
    for (const subject of data.subjects) {
      const marks = subject.marks.filter((mark) => mark.date === day);
      const absences = subject.absences.filter((absence) => absence.date === day);
      if (!marks.length && !absences.length) continue;
      items.push(h("li", {},
        h("span", { class: "subject" }, subject.subject.name),
        absences.map((absence) => h("span", { class: "absence", title: ABSENCES[absence.kind].title },
          ABSENCES[absence.kind].letter)),
        marks.map((mark) => h("span", { class: `mark mark-${mark.value}`, title: WORK_TYPES[mark.work_type] || mark.work_type },
          markText(mark.value)))));
    }
    days.push(h("li", { class: "day" }, h("h4", {}, formatWeekdayDate(day)),
      items.length ? h("ul", { class: "day-items" }, items) : h("p", { class: "muted" }, "Нет отметок и пропусков")));
  }
  const saturday = isoDay(addDays(monday, 5));
  return [
    h("h3", { id: "week-title", tabindex: "-1" }, `Неделя ${formatDayMonth(isoDay(monday))} — ${formatDayMonth(saturday)}`),
    h("div", { class: "week-nav" },
      h("button", { type: "button", onclick: () => move(-1) }, "← Предыдущая"),
      h("button", { type: "button", onclick: () => move(1) }, "Следующая →")),
    h("ol", { class: "days" }, days),
  ];
}

function subjectsView(data) {
  const rows = data.subjects.map((subject) => {
    const missed = subject.absences.filter((absence) => absence.kind !== "late").length;
    return h("tr", {},
      h("th", { scope: "row" }, subject.subject.name),
      h("td", { class: "marks" }, subject.marks.length
        ? subject.marks.map((mark) => h("span", {
          class: `mark mark-${mark.value}`, title: `${formatDayMonth(mark.date)}: ${WORK_TYPES[mark.work_type] || mark.work_type}`,
        }, markText(mark.value)))
        : h("span", { class: "muted" }, "нет")),
      h("td", { class: "num average", "data-label": "средний" }, formatDecimal(subject.average)),
      h("td", { class: "num", "data-label": "пропуски:" }, missed ? countOf(missed, WORDS.absence) : "нет"));
  });
  return h("section", { "aria-labelledby": "subjects-title" },
    h("h3", { id: "subjects-title" }, "Отметки по предметам"),
    h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-labelledby": "subjects-title" }, h("table", { class: "subjects" },
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Предмет"), h("th", { scope: "col" }, "Отметки"),
        h("th", { scope: "col" }, "Средний балл"), h("th", { scope: "col" }, "Пропуски"))),
      h("tbody", {}, rows))));
}
