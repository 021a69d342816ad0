// The administrator's portal: the dashboard (bar charts drawn in the page as SVG, each with a
// text alternative), staff accounts (create, deactivate, reactivate), doctors' profiles and
// availability (weekly rules, time off), and the audit log with its filters.

import { all, api } from "../api.js";
import { timeOffTable } from "../availability.js";
import * as fmt from "../format.js";
import { button, form, h, list, pairs, render, section, statusBadge, svg, table, toast } from "../ui.js";

const STAFF_ROLES = ["admin", "doctor", "nurse", "receptionist"];
const ALL_ROLES = [...STAFF_ROLES, "patient"];
const WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
const AUDIT_ACTIONS = ["read", "create", "update", "delete", "login", "failed_login", "export", "ai_request", "refused"];
const PAGE_SIZE = 20;

const qs = fmt.qs;

/** The `If-Match` value naming a record's version (its answers' `ETag`). */
const versionTag = (record) => `"${record.version}"`;

/** An audit action in words (`ai_request` -> `AI request`). */
const actionLabel = (a) => (a === "ai_request" ? "AI request" : fmt.label(a));

/** Yes/No. */
const yesNo = (b) => (b ? "Yes" : "No");

/** A button whose action asks for confirmation first, in the page. */
function confirmed(text, question, action, { kind = "secondary", name } = {}) {
  const box = h("span", { class: "admin-confirm" });
  const start = h("button", { type: "button", class: kind, "aria-label": name ? `${text}: ${name}` : null }, text);
  const ask = () => {
    const yes = button(`Yes, ${text.toLowerCase()}`, action, { kind: "danger" });
    const no = h("button", { type: "button", class: "secondary" }, "No");
    no.addEventListener("click", () => {
      box.replaceChildren(start);
      start.focus();
    });
    box.replaceChildren(h("span", null, question, " "), yes, " ", no);
    yes.focus();
  };
  start.addEventListener("click", ask);
  box.append(start);
  return box;
}

/**
 * Deactivate (asked first: it ends the account's sessions) or reactivate an account
 * (PATCH /api/users/{id}); `after()` redraws.
 */
function activeToggle(user, after, { ifMatch } = {}) {
  const change = async () => {
    await api.patch(`/api/users/${user.id}`, { active: !user.active }, ifMatch);
    toast(user.active ? `${user.full_name} is deactivated: their sessions ended.` : `${user.full_name} is active again.`);
    await after();
  };
  if (user.active) return confirmed("Deactivate", `Deactivate ${user.full_name} and end their sessions?`, change, { name: user.full_name });
  const b = button("Reactivate", change, { kind: "secondary" });
  b.setAttribute("aria-label", `Reactivate: ${user.full_name}`);
  return b;
}

// ---- charts ----

let chartCount = 0;

/**
 * A horizontal bar chart in SVG with its text alternative: a title and description the SVG
 * (role img) is labelled by, and a visually hidden table of the same numbers.
 * `rows`: `{ key, label, value (a number, for the bar's length), text (what is shown) }`.
 */
