// The journal page of a class, a subject and a period: a keyboard-first grid
// of students × lessons. Arrows and Tab move, Enter goes down; 1…5 add a mark
// (several per cell), н/у/б set an absence, Backspace removes the last entry,
// Ctrl+Z undoes. Changes are saved lesson by lesson in the background
// (PUT /api/v1/journal/lessons/{id}/entries) and kept in localStorage until
// saved, so an expired session or a closed tab loses nothing.
import { ApiError, del, get, put, upload } from "../api.js";
import { failure, h, heading, show } from "../dom.js";
import {
  ABSENCES, WORDS, WORK_TYPES, countOf, formatDateTime, formatDecimal, formatShortDate, formatShortWeekday, formatWeekdayDate,
  markText, shortName,
} from "../i18n.js";
import { choosePeriod, periodSwitcher } from "../periods.js";

const SAVE_DELAY_MS = 700;
const MAX_MARKS = 5;
const RECENT_KEY = "ezh.recent-journals";
// A letter typed (or its key on a Latin layout) → the absence kind.
const ABSENCE_KEYS = { "н": "unexcused", "у": "excused", "б": "ill" };
const ABSENCE_CODES = { KeyY: "unexcused", KeyE: "excused", Comma: "ill" };

const PERIOD_KEY = "ezh.journal-period";

// The study period of the journal page opened last: {id, title, start_date, end_date}.
export function knownPeriod() {
  try { return JSON.parse(localStorage.getItem(PERIOD_KEY)); } catch { return null; }
}

export function recentJournals() {
  try { return JSON.parse(localStorage.getItem(RECENT_KEY)) || []; } catch { return []; }
}

function remember(hash, title) {
  const items = recentJournals().filter((item) => item.hash !== hash);
  items.unshift({ hash, title });
  localStorage.setItem(RECENT_KEY, JSON.stringify(items.slice(0, 8)));
}

const keyOf = (lessonId, studentId) => `${lessonId}|${studentId}`;
const copy = (cell) => ({ marks: cell.marks.map((mark) => ({ ...mark })), absence: cell.absence });

export async function render(view, context, { classId, subjectId, periodId }) {
  // The school's periods, for the switcher; with none in the address, the quarter (trimester) of today.
  let periods = [];
  try {
    const chosen = await choosePeriod(periodId, context.me.school ? context.me.school.id : null);
    periods = chosen.periods;
    if (!periodId) {
      if (!chosen.period) {
        show(view, heading("Журнал"), h("p", { role: "note" }, "Учебные периоды школы не заданы."));
        return null;
      }
      location.replace(`#/journal/${classId}/${subjectId}/${chosen.period.id}`);
      return null;
    }
  } catch (error) {
    if (!periodId) {
      show(view, heading("Журнал"), failure(error));
      return null;
    }
  }
  const url = `/api/v1/journal/classes/${classId}/subjects/${subjectId}/periods/${periodId}`;
  let page;
  try {
    page = await get(url);
  } catch (error) {
    show(view, heading("Журнал"), failure(error));
    return null;
  }
  return new JournalGrid(view, context, page, url, { classId, subjectId, periodId }, periods).cleanup;
}

class JournalGrid {
  constructor(view, context, page, url, ids, periods) {
    this.view = view;
    this.periods = periods;
    this.page = page;
    this.url = url;
    this.me = context.me.person;
    // Marks are entered by the subject's teacher; a class teacher or the administration only reads.
    this.canWrite = context.hasRole("subject_teacher") && page.lessons.some((lesson) => lesson.teacher_id === this.me.id);
    this.storageKey = `ezh.unsaved.${ids.classId}.${ids.subjectId}.${ids.periodId}`;
    this.lessons = page.lessons;
    this.students = page.students;
    this.saved = new Map();      // key → what the server has
    this.current = new Map();    // key → what the grid shows
    this.dirty = new Set();      // keys changed and not saved yet
    this.version = new Map();    // key → edit count, to see edits made while a save is in flight
    this.errors = new Map();     // key → why its save failed
    this.undo = [];
    this.workType = new Map();   // lesson id → work type for new marks
    this.weight = new Map();     // lesson id → weight for new marks ("" for the school's)
    this.saving = new Set();     // lesson ids being saved
    this.timer = null;
    this.row = 0;
    this.col = Math.max(0, this.lastLessonUpTo(new Date()));
    this.load(page);
    this.restore();
    this.build();
    const title = `${page.school_class.name} · ${page.subject.name} · ${page.period.title}`;
    remember(location.hash, title);
    const { id, title: periodTitle, start_date: startDate, end_date: endDate } = page.period;
    localStorage.setItem(PERIOD_KEY, JSON.stringify({ id, title: periodTitle, start_date: startDate, end_date: endDate }));
    document.title = `${title} — Электронный журнал`;
    const onBeforeUnload = (event) => { if (this.dirty.size) event.preventDefault(); };
    const onSignedIn = () => { this.sessionLost = false; this.saveAll(); };
    window.addEventListener("beforeunload", onBeforeUnload);
    document.addEventListener("ezh:signed-in-again", onSignedIn);
    this.cleanup = () => {
      clearTimeout(this.timer);
      window.removeEventListener("beforeunload", onBeforeUnload);
      document.removeEventListener("ezh:signed-in-again", onSignedIn);
    };
    if (this.dirty.size) this.scheduleSave();
  }

