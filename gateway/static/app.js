// The web client's shell: sign-in, the signed-in person, the menu by role and
// the router. Each screen is a small ES module in screens/ that exports
// `render(view, context, params)`; the router loads it on demand.
// Every request goes through api.js: cookies for the session, and the
// ezh_csrf cookie's value repeated in X-CSRF-Token on every unsafe request.
import { api, ApiError } from "./api.js";
import { h } from "./dom.js";
import { personName } from "./i18n.js";

// "#/journal/<class>/<subject>/<period>" → the screen module and its parameters. Without a period
// in the address, the journal page, the diary and the class overview take the current one (periods.js);
// the district operator's class address may name the school ("?school=<id>").
const ROUTES = [
  { pattern: /^\/?$/, screen: "home" },
  { pattern: /^\/activate$/, screen: "home" },
  { pattern: /^\/journal\/([\w-]+)\/([\w-]+)(?:\/([\w-]+))?$/, screen: "journal", names: ["classId", "subjectId", "periodId"] },
  { pattern: /^\/final\/([\w-]+)\/([\w-]+)\/([\w-]+)$/, screen: "final", names: ["classId", "subjectId", "periodId"] },
  { pattern: /^\/diary\/([\w-]+)(?:\/([\w-]+))?$/, screen: "diary", names: ["studentId", "periodId"] },
  { pattern: /^\/class\/([\w-]+)(?:\/([\w-]+))?(?:\?school=([\w-]+))?$/, screen: "class", names: ["classId", "periodId", "schoolId"] },
  { pattern: /^\/staff$/, screen: "staff" },
  { pattern: /^\/profile$/, screen: "profile" },
  { pattern: /^\/notifications$/, screen: "notifications" },
  { pattern: /^\/lessons(?:\/([\w-]+))?$/, screen: "lessons", names: ["periodId"] },
  { pattern: /^\/reports$/, screen: "reports" },
  { pattern: /^\/events$/, screen: "events" },
  { pattern: /^\/schools$/, screen: "schools" },
  { pattern: /^\/remarks$/, screen: "remarks" },
  { pattern: /^\/timetable$/, screen: "timetable" },
  { pattern: /^\/timetable\/([\w-]+)$/, screen: "timetable-grid", names: ["timetableId"] },
  { pattern: /^\/exceptions(?:\/([\w-]+))?$/, screen: "exceptions", names: ["periodId"] },
  { pattern: /^\/plan\/([\w-]+)\/([\w-]+)$/, screen: "plan", names: ["classId", "subjectId"] },
  { pattern: /^\/record\/([\w-]+)$/, screen: "record", names: ["studentId"] },
  { pattern: /^\/messages(?:\/([\w-]+))?$/, screen: "messages", names: ["conversationId"] },
  { pattern: /^\/statements\/([\w-]+)$/, screen: "statements", names: ["classId"] },
  { pattern: /^\/subgroups(?:\/([\w-]+)(?:\/([\w-]+))?)?$/, screen: "subgroups", names: ["classId", "subjectId"] },
];

const context = { me: null, roles: new Set(), signedIn: false };
let cleanup = null;

function hasRole(...roles) { return roles.some((role) => context.roles.has(role)); }

// The menu: what this person's roles can open.
function menuItems(me) {
  const items = [["#/", "Главная"]];
  for (const child of me.children || []) {
    items.push([`#/diary/${child.id}`, `Дневник: ${child.full_name.split(" ").slice(0, 2).join(" ")}`]);
  }
  if (hasRole("student")) items.push([`#/diary/${me.person.id}`, "Дневник"]);
  if (hasRole("subject_teacher")) items.push(["#/lessons", "Мои уроки"]);
  for (const grant of me.roles) {
    if (grant.role === "class_teacher" && grant.class_id) {
      items.push([`#/class/${grant.class_id}`, "Мой класс"], [`#/statements/${grant.class_id}`, "Бумажные выписки"]);
    }
  }
  if (hasRole("administrator", "director", "deputy_director")) items.push(["#/staff", "Сотрудники"]);
  if (hasRole("administrator", "class_teacher")) items.push(["#/subgroups", "Подгруппы"]);
  if (hasRole("district_operator")) items.push(["#/schools", "Школы"]);
  if (hasRole("director", "deputy_director")) items.push(["#/timetable", "Расписание"], ["#/exceptions", "Исключения"]);
  if (hasRole("administrator", "director", "deputy_director", "district_operator", "subject_teacher", "class_teacher")) {
    items.push(["#/reports", "Отчёты"]);
  }
  if (hasRole("administrator", "director", "deputy_director", "subject_teacher", "class_teacher")) {
    items.push(["#/remarks", "Замечания"]);
  }
  if (me.school) items.push(["#/notifications", "Уведомления"], ["#/messages", "Сообщения"], ["#/events", "События"]);
  items.push(["#/profile", "Профиль"]);
  return items;
}

function showShell(me) {
  context.me = me;
  context.roles = new Set(me.roles.map((grant) => grant.role));
  context.signedIn = true;
  document.getElementById("sign-in").hidden = true;
  document.getElementById("activate").hidden = true;
  document.getElementById("person-name").textContent = personName(me.person);
  document.getElementById("school-name").textContent = me.school ? me.school.name : "Все школы района";
  document.getElementById("who").hidden = false;
  const nav = document.getElementById("nav");
  nav.hidden = false;
  document.getElementById("nav-list").replaceChildren(
    ...menuItems(me).map(([href, text]) => h("li", {}, h("a", { href }, text))),
  );
}

