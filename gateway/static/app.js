// The first page of the web client: sign in with cookies, show /me, sign out.
const ROLE_TITLES = {
  district_operator: "Оператор района",
  administrator: "Администратор журнала",
  director: "Директор",
  deputy_director: "Заместитель директора",
  subject_teacher: "Учитель-предметник",
  class_teacher: "Классный руководитель",
  parent: "Родитель",
  student: "Ученик",
};

function csrfToken() {
  const cookie = document.cookie.split("; ").find((item) => item.startsWith("ezh_csrf="));
  return cookie ? decodeURIComponent(cookie.slice("ezh_csrf=".length)) : "";
}

async function api(method, path, body) {
  const headers = { "Accept": "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET") headers["X-CSRF-Token"] = csrfToken();
  const response = await fetch(path, {
    method, headers, credentials: "same-origin", body: body === undefined ? undefined : JSON.stringify(body),
  });
  const payload = response.status === 204 ? null : await response.json().catch(() => null);
  return { ok: response.ok, status: response.status, payload };
}

function fill(list, items) {
  list.replaceChildren(...items.map((text) => {
    const item = document.createElement("li");
    item.textContent = text;
    return item;
  }));
}

function showProfile(me) {
  const person = me.person;
  document.getElementById("person-name").textContent =
    [person.last_name, person.first_name, person.middle_name].filter(Boolean).join(" ");
  document.getElementById("school-name").textContent = me.school ? me.school.name : "Все школы района";
  fill(document.getElementById("roles"), me.roles.map((grant) => ROLE_TITLES[grant.role] || grant.role));
  const children = me.children || [];
  document.getElementById("children-block").hidden = children.length === 0;
  fill(document.getElementById("children"),
    children.map((child) => child.class_name ? `${child.full_name}, ${child.class_name}` : child.full_name));
  document.getElementById("sign-in").hidden = true;
  document.getElementById("profile").hidden = false;
}

function showSignIn(message) {
  document.getElementById("profile").hidden = true;
  document.getElementById("sign-in").hidden = false;
  const error = document.getElementById("sign-in-error");
  error.textContent = message || "";
  error.hidden = !message;
}

async function loadMe() {
  const me = await api("GET", "/api/v1/me");
  if (me.ok) showProfile(me.payload); else showSignIn("");
}

document.getElementById("sign-in-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const body = { login: form.login.value.trim(), password: form.password.value, cookie: true };
  if (form.otp.value.trim()) body.otp = form.otp.value.trim();
  const result = await api("POST", "/api/v1/auth/login", body);
  form.password.value = "";
  if (result.ok) {
    await loadMe();
  } else {
    showSignIn((result.payload && result.payload.detail) || "Не удалось войти");
  }
});

document.getElementById("sign-out").addEventListener("click", async () => {
  await api("POST", "/api/v1/auth/logout", {});
  showSignIn("");
});

loadMe();