  lastLessonUpTo(date) {
    const today = `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, "0")}-${String(date.getDate()).padStart(2, "0")}`;
    let index = -1;
    this.lessons.forEach((lesson, position) => { if (lesson.date <= today) index = position; });
    return index < 0 ? 0 : index;
  }

  load(page) {
    for (const lesson of page.lessons) {
      for (const student of page.students) {
        this.saved.set(keyOf(lesson.id, student.id), { marks: [], absence: null });
      }
    }
    for (const mark of page.marks) this.savedCell(mark.lesson_id, mark.student_id).marks.push(this.markState(mark));
    for (const absence of page.absences) this.savedCell(absence.lesson_id, absence.student_id).absence = absence.kind;
    for (const [key, cell] of this.saved) this.current.set(key, copy(cell));
  }

  savedCell(lessonId, studentId) {
    const key = keyOf(lessonId, studentId);
    if (!this.saved.has(key)) this.saved.set(key, { marks: [], absence: null });
    return this.saved.get(key);
  }

  markState(mark) {
    return { id: mark.id, value: mark.value, work_type: mark.work_type, weight: mark.weight_set ? mark.weight : null };
  }

  // Unsaved changes left by an earlier visit (an expired session, a closed tab).
  restore() {
    let stored = {};
    try { stored = JSON.parse(localStorage.getItem(this.storageKey)) || {}; } catch { stored = {}; }
    let count = 0;
    for (const [key, cell] of Object.entries(stored)) {
      if (!this.current.has(key) || !cell || !Array.isArray(cell.marks)) continue;
      this.current.set(key, copy(cell));
      this.dirty.add(key);
      count += 1;
    }
    this.restored = count;
  }

  persist() {
    const unsaved = {};
    for (const key of this.dirty) unsaved[key] = this.current.get(key);
    if (this.dirty.size) localStorage.setItem(this.storageKey, JSON.stringify(unsaved));
    else localStorage.removeItem(this.storageKey);
  }

  // ------------------------------------------------------------ the page

