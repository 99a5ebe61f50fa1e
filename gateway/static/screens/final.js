// Final marks of a class, a subject and a period (M1–M4, G2): for each
// student the suggested mark with its basis and the rounding rule, what the
// regulation still lacks (M2), and the mark set so far; the subject teacher
// sets or changes it here.
import { ApiError, get, put } from "../api.js";
import { failure, h, heading, show } from "../dom.js";
import { WORDS, countOf, formatDayMonth, formatDecimal, markText, shortName } from "../i18n.js";

const SPECIAL = [["not_attested", "н/а"], ["exempt", "освобождён"]];

export async function render(view, context, { classId, subjectId, periodId }) {
  const url = `/api/v1/journal/classes/${classId}/subjects/${subjectId}/periods/${periodId}/final-marks`;
  let data;
  try {
    data = await get(url);
  } catch (error) {
    show(view, heading("Итоговые отметки"), failure(error));
    return null;
  }
  const canWrite = context.hasRole("subject_teacher");
  const title = `Итоговые отметки: ${data.subject.name}, ${data.school_class.name} класс`;
  document.title = `${title} — Электронный журнал`;
  const values = data.subject.pass_fail ? [["pass", "зачёт"], ["fail", "незачёт"]]
    : [["5", "5"], ["4", "4"], ["3", "3"], ["2", "2"]];
  const reason = h("input", { id: "final-reason", maxlength: "500", autocomplete: "off" });
  const rows = data.suggestions.map((row) => suggestionRow(row, { data, canWrite, values, reason }));
  show(view, 
    heading(title),
    h("p", {}, h("a", { href: `#/journal/${classId}/${subjectId}/${periodId}` }, "← К странице журнала")),
    h("p", { class: "muted" }, `${data.period.title}. ${data.rounding_rule}`),
    data.deadline_passed ? h("p", { class: "error", role: "note" }, data.exception
      ? `Срок выставления прошёл; открыто исключение до ${formatDayMonth(data.exception.valid_until)}: ${data.exception.reason}`
      : "Срок выставления итоговых отметок прошёл: изменить их можно только по исключению заместителя директора.") : null,
    canWrite ? h("div", { class: "tools" },
      h("label", { for: "final-reason" }, "Причина исправления (нужна для отметок старше суток)"), reason) : null,
    h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Итоговые отметки" },
      h("table", { class: "members final" },
        h("thead", {}, h("tr", {}, ["Ученик", "Отметки за период", "Средний", "Предложено", "Итоговая"]
          .map((text) => h("th", { scope: "col" }, text)))),
        h("tbody", {}, rows))),
  );
  return null;
}

function suggestionRow(row, { data, canWrite, values, reason }) {
  const status = h("p", { class: "row-status", role: "status" });
  const current = h("strong", { class: "current" }, row.current ? row.current.value_title : "не выставлена");
  let control = null;
  if (canWrite) {
    const id = `final-${row.student_id}`;
    const allowed = row.can_set_mark ? [...values, ...SPECIAL] : SPECIAL;
    const preset = row.current ? row.current.value : row.can_set_mark ? row.suggested_value || "" : "not_attested";
    const select = h("select", { id }, allowed.map(([value, text]) => h("option", { value, selected: value === preset }, text)));
    const set = h("button", { type: "button", class: "small" }, "Поставить");
    set.setAttribute("aria-label", `Поставить итоговую: ${shortName(row)}`);
    set.addEventListener("click", async () => {
      const body = { value: select.value, request_id: crypto.randomUUID() };
      if (reason.value.trim()) body.reason = reason.value.trim();
      try {
        const reply = await put(`/api/v1/journal/students/${row.student_id}/subjects/${data.subject.id}`
          + `/periods/${data.period.id}/final-marks/${data.kind}`, body);
        current.textContent = reply.final_mark.value_title;
        status.className = "row-status";
        status.textContent = reply.changed ? "Сохранено" : "Без изменений";
      } catch (error) {
        status.className = "row-status error";
        status.textContent = error instanceof ApiError ? error.message : "Не сохранено";
      }
    });
    control = h("div", { class: "actions" },
      h("label", { for: id, class: "visually-hidden" }, `Итоговая отметка: ${shortName(row)}`), select, set);
  }
  const attendance = row.attendance && row.attendance.missed
    ? h("p", { class: "muted" }, `Пропущено ${countOf(row.attendance.missed, WORDS.lesson)} из ${row.attendance.lessons_held}`)
    : null;
  return h("tr", { dataset: { student: row.student_id } },
    h("th", { scope: "row" }, shortName(row)),
    h("td", { class: "marks" }, row.marks.length ? row.marks.map((mark) => h("span", {
      class: `mark mark-${mark.value}`,
      title: `${formatDayMonth(mark.date)}: ${mark.work_type_title}${mark.weight ? `, вес ${formatDecimal(mark.weight)}` : ""}`,
    }, markText(mark.value))) : h("span", { class: "muted" }, "нет"), attendance),
    h("td", { class: "num" }, formatDecimal(row.weighted_average)),
    h("td", {},
      h("strong", {}, row.suggested_value ? markText(row.suggested_value) : "—"),
      h("p", { class: "muted explanation" }, row.explanation),
      row.unmet.length ? h("ul", { class: "error unmet" }, row.unmet.map((item) => h("li", {}, item.message))) : null),
    h("td", {}, current, control, status));
}
