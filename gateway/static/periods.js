// A school's study periods (GET /api/v1/journal/periods): the journal page,
// the diary and the class overview need one. With none in the address they
// take the quarter (or trimester) of today, else the latest that has started;
// a labelled <select> switches between the periods.
import { get } from "./api.js";
import { h } from "./dom.js";
import { formatDayMonth, isoDay } from "./i18n.js";

const cache = new Map();  // school id ("" for the caller's own) → a promise of the periods

// The school's periods by start date; `schoolId` left out: the caller's own school
// (a parent's: their children's).
export function listPeriods(schoolId) {
  const key = schoolId || "";
  if (!cache.has(key)) {
    const query = schoolId ? `?school_id=${encodeURIComponent(schoolId)}` : "";
    const loading = get(`/api/v1/journal/periods${query}`).then((reply) => reply.periods);
    loading.catch(() => cache.delete(key));  // a failure is not remembered: the next screen asks again
    cache.set(key, loading);
  }
  return cache.get(key);
}

const TERMS = new Set(["quarter", "trimester"]);

// The quarter or trimester containing `today`, else the latest that has started, else the first one.
export function currentPeriod(periods, today = new Date()) {
  const day = isoDay(today);
  const terms = periods.filter((period) => TERMS.has(period.kind));
  const pool = terms.length ? terms : periods;
  const containing = pool.find((period) => period.start_date <= day && day <= period.end_date);
  if (containing) return containing;
  const started = pool.filter((period) => period.start_date <= day);
  return started.length ? started[started.length - 1] : pool[0] || null;
}

// The period of a screen: the one in the address if the school has it, else the current one.
export async function choosePeriod(periodId, schoolId) {
  const periods = await listPeriods(schoolId);
  const chosen = periods.find((period) => period.id === periodId) || (periodId ? null : currentPeriod(periods));
  return { periods, period: chosen };
}

let switchers = 0;

// «Учебный период: [2 четверть (05.11 — 28.12)]»; choosing one calls `onChoose(period id)`.
export function periodSwitcher(periods, selectedId, onChoose) {
  switchers += 1;
  const id = `period-switcher-${switchers}`;
  const select = h("select", { id, name: "period" }, periods.map((period) => h("option", {
    value: period.id, selected: period.id === selectedId,
  }, `${period.title} (${formatDayMonth(period.start_date)} — ${formatDayMonth(period.end_date)})`)));
  select.addEventListener("change", () => onChoose(select.value));
  return h("div", { class: "period-switcher no-print" }, h("label", { for: id }, "Учебный период"), select);
}

// The district operator works with one school at a time: the one in the address
// ("?school=<id>"), else the one chosen last (on the schools screen or a page's picker).
const SCHOOL_KEY = "ezh.district-school";

export function rememberedSchool() {
  try { return JSON.parse(localStorage.getItem(SCHOOL_KEY)); } catch { return null; }
}

export function rememberSchool(school) {
  localStorage.setItem(SCHOOL_KEY, JSON.stringify({ id: school.id, name: school.short_name || school.name }));
}

// Every school of the district (GET /api/v1/schools, page by page).
export async function listSchools() {
  let schools = [];
  let token = "";
  do {
    const page = await get(`/api/v1/schools?page_size=200${token ? `&page_token=${encodeURIComponent(token)}` : ""}`);
    schools = schools.concat(page.schools);
    token = page.next_page_token;
  } while (token);
  return schools;
}

// «Школа: [СОШ № 1]»; choosing one calls `onChoose(school)`.
export function schoolPicker(schools, selectedId, onChoose) {
  switchers += 1;
  const id = `school-picker-${switchers}`;
  const select = h("select", { id, name: "school" },
    selectedId ? null : h("option", { value: "", selected: true }, "— выберите школу —"),
    schools.map((school) => h("option", { value: school.id, selected: school.id === selectedId }, school.short_name || school.name)));
  select.addEventListener("change", () => {
    const school = schools.find((item) => item.id === select.value);
    if (school) onChoose(school);
  });
  return h("div", { class: "period-switcher no-print" }, h("label", { for: id }, "Школа"), select);
}