  build() {
    const { page } = this;
    this.status = h("p", { id: "save-status", class: "save-status", role: "status", "aria-live": "polite" });
    this.errorList = h("ul", { id: "save-errors", class: "error-list", "aria-live": "assertive" });
    this.reason = h("input", { id: "change-reason", maxlength: "500", autocomplete: "off" });
    this.panel = h("section", { class: "lesson-panel", "aria-labelledby": "lesson-title" });
    this.table = this.buildTable();
    const help = h("details", { class: "help" }, h("summary", {}, "Как вводить"),
      h("p", { id: "grid-help" }, this.canWrite
        ? "Стрелки и Tab — переход по клеткам, Enter — вниз. Цифра 1…5 ставит отметку (в клетке может быть несколько), "
          + `${page.subject.pass_fail ? "«+» — зачёт, «-» — незачёт, " : ""}`
          + "н — не был, у — уважительная причина, б — болел. Backspace убирает последнюю запись, Delete очищает клетку, "
          + "Ctrl+Z отменяет. Всё сохраняется само, без перезагрузки страницы."
        : "Только просмотр: отметки ставит учитель предмета."));
    const tools = this.canWrite ? h("div", { class: "tools" },
      h("label", { for: "change-reason" }, "Причина исправления (нужна для записей старше суток)"), this.reason,
      h("button", { type: "button", onclick: () => this.saveAll() }, "Сохранить сейчас")) : null;
    show(this.view, 
      heading(`${page.subject.name}, ${page.school_class.name} класс`),
      this.periods.length ? periodSwitcher(this.periods, page.period.id, (id) => {
        location.hash = `#/journal/${page.school_class.id}/${page.subject.id}/${id}`;
      }) : null,
      h("p", {}, h("a", { href: `#/final/${page.school_class.id}/${page.subject.id}/${page.period.id}` },
        `Итоговые отметки за ${page.period.title.toLowerCase()} →`), " · ",
        h("a", { href: `#/plan/${page.school_class.id}/${page.subject.id}` }, "КТП →")),
      h("p", { class: "muted" }, `${page.period.title}: ${countOf(this.lessons.length, WORDS.lesson)}, `
        + countOf(this.students.length, WORDS.student)),
      help,
      h("div", { class: "grid-wrap" }, this.table),
      this.status, this.errorList, tools, this.panel,
    );
    if (this.restored) {
      this.setStatus(`Восстановлено из этого браузера: ${countOf(this.restored, WORDS.change)}, отправляем…`);
    }
    this.showLesson();
    this.renderErrors();
    // Show the current lesson's column (the latest ones are on the right) without taking the focus.
    const wrap = this.table.parentElement;
    const current = this.cellAt(this.row, this.col);
    if (current) wrap.scrollLeft = Math.max(0, current.offsetLeft - wrap.clientWidth / 2);
  }

  buildTable() {
    const head = h("tr", {}, h("th", { scope: "col", class: "name" }, "Ученик"),
      this.lessons.map((lesson, index) => h("th", { scope: "col", class: "lesson", dataset: { col: index } },
        h("abbr", { title: formatWeekdayDate(lesson.date) }, formatShortDate(lesson.date)),
        h("span", { class: "weekday" }, formatShortWeekday(lesson.date)))),
      h("th", { scope: "col" }, "Средний"));
    const rows = this.students.map((student, row) => h("tr", {},
      h("th", { scope: "row", class: "name" }, shortName(student)),
      this.lessons.map((lesson, col) => {
        const cell = h("td", {
          class: "cell", tabindex: "-1", dataset: { row, col },
          "aria-describedby": "grid-help",
        });
        this.paint(cell, keyOf(lesson.id, student.id), student, lesson);
        return cell;
      }),
      h("td", { class: "average", dataset: { student: student.id } }, formatDecimal(student.average))));
    const table = h("table", { class: "journal", "aria-label": "Журнал: ученики и уроки" },
      h("thead", {}, head), h("tbody", {}, rows));
    table.addEventListener("keydown", (event) => this.onKey(event));
    table.addEventListener("click", (event) => {
      const cell = event.target.closest("td.cell");
      if (cell) this.focus(Number(cell.dataset.row), Number(cell.dataset.col));
    });
    table.addEventListener("focusin", (event) => {
      const cell = event.target.closest("td.cell");
      if (cell) { this.row = Number(cell.dataset.row); this.col = Number(cell.dataset.col); this.showLesson(); }
    });
    const first = this.cellAt(this.row, this.col, table);
    if (first) first.tabIndex = 0;
    return table;
  }

  cellAt(row, col, table = this.table) {
    return table.querySelector(`td.cell[data-row="${row}"][data-col="${col}"]`);
  }

  paint(node, key, student, lesson) {
    const cell = this.current.get(key);
    const marks = cell.marks.map((mark) => markText(mark.value));
    const absence = cell.absence ? ABSENCES[cell.absence].letter : "";
    node.textContent = [absence, ...marks].filter(Boolean).join(" ");
    node.classList.toggle("dirty", this.dirty.has(key));
    node.classList.toggle("failed", this.errors.has(key));
    node.classList.toggle("absent", Boolean(cell.absence));
    const words = [shortName(student), formatWeekdayDate(lesson.date)];
    if (cell.absence) words.push(ABSENCES[cell.absence].title);
    if (marks.length) words.push(`отметки: ${marks.join(", ")}`);
    if (!cell.absence && !marks.length) words.push("пусто");
    if (this.dirty.has(key)) words.push("не сохранено");
    if (this.errors.has(key)) words.push(`ошибка: ${this.errors.get(key)}`);
    node.setAttribute("aria-label", words.join("; "));
    node.title = this.errors.get(key) || "";
  }

