// A class page opened by the district operator: the school comes from the
// address ("?school=<id>") or the one chosen last, with a picker to change it;
// the school's study periods with a switcher; and what the district may read
// for the period: the school's progress report by school, class and subject.
// The class's journal, students and parents stay with the school's staff.
import { get } from "../api.js";
import { failure, h, heading, show } from "../dom.js";
import { choosePeriod, listSchools, periodSwitcher, rememberSchool, rememberedSchool, schoolPicker } from "../periods.js";
import { showReport } from "./reports.js";

const address = (classId, periodId, schoolId) => `#/class/${classId}${periodId ? `/${periodId}` : ""}?school=${schoolId}`;

export async function render(view, context, { classId, periodId, schoolId }) {
  document.title = "Класс — Электронный журнал";
  let schools;
  try {
    schools = await listSchools();
  } catch (error) {
    show(view, heading("Класс"), failure(error));
    return null;
  }
  const school = schools.find((item) => item.id === (schoolId || rememberedSchool()?.id));
  const picker = schoolPicker(schools, school ? school.id : null, (chosen) => {
    rememberSchool(chosen);
    location.hash = address(classId, null, chosen.id);
  });
  if (!school) {
    show(view, heading("Класс"), h("p", {}, "Выберите школу этого класса: учебные периоды и отчёты берутся из неё."), picker);
    return null;
  }
  rememberSchool(school);
  let chosen;
  try {
    chosen = await choosePeriod(periodId, school.id);
  } catch (error) {
    show(view, heading(`Класс: ${school.short_name || school.name}`), picker, failure(error));
    return null;
  }
  const { periods, period } = chosen;
  const switcher = periods.length
    ? periodSwitcher(periods, period ? period.id : null, (id) => { location.hash = address(classId, id, school.id); })
    : null;
  const output = h("div", { class: "report", "aria-live": "polite" }, h("p", { class: "muted" }, "Отчёт собирается…"));
  show(view, heading(`Класс: ${school.short_name || school.name}`), picker, switcher,
    h("p", { class: "muted" }, "Оператору района доступны отчёты школы; журнал класса, ученики и родители — у сотрудников школы."),
    period ? output : h("p", { role: "note" }, "Учебные периоды школы не заданы."));
  if (period) {
    const path = `/api/v1/reports/progress?school_id=${school.id}&period_id=${period.id}&class_id=${classId}`;
    try {
      showReport(output, await get(path), path);
    } catch (error) {
      show(output, failure(error));
    }
  }
  return null;
}
