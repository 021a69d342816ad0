// The portal's shell: the router (pages live in the URL's hash, so a link or a reload lands on
// the same page), sign-in, registration, password reset, one's account, notifications, and the
// role modules under ./roles/, loaded for the signed-in user's role only.

import { api, currentUser, isLeaving, onSessionChange, onSessionExpired, reloadAt, restore, secondFactor, signIn, signOut } from "./api.js";
import * as fmt from "./format.js";
import { button, errorBox, focusPage, form, h, infoBox, list, pairs, render, section, table, toast } from "./ui.js";

const ROLE_MODULES = {
  admin: "./roles/admin.js",
  doctor: "./roles/doctor.js",
  nurse: "./roles/nurse.js",
  receptionist: "./roles/reception.js",
  patient: "./roles/patient.js",
};

let settings = null; // the hospital's public settings: the portal does not start without them
let role = null; // the loaded role module
let wanted = null; // the page asked for before a sign-in
let shownUser = null; // the id of the account this page load has shown pages of

// Messages for the page after a reload, kept in this tab's sessionStorage as a key of NOTICES
// (never any data) and shown once, on the sign-in page.
const NOTICE_KEY = "hms-notice";
const NOTICES = {
  "signed-out": "You are signed out.",
  "signout-unconfirmed": "You are signed out in this tab, but the server could not be told: the sign-out may not have reached it. Sign in and out again when the connection is back, or end the session from your account page.",
  "second-factor-on": "Two-step sign-in is on: sign in again with a code from the app.",
};
let notice = takeNotice();

function takeNotice() {
  try {
    const key = sessionStorage.getItem(NOTICE_KEY);
    sessionStorage.removeItem(NOTICE_KEY);
    return Object.hasOwn(NOTICES, key) ? key : null;
  } catch {
    return null;
  }
}

/**
 * Leaves everything of the account this page showed: reloads it at `path` (no module's cache,
 * pending page or drawn data survives), with a notice (a key of NOTICES) for the next page.
 */
function reloadWith(path, key) {
  try {
    if (key) sessionStorage.setItem(NOTICE_KEY, key);
  } catch {
    // No notice then.
  }
  reloadAt(path);
}

/** Signs out, then reloads at the sign-in page, saying so if the server could not be told. */
async function leave(key = "signed-out") {
  const confirmed = await signOut();
  reloadWith("/signin", confirmed ? key : "signout-unconfirmed");
}

// Pages anyone may open, signed in or not.
const PUBLIC = {
  "/signin": signInPage,
  "/register": registerPage,
  "/forgot": forgotPage,
  "/reset": resetPage,
  "/reset/:token": resetPage,
};

// Pages of every signed-in user.
const COMMON = {
  "/account": accountPage,
  "/notifications": notificationsPage,
};

/** Goes to a page (a hash path such as `/patient/book`). */
export function go(path) {
  if (location.hash === `#${path}`) route();
  else location.hash = path;
}

function current() {
  const raw = location.hash.startsWith("#/") ? location.hash.slice(1) : "/";
  const [path, query = ""] = raw.split("?");
  return { path: path || "/", query: new URLSearchParams(query), raw };
}

// A route's parameters from a path; a parameter named `id` or ending in `id` must be a record's
// id (a UUID), since it goes into an API path: anything else (`..%2F..%2Fusers`) matches nothing.
function match(pattern, path) {
  const p = pattern.split("/");
  const s = path.split("/");
  if (p.length !== s.length) return null;
  const params = {};
  for (let i = 0; i < p.length; i += 1) {
    if (p[i].startsWith(":")) {
      const name = p[i].slice(1);
      let value;
      try {
        value = decodeURIComponent(s[i]);
      } catch {
        return null;
      }
      if (/id$/i.test(name) && !fmt.isId(value)) return null;
      params[name] = value;
    } else if (p[i] !== s[i]) return null;
  }
  return params;
}

function find(routes, path) {
  for (const [pattern, view] of Object.entries(routes)) {
    const params = match(pattern, path);
    if (params) return { view, params };
  }
  return null;
}