function barChart({ name, title, rows, valueLabel, ownHeading = false }) {
  const n = ++chartCount;
  const titleId = `chart-${n}-title`;
  const descId = `chart-${n}-desc`;
  const width = 360;
  const rowHeight = 46;
  // The longest bar leaves room for the longest value's text (about 10 units a character).
  const room = Math.max(120, width - 8 - 10.5 * Math.max(...rows.map((r) => r.text.length), 1));
  const max = Math.max(0, ...rows.map((r) => r.value));
  const height = Math.max(rowHeight, rows.length * rowHeight);
  const description = rows.map((r) => `${r.label}: ${r.text}`).join("; ");
  const chart = svg(
    "svg",
    { class: "chart", viewBox: `0 0 ${width} ${height}`, width, height, role: "img", "aria-labelledby": `${titleId} ${descId}`, focusable: "false" },
    svg("title", { id: titleId }, title),
    svg("desc", { id: descId }, description || "No figures."),
    rows.map((r, i) => {
      const y = i * rowHeight;
      const w = max > 0 ? Math.max(r.value > 0 ? 2 : 0, (r.value / max) * room) : 0;
      return svg(
        "g",
        { class: "bar-row", "data-key": r.key, "data-value": r.value },
        svg("text", { x: 0, y: y + 15, class: "bar-label" }, r.label),
        svg("rect", { x: 0, y: y + 22, width: w.toFixed(1), height: 16, rx: 2, class: "bar" }),
        svg("text", { x: (w + 6).toFixed(1), y: y + 35, class: "bar-value" }, r.text),
      );
    }),
  );
  // The hidden box is a div: a table keeps its content's width, so it would widen the page.
  const data = h(
    "div",
    { class: "visually-hidden" },
    h(
      "table",
      null,
      h("caption", null, title),
      h("thead", null, h("tr", null, h("th", { scope: "col" }, "Item"), h("th", { scope: "col" }, valueLabel))),
      h("tbody", null, rows.map((r) => h("tr", { dataset: { key: r.key } }, h("th", { scope: "row" }, r.label), h("td", null, r.text)))),
    ),
  );
  // The caption is a heading of its own unless the section's heading already names the chart.
  const caption = ownHeading ? h("figcaption", null, h("h3", null, title)) : h("figcaption", { class: "visually-hidden" }, title);
  return h("figure", { class: "chart-figure", dataset: { chart: name } }, caption, chart, data);
}

// ---- the dashboard ----

async function dashboardPage(ctx) {
  const d = await api.get("/api/dashboard");
  const currencies = [...new Set([...d.revenue, ...d.pending].map((m) => m.currency))].sort();
  const moneyIn = (items, currency) => items.find((m) => m.currency === currency);
  const revenueCharts = currencies.map((c) => {
    const paid = moneyIn(d.revenue, c);
    const pending = moneyIn(d.pending, c);
    return barChart({
      name: `revenue-${c}`,
      title: `Invoices in ${c}`,
      ownHeading: true,
      valueLabel: `Amount (${c})`,
      rows: [
        { key: "paid", label: "Paid", value: paid ? Number(paid.amount) : 0, text: paid ? fmt.money(paid) : "none" },
        { key: "pending", label: "Pending", value: pending ? Number(pending.amount) : 0, text: pending ? fmt.money(pending) : "none" },
      ],
    });
  });
  render(
    "Dashboard",
    h(
      "p",
      { class: "muted" },
      `Figures as of ${fmt.instant(d.computed_at)}; the server keeps them for a few minutes. `,
      button("Refresh", async () => ctx.go("/admin"), { kind: "secondary" }),
    ),
    h(
      "div",
      { class: "admin-stats" },
      [
        ["doctors", "Active doctors", d.doctors],
        ["patients", "Active patients", d.patients],
        ["today", "Appointments today", d.today_appointments],
      ].map(([key, term, n]) => h("dl", null, h("dt", null, term), h("dd", { dataset: { stat: key } }, String(n)))),
    ),
    h(
      "div",
      { class: "grid admin-charts" },
      h(
        "section",
        { class: "card" },
        h("h2", null, "Appointments by status"),
        barChart({
          name: "status",
          title: "Appointments by status",
          valueLabel: "Appointments",
          rows: d.appointments_by_status.map((s) => ({ key: s.status, label: fmt.label(s.status), value: s.count, text: String(s.count) })),
        }),
      ),
      h(
        "section",
        { class: "card" },
        h("h2", null, "Busiest doctors"),
        h("p", { class: "muted" }, "Pending, confirmed and completed appointments."),
        d.busiest_doctors.length
          ? barChart({
              name: "doctors",
              title: "Busiest doctors: pending, confirmed and completed appointments",
              valueLabel: "Appointments",
              rows: d.busiest_doctors.map((x) => ({ key: x.doctor_id, label: fmt.doctorName(x), value: x.appointments, text: String(x.appointments) })),
            })
          : h("p", { class: "muted" }, "No appointments yet."),
        d.busiest_doctors.length
          ? h("ul", { class: "admin-links" }, d.busiest_doctors.map((x) => h("li", null, h("a", { href: `#/admin/doctors/${x.doctor_id}` }, `${fmt.doctorName(x)}: profile and hours`))))
          : null,
      ),
      h(
        "section",
        { class: "card" },
        h("h2", null, "Revenue"),
        h("p", { class: "muted" }, "Paid and pending invoice totals, one chart per currency."),
        revenueCharts.length ? revenueCharts : h("p", { class: "muted" }, "No invoices yet."),
      ),
    ),
  );
}