  repaint(key) {
    const [lessonId, studentId] = key.split("|");
    const col = this.lessons.findIndex((lesson) => lesson.id === lessonId);
    const row = this.students.findIndex((student) => student.id === studentId);
    const node = this.cellAt(row, col);
    if (node) this.paint(node, key, this.students[row], this.lessons[col]);
  }

  focus(row, col) {
    const target = this.cellAt(row, col);
    if (!target) return;
    const previous = this.cellAt(this.row, this.col);
    if (previous) previous.tabIndex = -1;
    this.row = row;
    this.col = col;
    target.tabIndex = 0;
    target.focus();
    this.showLesson();
  }

  showLesson() {
    const lesson = this.lessons[this.col];
    if (!lesson) { this.panel.replaceChildren(h("p", {}, "В этом периоде пока нет уроков.")); return; }
    if (this.panelLesson !== lesson.id) {
      this.panelLesson = lesson.id;
      this.renderLessonPanel(lesson);
    }
    const student = this.students[this.row];
    const history = h("div", { id: "cell-history" });
    const showHistory = h("button", { type: "button", class: "secondary small" },
      `История клетки: ${shortName(student)}`);
    showHistory.addEventListener("click", () => this.showHistory(history, lesson, student));
    this.cellPart.replaceChildren(showHistory, history);
  }

  renderLessonPanel(lesson) {
    const controls = [];
    if (this.canWrite) {
      const select = h("select", { id: "work-type" },
        Object.entries(WORK_TYPES).map(([code, title]) => h("option", {
          value: code, selected: (this.workType.get(lesson.id) || "oral") === code,
        }, title)));
      select.addEventListener("change", () => this.workType.set(lesson.id, select.value));
      const weight = h("input", { id: "work-weight", inputmode: "decimal", maxlength: "4", placeholder: "по умолчанию",
        value: this.weight.get(lesson.id) || "" });
      weight.addEventListener("input", () => this.weight.set(lesson.id, weight.value.trim().replace(",", ".")));
      controls.push(h("div", { class: "column-settings" },
        h("label", { for: "work-type" }, "Вид работы новых отметок"), select,
        h("label", { for: "work-weight" }, "Вес новых отметок"), weight));
    }
    this.cellPart = h("div", { class: "cell-part" });
    show(this.panel,
      h("h3", { id: "lesson-title" }, `Урок: ${formatWeekdayDate(lesson.date)}, ${lesson.number}-й по расписанию`),
      h("dl", {},
        h("dt", {}, "Тема"), h("dd", { id: "lesson-topic" }, lesson.topic || "не указана"),
        h("dt", {}, "Домашнее задание"), h("dd", { id: "lesson-homework" }, lesson.homework || "не задано")),
      ...controls,
      this.cellPart,
      this.canWrite ? this.homeworkEditor(lesson) : null,
    );
  }

