// A student's personal data kept by the class teacher (J1): the student's and
// the guardians' details, when they were last verified, and "verified today".
import { get, post, put } from "../api.js";
import { failure, h, heading, show } from "../dom.js";
import { formatDate } from "../i18n.js";

const RELATIONS = { mother: "мать", father: "отец", guardian: "опекун" };

export async function render(view, context, { studentId }) {
  let record;
  try {
    record = await get(`/api/v1/journal/students/${studentId}/record`);
  } catch (error) {
    show(view, heading("Личные данные"), failure(error));
    return null;
  }
  const editable = context.hasRole("class_teacher", "administrator");
  const name = [record.last_name, record.first_name, record.middle_name].filter(Boolean).join(" ");
  document.title = `${name}: личные данные — Электронный журнал`;
  const field = (id, label, value, attributes = {}) => [
    h("label", { for: id }, label),
    h("input", { id, value: value || "", readonly: !editable, ...attributes }),
  ];
  const guardianFields = record.guardians.map((guardian, index) => h("fieldset", { class: "guardian", dataset: { id: guardian.guardian_id } },
    h("legend", {}, `${RELATIONS[guardian.relation] || guardian.relation}: ${guardian.last_name} ${guardian.first_name}`),
    field(`g${index}-last`, "Фамилия", guardian.last_name, { maxlength: "100" }),
    field(`g${index}-first`, "Имя", guardian.first_name, { maxlength: "100" }),
    field(`g${index}-middle`, "Отчество", guardian.middle_name, { maxlength: "100" }),
    field(`g${index}-phone`, "Телефон", guardian.phone, { type: "tel", maxlength: "30" }),
    field(`g${index}-email`, "Электронная почта", guardian.email, { type: "email", maxlength: "200" }),
    h("label", { class: "inline" }, h("input", { type: "checkbox", id: `g${index}-access`, checked: guardian.electronic_access,
      disabled: !editable }), " Пользуется электронным журналом (иначе — бумажная выписка раз в неделю)")));
  const verified = h("p", { id: "verified" }, verifiedText(record));
  const status = h("p", { role: "status" });
  const save = h("button", { type: "button" }, "Сохранить");
  const value = (id) => view.querySelector(`#${id}`).value.trim();
  save.addEventListener("click", async () => {
    const body = {
      last_name: value("s-last"), first_name: value("s-first"), middle_name: value("s-middle"),
      birth_date: value("s-birth"), phone: value("s-phone"), email: value("s-email"), address: value("s-address"),
      guardians: record.guardians.map((guardian, index) => ({
        guardian_id: guardian.guardian_id, relation: guardian.relation, address: guardian.address,
        last_name: value(`g${index}-last`), first_name: value(`g${index}-first`), middle_name: value(`g${index}-middle`),
        phone: value(`g${index}-phone`), email: value(`g${index}-email`),
        electronic_access: view.querySelector(`#g${index}-access`).checked,
      })),
      request_id: crypto.randomUUID(),
    };
    try {
      record = await put(`/api/v1/journal/students/${studentId}/record`, body);
      verified.textContent = verifiedText(record);
      status.textContent = "Сохранено";
    } catch (error) { status.textContent = error.message; }
  });
  const verify = h("button", { type: "button", class: "secondary" }, "Данные проверены сегодня");
  verify.addEventListener("click", async () => {
    try {
      record = await post(`/api/v1/journal/students/${studentId}/record/verified`, {});
      verified.textContent = verifiedText(record);
      status.textContent = "Отмечено: данные проверены";
    } catch (error) { status.textContent = error.message; }
  });
  show(view, heading(`Личные данные: ${name}`),
    h("p", { class: "muted" }, `${record.class_name} класс`), verified,
    h("form", { class: "narrow record", novalidate: true },
      h("fieldset", {}, h("legend", {}, "Ученик"),
        field("s-last", "Фамилия", record.last_name, { maxlength: "100" }),
        field("s-first", "Имя", record.first_name, { maxlength: "100" }),
        field("s-middle", "Отчество", record.middle_name, { maxlength: "100" }),
        field("s-birth", "Дата рождения", record.birth_date, { type: "date" }),
        field("s-phone", "Телефон", record.phone, { type: "tel", maxlength: "30" }),
        field("s-email", "Электронная почта", record.email, { type: "email", maxlength: "200" }),
        field("s-address", "Адрес", record.address, { maxlength: "300" })),
      guardianFields),
    editable ? h("div", { class: "tools" }, save, " ", verify) : null, status);
  return null;
}

function verifiedText(record) {
  if (!record.last_verified) return "Данные ещё ни разу не проверялись.";
  const due = record.verification_due_date ? `; следующая проверка до ${formatDate(record.verification_due_date)}` : "";
  return `Последняя проверка: ${formatDate(record.last_verified)}${due}.${record.verification_due ? " Пора проверить снова." : ""}`;
}
