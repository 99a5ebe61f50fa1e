// The gateway's API with the session's cookies and the CSRF header.
// A 401 first tries to refresh the session; if that fails the page is told
// ("ezh:session-expired") and the caller gets an ApiError with status 401.

export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && problem.detail) || ApiError.defaultText(status));
    this.status = status;
    this.problem = problem || {};
  }

  static defaultText(status) {
    if (status === 0) return "Нет связи с сервером. Проверьте подключение и повторите.";
    if (status === 401) return "Сеанс завершён: войдите снова.";
    if (status === 403) return "Нет доступа.";
    if (status === 404) return "Не найдено.";
    if (status === 429) return "Слишком много запросов: подождите немного и повторите.";
    return "Сервер не смог выполнить запрос. Повторите позже.";
  }

  // Every bad field, as [{field, detail}].
  get fieldErrors() {
    const errors = this.problem.errors || [];
    if (errors.length) return errors;
    return this.problem.field ? [{ field: this.problem.field, detail: this.message }] : [];
  }
}

export function csrfToken() {
  const cookie = document.cookie.split("; ").find((item) => item.startsWith("ezh_csrf="));
  return cookie ? decodeURIComponent(cookie.slice("ezh_csrf=".length)) : "";
}

async function send(method, path, body) {
  const headers = { Accept: "application/json" };
  const form = body instanceof FormData;
  if (body !== undefined && !form) headers["Content-Type"] = "application/json";
  if (method !== "GET") headers["X-CSRF-Token"] = csrfToken();
  let response;
  try {
    response = await fetch(path, {
      method, headers, credentials: "same-origin",
      body: body === undefined ? undefined : form ? body : JSON.stringify(body),
    });
  } catch {
    return { status: 0, payload: null };
  }
  const payload = response.status === 204 ? null : await response.json().catch(() => null);
  return { status: response.status, payload };
}

let refreshing = null;

// One refresh at a time, shared by every request that got a 401.
async function refreshSession() {
  if (!refreshing) {
    refreshing = send("POST", "/api/v1/auth/refresh", { cookie: true })
      .then((result) => result.status === 200)
      .finally(() => { refreshing = null; });
  }
  return refreshing;
}

export async function api(method, path, body) {
  let result = await send(method, path, body);
  if (result.status === 401 && !path.startsWith("/api/v1/auth/")) {
    if (await refreshSession()) {
      result = await send(method, path, body);
    }
    if (result.status === 401) {
      document.dispatchEvent(new CustomEvent("ezh:session-expired"));
    }
  }
  if (result.status >= 200 && result.status < 300) return result.payload;
  throw new ApiError(result.status, result.payload);
}

export const get = (path) => api("GET", path);
export const post = (path, body) => api("POST", path, body === undefined ? {} : body);
export const put = (path, body) => api("PUT", path, body);
export const del = (path) => api("DELETE", path);
// A file as multipart/form-data (the browser sets the boundary).
export const upload = (path, formData) => api("POST", path, formData);