  // The lesson's homework: text, due date and files (the lesson's teacher edits it).
  homeworkEditor(lesson) {
    const text = h("textarea", { id: "homework-text", rows: "3", maxlength: "5000" }, lesson.homework || "");
    const due = h("input", { id: "homework-due", type: "date" });
    const file = h("input", { id: "homework-file", type: "file" });
    const files = h("ul", { class: "files" });
    const status = h("p", { class: "row-status", role: "status" });
    const save = h("button", { type: "button", class: "small" }, "Сохранить задание");
    const form = h("fieldset", { class: "homework" }, h("legend", {}, "Домашнее задание к этому уроку"),
      h("label", { for: "homework-text" }, "Задание"), text,
      h("label", { for: "homework-due" }, "Срок сдачи"), due,
      h("label", { for: "homework-file" }, "Прикрепить файл (PDF, рисунок, документ)"), file,
      files, save, status);
    const showFiles = (attachments) => files.replaceChildren(...attachments.map((item) => {
      const remove = h("button", { type: "button", class: "link remove" }, "×");
      remove.setAttribute("aria-label", `Удалить файл ${item.file_name}`);
      remove.addEventListener("click", async () => {
        try {
          await del(`/api/v1/journal/homework/attachments/${item.id}`);
          showFiles(attachments.filter((other) => other.id !== item.id));
        } catch (error) { status.textContent = error.message; }
      });
      return h("li", {}, h("a", { href: `/api/v1/journal/homework/attachments/${item.id}` }, item.file_name),
        ` (${Math.max(1, Math.round(item.size / 1024))} КБ)`, remove);
    }));
    get(`/api/v1/journal/lessons/${lesson.id}/homework`).then((homework) => {
      if (document.activeElement !== text) text.value = homework.text;
      due.value = homework.due_date || "";
      showFiles(homework.attachments || []);
    }).catch(() => { /* the text from the page stays */ });
    save.addEventListener("click", async () => {
      const body = { text: text.value.trim(), due_date: due.value, request_id: crypto.randomUUID() };
      if (this.reason.value.trim()) body.reason = this.reason.value.trim();
      try {
        const homework = await put(`/api/v1/journal/lessons/${lesson.id}/homework`, body);
        lesson.homework = homework.text;
        this.panel.querySelector("#lesson-homework").textContent = homework.text || "не задано";
        status.textContent = "Задание сохранено";
      } catch (error) {
        status.textContent = error.message;
      }
    });
    file.addEventListener("change", async () => {
      if (!file.files.length) return;
      const data = new FormData();
      data.append("file", file.files[0]);
      try {
        await upload(`/api/v1/journal/lessons/${lesson.id}/homework/attachments`, data);
        const homework = await get(`/api/v1/journal/lessons/${lesson.id}/homework`);
        showFiles(homework.attachments || []);
        status.textContent = `Файл ${file.files[0].name} прикреплён`;
      } catch (error) {
        status.textContent = error.message;
      }
      file.value = "";
    });
    return form;
  }

  // Every change of the focused cell: when, what, why (J8).
  async showHistory(container, lesson, student) {
    let entries;
    try {
      entries = (await get(`/api/v1/journal/lessons/${lesson.id}/students/${student.id}/history`)).entries;
    } catch (error) {
      container.replaceChildren(failure(error));
      return;
    }
    const describe = (entity, value) => {
      if (!value) return "—";
      if (entity === "absence") return ABSENCES[value.kind] ? ABSENCES[value.kind].letter : value.kind;
      const work = WORK_TYPES[value.work_type] || value.work_type || "";
      return `${markText(value.value)}${work ? ` (${work.toLowerCase()})` : ""}`;
    };
    const actions = { created: "добавлено", updated: "изменено", deleted: "удалено" };
    container.replaceChildren(
      h("h4", {}, `История: ${shortName(student)}, ${formatShortDate(lesson.date)}`),
      entries.length ? h("ol", { class: "history" }, entries.map((entry) => h("li", {},
        `${formatDateTime(entry.change_time)}: ${entry.entity === "absence" ? "пропуск" : "отметка"} `
        + `${actions[entry.action] || entry.action}, ${describe(entry.entity, entry.old_value)} → `
        + `${describe(entry.entity, entry.new_value)}`
        + `${entry.actor_id === this.me.id ? " (вы)" : ""}${entry.reason ? `; причина: ${entry.reason}` : ""}`)))
        : h("p", { class: "muted" }, "Изменений не было."),
    );
  }

  // ------------------------------------------------------------ keys

