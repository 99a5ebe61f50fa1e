// Russian words, numbers and dates for the web client. Pure functions only.

// The Russian plural form for a count: forms are [one, few, many],
// as in plural(n, ["пропуск", "пропуска", "пропусков"]).
export function plural(count, forms) {
  const n = Math.abs(Math.trunc(Number(count)));
  const lastTwo = n % 100;
  const last = n % 10;
  if (lastTwo >= 11 && lastTwo <= 14) return forms[2];
  if (last === 1) return forms[0];
  if (last >= 2 && last <= 4) return forms[1];
  return forms[2];
}

// "5 пропусков": the count and its word.
export function countOf(count, forms) {
  return `${count} ${plural(count, forms)}`;
}

export const WORDS = {
  absence: ["пропуск", "пропуска", "пропусков"],
  mark: ["отметка", "отметки", "отметок"],
  lesson: ["урок", "урока", "уроков"],
  student: ["ученик", "ученика", "учеников"],
  session: ["сеанс", "сеанса", "сеансов"],
  change: ["изменение", "изменения", "изменений"],
  code: ["код", "кода", "кодов"],
  notification: ["уведомление", "уведомления", "уведомлений"],
  seat: ["место", "места", "мест"],
};

// An ISO day ("2026-11-05") as a local date, without a time-zone shift.
export function parseDay(iso) {
  const [year, month, day] = iso.split("-").map(Number);
  return new Date(year, month - 1, day);
}

export function isoDay(date) {
  const pad = (value) => String(value).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

const dayMonth = new Intl.DateTimeFormat("ru-RU", { day: "numeric", month: "long" });
const fullDate = new Intl.DateTimeFormat("ru-RU", { day: "numeric", month: "long", year: "numeric" });
const weekdayDate = new Intl.DateTimeFormat("ru-RU", { weekday: "long", day: "numeric", month: "long" });
const shortDate = new Intl.DateTimeFormat("ru-RU", { day: "2-digit", month: "2-digit" });
const shortWeekday = new Intl.DateTimeFormat("ru-RU", { weekday: "short" });
const dateTime = new Intl.DateTimeFormat("ru-RU", {
  day: "numeric", month: "long", year: "numeric", hour: "2-digit", minute: "2-digit",
});

// "5 ноября"
export function formatDayMonth(iso) { return dayMonth.format(parseDay(iso)); }
// "5 ноября 2026 г."
export function formatDate(iso) { return fullDate.format(parseDay(iso)); }
// "четверг, 5 ноября"
export function formatWeekdayDate(iso) { return weekdayDate.format(parseDay(iso)); }
// "05.11"
export function formatShortDate(iso) { return shortDate.format(parseDay(iso)); }
// "чт"
export function formatShortWeekday(iso) { return shortWeekday.format(parseDay(iso)); }
// An RFC 3339 time: "5 ноября 2026 г., 14:07"
export function formatDateTime(text) { return text ? dateTime.format(new Date(text)) : "—"; }

// "4,25": decimals with a comma, as Russian writes them.
export function formatDecimal(text) {
  if (text === null || text === undefined || text === "") return "—";
  const number = Number(text);
  return (Number.isFinite(number) ? number.toFixed(2) : String(text)).replace(".", ",");
}

export const ROLE_TITLES = {
  district_operator: "Оператор района",
  administrator: "Администратор журнала",
  director: "Директор",
  deputy_director: "Заместитель директора",
  subject_teacher: "Учитель-предметник",
  class_teacher: "Классный руководитель",
  parent: "Родитель",
  student: "Ученик",
};

export const WORK_TYPES = {
  oral: "Устный ответ",
  written: "Письменная работа",
  test: "Контрольная работа",
  independent: "Самостоятельная работа",
  laboratory: "Лабораторная работа",
  practical: "Практическая работа",
  homework: "Домашняя работа",
  dictation: "Диктант",
  essay: "Сочинение",
};

// Absence kinds: the letter in the journal and the words.
export const ABSENCES = {
  unexcused: { letter: "н", title: "не был без уважительной причины" },
  excused: { letter: "у", title: "не был по уважительной причине" },
  ill: { letter: "б", title: "болел" },
  late: { letter: "оп", title: "опоздал" },
};

export const MARK_TEXT = { pass: "зач", fail: "незач" };

export function markText(value) { return MARK_TEXT[value] || String(value); }

export function personName(person) {
  return [person.last_name, person.first_name, person.middle_name].filter(Boolean).join(" ");
}

export function shortName(person) {
  const initials = [person.first_name, person.middle_name].filter(Boolean).map((part) => `${part[0]}.`).join(" ");
  return initials ? `${person.last_name} ${initials}` : person.last_name;
}
