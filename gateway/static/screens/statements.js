// Weekly paper statements (J7): the class teacher's students whose parents
// declined electronic access, and for a chosen week each student's PDF
// statement (marks, absences, homework) to print and hand over.
import { get } from "../api.js";
import { failure, h, heading, show } from "../dom.js";
import { WORDS, countOf, formatDayMonth, isoDay } from "../i18n.js";

function mondayOf(date) {
  const monday = new Date(date.getFullYear(), date.getMonth(), date.getDate());
  monday.setDate(monday.getDate() - ((monday.getDay() + 6) % 7));
  return monday;
}

export async function render(view, context, params) {
  document.title = "Бумажные выписки — Электронный журнал";
  const classId = params.classId;
  let students;
  try {
    students = (await get(`/api/v1/classes/${classId}/offline-students`)).students;
  } catch (error) {
    show(view, heading("Бумажные выписки"), failure(error));
    return null;
  }
  const monday = mondayOf(new Date());
  monday.setDate(monday.getDate() - 7);  // the week just ended: the one to print
  const week = h("section", { "aria-labelledby": "statements-week" });
  const draw = (focus) => {
    const start = isoDay(monday);
    const saturday = new Date(monday);
    saturday.setDate(saturday.getDate() + 5);
    const move = (step) => { monday.setDate(monday.getDate() + 7 * step); draw(true); };
    show(week,
      h("h3", { id: "statements-week", tabindex: "-1" },
        `Неделя ${formatDayMonth(start)} — ${formatDayMonth(isoDay(saturday))}`),
      h("div", { class: "week-nav" },
        h("button", { type: "button", onclick: () => move(-1) }, "← Предыдущая неделя"),
        h("button", { type: "button", onclick: () => move(1) }, "Следующая неделя →")),
      h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-labelledby": "statements-week" },
        h("table", { class: "members statements" },
          h("thead", {}, h("tr", {}, ["Ученик", "Родители (на бумаге)", "Выписка"].map((text) => h("th", { scope: "col" }, text)))),
          h("tbody", {}, students.map((student) => h("tr", { dataset: { id: student.student_id } },
            h("th", { scope: "row" }, student.student_name),
            h("td", {}, student.guardian_names.join(", ")),
            h("td", {}, h("a", {
              href: `/api/v1/students/${student.student_id}/weekly-statement?week_start=${start}`,
              download: "", "aria-label": `Скачать PDF: ${student.student_name}, неделя с ${formatDayMonth(start)}`,
            }, "Скачать PDF"))))))));
    if (focus) week.querySelector("h3").focus();
  };
  if (students.length) draw(false);
  show(view, heading("Бумажные выписки за неделю"),
    h("p", {}, students.length
      ? `В списке ${countOf(students.length, WORDS.student)}: их родители не пользуются электронным журналом и раз в неделю получают бумажную выписку с отметками, пропусками и домашними заданиями.`
      : "Все родители класса пользуются электронным журналом: бумажные выписки не нужны."),
    students.length ? week : null,
    h("p", {}, h("a", { href: `#/class/${classId}` }, "← К классу")));
  return null;
}
