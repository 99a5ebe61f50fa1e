// Exceptions to locked periods (M3): the deputy director or the director lets
// marks of a locked period, or final marks after the deadline, be entered for
// some days; every exception is listed and can be closed early. The period
// is chosen among the school's periods (the current one to start with).
import { get, post } from "../api.js";
import { failure, h, heading, show } from "../dom.js";
import { formatDate, formatDateTime, isoDay } from "../i18n.js";
import { choosePeriod, periodSwitcher } from "../periods.js";

export async function render(view, context, { periodId }) {
  document.title = "Исключения из блокировки периода — Электронный журнал";
  const schoolId = context.me.school.id;
  const granting = context.hasRole("deputy_director", "director");
  let found;
  try {
    found = await choosePeriod(periodId);
  } catch (error) {
    show(view, heading("Исключения из блокировки периода"), failure(error));
    return null;
  }
  const { periods, period: chosen } = found;
  const period = chosen ? chosen.id : null;
  const titleOf = (id) => periods.find((item) => item.id === id)?.title || "другой период";
  const list = h("div", {});
  const load = async () => {
    let exceptions;
    try {
      exceptions = (await get(`/api/v1/journal/schools/${schoolId}/exceptions`)).exceptions;
    } catch (error) {
      list.replaceChildren(failure(error));
      return;
    }
    list.replaceChildren(exceptions.length ? h("ol", { class: "inbox exceptions" }, exceptions.map((item) => {
      const status = h("p", { role: "status" });
      const close = item.closed || !granting ? null : h("button", { type: "button", class: "secondary small" }, "Закрыть досрочно");
      close?.addEventListener("click", async () => {
        try { await post(`/api/v1/journal/exceptions/${item.id}/close`, {}); await load(); } catch (error) { status.textContent = error.message; }
      });
      return h("li", { class: item.active ? "unread" : "read", dataset: { id: item.id } },
        h("h3", {}, `${titleOf(item.period_id)}: с ${formatDate(item.valid_from)} по ${formatDate(item.valid_until)}`,
          item.class_id || item.subject_id ? " (один класс и предмет)" : " (вся школа)"),
        h("p", { class: "text" }, item.reason),
        h("p", { class: "muted" }, `Открыто ${formatDateTime(item.grant_time)}; `,
          item.closed ? `закрыто ${formatDateTime(item.close_time)}` : item.active ? "действует" : "не действует"),
        close, status);
    })) : h("p", { class: "muted" }, "Исключений нет."));
  };
  let form = null;
  if (granting) {
    const error = h("p", { class: "error", role: "alert", hidden: true });
    const until = new Date();
    until.setDate(until.getDate() + 3);
    form = h("form", { id: "new-exception", class: "narrow", novalidate: true },
      h("h3", {}, chosen ? `Открыть исключение: ${chosen.title}` : "Открыть исключение"),
      period ? null : h("p", { role: "note" }, "Учебные периоды школы не заданы: исключение открыть не для чего."),
      h("label", { for: "exception-from" }, "С"), h("input", { id: "exception-from", name: "from", type: "date", value: isoDay(new Date()) }),
      h("label", { for: "exception-until" }, "По (включительно)"),
      h("input", { id: "exception-until", name: "until", type: "date", value: isoDay(until) }),
      h("label", { for: "exception-reason" }, "Основание (номер приказа, причина)"),
      h("input", { id: "exception-reason", name: "reason", maxlength: "500" }),
      h("button", { type: "submit", disabled: !period }, "Открыть"), error);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const fail = (text) => { error.textContent = text; error.hidden = false; };
      if (!form.reason.value.trim()) { fail("Поле «Основание»: обязательное поле"); return; }
      try {
        await post(`/api/v1/journal/periods/${period}/exceptions`, {
          valid_from: form.from.value, valid_until: form.until.value, reason: form.reason.value.trim(),
          request_id: crypto.randomUUID(),
        });
        form.reason.value = "";
        error.hidden = true;
        await load();
      } catch (failed) { fail(failed.message); }
    });
  }
  const chooser = periods.length ? periodSwitcher(periods, period, (id) => { location.hash = `#/exceptions/${id}`; }) : null;
  show(view, heading("Исключения из блокировки периода"), chooser, list, form);
  await load();
  return null;
}