// ---- staff accounts ----

function staffForm(onCreated) {
  const doctorOnly = ["specialization", "license_number", "years_of_experience", "consultation_fee", "currency", "bio"];
  const f = form({
    fields: [
      { name: "role", label: "Role", type: "select", options: STAFF_ROLES.map((r) => [r, fmt.label(r)]), value: "nurse", required: true },
      { name: "full_name", label: "Full name", required: true },
      { name: "email", label: "E-mail address", type: "email", required: true },
      { name: "phone", label: "Phone", type: "tel" },
      { name: "password", label: "Initial password", type: "password", required: true, autocomplete: "new-password", hint: "At least 10 characters. Give it to the person safely; they can change it." },
      { name: "specialization", label: "Specialization", api: ["doctor.specialization", "doctor"] },
      { name: "license_number", label: "Licence number", api: "doctor.license_number" },
      { name: "years_of_experience", label: "Years of experience", type: "number", min: 0, max: 80, api: "doctor.years_of_experience" },
      { name: "consultation_fee", label: "Consultation fee", inputmode: "decimal", api: "doctor.consultation_fee", hint: "A decimal number such as 120.50." },
      { name: "currency", label: "Fee currency", value: fmt.defaultCurrency(), api: "doctor.currency", hint: "ISO 4217 code, e.g. USD." },
      { name: "bio", label: "Biography", type: "textarea", rows: 3, api: "doctor.bio" },
    ],
    submitLabel: "Create the account",
    onSubmit: async (v, formEl) => {
      const body = { role: v.role, full_name: v.full_name, email: v.email, password: v.password };
      if (v.phone) body.phone = v.phone;
      if (v.role === "doctor") {
        body.doctor = {
          specialization: v.specialization,
          license_number: v.license_number,
          consultation_fee: v.consultation_fee,
          bio: v.bio,
        };
        if (v.years_of_experience !== "") body.doctor.years_of_experience = Number(v.years_of_experience);
        if (v.currency) body.doctor.currency = v.currency;
      }
      const user = await api.post("/api/users", body);
      formEl.reset();
      toggle();
      toast(`Account created for ${user.full_name} (${fmt.label(user.role)}).`);
      await onCreated(user);
    },
  });
  f.classList.add("admin-form");
  const roleSelect = f.elements.namedItem("role");
  function toggle() {
    for (const name of doctorOnly) f.elements.namedItem(name).closest(".field").hidden = roleSelect.value !== "doctor";
  }
  roleSelect.addEventListener("change", toggle);
  toggle();
  return f;
}