function showSignIn(message) {
  context.signedIn = false;
  if (cleanup) { cleanup(); cleanup = null; }
  document.getElementById("who").hidden = true;
  document.getElementById("nav").hidden = true;
  document.getElementById("view").replaceChildren();
  const activating = location.hash === "#/activate";
  document.getElementById("sign-in").hidden = activating;
  document.getElementById("activate").hidden = !activating;
  const error = document.getElementById("sign-in-error");
  error.textContent = message || "";
  error.hidden = !message;
  document.title = "Электронный журнал — вход";
}

// "Уведомления (3)": the unread count in the menu, from the inbox.
async function showUnread(count) {
  const link = document.querySelector('#nav-list a[href="#/notifications"]');
  if (!link) return;
  let unread = count;
  if (unread === undefined) {
    try {
      unread = (await api("GET", "/api/v1/notifications?page_size=1&unread_only=true")).unread_count;
    } catch {
      return;
    }
  }
  link.textContent = unread ? `Уведомления (${unread})` : "Уведомления";
}

document.addEventListener("ezh:unread", (event) => showUnread(event.detail));

function markCurrentLink() {
  for (const link of document.querySelectorAll("#nav-list a")) {
    if (link.getAttribute("href") === (location.hash || "#/")) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

async function route() {
  if (!context.signedIn) {
    if (location.hash === "#/activate" || location.hash === "#/" || !location.hash) showSignIn("");
    return;
  }
  if (location.hash && !location.hash.startsWith("#/")) return;  // an in-page link, such as the skip link
  const path = decodeURIComponent(location.hash.replace(/^#/, "")) || "/";
  // Each visit renders into a node of its own: a screen still loading when the
  // user moves on finishes into a detached node instead of over the next screen.
  const view = document.createElement("div");
  document.getElementById("view").replaceChildren(view);
  if (cleanup) { cleanup(); cleanup = null; }
  markCurrentLink();
  const match = ROUTES.map((item) => ({ item, found: item.pattern.exec(path) })).find(({ found }) => found);
  if (!match) {
    view.replaceChildren(h("h2", {}, "Страница не найдена"), h("p", {}, h("a", { href: "#/" }, "На главную")));
    return;
  }
  const params = {};
  (match.item.names || []).forEach((name, index) => { params[name] = match.found[index + 1] || null; });
  view.replaceChildren(h("p", { class: "muted" }, "Загрузка…"));
  const module = await import(`./screens/${match.item.screen}.js`);
  const done = (await module.render(view, { ...context, hasRole }, params)) || null;
  if (view.isConnected) cleanup = done;
  else if (done) done();
}

async function loadMe() {
  try {
    const me = await api("GET", "/api/v1/me");
    showShell(me);
    showUnread();
    await route();
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) showSignIn("");
    else showSignIn(error.message);
  }
}

async function signIn(form, errorNode) {
  const body = { login: form.login.value.trim(), password: form.password.value, cookie: true };
  if (form.otp.value.trim()) body.otp = form.otp.value.trim();
  try {
    await api("POST", "/api/v1/auth/login", body);
    form.password.value = "";
    errorNode.hidden = true;
    return true;
  } catch (error) {
    form.password.value = "";
    errorNode.textContent = error.status === 401 ? "Неверный логин или пароль" : error.message;
    errorNode.hidden = false;
    return false;
  }
}

document.getElementById("sign-in-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  if (await signIn(event.target, document.getElementById("sign-in-error"))) {
    document.getElementById("sign-in").hidden = true;
    await loadMe();
  }
});

// The session ended while the person was working: sign in again in a dialog
// over the screen, which keeps everything typed but not yet saved.
const sessionDialog = document.getElementById("session-dialog");
document.addEventListener("ezh:session-expired", () => {
  if (!context.signedIn || sessionDialog.open) return;
  const login = document.getElementById("again-login");
  if (context.me && context.me.person.login) login.value = context.me.person.login;
  sessionDialog.showModal();
});

document.getElementById("again-sign-in-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  if (await signIn(event.target, document.getElementById("again-sign-in-error"))) {
    sessionDialog.close();
    document.dispatchEvent(new CustomEvent("ezh:signed-in-again"));
  }
});

document.getElementById("activate-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const error = document.getElementById("activate-error");
  const show = (text) => { error.textContent = text; error.hidden = false; };
  if (!form.code.value.trim()) { show("Поле «Код активации»: введите код со своей полоски"); return; }
  if (!form.login.value.trim()) { show("Поле «Логин»: придумайте логин"); return; }
  if (form.password.value !== form.again.value) { show("Поле «Пароль ещё раз»: пароли не совпадают"); return; }
  try {
    await api("POST", "/api/v1/auth/activate", {
      code: form.code.value.trim(), login: form.login.value.trim(), password: form.password.value, cookie: true,
    });
    form.reset();
    error.hidden = true;
    location.hash = "#/";
    await loadMe();
  } catch (failure) {
    show(failure.message);
  }
});

document.getElementById("sign-out").addEventListener("click", async () => {
  try { await api("POST", "/api/v1/auth/logout", {}); } catch { /* signed out anyway */ }
  context.me = null;
  location.hash = "";
  showSignIn("");
});

window.addEventListener("hashchange", route);
loadMe();
