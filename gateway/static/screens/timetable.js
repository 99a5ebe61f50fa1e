// Timetable corrections for the director and deputy director: a teacher's
// week, and for each lesson a move, a substitute, another room or a
// cancellation. The schedule service refuses a change that makes a conflict
// (a teacher, a room or a class twice at once) and says which: shown as is.
import { get, post } from "../api.js";
import { failure, h, heading, show } from "../dom.js";
import { formatDayMonth, formatWeekdayDate, isoDay } from "../i18n.js";

const ACTIONS = { move: "Перенести", substitution: "Заменить учителя", room: "Сменить кабинет", cancellation: "Отменить урок" };

function mondayOf(date) {
  const monday = new Date(date.getFullYear(), date.getMonth(), date.getDate());
  monday.setDate(monday.getDate() - ((monday.getDay() + 6) % 7));
  return monday;
}

export async function render(view, context) {
  document.title = "Расписание — Электронный журнал";
  const schoolId = context.me.school.id;
  let teachers;
  let rooms;
  try {
    const [staff, roomPage] = await Promise.all([get("/api/v1/staff?page_size=500"),
      get(`/api/v1/schedule/schools/${schoolId}/rooms?page_size=200`)]);
    teachers = staff.people.filter((person) => person.roles.some((grant) => grant.role === "subject_teacher"));
    rooms = roomPage.rooms;
  } catch (error) {
    show(view, heading("Расписание"), failure(error));
    return null;
  }
  const picker = h("select", { id: "timetable-teacher" }, teachers.map((person) => h("option", { value: person.id }, person.full_name)));
  const week = h("div", {});
  let monday = mondayOf(new Date());
  const draw = async () => {
    let lessons;
    try {
      lessons = (await get(`/api/v1/schedule/schools/${schoolId}/weeks/teachers/${picker.value}?date=${isoDay(monday)}`)).lessons;
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
  picker.addEventListener("change", draw);
  show(view, heading("Расписание: изменения на неделю"),
    h("div", { class: "narrow" }, h("label", { for: "timetable-teacher" }, "Учитель"), picker), week);
  if (teachers.length) await draw();
  return null;
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
    `${item.name} (${item.capacity} мест)`)));
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