function usersPage(ctx) {
  const role = ctx.query.get("role") || "";
  const active = ctx.query.get("active") || "";
  const filters = form({
    fields: [
      { name: "role", label: "Role", type: "select", options: [["", "Every role"], ...ALL_ROLES.map((r) => [r, fmt.label(r)])], value: role },
      { name: "active", label: "State", type: "select", options: [["", "Active and inactive"], ["true", "Active"], ["false", "Inactive"]], value: active },
    ],
    submitLabel: "Show",
    onSubmit: async (v) => ctx.go(`/admin/users${qs(v)}`),
  });
  filters.classList.add("admin-filters");
  const me = ctx.user?.id;
  const accounts = list(
    (page) => api.get("/api/users", { role, active, page, page_size: PAGE_SIZE }),
    (rows) =>
      table({
        caption: "Accounts",
        columns: [
          { label: "Name", cell: (u) => [u.role === "doctor" ? h("a", { href: `#/admin/doctors/${u.id}` }, u.full_name) : u.full_name, u.id === me ? h("span", { class: "muted" }, " (you)") : null] },
          { label: "E-mail", cell: (u) => u.email },
          { label: "Role", cell: (u) => fmt.label(u.role) },
          { label: "State", cell: (u) => statusBadge(u.active ? "active" : "inactive") },
          { label: "Created", cell: (u) => h("span", { class: "admin-nowrap" }, fmt.instant(u.created_at)) },
          {
            label: "Actions",
            cell: (u) =>
              h(
                "div",
                { class: "row admin-actions" },
                activeToggle(u, () => accounts.reload(), { ifMatch: versionTag(u) }),
                confirmed("Reset password", `End ${u.full_name}'s sessions and e-mail them a reset link?`, async () => {
                  await api.post(`/api/users/${u.id}/password-reset`);
                  toast(`A reset link is on its way to ${u.email}; their sessions ended.`);
                  accounts.reload();
                }, { name: u.full_name }),
                confirmed("End sessions", `Sign ${u.full_name} out everywhere?`, async () => {
                  await api.del(`/api/users/${u.id}/sessions`);
                  toast(`Every session of ${u.full_name} ended.`);
                  accounts.reload();
                }, { name: u.full_name }),
              ),
          },
        ],
        rows,
        empty: "No account matches.",
      }),
  );
  render(
    "Staff accounts",
    h("p", { class: "muted" }, "Every account, patients included; patients register themselves or at the front desk."),
    filters,
    accounts,
    section("New staff account", staffForm(async () => accounts.reload())),
  );
}

// ---- doctors ----

function doctorsPage(ctx) {
  const active = ctx.query.get("active") || "";
  const filters = form({
    fields: [{ name: "active", label: "State", type: "select", options: [["", "Active and inactive"], ["true", "Active"], ["false", "Inactive"]], value: active }],
    submitLabel: "Show",
    onSubmit: async (v) => ctx.go(`/admin/doctors${qs(v)}`),
  });
  filters.classList.add("admin-filters");
  // GET /api/doctors lists active doctors only; the accounts list has every doctor, and each
  // doctor's profile is read on its own (GET /api/doctors/{id} answers inactive ones too).
  const doctors = list(
    async (page) => {
      const p = await api.get("/api/users", { role: "doctor", active, page, page_size: PAGE_SIZE });
      const profiles = await Promise.all(p.items.map((u) => api.get(`/api/doctors/${u.id}`).catch(() => null)));
      return { ...p, items: p.items.map((user, i) => ({ user, doctor: profiles[i] })) };
    },
    (rows) =>
      table({
        caption: "Doctors",
        columns: [
          { label: "Name", cell: (r) => h("a", { href: `#/admin/doctors/${r.user.id}` }, fmt.doctorName(r.user)) },
          { label: "Specialization", cell: (r) => r.doctor?.specialization || "—" },
          { label: "Fee", num: true, cell: (r) => (r.doctor ? fmt.money(r.doctor.consultation_fee) : "—") },
          { label: "Takes bookings", cell: (r) => (r.doctor ? yesNo(r.doctor.accepting_appointments) : "—") },
          { label: "Account", cell: (r) => statusBadge(r.user.active ? "active" : "inactive") },
          { label: "Action", cell: (r) => activeToggle(r.user, () => doctors.reload(), { ifMatch: versionTag(r.user) }) },
        ],
        rows,
        empty: "No doctor matches.",
      }),
  );
  render("Doctors", filters, doctors, h("p", null, "New doctors' accounts are created under ", h("a", { href: "#/admin/users" }, "Staff accounts"), "."));
}

