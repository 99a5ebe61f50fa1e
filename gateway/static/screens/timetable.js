// Timetable corrections for the director and deputy director: a teacher's,
// a class's or a room's week, and for each lesson a move, a substitute,
// another room or a cancellation. The schedule service refuses a change that
// makes a conflict (a teacher, a room or a class twice at once) and says
// which: shown as is. Below, weekly timetables entered in a grid
// (timetable-grid.js), and the weekly timetable made automatically by the
// solver for a chosen year: its quality, what could not be placed and why,
// saved as a draft.
import { get, post } from "../api.js";
import { failure, h, heading, show } from "../dom.js";
import { WORDS, countOf, formatDate, formatDayMonth, formatWeekdayDate, isoDay } from "../i18n.js";
import { schoolNames } from "../timetable-names.js";

const ACTIONS = { move: "Перенести", substitution: "Заменить учителя", room: "Сменить кабинет", cancellation: "Отменить урок" };

function mondayOf(date) {
  const monday = new Date(date.getFullYear(), date.getMonth(), date.getDate());
  monday.setDate(monday.getDate() - ((monday.getDay() + 6) % 7));
  return monday;
}

const VIEWS = { teacher: ["Учитель", "teachers"], class: ["Класс", "classes"], room: ["Кабинет", "rooms"] };

export async function render(view, context) {
  document.title = "Расписание — Электронный журнал";
  const schoolId = context.me.school.id;
  let names;
  try {
    names = await schoolNames(schoolId);
  } catch (error) {
    show(view, heading("Расписание"), failure(error));
    return null;
  }
  const teachers = [...names.teachers].map(([id, full_name]) => ({ id, full_name }));
  const rooms = [...names.rooms.values()];
  const options = {
    teacher: teachers.map((person) => [person.id, person.full_name]),
    class: [...names.classes],
    room: rooms.map((room) => [room.id, `${room.name} (${countOf(room.capacity, WORDS.seat)})`]),
  };
  const kind = h("select", { id: "timetable-kind" }, Object.entries(VIEWS).map(([value, [text]]) => h("option", { value }, text)));
  const pickerLabel = h("label", { for: "timetable-object" }, VIEWS.teacher[0]);
  const picker = h("select", { id: "timetable-object" });
  const fillPicker = () => {
    pickerLabel.textContent = VIEWS[kind.value][0];
    picker.replaceChildren(...options[kind.value].map(([value, text]) => h("option", { value }, text)));
  };
  const week = h("div", {});
  let monday = mondayOf(new Date());
  const draw = async () => {
    if (!picker.value) { week.replaceChildren(h("p", { class: "muted" }, "Выбрать не из чего.")); return; }
    let lessons;
    try {
      lessons = (await get(`/api/v1/schedule/schools/${schoolId}/weeks/${VIEWS[kind.value][1]}/${picker.value}?date=${isoDay(monday)}`)).lessons;
    } catch (error) {
      week.replaceChildren(failure(error));
      return;
    }
    const saturday = new Date(monday);
    saturday.setDate(saturday.getDate() + 5);
    const days = [];
    for (let offset = 0; offset < 6; offset += 1) {
      const date = new Date(monday);
      date.setDate(date.getDate() + offset);
      const day = isoDay(date);
      const items = lessons.filter((lesson) => lesson.date === day).sort((a, b) => a.slot - b.slot)
        .map((lesson) => lessonRow(lesson, { teachers, rooms, redraw: draw }));
      days.push(h("li", { class: "day" }, h("h4", {}, formatWeekdayDate(day)),
        items.length ? h("ol", { class: "day-items" }, items) : h("p", { class: "muted" }, "Уроков нет")));
    }
    show(week,
      h("h3", {}, `Неделя ${formatDayMonth(isoDay(monday))} — ${formatDayMonth(isoDay(saturday))}`),
      h("div", { class: "week-nav" },
        h("button", { type: "button", onclick: () => { monday.setDate(monday.getDate() - 7); draw(); } }, "← Предыдущая"),
        h("button", { type: "button", onclick: () => { monday.setDate(monday.getDate() + 7); draw(); } }, "Следующая →")),
      h("ol", { class: "days timetable" }, days));
  };
  kind.addEventListener("change", () => { fillPicker(); draw(); });
  picker.addEventListener("change", draw);
  fillPicker();
  show(view, heading("Расписание: изменения на неделю"),
    h("div", { class: "narrow" }, h("label", { for: "timetable-kind" }, "Показать неделю"), kind, pickerLabel, picker), week,
    weeklySection(schoolId), generator(schoolId, teachers));
  await draw();
  return null;
}

