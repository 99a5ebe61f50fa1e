// A weekly timetable entered in a grid (S1): days across, lessons down, shown
// for a class, a teacher or a room. An empty cell takes a new lesson (class,
// subgroup, subject, teacher, room, every/odd/even week); a lesson is moved
// or removed. Clashes with what is already in the grid are named while the
// form is filled; the schedule service checks every rule on saving and its
// refusal, in Russian, stays next to the cell.
import { del, get, post } from "../api.js";
import { failure, h, heading, show } from "../dom.js";
import { WORDS, countOf, formatDate, isoDay } from "../i18n.js";
import { WEEKDAYS, WEEKS, nameOf, pairKey, schoolNames } from "../timetable-names.js";

const KINDS = { class: "Класс", teacher: "Учитель", room: "Кабинет" };
const FIELD = { class: "class_id", teacher: "teacher_id", room: "room_id" };

const weeksOverlap = (a, b) => a === "every" || b === "every" || a === b;

function describe(entry, names) {
  const group = nameOf(names.classes, entry.class_id, "класс")
    + (entry.subgroup_id ? ` (${nameOf(names.subgroups, entry.subgroup_id, "подгруппа")})` : "");
  return `${group}, ${nameOf(names.subjects, entry.subject_id, "предмет")}`;
}

// What the grid already has at the entry's time for its teacher, room or class.
export function clashes(entry, entries, names, ignoreId) {
  const found = [];
  for (const other of entries) {
    if (other.id === ignoreId || other.weekday !== entry.weekday || other.slot !== entry.slot
      || !weeksOverlap(other.weeks, entry.weeks)) continue;
    if (other.teacher_id === entry.teacher_id) {
      found.push(`учитель ${nameOf(names.teachers, entry.teacher_id, "учитель")} в это время ведёт урок: ${describe(other, names)}`);
    }
    if (other.room_id === entry.room_id) {
      found.push(`кабинет ${nameOf(names.rooms, entry.room_id, "кабинет")} в это время занят: ${describe(other, names)}`);
    }
    const sameGroup = !other.subgroup_id || !entry.subgroup_id || other.subgroup_id === entry.subgroup_id;
    if (other.class_id === entry.class_id && sameGroup) {
      found.push(`у класса ${nameOf(names.classes, entry.class_id, "класс")} в это время уже есть урок: ${describe(other, names)}`);
    }
  }
  return found;
}

function select(id, options, selected) {
  return h("select", { id, name: id }, options.map(([value, text]) => h("option", { value, selected: value === selected }, text)));
}

