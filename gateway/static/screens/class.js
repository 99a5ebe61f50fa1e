// The class teacher's class: students and their parents, who has signed in,
// and activation codes issued for those who have not — printed as slips to
// cut and hand out (print CSS shows only the slips).
import { ApiError, get, post, put } from "../api.js";
import { failure, h, heading, show } from "../dom.js";
import { ABSENCES, WORDS, countOf, formatDateTime, formatDayMonth, formatDecimal, isoDay, markText } from "../i18n.js";
import { showSlips } from "../slips.js";
import { choosePeriod, periodSwitcher } from "../periods.js";
import { render as renderForDistrict } from "./district-class.js";

function mondayOf(date) {
  const monday = new Date(date.getFullYear(), date.getMonth(), date.getDate());
  monday.setDate(monday.getDate() - ((monday.getDay() + 6) % 7));
  return monday;
}

// All subjects' marks of the class in a period, read-only (J6).
async function overviewSection(classId, periodId, periods) {
  const section = h("section", { class: "no-print", "aria-labelledby": "overview-title" },
    h("h3", { id: "overview-title" }, "Успеваемость класса по всем предметам"));
  if (periods.length) {
    section.append(periodSwitcher(periods, periodId, (id) => { location.hash = `#/class/${classId}/${id}`; }));
  }
  if (!periodId) {
    section.append(h("p", { role: "note" }, "Учебный период не найден: учебные периоды школы не заданы."));
    return section;
  }
  let data;
  try {
    data = await get(`/api/v1/journal/classes/${classId}/marks-overview?period_id=${encodeURIComponent(periodId)}`);
  } catch (error) {
    section.append(failure(error));
    return section;
  }
  const bySubject = data.subjects.map((subject) => new Map(subject.students.map((row) => [row.student_id, row])));
  section.append(h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-labelledby": "overview-title" },
    h("table", { class: "members overview" },
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Ученик"),
        data.subjects.map((subject) => h("th", { scope: "col" },
          h("a", { href: `#/journal/${classId}/${subject.subject_id}/${periodId}` }, subject.subject_name))))),
      h("tbody", {}, data.students.map((student) => h("tr", {},
        h("th", { scope: "row" }, student.name),
        bySubject.map((rows) => {
          const row = rows.get(student.student_id);
          if (!row) return h("td", {}, "—");
          return h("td", { class: "num", title: row.marks.map(markText).join(" ") || "нет отметок" },
            formatDecimal(row.average), row.missed ? h("span", { class: "absence" }, ` ${row.missed}н`) : null);
        })))))));
  section.append(h("p", { class: "muted" }, "В клетке — средний балл; «н» — пропущено уроков. Наведите на клетку, чтобы увидеть отметки."));
  return section;
}

