// The diary of a student (for the student and their parents; phone first):
// the week's marks and absences by day, and the period's marks by subject
// with weighted averages. A parent switches between children here.
import { ApiError, get } from "../api.js";
import { h, heading, show } from "../dom.js";
import {
  ABSENCES, WORDS, WORK_TYPES, countOf, formatDayMonth, formatDecimal, formatWeekdayDate, isoDay, markText, parseDay,
} from "../i18n.js";
import { choosePeriod, currentPeriod, periodSwitcher } from "../periods.js";

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
  if (!me.school && context.hasRole("district_operator")) {
    // The journal shows a diary to the student, their parents and the school's staff only.
    document.title = "Дневник — Электронный журнал";
    show(view, heading("Дневник"), h("p", { role: "note" },
      "Дневник ученика открывают сам ученик, его родители и сотрудники школы. Оператору района доступны "),
    h("ul", { class: "links" }, h("li", {}, h("a", { href: "#/reports" }, "отчёты по району и школам")),
      h("li", {}, h("a", { href: "#/schools" }, "школы района"))));
    return null;
  }
  const children = me.children || [];
  const self = context.hasRole("student") && me.person.id === studentId;
  const child = children.find((item) => item.id === studentId);
  const name = self ? "Мой дневник" : child ? `Дневник: ${child.full_name}` : "Дневник";
  // The period: from the address, else the quarter (trimester) of today in the student's school.
  const schoolId = (child && child.school_id) || (me.school && me.school.id) || null;
  let periods = [];
  let period = periodId;
  try {
    const chosen = await choosePeriod(periodId, schoolId);
    periods = chosen.periods;
    period = chosen.period ? chosen.period.id : periodId;
  } catch {
    // No list of periods: the diary still shows the week, and the period of the address if any.
  }
  const switcher = children.length > 1 ? h("nav", { class: "children", "aria-label": "Дети" },
    h("ul", {}, children.map((item) => h("li", {}, h("a", {
      href: `#/diary/${item.id}${period && item.school_id === schoolId ? `/${period}` : ""}`,
      "aria-current": item.id === studentId ? "page" : null,
    }, item.full_name.split(" ").slice(0, 2).join(" "), item.class_name ? `, ${item.class_name}` : ""))))) : null;
  document.title = `${name} — Электронный журнал`;
  const today = new Date();
  const marksOf = (id) => get(`/api/v1/students/${studentId}/marks?period_id=${encodeURIComponent(id)}`);
  let data = null;
  try {
    data = period ? await marksOf(period) : null;
  } catch (error) {
    const fallback = periods.length ? currentPeriod(periods) : null;
    if (error instanceof ApiError && error.problem.field === "period_id") {
      // A period of another school (or gone): the current one of this student's school instead.
      try { data = fallback && fallback.id !== period ? await marksOf(fallback.id) : null; } catch { data = null; }
    } else {
      show(view, heading("Дневник"), switcher, refusal(error), h("p", {}, h("a", { href: "#/" }, "На главную")));
      return null;
    }
  }
  const chooser = periods.length ? periodSwitcher(periods, data ? data.period.id : period, (id) => {
    location.hash = `#/diary/${studentId}/${id}`;
  }) : null;
  const end = data ? parseDay(data.period.end_date) : null;
  let monday = mondayOf(end && today > end ? end : today);
  const week = h("section", { class: "week", "aria-labelledby": "week-title" });
  const drawWeek = async (focus) => {
    let lessons;
    try {
      const query = self ? "" : `&student_id=${encodeURIComponent(studentId)}`;
      lessons = (await get(`/api/v1/schedule/my-week?date=${isoDay(monday)}${query}`)).lessons;
    } catch (error) {
      if (error instanceof ApiError && (error.status === 404 || error.status === 403)) {
        show(view, heading("Дневник"), switcher, refusal(error), h("p", {}, h("a", { href: "#/" }, "На главную")));
        return;
      }
      lessons = null;
    }
    week.replaceChildren(...weekView(data, lessons, monday, (step) => {
      monday = addDays(monday, 7 * step);
      drawWeek(true);
    }));
    if (focus) week.querySelector("h3").focus();
    if (lessons) fillHomework(week, lessons);
  };
  show(view,
    heading(name), switcher, chooser,
    data ? h("p", { class: "muted" }, `${data.period.title}: ${formatDayMonth(data.period.start_date)} — `
      + `${formatDayMonth(data.period.end_date)}`) : null,
    week,
    data ? subjectsView(data)
      : h("p", { role: "note" }, "Отметки за период недоступны: учебные периоды школы не найдены."),
  );
  await drawWeek(false);
  return null;
}