export async function render(view, context, { timetableId }) {
  document.title = "Недельное расписание — Электронный журнал";
  const schoolId = context.me.school.id;
  let timetable;
  let names;
  let slots;
  let year;
  try {
    timetable = await get(`/api/v1/schedule/timetables/${timetableId}`);
    const [curriculum, calendar] = await Promise.all([
      get(`/api/v1/schedule/timetables/${timetableId}/curriculum-check`),
      get(`/api/v1/schedule/schools/${schoolId}/years/${timetable.academic_year_id}/calendar`),
    ]);
    year = calendar.academic_year;
    const today = isoDay(new Date());
    const date = today < year.start_date || today > year.end_date ? year.start_date : today;
    names = await schoolNames(schoolId, { date: new Date(`${date}T12:00:00`), curriculum: curriculum.lines });
    const bells = calendar.bell_schedules.find((item) => item.is_default) || calendar.bell_schedules[0];
    slots = bells ? bells.slots : Array.from({ length: 7 }, (_, index) => ({ slot: index + 1, start_time: "", end_time: "" }));
  } catch (error) {
    show(view, heading("Недельное расписание"), failure(error), h("p", {}, h("a", { href: "#/timetable" }, "К расписанию")));
    return null;
  }
  const editable = context.hasRole("deputy_director", "director");
  const state = { kind: "class", conflict: null, entries: timetable.entries };
  const choices = {
    class: [...names.classes].map(([id, name]) => [id, name]),
    teacher: [...names.teachers],
    room: [...names.rooms.values()].map((room) => [room.id, `${room.name} (${countOf(room.capacity, WORDS.seat)})`]),
  };
  state.object = { class: choices.class[0]?.[0], teacher: choices.teacher[0]?.[0], room: choices.room[0]?.[0] };

  const kind = select("grid-kind", Object.entries(KINDS), state.kind);
  // On a phone the grid shows one day at a time (CSS); the day of the week to start with is today's.
  const phoneDay = select("grid-day", [["all", "все дни"], ...WEEKDAYS.map((name, index) => [String(index + 1), name])],
    String(Math.min(Math.max(new Date().getDay(), 1), 6)));
  phoneDay.addEventListener("change", () => { grid.querySelector("table").dataset.show = phoneDay.value; });
  const objectLabel = h("label", { for: "grid-object" }, KINDS[state.kind]);
  const object = h("select", { id: "grid-object" });
  const summary = h("p", { class: "muted", role: "status" });
  const grid = h("div", {});
  const status = h("p", { role: "status", class: "save-status" });
  const formBox = h("div", {});

  const fillObjects = () => {
    objectLabel.textContent = KINDS[state.kind];
    object.replaceChildren(...choices[state.kind].map(([value, text]) => h("option", {
      value, selected: value === state.object[state.kind],
    }, text)));
  };
  kind.addEventListener("change", () => { state.kind = kind.value; fillObjects(); state.object[state.kind] = object.value; drawGrid(); });
  object.addEventListener("change", () => { state.object[state.kind] = object.value; drawGrid(); });

  const reload = async () => {
    state.entries = (await get(`/api/v1/schedule/timetables/${timetableId}`)).entries;
  };

  const entryText = (entry) => {
    const parts = [];
    if (state.kind !== "class") parts.push(describe(entry, names));
    else parts.push(nameOf(names.subjects, entry.subject_id, "предмет")
      + (entry.subgroup_id ? ` (${nameOf(names.subgroups, entry.subgroup_id, "подгруппа")})` : ""));
    if (state.kind !== "teacher") parts.push(nameOf(names.teachers, entry.teacher_id, "учитель"));
    if (state.kind !== "room") parts.push(`каб. ${nameOf(names.rooms, entry.room_id, "кабинет")}`);
    if (entry.weeks !== "every") parts.push(WEEKS[entry.weeks]);
    return parts;
  };

  function drawGrid(focusSelector) {
    const field = FIELD[state.kind];
    const shown = state.entries.filter((entry) => entry[field] === state.object[state.kind]);
    const title = choices[state.kind].find(([id]) => id === state.object[state.kind])?.[1] || "";
    summary.textContent = `${KINDS[state.kind]} ${title}: ${countOf(shown.length, WORDS.lesson)} в неделю; `
      + `во всём расписании ${countOf(state.entries.length, WORDS.lesson)}`;
    const days = WEEKDAYS.map((_, index) => index + 1);
    const table = h("table", { class: "timetable-grid", dataset: { show: phoneDay.value } },
      h("caption", {}, `${KINDS[state.kind]} ${title}: неделя`),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Урок"),
        days.map((day) => h("th", { scope: "col", dataset: { day: String(day) } }, WEEKDAYS[day - 1])))),
      h("tbody", {}, slots.map((bell) => h("tr", {},
        h("th", { scope: "row" }, `${bell.slot}-й`, bell.start_time ? h("span", { class: "bell" }, `${bell.start_time}–${bell.end_time}`) : null),
        days.map((day) => cell(day, bell.slot, shown))))));
    show(grid, h("div", { class: "table-wrap grid-scroll", tabindex: "0", role: "region", "aria-label": `Сетка расписания: ${title}` }, table));
    if (focusSelector) grid.querySelector(focusSelector)?.focus();
  }

  function cell(day, slot, shown) {
    const here = shown.filter((entry) => entry.weekday === day && entry.slot === slot);
    const where = `${WEEKDAYS[day - 1]}, ${slot}-й урок`;
    const conflict = state.conflict && state.conflict.weekday === day && state.conflict.slot === slot
      && state.conflict.kind === state.kind && state.conflict.object === state.object[state.kind] ? state.conflict : null;
    return h("td", { class: `slot${conflict ? " failed" : ""}`, dataset: { day: String(day), slot: String(slot) } },
      here.map((entry) => h("div", { class: "entry", dataset: { id: entry.id } },
        h("span", { class: "what" }, entryText(entry).join(", ")),
        editable ? h("span", { class: "entry-actions" },
          h("button", { type: "button", class: "link", "aria-label": `Перенести: ${describe(entry, names)}, ${where}`,
            onclick: () => openForm({ entry }) }, "перенести"),
          h("button", { type: "button", class: "link remove", "aria-label": `Убрать: ${describe(entry, names)}, ${where}`,
            onclick: () => remove(entry, where) }, "убрать")) : null)),
      editable ? h("button", { type: "button", class: "secondary small add", "aria-label": `Добавить урок: ${where}`,
        onclick: () => openForm({ weekday: day, slot }) }, "+ урок") : null,
      conflict ? h("p", { class: "error conflict", role: "alert" }, conflict.message) : null);
  }

  async function remove(entry, where) {
    try {
      await del(`/api/v1/schedule/timetables/${timetableId}/entries/${entry.id}`);
      await reload();
      status.textContent = `Урок убран: ${describe(entry, names)}, ${where}`;
      drawGrid(`td[data-day="${entry.weekday}"][data-slot="${entry.slot}"] button.add`);
    } catch (error) {
      status.textContent = error.message;
    }
  }

  // The lesson form: a new lesson for a cell, or an existing one to move.
  function openForm({ entry = null, weekday, slot }) {
    const moving = Boolean(entry);
    status.textContent = "";
    const start = entry || {
      weekday, slot, class_id: state.kind === "class" ? state.object.class : choices.class[0]?.[0],
      subgroup_id: "", subject_id: "", teacher_id: state.kind === "teacher" ? state.object.teacher : "",
      room_id: state.kind === "room" ? state.object.room : "", weeks: "every",
    };
    const day = select("lesson-day", WEEKDAYS.map((name, index) => [String(index + 1), name]), String(start.weekday));
    const lesson = select("lesson-slot", slots.map((bell) => [String(bell.slot),
      `${bell.slot}-й урок${bell.start_time ? ` (${bell.start_time})` : ""}`]), String(start.slot));
    const group = select("lesson-class", choices.class, start.class_id);
    const subgroup = h("select", { id: "lesson-subgroup" });
    const subject = h("select", { id: "lesson-subject" });
    const teacher = select("lesson-teacher", choices.teacher, start.teacher_id);
    const room = select("lesson-room", choices.room, start.room_id);
    const weeks = select("lesson-weeks", Object.entries(WEEKS), start.weeks);
    const warnings = h("div", { id: "lesson-warnings", role: "status" });
    const error = h("p", { class: "error", role: "alert" });
    const fillSubgroups = () => {
      const own = [...names.subgroups].filter(([, item]) => item.classId === group.value);
      subgroup.replaceChildren(h("option", { value: "" }, "весь класс"),
        ...own.map(([id, item]) => h("option", { value: id, selected: id === start.subgroup_id }, item.name)));
    };
    const fillSubjects = () => {
      const planned = names.pairs.filter((pair) => pair.classId === group.value && pair.subgroupId === subgroup.value)
        .map((pair) => pair.subjectId);
      const ids = planned.length ? [...new Set(planned)] : [...names.subjects.keys()];
      const options = ids.map((id) => [id, nameOf(names.subjects, id, "предмет")])
        .sort((a, b) => a[1].localeCompare(b[1], "ru"));
      subject.replaceChildren(...options.map(([id, text]) => h("option", { value: id, selected: id === start.subject_id }, text)));
    };
    const suggestTeacher = () => {
      const planned = names.teacherOf.get(pairKey(group.value, subgroup.value, subject.value));
      if (planned && !(moving || state.kind === "teacher")) teacher.value = planned;
    };
    const current = () => ({
      class_id: group.value, subgroup_id: subgroup.value, subject_id: subject.value, teacher_id: teacher.value,
      room_id: room.value, weekday: Number(day.value), slot: Number(lesson.value), weeks: weeks.value,
    });
    const check = () => {
      const found = clashes(current(), state.entries, names, entry ? entry.id : null);
      warnings.replaceChildren(...(found.length ? [h("p", { class: "error" }, "Конфликт: ", found.join("; "))] : []));
    };
    fillSubgroups();
    fillSubjects();
    if (!start.teacher_id) suggestTeacher();
    group.addEventListener("change", () => { fillSubgroups(); fillSubjects(); suggestTeacher(); check(); });
    subgroup.addEventListener("change", () => { fillSubjects(); suggestTeacher(); check(); });
    subject.addEventListener("change", () => { suggestTeacher(); check(); });
    for (const control of [day, lesson, teacher, room, weeks]) control.addEventListener("change", check);
    const title = moving ? `Перенести урок: ${describe(entry, names)}, ${WEEKDAYS[entry.weekday - 1]}, ${entry.slot}-й урок`
      : "Новый урок";
    const form = h("form", { id: "lesson-form", class: "lesson-form", novalidate: true, "aria-labelledby": "lesson-form-title" },
      h("h3", { id: "lesson-form-title", tabindex: "-1" }, title),
      h("div", { class: "form-grid" },
        h("div", {}, h("label", { for: "lesson-day" }, "День"), day),
        h("div", {}, h("label", { for: "lesson-slot" }, "Урок"), lesson),
        h("div", {}, h("label", { for: "lesson-class" }, "Класс"), group),
        h("div", {}, h("label", { for: "lesson-subgroup" }, "Подгруппа"), subgroup),
        h("div", {}, h("label", { for: "lesson-subject" }, "Предмет"), subject),
        h("div", {}, h("label", { for: "lesson-teacher" }, "Учитель"), teacher),
        h("div", {}, h("label", { for: "lesson-room" }, "Кабинет"), room),
        h("div", {}, h("label", { for: "lesson-weeks" }, "Недели"), weeks)),
      warnings,
      h("div", { class: "actions" },
        h("button", { type: "submit" }, moving ? "Перенести" : "Добавить урок"),
        h("button", { type: "button", class: "secondary", onclick: () => { formBox.replaceChildren(); state.conflict = null; drawGrid(); } }, "Отмена")),
      error);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const wanted = current();
      if (!wanted.subject_id) { error.textContent = "Поле «Предмет»: выберите предмет"; return; }
      const body = { ...wanted };
      if (!body.subgroup_id) delete body.subgroup_id;
      const where = `${WEEKDAYS[wanted.weekday - 1]}, ${wanted.slot}-й урок`;
      try {
        if (moving && entry.weekday === wanted.weekday && entry.slot === wanted.slot) {
          // The same cell: the old lesson goes first, and comes back if the new one is refused.
          await del(`/api/v1/schedule/timetables/${timetableId}/entries/${entry.id}`);
          try {
            await post(`/api/v1/schedule/timetables/${timetableId}/entries`, { entries: [body] });
          } catch (refusal) {
            const back = { ...entry };
            delete back.id;
            if (!back.subgroup_id) delete back.subgroup_id;
            await post(`/api/v1/schedule/timetables/${timetableId}/entries`, { entries: [back] });
            throw refusal;
          }
        } else {
          await post(`/api/v1/schedule/timetables/${timetableId}/entries`, { entries: [body] });
          if (moving) await del(`/api/v1/schedule/timetables/${timetableId}/entries/${entry.id}`);
        }
      } catch (refusal) {
        error.textContent = refusal.message;
        state.conflict = { weekday: wanted.weekday, slot: wanted.slot, message: refusal.message, kind: state.kind,
          object: state.object[state.kind] };
        await reload().catch(() => {});
        drawGrid();
        return;
      }
      state.conflict = null;
      await reload();
      formBox.replaceChildren();
      status.textContent = `${moving ? "Урок перенесён" : "Урок добавлен"}: ${describe(wanted, names)}, ${where}`;
      drawGrid(`td[data-day="${wanted.weekday}"][data-slot="${wanted.slot}"] button.add`);
    });
    state.conflict = null;
    drawGrid();
    show(formBox, form);
    check();
    form.querySelector("h3").focus();
  }

  fillObjects();
  show(view,
    heading(`Недельное расписание «${timetable.name}»`),
    h("p", { class: "muted" }, timetable.status === "published" ? "Опубликовано" : "Черновик",
      " · ", h("a", { href: "#/timetable" }, "к изменениям и составлению расписания")),
    h("div", { class: "grid-controls" },
      h("div", {}, h("label", { for: "grid-kind" }, "Показать расписание"), kind),
      h("div", {}, objectLabel, object),
      h("div", { class: "phone-only" }, h("label", { for: "grid-day" }, "День недели на экране"), phoneDay)),
    summary, status, grid, formBox,
    curriculumSection(timetableId), publishSection(timetableId, year));
  drawGrid();
  return null;
}