// The week's missed lessons per student, and the reconciliation with the subject teachers (J5).
function attendanceSection(classId, canReconcile) {
  let monday = mondayOf(new Date());
  const section = h("section", { class: "no-print", "aria-labelledby": "attendance-title" });
  const draw = async (focus) => {
    const week = isoDay(monday);
    let data;
    try {
      data = await get(`/api/v1/journal/classes/${classId}/attendance/week?week=${week}`);
    } catch (error) {
      section.replaceChildren(h("h3", { id: "attendance-title" }, "Посещаемость за неделю"), failure(error));
      return;
    }
    const saturday = new Date(monday);
    saturday.setDate(saturday.getDate() + 5);
    const status = h("p", { role: "status" });
    const reconcile = h("button", { type: "button" }, "Сверить неделю с учителями");
    reconcile.addEventListener("click", async () => {
      try {
        const result = await post(`/api/v1/journal/classes/${classId}/attendance/reconciliations`,
          { week, request_id: crypto.randomUUID() });
        const done = result.reconciliation || {};
        await draw(false);
        section.querySelector("[role=status]").textContent = `Неделя сверена: изменено ${countOf(done.changed_count || 0,
          WORDS.change)}, не решено ${done.unresolved_count || 0}.`;
      } catch (error) {
        status.textContent = error.message;
      }
    });
    const move = (step) => { monday.setDate(monday.getDate() + 7 * step); draw(true); };
    const missedTotal = data.students.reduce((sum, row) => sum + (row.missed || 0), 0);
    show(section,
      h("h3", { id: "attendance-title", tabindex: "-1" },
        `Посещаемость: ${formatDayMonth(week)} — ${formatDayMonth(isoDay(saturday))}`),
      h("div", { class: "week-nav" },
        h("button", { type: "button", onclick: () => move(-1) }, "← Предыдущая неделя"),
        h("button", { type: "button", onclick: () => move(1) }, "Следующая неделя →")),
      h("p", { class: "muted" }, `Всего за неделю: ${countOf(missedTotal, WORDS.absence)}.`),
      h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-labelledby": "attendance-title" },
        h("table", { class: "members attendance" },
          h("thead", {}, h("tr", {}, ["Ученик", "Пропущено", ABSENCES.unexcused.letter, ABSENCES.excused.letter,
            ABSENCES.ill.letter, ABSENCES.late.letter].map((text) => h("th", { scope: "col" }, text)))),
          h("tbody", {}, data.students.map((row) => h("tr", {},
            h("th", { scope: "row" }, row.student_name),
            h("td", {}, row.missed ? countOf(row.missed, WORDS.lesson) : "—"),
            h("td", {}, row.unexcused || ""), h("td", {}, row.excused || ""), h("td", {}, row.ill || ""),
            h("td", {}, row.late || "")))))),
      (data.differences || []).length ? h("div", {}, h("h4", {}, "Расхождения с учителями-предметниками"),
        h("ul", {}, data.differences.map((item) => h("li", {}, `${formatDayMonth(item.lesson_date)}: ${item.message}`))))
        : h("p", { class: "muted" }, "Расхождений с учителями-предметниками нет."),
      (data.reconciliations || []).map((item) => h("p", { class: "muted" },
        `Сверено ${formatDateTime(item.reconcile_time)}: изменено ${countOf(item.changed_count, WORDS.change)}.`)),
      canReconcile ? reconcile : null, status);
    if (focus) section.querySelector("h3").focus();
  };
  draw(false);
  return section;
}

// Open alerts about the class's students (falling averages, repeated
// absences): the class teacher records what was done (C3).
async function alertsSection(classId) {
  const section = h("section", { class: "no-print", "aria-labelledby": "alerts-title" },
    h("h3", { id: "alerts-title" }, "Тревожные сигналы"));
  let alerts;
  try {
    alerts = (await get(`/api/v1/alerts?class_id=${classId}&open_only=true&page_size=50`)).alerts;
  } catch (error) {
    section.append(failure(error));
    return section;
  }
  if (!alerts.length) {
    section.append(h("p", { class: "muted" }, "Открытых сигналов нет."));
    return section;
  }
  section.append(h("ol", { class: "inbox alerts" }, alerts.map((alert) => {
    const id = `alert-${alert.id}`;
    const action = h("input", { id, maxlength: "2000" });
    const status = h("p", { role: "status" });
    const save = h("button", { type: "button", class: "small" }, "Записать меры");
    save.setAttribute("aria-label", `Записать меры: ${alert.student_name}, ${alert.subject_name || ""}`);
    const item = h("li", { class: "unread", dataset: { id: alert.id } },
      h("h4", {}, alert.student_name, alert.subject_name ? `, ${alert.subject_name}` : ""),
      h("p", {}, alert.details),
      h("p", { class: "muted" }, formatDateTime(alert.create_time)),
      h("div", { class: "actions" }, h("label", { for: id }, "Принятые меры"), action, save), status);
    save.addEventListener("click", async () => {
      if (!action.value.trim()) { status.textContent = "Поле «Принятые меры»: опишите, что сделано"; return; }
      try {
        await put(`/api/v1/alerts/${alert.id}/action`, { action: action.value.trim() });
        item.className = "read";
        status.textContent = `Записано: ${action.value.trim()}`;
        save.disabled = true;
      } catch (error) { status.textContent = error.message; }
    });
    return item;
  })));
  return section;
}

const ROSTER_STATUS = { requested: "ждёт администратора", done: "проведено" };