function profileForm(doctor, etag, reload) {
  const f = form({
    fields: [
      { name: "specialization", label: "Specialization", value: doctor.specialization, required: true },
      { name: "years_of_experience", label: "Years of experience", type: "number", min: 0, max: 80, value: doctor.years_of_experience },
      { name: "consultation_fee", label: `Consultation fee (${doctor.consultation_fee.currency})`, value: doctor.consultation_fee.amount, inputmode: "decimal", required: true },
      { name: "bio", label: "Biography", type: "textarea", rows: 4, value: doctor.bio },
      { name: "accepting_appointments", label: "Takes new bookings", type: "checkbox", value: doctor.accepting_appointments },
    ],
    submitLabel: "Save the profile",
    onSubmit: async (v) => {
      const body = {
        specialization: v.specialization,
        consultation_fee: v.consultation_fee,
        bio: v.bio,
        accepting_appointments: v.accepting_appointments,
      };
      if (v.years_of_experience !== "") body.years_of_experience = Number(v.years_of_experience);
      await api.patch(`/api/doctors/${doctor.id}`, body, etag);
      toast("Profile saved.");
      await reload();
    },
  });
  f.classList.add("admin-form");
  return f;
}

let ruleCount = 0;

/** One weekly rule's controls; `data-api` names are set by `renumber`. */
function ruleRow(rule, onRemove) {
  const n = ++ruleCount;
  const control = (key, label, el) => {
    el.id = `rule${n}-${key}`;
    el.dataset.key = key;
    return h("div", { class: "field" }, h("label", { for: el.id }, label), el);
  };
  const remove = h("button", { type: "button", class: "secondary" }, "Remove");
  const row = h(
    "fieldset",
    { class: "rule" },
    h("legend", null, "Rule"),
    control("weekday", "Day", h("select", null, WEEKDAYS.map((d) => h("option", { value: d, selected: d === rule.weekday }, fmt.label(d))))),
    control("start", "From", h("input", { type: "time", value: rule.start || "" })),
    control("end", "Until", h("input", { type: "time", value: rule.end || "" })),
    control("slot_minutes", "Slot (minutes)", h("input", { type: "number", min: 5, max: 480, value: rule.slot_minutes ?? 30, inputmode: "numeric" })),
    control("valid_from", "First date (optional)", h("input", { type: "date", value: rule.valid_from || "" })),
    control("valid_until", "Last date (optional)", h("input", { type: "date", value: rule.valid_until || "" })),
    h("div", { class: "field rule-remove" }, remove),
  );
  remove.addEventListener("click", () => onRemove(row));
  return row;
}

/** The weekly rules editor: rows of rules, saved together (PUT replaces them all). */
function rulesEditor(doctor, availability, reload) {
  const rows = h("div", { class: "admin-rules" });
  const empty = h("p", { class: "muted" }, "No weekly hours: the doctor cannot be booked.");
  const renumber = () => {
    const sets = [...rows.querySelectorAll("fieldset.rule")];
    sets.forEach((fs, i) => {
      fs.querySelector("legend").textContent = `Rule ${i + 1}`;
      for (const el of fs.querySelectorAll("[data-key]")) {
        el.dataset.api = el.dataset.key === "weekday" ? `rules[${i}].weekday rules[${i}]` : `rules[${i}].${el.dataset.key}`;
      }
      const remove = fs.querySelector(".rule-remove button");
      remove.setAttribute("aria-label", `Remove rule ${i + 1}`);
    });
    empty.hidden = sets.length > 0;
  };
  const removeRow = (row) => {
    row.remove();
    renumber();
  };
  const addRow = (rule) => {
    rows.append(ruleRow(rule, removeRow));
    renumber();
  };
  for (const r of availability.rules) addRow(r);
  renumber();
  const add = h("button", { type: "button", class: "secondary" }, "Add a rule");
  add.addEventListener("click", () => {
    addRow({ weekday: "monday", start: "09:00", end: "17:00", slot_minutes: 30 });
    rows.lastElementChild.querySelector("select").focus();
  });
  const f = form({
    fields: [],
    extra: [empty, rows, h("p", null, add)],
    submitLabel: "Save the weekly hours",
    onSubmit: async () => {
      const rules = [...rows.querySelectorAll("fieldset.rule")].map((fs) => {
        const val = (key) => fs.querySelector(`[data-key="${key}"]`).value.trim();
        const slot = val("slot_minutes");
        return {
          weekday: val("weekday"),
          start: val("start"),
          end: val("end"),
          slot_minutes: /^\d+$/.test(slot) ? Number(slot) : slot,
          valid_from: val("valid_from") || null,
          valid_until: val("valid_until") || null,
        };
      });
      await api.put(`/api/doctors/${doctor.id}/availability`, { rules });
      toast("Weekly hours saved.");
      await reload();
    },
  });
  f.classList.add("admin-rules-form");
  return f;
}