// The timetable's hours against the curriculum (S2), on request.
function curriculumSection(timetableId) {
  const output = h("div", { "aria-live": "polite" });
  const button = h("button", { type: "button", class: "secondary" }, "Сверить с учебным планом");
  button.addEventListener("click", async () => {
    try {
      const check = await get(`/api/v1/schedule/timetables/${timetableId}/curriculum-check`);
      const wrong = check.lines.filter((line) => line.message);
      show(output, check.ok || !wrong.length ? h("p", {}, "Часы по расписанию совпадают с учебным планом.")
        : h("ul", { class: "unplaced" }, wrong.map((line) => h("li", {}, line.message))));
    } catch (error) {
      show(output, failure(error));
    }
  });
  return h("section", { class: "curriculum", "aria-labelledby": "curriculum-title" },
    h("h3", { id: "curriculum-title" }, "Учебный план"), button, output);
}

// Publishing (S1): the dated lessons of a range of days are made from this timetable, holidays left
// out; the journal's lessons follow over the bus. Lessons already published in the range are replaced.
function publishSection(timetableId, year) {
  const today = isoDay(new Date());
  const first = h("input", { id: "publish-from", type: "date", min: year.start_date, max: year.end_date,
    value: today > year.start_date && today <= year.end_date ? today : year.start_date });
  const last = h("input", { id: "publish-to", type: "date", min: year.start_date, max: year.end_date, value: year.end_date });
  const alert = h("p", { class: "error", role: "alert" });
  const done = h("p", { role: "status" });
  const button = h("button", { type: "button" }, "Опубликовать");
  button.addEventListener("click", async () => {
    alert.textContent = "";
    done.textContent = "";
    if (!first.value || !last.value) { alert.textContent = "Поля «С» и «По»: укажите даты"; return; }
    if (last.value < first.value) { alert.textContent = "Поле «По»: последний день не раньше первого"; return; }
    button.disabled = true;
    try {
      const result = await post(`/api/v1/schedule/timetables/${timetableId}/publish`,
        { from_date: first.value, to_date: last.value });
      done.textContent = `Опубликовано: ${countOf(result.lesson_count, WORDS.lesson)} с ${formatDate(first.value)} `
        + `по ${formatDate(last.value)}. Журнал и дневники получат их в течение минуты.`;
    } catch (error) {
      alert.textContent = error.message;
    } finally {
      button.disabled = false;
    }
  });
  return h("section", { class: "publish", "aria-labelledby": "publish-title" },
    h("h3", { id: "publish-title" }, "Опубликовать"),
    h("p", { class: "muted" }, "Уроки этих дней будут сделаны по этому расписанию (праздники и каникулы пропускаются); "
      + "уже опубликованные уроки этих дней заменятся."),
    h("div", { class: "narrow" }, h("label", { for: "publish-from" }, "С"), first, h("label", { for: "publish-to" }, "По"), last,
      button, alert, done));
}
