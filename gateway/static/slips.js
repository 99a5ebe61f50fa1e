// Activation code slips to print and cut: one per person, shown once.
import { h } from "./dom.js";
import { formatDateTime } from "./i18n.js";

export function showSlips(container, slips) {
  if (!slips.length) { container.hidden = true; return; }
  const address = `${location.origin}/#/activate`;
  const print = h("button", { type: "button", class: "no-print" }, "Распечатать");
  print.addEventListener("click", () => window.print());
  container.replaceChildren(
    h("h2", { id: "slips-title", class: "no-print" }, "Коды активации для печати"),
    h("p", { class: "no-print muted" }, "Каждый код действует один раз. Разрежьте лист и раздайте полоски лично."),
    print,
    h("div", { class: "slips" }, slips.map((slip) => h("article", { class: "slip" },
      h("p", {}, h("strong", {}, slip.school_name)),
      h("p", {}, `${slip.person_name} — ${slip.role_title || ""}${slip.class_name ? `, ${slip.class_name} класс` : ""}`),
      h("p", {}, "Код активации:"),
      h("p", { class: "code" }, slip.code),
      h("p", {}, `Откройте ${slip.activation_url || address}, введите код и придумайте логин и пароль.`),
      slip.expire_time ? h("p", { class: "muted" }, `Код действует до ${formatDateTime(slip.expire_time)}.`) : null))),
  );
  container.hidden = false;
  print.focus();
}
