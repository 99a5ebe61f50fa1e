// The class teacher's class: students and their parents, who has signed in,
// and activation codes issued for those who have not — printed as slips to
// cut and hand out (print CSS shows only the slips).
import { ApiError, get, post } from "../api.js";
import { failure, h, heading, show } from "../dom.js";
import { WORDS, countOf, formatDateTime } from "../i18n.js";
import { showSlips } from "../slips.js";

export async function render(view, context, { classId }) {
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
        h("label", { for: id }, isParent ? `${member.full_name} (${member.role_title || "родитель"})` : member.full_name)),
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
  show(view, 
    h("div", { class: "no-print" },
      heading(grant ? "Мой класс: ученики и родители" : "Ученики и родители класса"),
      h("p", { class: "muted" }, `${countOf(students.length, WORDS.student)}; настроили вход: ${activated} из ${members.length}.`),
      h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-label": "Ученики и родители" },
        h("table", { class: "members" },
          h("thead", {}, h("tr", {}, h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Выбрать")),
            h("th", { scope: "col" }, "ФИО"), h("th", { scope: "col" }, "Вход в журнал"),
            h("th", { scope: "col" }, "Последний вход"))),
          h("tbody", {}, students.flatMap((student) => [row(student, false),
            ...parentsOf(student.person_id).map((parent) => row(parent, true))])))),
      h("div", { class: "tools" }, selectNew, " ", issue), status),
    slips,
  );
  return null;
}
