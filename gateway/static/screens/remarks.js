// Remarks on journal keeping (R2): the deputy director or director writes
// one to a teacher; the teacher sees their own and marks them fixed.
import { get, post } from "../api.js";
import { failure, h, heading, show } from "../dom.js";
import { formatDateTime } from "../i18n.js";

export async function render(view, context) {
  document.title = "Замечания по журналу — Электронный журнал";
  const controller = context.hasRole("deputy_director", "director");
  const teacher = context.hasRole("subject_teacher", "class_teacher");
  const list = h("div", {});
  let staff = new Map();
  if (context.hasRole("administrator", "director", "deputy_director")) {
    try {
      staff = new Map((await get("/api/v1/staff?page_size=500")).people.map((person) => [person.id, person]));
    } catch { /* names stay unknown */ }
  }
  const load = async () => {
    let remarks;
    try {
      remarks = (await get("/api/v1/journal-remarks?page_size=200")).remarks;
    } catch (error) {
      list.replaceChildren(failure(error));
      return;
    }
    list.replaceChildren(remarks.length ? h("ol", { class: "inbox remarks" }, remarks.map((remark) =>
      remarkItem(remark, { staff, canFix: teacher && remark.teacher_id === context.me.person.id, reload: load })))
      : h("p", { class: "muted" }, "Замечаний нет."));
  };
  show(view, heading("Замечания по ведению журнала"), list, controller ? remarkForm(staff, load) : null);
  await load();
  return null;
}

function remarkItem(remark, { staff, canFix, reload }) {
  const who = staff.get(remark.teacher_id);
  const status = h("p", { role: "status" });
  let fix = null;
  if (canFix && !remark.fix_time) {
    const id = `fix-${remark.id}`;
    const comment = h("input", { id, maxlength: "500" });
    const done = h("button", { type: "button", class: "small" }, "Исправлено");
    done.addEventListener("click", async () => {
      try {
        await post(`/api/v1/journal-remarks/${remark.id}/fixed`, { comment: comment.value.trim(), request_id: crypto.randomUUID() });
        await reload();
      } catch (error) { status.textContent = error.message; }
    });
    fix = h("div", { class: "actions" }, h("label", { for: id }, "Что исправлено"), comment, done);
  }
  return h("li", { class: remark.fix_time ? "read" : "unread" },
    h("h3", {}, who ? who.full_name : "Замечание к вашему журналу"),
    h("p", { class: "text" }, remark.text),
    h("p", { class: "muted" }, `Записано ${formatDateTime(remark.create_time)}`),
    remark.fix_time ? h("p", {}, `Исправлено ${formatDateTime(remark.fix_time)}${remark.fix_comment ? `: ${remark.fix_comment}` : ""}`)
      : h("p", { class: "error" }, "Не исправлено"),
    fix, status);
}

function remarkForm(staff, reload) {
  const error = h("p", { class: "error", role: "alert", hidden: true });
  const teachers = [...staff.values()].filter((person) => person.roles.some((grant) => grant.role === "subject_teacher"));
  const form = h("form", { id: "new-remark", class: "narrow", novalidate: true },
    h("h3", {}, "Новое замечание"),
    h("label", { for: "remark-teacher" }, "Учитель"),
    h("select", { id: "remark-teacher", name: "teacher" }, h("option", { value: "" }, "— выберите —"),
      teachers.map((person) => h("option", { value: person.id }, person.full_name))),
    h("label", { for: "remark-text" }, "Замечание"),
    h("textarea", { id: "remark-text", name: "text", rows: "3", maxlength: "2000" }),
    h("button", { type: "submit" }, "Записать замечание"), error);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const fail = (text) => { error.textContent = text; error.hidden = false; };
    if (!form.teacher.value) { fail("Поле «Учитель»: выберите учителя"); return; }
    if (!form.text.value.trim()) { fail("Поле «Замечание»: напишите, что исправить"); return; }
    try {
      await post("/api/v1/journal-remarks", { teacher_id: form.teacher.value, text: form.text.value.trim(),
        request_id: crypto.randomUUID() });
      form.reset();
      error.hidden = true;
      await reload();
    } catch (failed) { fail(failed.message); }
  });
  return form;
}