function timeOffForm(doctor, reload) {
  const f = form({
    fields: [
      { name: "start_date", label: "First day", type: "date", required: true, api: "starts_at" },
      { name: "start_time", label: "From time", type: "time", hint: "Blank: from the start of the day." },
      { name: "end_date", label: "Last day", type: "date", required: true, api: "ends_at" },
      { name: "end_time", label: "Until time", type: "time", hint: "Blank: to the end of the day." },
      { name: "reason", label: "Reason", api: "reason" },
    ],
    submitLabel: "Add the time off",
    onSubmit: async (v) => {
      const starts_at = fmt.zonedInstant(v.start_date, v.start_time || "00:00");
      const ends_at = v.end_time ? fmt.zonedInstant(v.end_date, v.end_time) : fmt.zonedInstant(fmt.addDays(v.end_date, 1), "00:00");
      await api.post(`/api/doctors/${doctor.id}/exceptions`, { starts_at, ends_at, reason: v.reason });
      toast("Time off added.");
      await reload();
    },
  });
  f.classList.add("admin-form");
  return f;
}

async function doctorPage(ctx) {
  const id = ctx.params.id;
  const [{ data: doctor, etag }, availability] = await Promise.all([api.tagged(`/api/doctors/${id}`), api.get(`/api/doctors/${id}/availability`)]);
  const reload = async () => ctx.go(`/admin/doctors/${id}`);
  render(
    fmt.doctorName(doctor),
    h("p", null, h("a", { href: "#/admin/doctors" }, "All doctors"), " · ", h("a", { href: `#/admin/audit${qs({ actor: id })}` }, "This doctor's audit events")),
    section(
      "Account",
      pairs([
        ["E-mail", doctor.email],
        ["Licence number", doctor.license_number],
        ["Account", statusBadge(doctor.active ? "active" : "inactive")],
        ["Takes new bookings", yesNo(doctor.accepting_appointments)],
        ["Consultation fee", fmt.money(doctor.consultation_fee)],
      ]),
      h("div", { class: "row" }, activeToggle({ id, full_name: fmt.doctorName(doctor), active: doctor.active }, reload)),
    ),
    section("Profile", profileForm(doctor, etag, reload)),
    section(
      "Weekly hours",
      h("p", { class: "muted" }, `In the hospital's time zone, ${availability.time_zone}. Saving replaces every rule; existing bookings are kept.`),
      rulesEditor(doctor, availability, reload),
    ),
    section(
      "Time off",
      timeOffTable(availability.exceptions, `/api/doctors/${id}/exceptions`, reload),
      h("h3", null, "Add time off"),
      timeOffForm(doctor, reload),
    ),
  );
}

// ---- the audit log ----