function refusal(error) {
  const polite = error instanceof ApiError && (error.status === 404 || error.status === 403)
    ? "Этот дневник вам недоступен: можно открыть только дневник своего ребёнка (или свой). "
      + "Проверьте ссылку или выберите ребёнка в меню."
    : error.message;
  return h("p", { class: "error", role: "alert" }, polite);
}

// Each lesson's homework, filled in as it arrives.
function fillHomework(week, lessons) {
  for (const lesson of lessons) {
    const slot = week.querySelector(`[data-homework="${lesson.lesson_id}"]`);
    if (!slot) continue;
    get(`/api/v1/journal/lessons/${lesson.lesson_id}/homework`).then((homework) => {
      if (!homework.text && !(homework.attachments || []).length) return;
      show(slot, h("span", { class: "label" }, "Д/з: "), homework.text,
        homework.due_date ? h("span", { class: "muted" }, ` (к ${formatDayMonth(homework.due_date)})`) : null,
        (homework.attachments || []).map((file) => [" ", h("a", {
          href: `/api/v1/journal/homework/attachments/${file.id}`,
        }, file.file_name)]));
      slot.hidden = false;
    }).catch(() => { /* no homework shown for this lesson */ });
  }
}

function weekView(data, lessons, monday, move) {
  const marksOf = new Map();
  for (const subject of data ? data.subjects : []) {
    for (const mark of subject.marks) {
      if (!marksOf.has(mark.lesson_id)) marksOf.set(mark.lesson_id, { marks: [], absences: [] });
      marksOf.get(mark.lesson_id).marks.push(mark);
    }
    for (const absence of subject.absences) {
      if (!marksOf.has(absence.lesson_id)) marksOf.set(absence.lesson_id, { marks: [], absences: [] });
      marksOf.get(absence.lesson_id).absences.push(absence);
    }
  }
  const days = [];
  for (let offset = 0; offset < 6; offset += 1) {
    const day = isoDay(addDays(monday, offset));
    const items = (lessons || []).filter((lesson) => lesson.date === day).sort((a, b) => a.slot - b.slot)
      .map((lesson) => {
        const entries = marksOf.get(lesson.lesson_id) || { marks: [], absences: [] };
        return h("li", { class: lesson.status === "cancelled" ? "cancelled" : null },
          h("span", { class: "time" }, `${lesson.slot}. ${lesson.start_time}`),
          h("span", { class: "subject" }, lesson.subject_name,
            lesson.room_name ? h("span", { class: "muted" }, `, каб. ${lesson.room_name}`) : null,
            lesson.status === "cancelled" ? h("strong", {}, ` — отменён${lesson.reason ? `: ${lesson.reason}` : ""}`) : null,
            lesson.substituted ? h("span", { class: "muted" }, ` — замена: ${lesson.teacher_name}`) : null),
          entries.absences.map((absence) => h("span", { class: "absence", title: ABSENCES[absence.kind].title },
            ABSENCES[absence.kind].letter)),
          entries.marks.map((mark) => h("span", {
            class: `mark mark-${mark.value}`, title: WORK_TYPES[mark.work_type] || mark.work_type,
          }, markText(mark.value))),
          h("p", { class: "homework", hidden: true, dataset: { homework: lesson.lesson_id } }));
      });
    days.push(h("li", { class: "day" }, h("h4", {}, formatWeekdayDate(day)),
      items.length ? h("ol", { class: "day-items" }, items)
        : h("p", { class: "muted" }, lessons ? "Уроков нет" : "Расписание недоступно")));
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
      h("td", { class: "num", "data-label": "итоговая:" }, (subject.final_marks || []).map((mark) => mark.value_title).join(", ") || "—"),
      h("td", { class: "num", "data-label": "пропуски:" }, missed ? countOf(missed, WORDS.absence) : "нет"));
  });
  return h("section", { "aria-labelledby": "subjects-title" },
    h("h3", { id: "subjects-title" }, "Отметки по предметам"),
    h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-labelledby": "subjects-title" }, h("table", { class: "subjects" },
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Предмет"), h("th", { scope: "col" }, "Отметки"),
        h("th", { scope: "col" }, "Средний балл"), h("th", { scope: "col" }, "Итоговая"), h("th", { scope: "col" }, "Пропуски"))),
      h("tbody", {}, rows))));
}
