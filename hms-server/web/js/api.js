// The portal's one client of the hms API (documented at /openapi.json).
//
// The access token lives in this module's memory only. The refresh token is never seen by a
// script: the API sets it as an HttpOnly, SameSite=Strict cookie that the browser sends to
// /api/auth/refresh and /api/auth/logout alone, so a reload signs back in through the cookie.
//
// The cookie is shared by every tab of the browser, the account in memory is not: a tab never
// goes on as one account once another is signed in. Sign-in and sign-out are announced to the
// other tabs (BroadcastChannel `hms-session`), and a tab that learns of another account, or of
// none, reloads: it then shows the sign-in page or the new account's home, nothing of the old.

let access = null; // { token, expiresAt }
let user = null; // the signed-in user, with `enrolmentOnly`
const listeners = new Set();
let onExpired = () => {};
let leaving = false; // the page is reloading: nothing more is drawn

const channel = typeof BroadcastChannel === "function" ? new BroadcastChannel("hms-session") : null;
channel?.addEventListener("message", (ev) => {
  const id = ev.data?.user ?? null;
  if (id !== (user?.id ?? null)) reloadAt("/");
});

/** Tells the other tabs which account is signed in now (an id, or null after a sign-out). */
function announce() {
  channel?.postMessage({ user: user?.id ?? null });
}

/**
 * Leaves everything this page holds (the session in memory, every module's cache, the page
 * drawn) by reloading it at the hash path `path`; the cookie signs the new page in, if at all.
 */
export function reloadAt(path) {
  if (leaving) return;
  leaving = true;
  access = null;
  user = null;
  history.replaceState(null, "", `#${path}`);
  location.reload();
}

/** Whether the page is being reloaded (and should draw nothing more). */
export function isLeaving() {
  return leaving;
}

// What a call answers once the page is being reloaded: nothing, ever.
const never = () => new Promise(() => {});

/** A refusal or failure of the API, from its problem document. */
export class ApiError extends Error {
  constructor(status, problem, retryAfter) {
    super(problem?.detail || problem?.title || `The server answered ${status}.`);
    this.name = "ApiError";
    this.status = status;
    this.problem = problem || {};
    /** field path -> messages, for invalid input */
    this.fields = {};
    for (const f of problem?.errors || []) (this.fields[f.field] ??= []).push(f.message);
    /** seconds to wait, for 429 and 503 */
    this.retryAfter = retryAfter;
  }
}

/** The signed-in user, or null. */
export function currentUser() {
  return user;
}

/** Calls `fn` whenever the signed-in user changes. */
export function onSessionChange(fn) {
  listeners.add(fn);
}

/** Calls `fn(user)` when the session of `user` ends under the page (the refresh was refused). */
export function onSessionExpired(fn) {
  onExpired = fn;
}

function setSession(pair) {
  access = { token: pair.access_token, expiresAt: Date.now() + pair.expires_in * 1000 };
  user = { ...pair.user, enrolmentOnly: Boolean(pair.second_factor_enrolment_required) };
  for (const fn of listeners) fn(user);
}

function clearSession() {
  const had = user !== null;
  access = null;
  user = null;
  if (had) for (const fn of listeners) fn(null);
}

function unreachable() {
  return new ApiError(0, { detail: "The server could not be reached. Check the connection and try again." }, null);
}

function url(path, query) {
  if (!query) return path;
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === "") continue;
    if (Array.isArray(v)) v.forEach((x) => q.append(k, x));
    else q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

function send(method, path, { body, query, form, ifMatch } = {}) {
  const headers = { Accept: "application/json, application/problem+json" };
  let payload;
  if (form) payload = form;
  else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  if (access) headers.Authorization = `Bearer ${access.token}`;
  if (ifMatch) headers["If-Match"] = ifMatch;
  return fetch(url(path, query), { method, headers, body: payload, credentials: "same-origin", cache: "no-store" });
}

async function failure(res) {
  let problem = null;
  const type = res.headers.get("Content-Type") || "";
  if (type.includes("json")) {
    try {
      problem = await res.json();
    } catch {
      problem = null;
    }
  }
  const retry = Number.parseInt(res.headers.get("Retry-After") || "", 10);
  return new ApiError(res.status, problem, Number.isFinite(retry) ? retry : null);
}

/**
 * One API call. A 401 while signed in refreshes the session once and repeats the call; if the
 * refresh is refused, the session is over and the page is told so. A refresh that could not reach
 * the server ends nothing: the call fails with that error, and the session stays.
 * Options: body (JSON), query, form (FormData), ifMatch, raw (answer the Response), withEtag.
 */
