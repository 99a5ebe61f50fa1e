// The КТП (calendar-thematic plan) of a class and subject (J3): enter it as
// lines or import a CSV/xlsx file; the check compares planned hours with the
// curriculum's and with the lessons, and "complete" is refused until they agree.
import { get, post, put, upload } from "../api.js";
import { failure, h, heading, show } from "../dom.js";
import { WORDS, WORK_TYPES, countOf, formatShortDate } from "../i18n.js";

const STATUS = { draft: "черновик", complete: "выполнено" };

export async function render(view, context, { classId, subjectId }) {
  const base = `/api/v1/journal/classes/${classId}/subjects/${subjectId}/lesson-plan`;
  const canEdit = context.hasRole("subject_teacher");
  const summary = h("div", {});
  const lessons = h("div", {});
  const status = h("p", { role: "status" });
  const draw = (plan) => {
    show(summary,
      h("p", {}, `Состояние: ${STATUS[plan.status] || plan.status}. По учебному плану ${countOf(plan.curriculum_hours, ["час", "часа", "часов"])}, `
        + `по расписанию ${countOf(plan.lessons_scheduled, WORDS.lesson)}, проведено ${plan.lessons_held}.`),
      plan.reasons.length ? h("ul", { class: "error", "aria-label": "Расхождения" }, plan.reasons.map((reason) => h("li", {}, reason.message)))
        : h("p", {}, "Часы КТП, учебного плана и расписания совпадают."));
    show(lessons, h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Уроки и темы КТП" },
      h("table", { class: "members plan" },
        h("thead", {}, h("tr", {}, ["Урок", "Тема по КТП", "Тема урока", "Вид работы"].map((text) => h("th", { scope: "col" }, text)))),
        h("tbody", {}, plan.lessons.map((lesson) => h("tr", { class: lesson.held ? null : "future" },
          h("th", { scope: "row" }, `${formatShortDate(lesson.date)}, ${lesson.number}-й`),
          h("td", {}, lesson.planned_topic || "—"), h("td", {}, lesson.topic || "—"),
          h("td", {}, WORK_TYPES[lesson.work_type] || lesson.work_type || "")))))));
  };
  let plan;
  try {
    plan = await get(base);
  } catch (error) {
    show(view, heading("КТП"), failure(error));
    return null;
  }
  document.title = "КТП — Электронный журнал";
  const lines = h("textarea", { id: "plan-lines", rows: "6" });
  const save = h("button", { type: "button" }, "Сохранить КТП");
  save.addEventListener("click", async () => {
    const items = [];
    const rows = lines.value.split("\n").map((line) => line.trim()).filter(Boolean);
    for (const [index, row] of rows.entries()) {
      const [topic, hours, work] = row.split(";").map((part) => part.trim());
      const number = Number(hours || "1");
      if (!topic || !Number.isInteger(number) || number < 1) {
        status.textContent = `Поле «КТП», строка ${index + 1}: нужно «тема; часы; вид работы», часы — целое число`;
        return;
      }
      items.push({ topic, hours: number, work_type: work || "" });
    }
    if (!items.length) { status.textContent = "Поле «КТП»: введите хотя бы одну тему"; return; }
    try {
      const result = await put(base, { items, request_id: crypto.randomUUID() });
      plan = result.plan;
      draw(plan);
      status.textContent = `КТП сохранено; темы проставлены в ${countOf(result.topics_filled, WORDS.lesson)}.`;
    } catch (error) { status.textContent = error.message; }
  });
  const file = h("input", { id: "plan-file", type: "file", accept: ".csv,.xlsx" });
  file.addEventListener("change", async () => {
    if (!file.files.length) return;
    const data = new FormData();
    data.append("file", file.files[0]);
    try {
      const result = await upload(`${base}/import`, data);
      plan = result.plan;
      draw(plan);
      status.textContent = `Файл ${file.files[0].name} загружен; темы проставлены в ${countOf(result.topics_filled, WORDS.lesson)}.`;
    } catch (error) { status.textContent = error.message; }
    file.value = "";
  });
  const complete = h("button", { type: "button", class: "secondary" }, "Отметить КТП выполненным");
  complete.addEventListener("click", async () => {
    try {
      plan = await post(`${base}/complete`, {});
      draw(plan);
      status.textContent = "КТП отмечено выполненным";
    } catch (error) { status.textContent = error.message; }
  });
  show(view, heading("КТП: календарно-тематический план"), summary,
    canEdit ? h("section", { class: "narrow", "aria-labelledby": "plan-edit-title" },
      h("h3", { id: "plan-edit-title" }, "Заполнить"),
      h("label", { for: "plan-lines" }, "КТП: по строке на тему — «тема; часы; вид работы»"), lines, save,
      h("label", { for: "plan-file" }, "или загрузить файл (CSV или xlsx: тема, часы, вид работы)"), file,
      h("p", {}, complete)) : null,
    status, lessons);
  draw(plan);
  return null;
}
