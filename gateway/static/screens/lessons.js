// A teacher's lessons of the week from the timetable; each opens its journal
// page in the study period holding its day. A period switcher shows the
// weeks of any period of the school (its first week, or this one if current).
import { get } from "../api.js";
import { failure, h, heading, show } from "../dom.js";
import { formatDayMonth, formatWeekdayDate, isoDay, parseDay } from "../i18n.js";
import { choosePeriod, periodSwitcher } from "../periods.js";
import { knownPeriod } from "./journal.js";

function mondayOf(date) {
  const monday = new Date(date.getFullYear(), date.getMonth(), date.getDate());
  monday.setDate(monday.getDate() - ((monday.getDay() + 6) % 7));
  return monday;
}

const TERMS = new Set(["quarter", "trimester"]);
const holds = (period, day) => period && period.start_date <= day && day <= period.end_date;

// The journal page of a lesson: its class and subject in the quarter (trimester) holding its day,
// else in any period holding it; without the school's periods, the period of the journal opened last.
export function journalLink(lesson, periods = []) {
  const period = periods.find((item) => TERMS.has(item.kind) && holds(item, lesson.date))
    || periods.find((item) => holds(item, lesson.date))
    || (periods.length ? null : knownPeriod());
  if (!holds(period, lesson.date)) return null;
  return `#/journal/${lesson.class_id}/${lesson.subject_id}/${period.id}`;
}

export function lessonItem(lesson, periods = []) {
  const link = journalLink(lesson, periods);
  const title = `${lesson.class_name}${lesson.subgroup_name ? ` (${lesson.subgroup_name})` : ""}, ${lesson.subject_name}`;
  return h("li", { class: lesson.status === "cancelled" ? "cancelled" : null },
    h("span", { class: "time" }, `${lesson.slot}. ${lesson.start_time}–${lesson.end_time}`),
    h("span", { class: "subject" }, link ? h("a", { href: link }, title) : title, " ",
      h("a", { href: `#/plan/${lesson.class_id}/${lesson.subject_id}`, class: "small-link",
        "aria-label": `КТП: ${title}` }, "КТП"),
      lesson.room_name ? h("span", { class: "muted" }, `, каб. ${lesson.room_name}`) : null,
      lesson.status === "cancelled" ? h("strong", {}, ` — отменён${lesson.reason ? `: ${lesson.reason}` : ""}`) : null,
      lesson.substituted ? h("span", { class: "muted" }, " — замена") : null));
}

export async function render(view, context, { periodId } = {}) {
  document.title = "Мои уроки — Электронный журнал";
  let periods = [];
  let period = null;
  try {
    ({ periods, period } = await choosePeriod(periodId));
  } catch {
    // Without the periods the week still shows; links use the period of the journal opened last.
  }
  const today = isoDay(new Date());
  let monday = mondayOf(period && !holds(period, today) ? parseDay(period.start_date) : new Date());
  const body = h("div", {});
  const draw = async (focus) => {
    let lessons;
    try {
      lessons = (await get(`/api/v1/schedule/my-week?date=${isoDay(monday)}`)).lessons;
    } catch (error) {
      body.replaceChildren(failure(error));
      return;
    }
    const days = [];
    for (let offset = 0; offset < 6; offset += 1) {
      const date = new Date(monday);
      date.setDate(date.getDate() + offset);
      const day = isoDay(date);
      const items = lessons.filter((lesson) => lesson.date === day).sort((a, b) => a.slot - b.slot)
        .map((lesson) => lessonItem(lesson, periods));
      days.push(h("li", { class: `day${day === isoDay(new Date()) ? " today" : ""}` },
        h("h4", {}, formatWeekdayDate(day), day === isoDay(new Date()) ? " — сегодня" : ""),
        items.length ? h("ol", { class: "day-items" }, items) : h("p", { class: "muted" }, "Уроков нет")));
    }
    const saturday = new Date(monday);
    saturday.setDate(saturday.getDate() + 5);
    const move = (step) => { monday.setDate(monday.getDate() + 7 * step); draw(true); };
    show(body,
      h("h3", { id: "week-title", tabindex: "-1" },
        `Неделя ${formatDayMonth(isoDay(monday))} — ${formatDayMonth(isoDay(saturday))}`),
      h("div", { class: "week-nav" },
        h("button", { type: "button", onclick: () => move(-1) }, "← Предыдущая"),
        h("button", { type: "button", onclick: () => move(1) }, "Следующая →")),
      periods.length || knownPeriod() ? null : h("p", { role: "note" },
        "Учебные периоды школы не получены: уроки откроют журнал после того, как вы откроете его по ссылке с периодом."),
      h("ol", { class: "days" }, days));
    if (focus) body.querySelector("h3").focus();
  };
  const chooser = periods.length ? periodSwitcher(periods, period ? period.id : null, (id) => {
    location.hash = `#/lessons/${id}`;
  }) : null;
  show(view, heading("Мои уроки"), chooser, body);
  await draw(false);
  return null;
}