// Weekly timetables: the school's drafts and published ones, opened in the grid, or a new one from scratch.
function weeklySection(schoolId) {
  const section = h("section", { class: "weekly", "aria-labelledby": "weekly-title" },
    h("h3", { id: "weekly-title" }, "Недельное расписание в сетке"));
  const known = h("ul", { class: "links", "aria-label": "Расписания школы" });
  section.append(known);
  get(`/api/v1/schedule/schools/${schoolId}/timetables`).then(({ timetables }) => {
    show(known, timetables.map((item) => h("li", {},
      h("a", { href: `#/timetable/${item.id}` }, item.name), item.status === "published" ? " — опубликовано" : " — черновик")));
  }).catch((error) => show(known, h("li", {}, failure(error))));
  const body = h("div", { class: "narrow" });
  section.append(body);
  get(`/api/v1/schedule/schools/${schoolId}/years`).then(({ academic_years: years }) => {
    if (!years.length) { show(body, h("p", { class: "muted" }, "Учебных лет пока нет: сначала заведите учебный год.")); return; }
    const chosen = currentYear(years, isoDay(new Date()));
    const year = h("select", { id: "weekly-year" }, years.map((item) => h("option", { value: item.id, selected: item.id === chosen.id },
      `${item.name} (${formatDate(item.start_date)} — ${formatDate(item.end_date)})`)));
    const name = h("input", { id: "weekly-name", maxlength: "200", value: `Расписание ${chosen.name}` });
    const alert = h("p", { class: "error", role: "alert" });
    const create = h("button", { type: "button" }, "Начать новое расписание");
    create.addEventListener("click", async () => {
      if (!name.value.trim()) { alert.textContent = "Поле «Название»: обязательное поле"; return; }
      try {
        const timetable = await post(`/api/v1/schedule/schools/${schoolId}/timetables`,
          { academic_year_id: year.value, name: name.value.trim() });
        location.hash = `#/timetable/${timetable.id}`;
      } catch (error) { alert.textContent = error.message; }
    });
    show(body, h("p", { class: "muted" }, "Пустой черновик: уроки вносятся в сетку по классам, учителям или кабинетам."),
      h("label", { for: "weekly-year" }, "Учебный год"), year, h("label", { for: "weekly-name" }, "Название"), name, create, alert);
  }).catch((error) => show(body, failure(error)));
  return section;
}

const SOLVER_STATUS = {
  optimal: "лучшее из возможных",
  feasible: "допустимое, лучшее найденное за отведённое время",
  infeasible: "решения нет",
  unknown: "решение не найдено за отведённое время",
};

// The year whose dates hold today, else the newest one.
function currentYear(years, today) {
  return years.find((year) => year.start_date <= today && today <= year.end_date) || years[0];
}