async function loadRole(user) {
  if (!user) {
    role = null;
    return;
  }
  if (role?.name === user.role) return;
  const mod = await import(ROLE_MODULES[user.role]);
  role = { name: user.role, ...mod.default };
}

let routing = 0; // the last navigation begun
let drawn = 0; // the last navigation whose page was drawn

async function route() {
  if (isLeaving()) return;
  const ticket = ++routing;
  const { path, query, raw } = current();
  const user = currentUser();
  const pub = find(PUBLIC, path);
  if (!user) {
    drawChrome(null);
    if (pub) return show(pub, query, ticket);
    if (path !== "/") wanted = raw;
    return go("/signin");
  }
  await loadRole(user);
  if (ticket !== routing || isLeaving()) return;
  shownUser = user.id;
  drawChrome(user);
  if (user.enrolmentOnly && path !== "/account") return go("/account");
  if (path === "/" || pub) return go(role.home);
  const hit = find(COMMON, path) || find(role.routes, path);
  if (!hit) {
    render("Not found", errorBox({ name: "ApiError", status: 404 }), h("p", null, h("a", { href: `#${role.home}` }, "Back to your home page")));
    drawn = Math.max(drawn, ticket);
    focusPage();
    return;
  }
  return show(hit, query, ticket);
}

async function show({ view, params }, query, ticket) {
  render("Loading", h("p", { class: "muted" }, "Loading…"));
  try {
    await view({ params, query, user: currentUser(), go, settings });
  } catch (e) {
    if (ticket !== routing || isLeaving()) return;
    const title = e?.status === 404 ? "Not found" : e?.status === 403 ? "Not allowed" : "Something went wrong";
    render(title, errorBox(e));
  }
  if (isLeaving()) return;
  if (ticket < drawn) {
    // A newer page was drawn before this slow one finished, and this one drew over it: draw
    // the page of the address again.
    route();
    return;
  }
  drawn = ticket;
  if (ticket === routing) {
    markNav();
    focusPage();
  }
}

function drawChrome(user) {
  const nav = document.getElementById("nav");
  const account = document.getElementById("account");
  if (!user) {
    nav.replaceChildren();
    account.replaceChildren(h("a", { href: "#/signin" }, "Sign in"), h("a", { href: "#/register" }, "Register"));
    return;
  }
  const links = user.enrolmentOnly ? [] : role.nav;
  nav.replaceChildren(
    h(
      "ul",
      null,
      links.map((l) => h("li", null, h("a", { href: `#${l.path}` }, l.label))),
      user.enrolmentOnly ? null : h("li", null, h("a", { href: "#/notifications", id: "nav-notifications" }, "Notifications ", h("span", { id: "unread" }))),
    ),
  );
  account.replaceChildren(
    h("a", { href: "#/account", title: "Your account" }, `${user.full_name} (${fmt.label(user.role)})`),
    button("Sign out", () => leave()),
  );
  refreshUnread();
}