async function auditPage(ctx) {
  const q = ctx.query;
  const want = { action: q.get("action") || "", actor: q.get("actor") || "", patient: q.get("patient") || "", from: q.get("from") || "", to: q.get("to") || "" };
  const users = await all("/api/users");
  const byId = new Map(users.map((u) => [u.id, u]));
  const sorted = [...users].sort((a, b) => a.full_name.localeCompare(b.full_name));
  const withCurrent = (options, id) => (id && !options.some(([v]) => v === id) ? [...options, [id, `Account ${id}`]] : options);
  const actorOptions = withCurrent(sorted.map((u) => [u.id, `${u.full_name} (${fmt.label(u.role)})`]), want.actor);
  const patientOptions = withCurrent(sorted.filter((u) => u.role === "patient").map((u) => [u.id, u.full_name]), want.patient);
  const filters = form({
    fields: [
      { name: "action", label: "Action", type: "select", options: [["", "Any action"], ...AUDIT_ACTIONS.map((a) => [a, actionLabel(a)])], value: want.action },
      { name: "actor", label: "Who acted", type: "select", options: [["", "Anyone"], ...actorOptions], value: want.actor, api: "actor_id" },
      { name: "patient", label: "Patient concerned", type: "select", options: [["", "Any or none"], ...patientOptions], value: want.patient, api: "patient_id" },
      { name: "from", label: "From date", type: "date", value: want.from },
      { name: "to", label: "To date (inclusive)", type: "date", value: want.to },
    ],
    submitLabel: "Show",
    onSubmit: async (v) => ctx.go(`/admin/audit${qs(v)}`),
  });
  filters.classList.add("admin-filters");
  const person = (id, role) => {
    if (!id) return h("span", { class: "muted" }, role ? fmt.label(role) : "—");
    const u = byId.get(id);
    return h("a", { href: `#/admin/audit${qs({ ...want, actor: id })}`, title: "Show only this account's events" }, u ? u.full_name : `Account ${id.slice(0, 8)}…`);
  };
  const query = {
    action: want.action,
    actor_id: want.actor,
    patient_id: want.patient,
    from: want.from ? fmt.zonedInstant(want.from, "00:00") : "",
    to: want.to ? fmt.zonedInstant(fmt.addDays(want.to, 1), "00:00") : "",
  };
  const events = list(
    (page) => api.get("/api/audit", { ...query, page, page_size: 25 }),
    (rows) =>
      table({
        caption: "Audit events, newest first",
        columns: [
          { label: "When", cell: (e) => h("span", { class: "admin-nowrap" }, fmt.instant(e.at)) },
          { label: "Who", cell: (e) => [person(e.actor_id, e.actor_role), e.actor_id && e.actor_role ? h("span", { class: "muted" }, ` (${fmt.label(e.actor_role)})`) : null] },
          { label: "Action", cell: (e) => actionLabel(e.action) },
          { label: "Operation", cell: (e) => h("code", null, e.operation) },
          { label: "Record", cell: (e) => [fmt.label(e.entity), e.entity_id ? h("span", { class: "muted" }, ` ${e.entity_id.slice(0, 8)}…`) : null] },
          {
            label: "Patient",
            cell: (e) => (e.patient_id ? h("a", { href: `#/admin/audit${qs({ ...want, patient: e.patient_id })}`, title: "Show only events about this patient" }, byId.get(e.patient_id)?.full_name || `Patient ${e.patient_id.slice(0, 8)}…`) : "—"),
          },
          { label: "Outcome", cell: (e) => statusBadge(e.outcome) },
          { label: "Detail", cell: (e) => e.detail || "—" },
        ],
        rows,
        empty: "No event matches.",
      }),
  );
  const filtered = Object.values(want).some(Boolean);
  render(
    "Audit log",
    h("p", { class: "muted" }, `Dates are in the hospital's time zone, ${fmt.zoneName()}.`),
    filters,
    filtered ? h("p", null, h("a", { href: "#/admin/audit" }, "Clear the filters")) : null,
    events,
  );
}

export default {
  home: "/admin",
  nav: [
    { path: "/admin", label: "Dashboard" },
    { path: "/admin/users", label: "Staff accounts" },
    { path: "/admin/doctors", label: "Doctors" },
    { path: "/admin/audit", label: "Audit log" },
  ],
  routes: {
    "/admin": dashboardPage,
    "/admin/users": usersPage,
    "/admin/doctors": doctorsPage,
    "/admin/doctors/:id": doctorPage,
    "/admin/audit": auditPage,
  },
};