function generator(schoolId, teachers) {
  const section = h("section", { class: "generator", "aria-labelledby": "generator-title" },
    h("h3", { id: "generator-title" }, "Составить расписание автоматически"));
  const body = h("div", { class: "narrow" }, h("p", { class: "muted", role: "status" }, "Загрузка учебных лет…"));
  section.append(body);
  get(`/api/v1/schedule/schools/${schoolId}/years`).then(({ academic_years: years }) => {
    if (!years.length) {
      show(body, h("p", { class: "muted" }, "Учебных лет пока нет: сначала заведите учебный год."));
      return;
    }
    const chosen = currentYear(years, isoDay(new Date()));
    const year = h("select", { id: "generator-year" }, years.map((item) => h("option", { value: item.id, selected: item.id === chosen.id },
      `${item.name} (${formatDate(item.start_date)} — ${formatDate(item.end_date)})`)));
    const limit = h("input", { id: "generator-limit", type: "number", min: "1", max: "120", step: "1", value: "10", required: true });
    const run = h("button", { type: "button" }, "Составить");
    const status = h("p", { role: "status" });
    const alert = h("p", { class: "error", role: "alert" });
    const result = h("div", {});
    run.addEventListener("click", async () => {
      const seconds = Number(limit.value);
      if (!Number.isInteger(seconds) || seconds < 1 || seconds > 120) {
        alert.textContent = "Поле «Время на поиск»: целое число секунд от 1 до 120";
        return;
      }
      alert.textContent = "";
      result.replaceChildren();
      run.disabled = true;
      status.textContent = `Идёт составление расписания, до ${seconds} с…`;
      try {
        const generated = await post(`/api/v1/schedule/schools/${schoolId}/years/${year.value}/generate`,
          { time_limit_seconds: seconds });
        status.textContent = "Расписание составлено";
        show(result, outcome(generated, { schoolId, yearId: year.value, teachers }));
      } catch (error) {
        status.textContent = "";
        alert.textContent = error.message;
      } finally {
        run.disabled = false;
      }
    });
    show(body,
      h("label", { for: "generator-year" }, "Учебный год"), year,
      h("label", { for: "generator-limit" }, "Время на поиск, секунд"), limit,
      run, status, alert, result);
  }).catch((error) => show(body, failure(error)));
  return section;
}

function outcome(generated, { schoolId, yearId, teachers }) {
  const { quality, unplaced, entries } = generated;
  const teacherName = (id) => teachers.find((person) => person.id === id)?.full_name;
  const numbers = [
    ["Размещено уроков в неделю", quality.placed],
    ["Не размещено уроков", quality.unplaced],
    ["Окна у классов", quality.class_gaps],
    ["Окна у учителей", quality.teacher_gaps],
    ["Трудные предметы последним уроком", quality.hard_last],
    ["Уроков сверх дневного предела", quality.over_daily_limit],
    ["Время поиска", `${quality.solve_seconds.toFixed(1).replace(".", ",")} с`],
    ["Решение", SOLVER_STATUS[quality.solver_status] || quality.solver_status],
  ];
  const save = h("button", { type: "button", disabled: !entries.length }, "Сохранить как черновик");
  const saved = h("p", { role: "status" });
  const alert = h("p", { class: "error", role: "alert" });
  save.addEventListener("click", async () => {
    save.disabled = true;
    alert.textContent = "";
    const name = `Составлено автоматически ${formatDayMonth(isoDay(new Date()))}`;
    try {
      const timetable = await post(`/api/v1/schedule/schools/${schoolId}/timetables`, { academic_year_id: yearId, name });
      await post(`/api/v1/schedule/timetables/${timetable.id}/entries`, {
        entries: entries.map((entry) => {
          const row = { class_id: entry.class_id, subject_id: entry.subject_id, teacher_id: entry.teacher_id,
            room_id: entry.room_id, weekday: entry.weekday, slot: entry.slot, weeks: entry.weeks };
          if (entry.subgroup_id) row.subgroup_id = entry.subgroup_id;
          return row;
        }),
      });
      saved.replaceChildren(`Сохранено как черновик «${name}»: ${countOf(entries.length, WORDS.lesson)} в неделю. `,
        h("a", { href: `#/timetable/${timetable.id}` }, "Открыть в сетке"));
    } catch (error) {
      alert.textContent = error.message;
      save.disabled = false;
    }
  });
  return [
    h("h4", {}, "Качество расписания"),
    h("dl", { class: "quality" }, numbers.map(([term, value]) => [h("dt", {}, term), h("dd", {}, String(value))])),
    h("h4", {}, "Не удалось разместить"),
    unplaced.length
      ? h("ul", { class: "unplaced" }, unplaced.map((item) => h("li", {},
        `${countOf(item.count, WORDS.lesson)}${teacherName(item.teacher_id) ? ` (учитель ${teacherName(item.teacher_id)})` : ""}: ${item.reason}`)))
      : h("p", { class: "muted" }, "Все уроки размещены"),
    save, saved, alert,
  ];
}