  onKey(event) {
    const cell = event.target.closest("td.cell");
    if (!cell) return;
    const rows = this.students.length;
    const cols = this.lessons.length;
    const { row, col } = this;
    const moves = {
      ArrowUp: [row - 1, col], ArrowDown: [row + 1, col], ArrowLeft: [row, col - 1], ArrowRight: [row, col + 1],
      Enter: [row + 1, col], Home: [row, 0], End: [row, cols - 1],
    };
    if (event.key in moves && !event.ctrlKey && !event.altKey) {
      const [toRow, toCol] = moves[event.key];
      event.preventDefault();
      if (toRow >= 0 && toRow < rows && toCol >= 0 && toCol < cols) this.focus(toRow, toCol);
      return;
    }
    if (event.key === "Tab") {
      const step = event.shiftKey ? -1 : 1;
      const index = row * cols + col + step;
      if (index >= 0 && index < rows * cols) {
        event.preventDefault();
        this.focus(Math.floor(index / cols), index % cols);
      }
      return;
    }
    if ((event.ctrlKey || event.metaKey) && (event.key === "z" || event.key === "я" || event.code === "KeyZ")) {
      event.preventDefault();
      this.undoLast();
      return;
    }
    if ((event.ctrlKey || event.metaKey) && (event.code === "KeyS")) {
      event.preventDefault();
      this.saveAll();
      return;
    }
    if (!this.canWrite || event.ctrlKey || event.metaKey || event.altKey) return;
    const key = keyOf(this.lessons[col].id, this.students[row].id);
    const pass = this.page.subject.pass_fail;
    const letter = event.key.toLowerCase();
    if (!pass && /^[1-5]$/.test(event.key)) {
      event.preventDefault();
      this.edit(key, (next) => this.addMark(next, event.key));
    } else if (pass && (event.key === "+" || event.key === "-")) {
      event.preventDefault();
      this.edit(key, (next) => this.addMark(next, event.key === "+" ? "pass" : "fail"));
    } else if (ABSENCE_KEYS[letter] || (/^[a-z,]$/.test(letter) && ABSENCE_CODES[event.code])) {
      event.preventDefault();
      const kind = ABSENCE_KEYS[letter] || ABSENCE_CODES[event.code];
      this.edit(key, (next) => { next.absence = next.absence === kind ? null : kind; });
    } else if (event.key === "Backspace") {
      event.preventDefault();
      this.edit(key, (next) => { if (next.marks.length) next.marks.pop(); else next.absence = null; });
    } else if (event.key === "Delete") {
      event.preventDefault();
      this.edit(key, (next) => { next.marks = []; next.absence = null; });
    }
  }

  addMark(cell, value) {
    if (cell.marks.length >= MAX_MARKS) {
      this.setStatus(`В клетке не больше ${countOf(MAX_MARKS, WORDS.mark)}`);
      return;
    }
    const lessonId = this.lessons[this.col].id;
    const weight = this.weight.get(lessonId);
    cell.marks.push({ id: null, value, work_type: this.workType.get(lessonId) || "oral", weight: weight || null });
  }

  edit(key, change) {
    const before = copy(this.current.get(key));
    const next = copy(before);
    change(next);
    if (JSON.stringify(next) === JSON.stringify(before)) return;
    this.undo.push({ key, before });
    this.apply(key, next);
  }

  undoLast() {
    const last = this.undo.pop();
    if (!last) { this.setStatus("Отменять нечего"); return; }
    this.apply(last.key, last.before);
    this.setStatus("Изменение отменено");
  }

  apply(key, cell) {
    this.current.set(key, cell);
    this.version.set(key, (this.version.get(key) || 0) + 1);
    if (JSON.stringify(cell) === JSON.stringify(this.saved.get(key))) this.dirty.delete(key);
    else this.dirty.add(key);
    this.errors.delete(key);
    this.persist();
    this.repaint(key);
    this.renderErrors();
    this.scheduleSave();
  }

  // ------------------------------------------------------------ saving

  scheduleSave() {
    clearTimeout(this.timer);
    if (this.sessionLost) {
      this.setStatus(`Не сохранено: сеанс завершён. ${countOf(this.dirty.size, WORDS.change)} в этом браузере — войдите снова.`);
      return;
    }
    if (this.dirty.size) {
      this.setStatus(`Не сохранено: ${countOf(this.dirty.size, WORDS.change)}`);
      this.timer = setTimeout(() => this.saveAll(), SAVE_DELAY_MS);
    }
  }

  async saveAll() {
    clearTimeout(this.timer);
    const byLesson = new Map();
    for (const key of this.dirty) {
      if (this.errors.has(key)) continue;  // waits for the teacher to fix it
      const lessonId = key.split("|")[0];
      if (!byLesson.has(lessonId)) byLesson.set(lessonId, []);
      byLesson.get(lessonId).push(key);
    }
    const saves = [...byLesson].filter(([lessonId]) => !this.saving.has(lessonId))
      .map(([lessonId, keys]) => this.saveLesson(lessonId, keys));
    if (!saves.length) return;
    const results = await Promise.all(saves);
    const changed = results.reduce((sum, count) => sum + count, 0);
    if (this.dirty.size === 0) this.setStatus(`Сохранено: ${countOf(changed, WORDS.change)}`);
    else if (this.sessionLost) return;  // saved again after signing in
    else if (this.errors.size) this.setStatus(`Не сохранено: ${countOf(this.dirty.size, WORDS.change)}, см. ошибки ниже`);
    else this.scheduleSave();
    this.refreshAverages();
  }