function markNav() {
  const { path } = current();
  for (const a of document.querySelectorAll("#nav a")) {
    const target = a.getAttribute("href").slice(1);
    const here = path === target || (target !== role?.home && path.startsWith(`${target}/`));
    if (here) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  refreshUnread();
}

/** Shows the number of unread notifications beside the menu's link. */
export async function refreshUnread() {
  const badge = document.getElementById("unread");
  if (!badge || !currentUser() || currentUser().enrolmentOnly) return;
  try {
    const p = await api.get("/api/notifications", { unread: true, page_size: 1 });
    badge.replaceChildren(p.total ? h("span", { class: "badge", "aria-label": `${p.total} unread` }, String(p.total)) : "");
  } catch {
    badge.replaceChildren();
  }
}

function afterSignIn() {
  // Another account than the one this page showed (its session ended under it): nothing of the
  // first, not even the page it wanted, carries over.
  if (shownUser && currentUser()?.id !== shownUser) return reloadAt("/");
  const next = wanted && !wanted.startsWith("/signin") ? wanted : "/";
  wanted = null;
  notice = null;
  go(next);
}

// ---- public pages ----

function signInPage() {
  let challenge = null;
  const box = h("div", { class: "narrow card" });
  const passwordStep = form({
    fields: [
      { name: "email", label: "E-mail address", type: "email", required: true, autocomplete: "username" },
      { name: "password", label: "Password", type: "password", required: true, autocomplete: "current-password" },
    ],
    submitLabel: "Sign in",
    onSubmit: async (v) => {
      const answer = await signIn(v.email, v.password);
      if (answer.challenge) {
        challenge = answer.challenge;
        box.replaceChildren(codeStep);
        codeStep.querySelector("input")?.focus();
      } else afterSignIn();
    },
  });
  const codeStep = h(
    "div",
    null,
    h("p", null, "Enter the six-digit code from your authenticator app, or one of your recovery codes."),
    form({
      fields: [{ name: "code", label: "Code", required: true, inputmode: "numeric" }],
      submitLabel: "Verify",
      onSubmit: async (v) => {
        await secondFactor(challenge, v.code);
        afterSignIn();
      },
    }),
  );
  box.append(passwordStep);
  render(
    "Sign in",
    notice === "signout-unconfirmed" ? errorBox(new Error(NOTICES[notice])) : notice ? infoBox(NOTICES[notice]) : null,
    wanted ? infoBox("Please sign in to continue.") : null,
    box,
    h("p", { class: "narrow" }, h("a", { href: "#/forgot" }, "Forgot your password?"), " · ", h("a", { href: "#/register" }, "Register as a patient or a doctor")),
  );
}

function registerPage() {
  const doctorOnly = ["specialization", "license_number", "years_of_experience", "consultation_fee", "bio"];
  const f = form({
    fields: [
      { name: "role", label: "I am registering as", type: "select", options: [["patient", "A patient"], ["doctor", "A doctor"]], value: "patient" },
      { name: "full_name", label: "Full name", required: true, autocomplete: "name" },
      { name: "email", label: "E-mail address", type: "email", required: true, autocomplete: "email" },
      { name: "phone", label: "Phone", type: "tel", autocomplete: "tel" },
      { name: "password", label: "Password", type: "password", required: true, autocomplete: "new-password", hint: "At least 10 characters." },
      { name: "specialization", label: "Specialization", api: "doctor.specialization" },
      { name: "license_number", label: "Licence number", api: "doctor.license_number" },
      { name: "years_of_experience", label: "Years of experience", type: "number", min: 0, api: "doctor.years_of_experience" },
      { name: "consultation_fee", label: `Consultation fee (${fmt.defaultCurrency()})`, inputmode: "decimal", api: "doctor.consultation_fee" },
      { name: "bio", label: "About you", type: "textarea", api: "doctor.bio" },
    ],
    submitLabel: "Register",
    onSubmit: async (v) => {
      const body = { email: v.email, password: v.password, full_name: v.full_name, role: v.role };
      if (v.phone) body.phone = v.phone;
      if (v.role === "doctor") {
        body.doctor = {
          specialization: v.specialization,
          license_number: v.license_number,
          years_of_experience: v.years_of_experience === "" ? 0 : Number(v.years_of_experience),
          consultation_fee: v.consultation_fee || "0",
          bio: v.bio,
        };
      }
      await api.post("/api/auth/register", body);
      toast("Registered. You can sign in now.");
      render(
        "Registered",
        infoBox(
          v.role === "doctor" && settings.doctor_approval_required
            ? "Your account waits for an administrator to activate it; you can sign in once they have."
            : "Your account is ready.",
        ),
        h("p", null, h("a", { href: "#/signin" }, "Sign in")),
      );
    },
  });
  const roleSelect = f.elements.namedItem("role");
  const toggle = () => {
    for (const name of doctorOnly) f.elements.namedItem(name).closest(".field").hidden = roleSelect.value !== "doctor";
  };
  roleSelect.addEventListener("change", toggle);
  toggle();
  render("Register", h("div", { class: "narrow card" }, f), h("p", { class: "narrow" }, "Staff accounts are created by the hospital's administrators."));
}

function forgotPage() {
  render(
    "Forgot password",
    h(
      "div",
      { class: "narrow card" },
      settings.password_reset_by_email ? null : infoBox("This hospital does not send reset links by e-mail: ask an administrator to reset your password."),
      form({
        fields: [{ name: "email", label: "E-mail address", type: "email", required: true, autocomplete: "email" }],
        submitLabel: "Send a reset link",
        onSubmit: async (v) => {
          await api.post("/api/auth/password-reset", { email: v.email });
          render("Check your e-mail", infoBox(`If an account has the address ${v.email}, a reset link is on its way. It works once, for a short while.`), h("p", null, h("a", { href: "#/reset" }, "I have a reset code")));
        },
      }),
    ),
  );
}

function resetPage({ params }) {
  render(
    "Choose a new password",
    h(
      "div",
      { class: "narrow card" },
      form({
        fields: [
          params.token ? { name: "token", type: "hidden", value: params.token } : { name: "token", label: "Reset code from the e-mail", required: true },
          { name: "new_password", label: "New password", type: "password", required: true, autocomplete: "new-password", hint: "At least 10 characters." },
        ],
        submitLabel: "Set the password",
        onSubmit: async (v) => {
          await api.post("/api/auth/password-reset/confirm", { token: v.token, new_password: v.new_password });
          toast("Password changed: sign in with the new one.");
          go("/signin");
        },
      }),
    ),
  );
}

// ---- one's account ----

async function accountPage() {
  const user = currentUser();
  const [{ data: profile, etag }, factor, sessions] = await Promise.all([
    api.tagged("/api/auth/profile"),
    api.get("/api/auth/second-factor"),
    api.get("/api/auth/sessions"),
  ]);
  const factorBox = h("div");
  const drawFactor = (status) => {
    if (status.enabled) {
      factorBox.replaceChildren(
        h("p", null, `Two-step sign-in is on. Recovery codes left: ${status.recovery_codes_left ?? "—"}.`),
        status.required ? h("p", { class: "muted" }, "Your role requires it: it cannot be turned off.") : null,
        status.required
          ? null
          : form({
              fields: [{ name: "code", label: "Code or recovery code, to turn it off", required: true }],
              submitLabel: "Turn off two-step sign-in",
              onSubmit: async (v) => {
                await api.post("/api/auth/second-factor/disable", { code: v.code });
                toast("Two-step sign-in is off.");
                drawFactor(await api.get("/api/auth/second-factor"));
              },
            }),
      );
    } else {
      factorBox.replaceChildren(
        h("p", null, status.required ? "Your role requires two-step sign-in: set it up to continue." : "Two-step sign-in is off."),
        button("Set up two-step sign-in", () => enrol()),
      );
    }
  };
  const enrol = async () => {
    const e = await api.post("/api/auth/second-factor");
    const { qrSvg } = await import("./qr.js");
    factorBox.replaceChildren(
      h("p", null, "Scan this code with an authenticator app, then enter the six-digit code it shows."),
      h("div", { class: "qr" }, qrSvg(e.otpauth_uri, { label: "QR code of the authenticator key" })),
      h("p", null, "Or type the key: ", h("code", null, e.secret_base32)),
      form({
        fields: [{ name: "code", label: "Code from the app", required: true, inputmode: "numeric" }],
        submitLabel: "Turn on",
        onSubmit: async (v) => {
          const codes = await api.post("/api/auth/second-factor/confirm", { code: v.code });
          factorBox.replaceChildren(
            infoBox("Two-step sign-in is on. Keep these recovery codes somewhere safe: each works once, if the app is lost."),
            h("ul", { class: "codes", "aria-label": "Recovery codes" }, codes.recovery_codes.map((c) => h("li", null, c))),
            button("Done", async () => {
              // A session opened for enrolling only: a new sign-in, with the code, opens the rest.
              if (currentUser()?.enrolmentOnly) await leave("second-factor-on");
              else go("/account");
            }),
          );
        },
      }),
    );
  };
  drawFactor(factor);
  const sessionRows = table({
    caption: "Where you are signed in",
    columns: [
      { label: "Opened", cell: (s) => fmt.instant(s.created_at) },
      { label: "Last used", cell: (s) => fmt.instant(s.last_used_at) },
      { label: "Client", cell: (s) => [s.user_agent || "unknown", s.client_address ? ` (${s.client_address})` : ""] },
      {
        label: "",
        cell: (s) =>
          s.current
            ? h("span", { class: "muted" }, "This session")
            : button("End", async () => {
                await api.del(`/api/auth/sessions/${s.id}`);
                toast("Session ended.");
                go("/account");
              }, { kind: "secondary" }),
      },
    ],
    rows: sessions,
  });
  render(
    "Your account",
    user.enrolmentOnly ? infoBox("Your role requires two-step sign-in. Set it up below to use the portal.") : null,
    section(
      "Profile",
      pairs([["E-mail", profile.email], ["Role", fmt.label(profile.role)]]),
      user.enrolmentOnly
        ? null
        : form({
            fields: [
              { name: "full_name", label: "Full name", value: profile.full_name, required: true, autocomplete: "name" },
              { name: "phone", label: "Phone", type: "tel", value: profile.phone || "", autocomplete: "tel" },
            ],
            onSubmit: async (v) => {
              await api.patch("/api/auth/profile", { full_name: v.full_name, phone: v.phone }, etag);
              toast("Saved.");
              await restore();
              go("/account");
            },
          }),
    ),
    section("Two-step sign-in", factorBox),
    user.enrolmentOnly
      ? null
      : section(
          "Password",
          form({
            fields: [
              { name: "current_password", label: "Current password", type: "password", required: true, autocomplete: "current-password" },
              { name: "new_password", label: "New password", type: "password", required: true, autocomplete: "new-password" },
            ],
            submitLabel: "Change the password",
            onSubmit: async (v, f) => {
              await api.post("/api/auth/password", v);
              f.reset();
              toast("Password changed.");
            },
          }),
        ),
    section("Sessions", sessionRows),
  );
}

async function notificationsPage() {
  const items = list(
    (page) => api.get("/api/notifications", { page }),
    (rows) =>
      table({
        columns: [
          { label: "When", cell: (n) => fmt.instant(n.created_at) },
          { label: "Message", cell: (n) => [h("strong", null, fmt.label(n.kind)), h("br"), n.message] },
          {
            label: "Read",
            cell: (n) =>
              n.read_at
                ? h("span", { class: "muted" }, "Read")
                : button("Mark read", async () => {
                    await api.post(`/api/notifications/${n.id}/read`);
                    items.reload();
                    refreshUnread();
                  }, { kind: "secondary" }),
          },
        ],
        rows,
        empty: "No notifications.",
      }),
  );
  render(
    "Notifications",
    h(
      "div",
      { class: "row" },
      button("Mark all read", async () => {
        await api.post("/api/notifications/read-all");
        items.reload();
        refreshUnread();
      }),
    ),
    items,
  );
}

// ---- start ----

async function start() {
  try {
    // Every page shows times in the hospital's zone and money in its currency: without its
    // settings, nothing is shown rather than guessed.
    settings = await api.get("/api/hospital");
    fmt.setHospital(settings);
    // After a sign-out the server may not have heard of, this tab stays signed out.
    if (notice !== "signout-unconfirmed") await restore();
  } catch (e) {
    render(
      "The portal cannot start",
      errorBox(e),
      h("p", null, "The hospital's settings (its time zone and currency) could not be read, and every page needs them."),
      h("p", null, button("Try again", start)),
    );
    focusPage();
    return;
  }
  document.getElementById("zone").textContent = `Times are shown in the hospital's time zone, ${fmt.zoneName()}.`;
  onSessionChange(() => {});
  onSessionExpired(() => {
    // Several calls may find the session over; the page wanted is the one before the first.
    const here = current();
    if (find(PUBLIC, here.path)) return;
    wanted = here.raw;
    toast("Your session has ended: please sign in again.");
    go("/signin");
  });
  window.addEventListener("hashchange", route);
  route();
}

start();