function lessonRow(lesson, { teachers, rooms, redraw }) {
  const key = lesson.lesson_id;
  const alert = h("p", { class: "error", role: "alert" });
  const action = h("select", { id: `action-${key}` }, Object.entries(ACTIONS).map(([value, text]) => h("option", { value }, text)));
  const date = h("input", { id: `date-${key}`, type: "date", value: lesson.date });
  const slot = h("input", { id: `slot-${key}`, type: "number", min: "1", max: "10", value: String(lesson.slot) });
  const teacher = h("select", { id: `teacher-${key}` },
    teachers.filter((person) => person.id !== lesson.teacher_id).map((person) => h("option", { value: person.id }, person.full_name)));
  const room = h("select", { id: `room-${key}` }, rooms.map((item) => h("option", { value: item.id, selected: item.id === lesson.room_id },
    `${item.name} (${countOf(item.capacity, WORDS.seat)})`)));
  const reason = h("input", { id: `reason-${key}`, maxlength: "500" });
  const fields = {
    move: [h("label", { for: `date-${key}` }, "День"), date, h("label", { for: `slot-${key}` }, "Номер урока"), slot],
    substitution: [h("label", { for: `teacher-${key}` }, "Кто заменяет"), teacher],
    room: [h("label", { for: `room-${key}` }, "Кабинет"), room],
    cancellation: [],
  };
  const varying = h("div", {});
  const showFields = () => varying.replaceChildren(...fields[action.value]);
  action.addEventListener("change", showFields);
  showFields();
  const apply = h("button", { type: "button", class: "small" }, "Применить");
  apply.addEventListener("click", async () => {
    if (!reason.value.trim()) { alert.textContent = "Поле «Причина»: укажите причину изменения"; return; }
    const body = { reason: reason.value.trim() };
    if (action.value === "move") Object.assign(body, { date: date.value, slot: Number(slot.value) });
    if (action.value === "substitution") body.teacher_id = teacher.value;
    if (action.value === "room") body.room_id = room.value;
    try {
      await post(`/api/v1/schedule/lessons/${key}/${action.value}`, body);
      await redraw();
    } catch (error) {
      alert.textContent = error.message;
    }
  });
  const title = `${lesson.class_name}, ${lesson.subject_name}`;
  return h("li", { class: lesson.status === "cancelled" ? "cancelled" : null },
    h("span", { class: "time" }, `${lesson.slot}. ${lesson.start_time}`),
    h("span", { class: "subject" }, title, lesson.room_name ? h("span", { class: "muted" }, `, каб. ${lesson.room_name}`) : null,
      lesson.status !== "scheduled" ? h("strong", {}, ` — ${{ cancelled: "отменён", substituted: "замена", moved: "перенесён" }[lesson.status] || lesson.status}`) : null),
    h("details", { class: "change" }, h("summary", {}, `Изменить: ${title}, ${lesson.slot}-й урок`),
      h("label", { for: `action-${key}` }, "Что сделать"), action, varying,
      h("label", { for: `reason-${key}` }, "Причина"), reason, apply, alert));
}
