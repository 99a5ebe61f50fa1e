// Reports (R1–R4) for a span of days: tables and bar charts on the page,
// and the same report as an xlsx or PDF file to download.
import { get } from "../api.js";
import { failure, h, heading, show } from "../dom.js";
import { isoDay } from "../i18n.js";

const ADMINISTRATION = ["administrator", "director", "deputy_director"];
const TEACHERS = ["subject_teacher", "class_teacher"];
// Report → its title and who may ask for it (as the gateway admits).
const REPORTS = {
  progress: ["Успеваемость и качество знаний", [...ADMINISTRATION, "district_operator"]],
  attendance: ["Посещаемость", [...ADMINISTRATION, ...TEACHERS]],
  "journal-control": ["Контроль ведения журнала", [...ADMINISTRATION, ...TEACHERS]],
  "subject-teacher": ["Отчёт учителя-предметника", [...ADMINISTRATION, ...TEACHERS]],
  "class-teacher": ["Отчёт классного руководителя", [...ADMINISTRATION, "class_teacher"]],
  "class-forecast": ["Прогноз итоговых отметок класса", [...ADMINISTRATION, ...TEACHERS]],
  district: ["Сводка по району", ["district_operator", ...ADMINISTRATION]],
};
const CHART_WIDTH = 320;

export function availableReports(context) {
  return Object.entries(REPORTS).filter(([, [, roles]]) => context.hasRole(...roles));
}

export async function render(view, context) {
  document.title = "Отчёты — Электронный журнал";
  const reports = availableReports(context);
  const today = new Date();
  const monthAgo = new Date(today);
  monthAgo.setDate(monthAgo.getDate() - 28);
  const kind = h("select", { id: "report-kind" }, reports.map(([key, [title]]) => h("option", { value: key }, title)));
  const start = h("input", { id: "report-start", type: "date", value: isoDay(monthAgo) });
  const end = h("input", { id: "report-end", type: "date", value: isoDay(today) });
  const output = h("div", { class: "report", "aria-live": "polite" });
  const form = h("form", { class: "report-form no-print", novalidate: true },
    h("label", { for: "report-kind" }, "Отчёт"), kind,
    h("div", { class: "quiet" }, h("label", { for: "report-start" }, "с"), start, h("label", { for: "report-end" }, "по"), end),
    h("button", { type: "submit" }, "Показать"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!start.value || !end.value || start.value > end.value) {
      output.replaceChildren(h("p", { class: "error", role: "alert" }, "Поля «с» и «по»: укажите дни, начало не позже конца"));
      return;
    }
    const query = `start_date=${start.value}&end_date=${end.value}`;
    const path = `/api/v1/reports/${kind.value}?${query}`;
    output.replaceChildren(h("p", { class: "muted" }, "Отчёт собирается…"));
    try {
      showReport(output, await get(path), path);
    } catch (error) {
      output.replaceChildren(failure(error));
    }
  });
  show(view, heading("Отчёты"), reports.length ? form : h("p", {}, "Отчёты вашей роли недоступны."), output);
  return null;
}

export function showReport(output, report, path) {
  show(output,
    h("h3", {}, report.title),
    report.subtitle ? h("p", { class: "muted" }, report.subtitle) : null,
    h("p", { class: "no-print" }, "Скачать: ",
      h("a", { href: `${path}&format=xlsx`, download: "" }, "Excel (xlsx)"), " · ",
      h("a", { href: `${path}&format=pdf`, download: "" }, "PDF")),
    report.charts.map(chart),
    report.tables.map((table, index) => {
      const id = `report-table-${index}`;
      return h("section", { "aria-labelledby": id },
        h("h4", { id }, table.title),
        table.rows.length ? h("div", { class: "table-wrap", tabindex: "0", role: "region", "aria-labelledby": id },
          h("table", { class: "members report-table" },
            h("thead", {}, h("tr", {}, table.columns.map((column) => h("th", { scope: "col" }, column)))),
            h("tbody", {}, table.rows.map((row) => h("tr", {}, row.map((cell, position) => position === 0
              ? h("th", { scope: "row" }, cell.text)
              : h("td", { class: cell.number === null ? null : "num" }, cell.text)))))))
          : h("p", { class: "muted" }, "Нет данных за эти дни."));
    }));
}

// A horizontal bar chart as SVG (attributes only: the page's CSP allows no inline styles).
function chart(data) {
  const series = Object.entries(data.series);
  if (!series.length || !data.labels.length) return null;
  const [name, values] = series[0];
  const top = Math.max(...values, 0) || 1;
  const rowHeight = 22;
  const labelWidth = 150;
  const svgNs = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(svgNs, "svg");
  svg.setAttribute("viewBox", `0 0 ${labelWidth + CHART_WIDTH + 60} ${data.labels.length * rowHeight + 4}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", `${data.title}: ${data.labels.map((label, i) => `${label} — ${values[i]}`).join("; ")}`);
  svg.classList.add("chart");
  data.labels.forEach((label, index) => {
    const y = index * rowHeight + 2;
    const text = document.createElementNS(svgNs, "text");
    text.setAttribute("x", "0");
    text.setAttribute("y", String(y + 15));
    text.textContent = label.length > 22 ? `${label.slice(0, 21)}…` : label;
    const bar = document.createElementNS(svgNs, "rect");
    bar.setAttribute("x", String(labelWidth));
    bar.setAttribute("y", String(y + 3));
    bar.setAttribute("height", String(rowHeight - 8));
    bar.setAttribute("width", String(Math.max(1, (values[index] / top) * CHART_WIDTH)));
    const value = document.createElementNS(svgNs, "text");
    value.setAttribute("x", String(labelWidth + Math.max(1, (values[index] / top) * CHART_WIDTH) + 6));
    value.setAttribute("y", String(y + 15));
    value.textContent = String(values[index]).replace(".", ",");
    svg.append(text, bar, value);
  });
  return h("figure", { class: "chart-figure" }, svg, h("figcaption", {}, `${data.title}${series.length > 1 ? ` (${name})` : ""}`));
}