// Arrivals and departures: the class teacher asks, the administrator carries them out (4.3.6).
function rosterSection(classId, schoolId, students) {
  const section = h("section", { class: "no-print", "aria-labelledby": "roster-title" },
    h("h3", { id: "roster-title" }, "Прибытие и выбытие"));
  const list = h("div", {});
  const load = async () => {
    try {
      const changes = (await get(`/api/v1/journal/schools/${schoolId}/roster-changes`)).changes
        .filter((change) => change.class_id === classId);
      list.replaceChildren(changes.length ? h("ul", { class: "roster" }, changes.map((change) => h("li", {},
        `${change.kind === "arrival" ? "Прибытие" : "Выбытие"}: ${change.student_name}, с ${formatDayMonth(change.date)}`,
        change.note ? ` (${change.note})` : "", ` — ${ROSTER_STATUS[change.status] || change.status}`)))
        : h("p", { class: "muted" }, "Заявок нет."));
    } catch (error) { list.replaceChildren(failure(error)); }
  };
  const error = h("p", { class: "error", role: "alert", hidden: true });
  const kind = h("select", { id: "roster-kind", name: "kind" },
    h("option", { value: "arrival" }, "Прибытие нового ученика"), h("option", { value: "departure" }, "Выбытие ученика"));
  const arrival = h("div", {},
    h("label", { for: "roster-last" }, "Фамилия"), h("input", { id: "roster-last", name: "last", maxlength: "100" }),
    h("label", { for: "roster-first" }, "Имя"), h("input", { id: "roster-first", name: "first", maxlength: "100" }),
    h("label", { for: "roster-middle" }, "Отчество"), h("input", { id: "roster-middle", name: "middle", maxlength: "100" }),
    h("label", { for: "roster-birth" }, "Дата рождения"), h("input", { id: "roster-birth", name: "birth", type: "date" }));
  const departure = h("div", { hidden: true },
    h("label", { for: "roster-student" }, "Ученик"),
    h("select", { id: "roster-student", name: "student" }, students.map((student) => h("option", { value: student.person_id },
      student.full_name))));
  kind.addEventListener("change", () => {
    arrival.hidden = kind.value !== "arrival";
    departure.hidden = kind.value !== "departure";
  });
  const form = h("form", { id: "roster-form", class: "narrow", novalidate: true },
    h("label", { for: "roster-kind" }, "Что"), kind, arrival, departure,
    h("label", { for: "roster-date" }, "С какого дня"), h("input", { id: "roster-date", name: "date", type: "date" }),
    h("label", { for: "roster-note" }, "Основание"), h("input", { id: "roster-note", name: "note", maxlength: "500" }),
    h("button", { type: "submit" }, "Отправить заявку администратору"), error);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const fail = (text) => { error.textContent = text; error.hidden = false; };
    if (!form.date.value) { fail("Поле «С какого дня»: укажите дату"); return; }
    const body = { kind: kind.value, date: form.date.value, note: form.note.value.trim(), request_id: crypto.randomUUID() };
    if (kind.value === "arrival") {
      if (!form.last.value.trim() || !form.first.value.trim()) { fail("Поля «Фамилия» и «Имя»: обязательные поля"); return; }
      body.new_student = { last_name: form.last.value.trim(), first_name: form.first.value.trim(),
        middle_name: form.middle.value.trim(), birth_date: form.birth.value };
    } else {
      body.student_id = form.student.value;
    }
    try {
      await post(`/api/v1/journal/classes/${classId}/roster-changes`, body);
      form.reset();
      arrival.hidden = false;
      departure.hidden = true;
      error.hidden = true;
      await load();
    } catch (failed) { fail(failed.message); }
  });
  load();
  section.append(list, form);
  return section;
}

