// Subgroups of a class for a subject (J4): the current division, dividing
// the class (class teacher, administrator) and moving a student to another
// subgroup (administrator only, and only in the window at a period's end:
// the journal service refuses otherwise and says why, shown as is).
import { get, post, put } from "../api.js";
import { failure, h, heading, show } from "../dom.js";
import { WORDS, countOf, formatDate, isoDay } from "../i18n.js";
import { choosePeriod } from "../periods.js";

// The school's classes for the administrator: those with a class teacher, named from their week's timetable.
async function schoolClasses(schoolId) {
  const staff = (await get("/api/v1/staff?page_size=500")).people;
  const classes = new Map();
  for (const person of staff) {
    for (const grant of person.roles) {
      if (grant.role === "class_teacher" && grant.class_id) classes.set(grant.class_id, person.full_name);
    }
  }
  const today = isoDay(new Date());
  const named = await Promise.all([...classes].map(async ([id, teacher]) => {
    try {
      const lessons = (await get(`/api/v1/schedule/schools/${schoolId}/weeks/classes/${id}?date=${today}`)).lessons;
      if (lessons.length) return { id, name: lessons[0].class_name };
    } catch { /* named by the class teacher below */ }
    return { id, name: `класс (кл. рук. ${teacher})` };
  }));
  return { classes: named.sort((a, b) => a.name.localeCompare(b.name, "ru", { numeric: true })), staff };
}

function picker(id, label, options, selected, onChoose) {
  const select = h("select", { id }, options.map(([value, text]) => h("option", { value, selected: value === selected }, text)));
  select.addEventListener("change", () => onChoose(select.value));
  return [h("label", { for: id }, label), select];
}