  async saveLesson(lessonId, keys) {
    this.saving.add(lessonId);
    const versions = keys.map((key) => this.version.get(key));
    const entries = keys.map((key) => {
      const cell = this.current.get(key);
      return {
        student_id: key.split("|")[1],
        marks: cell.marks.map((mark) => {
          const out = { value: mark.value, work_type: mark.work_type };
          if (mark.id) out.id = mark.id;
          if (mark.weight) out.weight = mark.weight;
          return out;
        }),
        absence: cell.absence,
      };
    });
    const body = { entries, request_id: crypto.randomUUID() };
    if (this.reason.value.trim()) body.reason = this.reason.value.trim();
    try {
      const reply = await put(`/api/v1/journal/lessons/${lessonId}/entries`, body);
      this.acceptLesson(reply, keys, versions);
      return reply.change_count;
    } catch (error) {
      this.rejectLesson(error, lessonId, keys);
      return 0;
    } finally {
      this.saving.delete(lessonId);
    }
  }

  acceptLesson(reply, keys, versions) {
    const lessonId = reply.lesson.id;
    for (const student of this.students) this.saved.set(keyOf(lessonId, student.id), { marks: [], absence: null });
    for (const mark of reply.marks) this.savedCell(lessonId, mark.student_id).marks.push(this.markState(mark));
    for (const absence of reply.absences) this.savedCell(lessonId, absence.student_id).absence = absence.kind;
    keys.forEach((key, index) => {
      if (this.version.get(key) !== versions[index]) return;  // edited again meanwhile: stays dirty
      this.current.set(key, copy(this.saved.get(key)));
      this.dirty.delete(key);
      this.errors.delete(key);
    });
    // New marks got their ids: an undo now restores a saved state by id.
    for (const student of this.students) {
      const key = keyOf(lessonId, student.id);
      if (!this.dirty.has(key)) this.current.set(key, copy(this.saved.get(key)));
      this.repaint(key);
    }
    this.undo = this.undo.filter((step) => !keys.includes(step.key));
    this.persist();
    this.renderErrors();
  }

  rejectLesson(error, lessonId, keys) {
    if (error instanceof ApiError && error.status === 401) {
      this.sessionLost = true;
      this.setStatus(`Не сохранено: сеанс завершён. ${countOf(this.dirty.size, WORDS.change)} в этом браузере — войдите снова.`);
      return;
    }
    if (!(error instanceof ApiError) || error.status === 0 || error.status >= 500 || error.status === 429) {
      this.setStatus(`Не сохранено: ${error.message} Повторим через несколько секунд.`);
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.saveAll(), 5000);
      return;
    }
    const named = new Map();
    for (const problem of error.fieldErrors) {
      const found = /^entries\[(\d+)\]/.exec(problem.field || "");
      if (found && keys[Number(found[1])]) named.set(keys[Number(found[1])], problem.detail || error.message);
    }
    if (named.size) {
      for (const [key, detail] of named) this.errors.set(key, detail);
    } else {
      for (const key of keys) this.errors.set(key, error.message);
    }
    for (const key of keys) this.repaint(key);
    this.renderErrors();
  }

  renderErrors() {
    const items = [];
    for (const [key, detail] of this.errors) {
      const [lessonId, studentId] = key.split("|");
      const lesson = this.lessons.find((item) => item.id === lessonId);
      const student = this.students.find((item) => item.id === studentId);
      items.push(h("li", {}, `${shortName(student)}, урок ${formatShortDate(lesson.date)}: ${detail}`));
    }
    this.errorList.replaceChildren(...items);
    this.errorList.hidden = items.length === 0;
  }

  setStatus(text) {
    this.status.textContent = text;
  }

  async refreshAverages() {
    try {
      const page = await get(this.url);
      for (const student of page.students) {
        const node = this.table.querySelector(`td.average[data-student="${student.id}"]`);
        if (node) node.textContent = formatDecimal(student.average);
      }
    } catch {
      // The averages stay as they were; the marks are saved.
    }
  }
}