export async function call(method, path, opts = {}) {
  if (leaving) return never();
  let res;
  try {
    res = await send(method, path, opts);
    if (res.status === 401 && access !== null) {
      if (await refresh()) res = await send(method, path, opts);
      else if (!leaving) {
        const was = user;
        clearSession();
        onExpired(was);
      }
    }
  } catch (e) {
    if (leaving) return never();
    if (e instanceof ApiError) throw e;
    throw unreachable();
  }
  if (leaving) return never();
  if (!res.ok) throw await failure(res);
  if (opts.raw) return res;
  if (res.status === 204) return null;
  const data = await res.json();
  return opts.withEtag ? { data, etag: res.headers.get("ETag") } : data;
}

export const api = {
  get: (path, query) => call("GET", path, { query }),
  tagged: (path) => call("GET", path, { withEtag: true }),
  post: (path, body = {}, ifMatch, query) => call("POST", path, { body, ifMatch, query }),
  put: (path, body, ifMatch) => call("PUT", path, { body, ifMatch }),
  patch: (path, body, ifMatch) => call("PATCH", path, { body, ifMatch }),
  del: (path) => call("DELETE", path),
  upload: (path, form) => call("POST", path, { form }),
};

let refreshing = null;

/**
 * Trades the refresh cookie for a new access token: true when signed in afterwards, false when
 * the API refused (the session is over); throws when the server could not be reached or failed
 * (429, 5xx), which ends nothing.
 */
export function refresh() {
  if (!refreshing) refreshing = exclusive(renew).finally(() => (refreshing = null));
  return refreshing;
}

// Refresh tokens are single-use: two tabs refreshing with the same cookie at once would present
// a spent token and end the session. Tabs take turns through a Web Lock where the browser has it.
function exclusive(fn) {
  return navigator.locks ? navigator.locks.request("hms-refresh", fn) : fn();
}

async function renew() {
  let res;
  let pair = null;
  try {
    res = await fetch("/api/auth/refresh", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: "{}",
      credentials: "same-origin",
      cache: "no-store",
    });
    if (res.ok) pair = await res.json();
  } catch {
    throw unreachable();
  }
  if (!res.ok) {
    if (res.status === 429 || res.status >= 500) throw await failure(res);
    return false;
  }
  if (user && pair.user?.id !== user.id) {
    // The cookie is another account's now (signed in from another tab): this page shows
    // nothing more of the one it was showing.
    reloadAt("/");
    return false;
  }
  setSession(pair);
  return true;
}

/**
 * Signs in where a session cookie is left from before (a reload); true when signed in. Throws
 * when the server could not be reached.
 */
export async function restore() {
  return refresh();
}

/**
 * The password step of a sign-in: `{ done: true }`, or `{ challenge }` when the account's
 * second factor is asked next.
 */
export async function signIn(email, password) {
  const res = await send("POST", "/api/auth/login", { body: { email, password, refresh_cookie: true } });
  if (res.status === 202) return { challenge: (await res.json()).challenge };
  if (!res.ok) throw await failure(res);
  setSession(await res.json());
  announce();
  return { done: true };
}

/** The second step of a sign-in: the authenticator's code or a recovery code. */
export async function secondFactor(challenge, code) {
  const res = await send("POST", "/api/auth/login/second-factor", { body: { challenge, code, refresh_cookie: true } });
  if (!res.ok) throw await failure(res);
  setSession(await res.json());
  announce();
}

/**
 * Ends this session on the server (every tab) and forgets it here and in the other tabs.
 * Answers whether the server confirmed it (a session already over there counts as ended).
 */
export async function signOut() {
  let confirmed = true;
  if (access) {
    try {
      let res = await send("POST", "/api/auth/logout");
      // An expired access token: renewed once, unless the session is already over (null).
      if (res.status === 401) res = (await refresh()) ? await send("POST", "/api/auth/logout") : null;
      confirmed = res === null || res.ok || res.status === 401;
    } catch {
      confirmed = false;
    }
  }
  clearSession();
  if (!leaving) announce();
  return confirmed;
}

/** Downloads a file the API serves (a document's content) under the user's permissions. */
export async function download(path, filename) {
  const res = await call("GET", path, { raw: true });
  const blob = await res.blob();
  const href = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = href;
  a.download = filename || "download";
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(href), 10000);
}

/** Every page of a list, for the small lists a form offers to pick from. */
export async function all(path, query = {}, limit = 500) {
  const items = [];
  for (let page = 1; ; page += 1) {
    const p = await api.get(path, { ...query, page, page_size: 100 });
    items.push(...p.items);
    if (items.length >= p.total || p.items.length === 0 || items.length >= limit) return items;
  }
}