export async function render(view, context, params) {
  document.title = "Подгруппы — Электронный журнал";
  const schoolId = context.me.school.id;
  const administrator = context.hasRole("administrator");
  const ownClasses = context.me.roles.filter((grant) => grant.role === "class_teacher" && grant.class_id)
    .map((grant) => grant.class_id);
  let classes;
  let staff = [];
  let students;
  let subjects;
  let classId;
  let subjectId;
  try {
    if (administrator) ({ classes, staff } = await schoolClasses(schoolId));
    else classes = ownClasses.map((id) => ({ id, name: "мой класс" }));
    classId = params.classId || (classes[0] && classes[0].id);
    if (!classId) {
      show(view, heading("Подгруппы"), h("p", {}, "Классов нет."));
      return null;
    }
    const { period } = await choosePeriod(null);
    const overview = await get(`/api/v1/journal/classes/${classId}/marks-overview?period_id=${encodeURIComponent(period.id)}`);
    students = new Map(overview.students.map((student) => [student.student_id, student.name]));
    subjects = overview.subjects;
    subjectId = params.subjectId || (subjects[0] && subjects[0].subject_id);
  } catch (error) {
    show(view, heading("Подгруппы"), failure(error));
    return null;
  }
  const go = (nextClass, nextSubject) => { location.hash = `#/subgroups/${nextClass}${nextSubject ? `/${nextSubject}` : ""}`; };
  const teachers = new Map(staff.map((person) => [person.id, person.full_name]));
  const canDivide = administrator || ownClasses.includes(classId);
  const body = h("div", {});
  const draw = async () => {
    let groups;
    try {
      groups = (await get(`/api/v1/journal/classes/${classId}/subjects/${subjectId}/subgroups`)).subgroups;
    } catch (error) {
      show(body, failure(error));
      return;
    }
    if (!groups.length) {
      show(body, h("p", {}, "Класс по этому предмету не разделён на подгруппы."), canDivide ? divisionForm() : null);
      return;
    }
    show(body, h("div", { class: "cards" }, groups.map((group) => groupCard(group, groups))));
  };

  // Each student to a subgroup (alternating to start with), then one PUT.
  const divisionForm = () => {
    const status = h("p", { role: "alert" });
    const names = ["1 группа", "2 группа"].map((name, index) => h("input", { id: `subgroup-name-${index}`, value: name, maxlength: "100" }));
    const rows = [...students].map(([id, name], index) => {
      const select = h("select", { id: `subgroup-of-${id}`, dataset: { student: id } },
        names.map((input, group) => h("option", { value: String(group), selected: group === index % 2 }, `${group + 1} группа`)));
      return h("tr", {}, h("th", { scope: "row" }, h("label", { for: select.id }, name)), h("td", {}, select));
    });
    const divide = h("button", { type: "button" }, "Разделить класс");
    divide.addEventListener("click", async () => {
      const chosen = names.map((input) => ({ name: input.value.trim(), student_ids: [] }));
      for (const select of body.querySelectorAll("select[data-student]")) chosen[Number(select.value)].student_ids.push(select.dataset.student);
      try {
        await put(`/api/v1/journal/classes/${classId}/subjects/${subjectId}/subgroups`,
          { subgroups: chosen, request_id: crypto.randomUUID() });
        await draw();
        view.querySelector("#subgroups-status").textContent = "Класс разделён на подгруппы.";
      } catch (error) {
        status.textContent = error.message;
      }
    });
    return h("section", { "aria-labelledby": "division-title" },
      h("h3", { id: "division-title" }, "Разделить класс на подгруппы"),
      names.map((input, index) => [h("label", { for: input.id }, `Название ${index + 1}-й подгруппы`), input]),
      h("table", { class: "members" }, h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Ученик"), h("th", { scope: "col" }, "Подгруппа"))),
        h("tbody", {}, rows)),
      divide, status);
  };

  const groupCard = (group, groups) => {
    const titleId = `subgroup-${group.id}`;
    const others = groups.filter((other) => other.id !== group.id);
    return h("section", { class: "card", "aria-labelledby": titleId },
      h("h3", { id: titleId }, group.name),
      group.teacher_id ? h("p", { class: "muted" }, `Учитель: ${teachers.get(group.teacher_id) || "назначен"}`) : null,
      h("p", { class: "muted" }, countOf(group.student_ids.length, WORDS.student)),
      h("ol", {}, group.student_ids.map((studentId) => {
        const name = students.get(studentId) || "ученик выбыл";
        if (!administrator || !others.length) return h("li", {}, name);
        const id = `move-${group.id}-${studentId}`;
        const target = h("select", { id }, others.map((other) => h("option", { value: other.id }, other.name)));
        const status = h("p", { role: "alert", class: "error" });
        const move = h("button", { type: "button", class: "small", "aria-label": `Перевести: ${name}` }, "Перевести");
        move.addEventListener("click", async () => {
          try {
            const result = await post(`/api/v1/journal/students/${studentId}/subgroup`,
              { subgroup_id: target.value, request_id: crypto.randomUUID() });
            await draw();
            view.querySelector("#subgroups-status").textContent = result.effective_date
              ? `${name} — в новой подгруппе с ${formatDate(result.effective_date)}.` : `${name} переведён(а).`;
          } catch (error) {
            status.textContent = error.message;
          }
        });
        return h("li", {}, name, h("div", { class: "actions" }, h("label", { for: id }, "в подгруппу"), target, move), status);
      })));
  };

  show(view, heading("Подгруппы"),
    h("div", { class: "actions" },
      classes.length > 1 ? picker("subgroups-class", "Класс", classes.map((item) => [item.id, item.name]), classId, (id) => go(id, null)) : null,
      subjects.length ? picker("subgroups-subject", "Предмет", subjects.map((item) => [item.subject_id, item.subject_name]), subjectId,
        (id) => go(classId, id)) : null),
    administrator ? h("p", { class: "muted" }, "Перевести ученика в другую подгруппу можно только по окончании учебного периода.") : null,
    h("p", { id: "subgroups-status", role: "status" }),
    subjectId ? body : h("p", {}, "У класса нет предметов в этом периоде."));
  if (subjectId) await draw();
  return null;
}
