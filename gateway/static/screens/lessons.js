// A teacher's lessons of the week from the timetable, today's first; each
// opens its journal page when the study period is known.
import { get } from "../api.js";
import { failure, h, heading, show } from "../dom.js";
import { formatDayMonth, formatWeekdayDate, isoDay } from "../i18n.js";
import { knownPeriod } from "./journal.js";

function mondayOf(date) {
  const monday = new Date(date.getFullYear(), date.getMonth(), date.getDate());
  monday.setDate(monday.getDate() - ((monday.getDay() + 6) % 7));
  return monday;
}

export function journalLink(lesson) {
  const period = knownPeriod();
  if (!period || lesson.date < period.start_date || lesson.date > period.end_date) return null;
  return `#/journal/${lesson.class_id}/${lesson.subject_id}/${period.id}`;
}

export function lessonItem(lesson) {
  const link = journalLink(lesson);
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

export async function render(view) {
  document.title = "Мои уроки — Электронный журнал";
  let monday = mondayOf(new Date());
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
      const items = lessons.filter((lesson) => lesson.date === day).sort((a, b) => a.slot - b.slot).map(lessonItem);
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
      knownPeriod() ? null : h("p", { role: "note" },
        "Чтобы уроки открывали страницы журнала, откройте журнал один раз по ссылке с учебным периодом."),
      h("ol", { class: "days" }, days));
    if (focus) body.querySelector("h3").focus();
  };
  show(view, heading("Мои уроки"), body);
  await draw(false);
  return null;
}