export async function render(view, context, params) {
  if (!context.me.school && context.hasRole("district_operator")) return renderForDistrict(view, context, params);
  const { classId, periodId } = params;
  const grant = context.me.roles.find((item) => item.role === "class_teacher" && item.class_id === classId);
  let members;
  try {
    members = (await get(`/api/v1/classes/${classId}/access`)).members;
  } catch (error) {
    show(view, heading("Класс"), failure(error));
    return null;
  }
  document.title = "Класс — Электронный журнал";
  const students = members.filter((member) => member.role === "student");
  const parentsOf = (studentId) => members.filter((member) => member.role === "parent" && member.student_id === studentId);
  const checked = new Set();
  const status = h("p", { role: "status", class: "save-status" });
  const slips = h("section", { class: "slips-block", "aria-labelledby": "slips-title", hidden: true });

  const statusOf = (member) => {
    if (member.activate_time) return `вход настроен ${formatDateTime(member.activate_time)}`;
    if (member.code_issued) return `код выдан, действует до ${formatDateTime(member.code_expire_time)}`;
    return "кода нет";
  };
  const row = (member, isParent) => {
    const id = `pick-${member.person_id}-${member.role}`;
    const box = h("input", { type: "checkbox", id, disabled: Boolean(member.activate_time) });
    box.addEventListener("change", () => {
      if (box.checked) checked.add(member); else checked.delete(member);
      issue.disabled = checked.size === 0;
    });
    return h("tr", { class: isParent ? "parent" : "student" },
      h("td", {}, box),
      h(isParent ? "td" : "th", isParent ? {} : { scope: "row" },
        h("label", { for: id }, isParent ? `${member.full_name} (${member.role_title || "родитель"})` : member.full_name),
        isParent ? null : [" ", h("a", { href: `#/record/${member.person_id}`, class: "small-link" }, "личные данные")]),
      h("td", {}, statusOf(member)),
      h("td", {}, member.last_sign_in_time ? formatDateTime(member.last_sign_in_time) : "не входил(а)"));
  };
  const issue = h("button", { type: "button", disabled: true }, "Выдать коды выбранным");
  issue.addEventListener("click", async () => {
    issue.disabled = true;
    const issued = [];
    const failed = [];
    for (const member of checked) {
      try {
        issued.push(await post(`/api/v1/people/${member.person_id}/activation-codes`,
          { role: member.role, class_id: classId }));
      } catch (error) {
        failed.push(`${member.full_name}: ${error instanceof ApiError ? error.message : "ошибка"}`);
      }
    }
    status.textContent = `Выдано: ${countOf(issued.length, WORDS.code)}.`
      + (failed.length ? ` Не выдано: ${failed.join("; ")}` : "");
    showSlips(slips, issued);
    issue.disabled = false;
  });
  const selectNew = h("button", { type: "button", class: "secondary" }, "Выбрать всех без кода");
  selectNew.addEventListener("click", () => {
    for (const box of view.querySelectorAll("tbody input[type=checkbox]:not(:disabled)")) {
      const member = members.find((item) => `pick-${item.person_id}-${item.role}` === box.id);
      if (member && !member.code_issued && !box.checked) { box.checked = true; checked.add(member); }
    }
    issue.disabled = checked.size === 0;
  });
  const activated = members.filter((member) => member.activate_time).length;
  // The period: from the address, else the quarter (trimester) of today.
  let periods = [];
  let period = periodId || null;
  try {
    const chosen = await choosePeriod(periodId, context.me.school ? context.me.school.id : null);
    periods = chosen.periods;
    period = chosen.period ? chosen.period.id : period;
  } catch {
    // No list of periods: the overview of the address's period, if any.
  }
  let due = [];
  if (grant) {
    try { due = (await get(`/api/v1/journal/classes/${classId}/records-due`)).records || []; } catch { due = []; }
  }
  const dueNote = due.length ? h("section", { class: "no-print", "aria-labelledby": "due-title" },
    h("h3", { id: "due-title" }, "Пора проверить личные данные"),
    h("ul", {}, due.map((record) => h("li", {}, h("a", { href: `#/record/${record.student_id}` },
      [record.last_name, record.first_name].join(" ")))))) : null;
  const [overview, alerts] = await Promise.all([overviewSection(classId, period, periods),
    grant ? alertsSection(classId) : Promise.resolve(null)]);
  const attendance = attendanceSection(classId, Boolean(grant));
  show(view,
    h("div", { class: "no-print" }, heading(grant ? "Мой класс" : "Класс")),
    dueNote, alerts, overview, attendance,
    h("div", { class: "no-print" },
      h("h3", {}, "Ученики, родители и коды активации"),
      h("p", { class: "muted" }, `${countOf(students.length, WORDS.student)}; настроили вход: ${activated} из ${members.length}.`),
      h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Ученики и родители" },
        h("table", { class: "members access" },
          h("thead", {}, h("tr", {}, h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Выбрать")),
            h("th", { scope: "col" }, "ФИО"), h("th", { scope: "col" }, "Вход в журнал"),
            h("th", { scope: "col" }, "Последний вход"))),
          h("tbody", {}, students.flatMap((student) => [row(student, false),
            ...parentsOf(student.person_id).map((parent) => row(parent, true))])))),
      h("div", { class: "tools" }, selectNew, " ", issue), status),
    grant && context.me.school ? rosterSection(classId, context.me.school.id, students) : null,
    slips,
  );
  return null;
}
