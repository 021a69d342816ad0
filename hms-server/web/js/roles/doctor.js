// The doctor's portal: the day and the week of one's appointments, an appointment's lifecycle
// (confirm, reject, complete, no-show), one's patients and their charts, prescriptions with
// structured medications and their analysis (deterministic checks, the AI review or why there is
// none, the disclaimer), and one's availability (weekly rules and time off). The API decides
// every rule; these pages show its answers and refusals.

import { all, api, call } from "../api.js";
import { timeOffTable } from "../availability.js";
import { chartView, routeLabel } from "../chart.js";
import * as fmt from "../format.js";
import * as people from "../people.js";
import { button, errorBox, form, h, infoBox, list, pairs, queryId, render, section, statusBadge, table, toast } from "../ui.js";

const STATUSES = ["pending", "confirmed", "completed", "no_show", "cancelled", "rejected"];
const ROUTES = ["oral", "iv", "im", "sc", "topical", "inhaled", "other"];
const WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
const SEVERITIES = ["critical", "high", "moderate", "low", "info"];
const enc = encodeURIComponent;

// ---- helpers ----

/** The names of patients by id (a patient not read is "A patient", asked again next time). */
async function patientNames(ids) {
  await people.loadPatients(ids);
  return (id) => people.patient(id)?.full_name || "A patient";
}

/** A doctor's own appointments starting in the hospital-local days [fromDay, toDay). */
async function appointmentsBetween(fromDay, toDay) {
  const rows = await all("/api/appointments", { from: fmt.zonedInstant(fromDay), to: fmt.zonedInstant(toDay) });
  return rows.sort((a, b) => a.starts_at.localeCompare(b.starts_at));
}

function apptLink(a, text) {
  return h("a", { href: `#/doctor/appointments/${enc(a.id)}` }, text);
}

function statusCounts(rows) {
  const counts = STATUSES.map((s) => [s, rows.filter((a) => a.status === s).length]).filter(([, n]) => n > 0);
  if (!counts.length) return null;
  return h("ul", { class: "dr-counts", "aria-label": "Appointments by status" }, counts.map(([s, n]) => h("li", null, statusBadge(s), ` ${n}`)));
}

function dayNav(prevHref, prevText, middle, nextHref, nextText) {
  return h("nav", { class: "row dr-day-nav", "aria-label": "Other days" }, h("a", { class: "button secondary", href: prevHref }, prevText), middle, h("a", { class: "button secondary", href: nextHref }, nextText));
}

// ---- the day ----

async function dayView(ctx) {
  const todayYmd = fmt.today();
  const day = /^\d{4}-\d{2}-\d{2}$/.test(ctx.query.get("day") || "") ? ctx.query.get("day") : todayYmd;
  const rows = await appointmentsBetween(day, fmt.addDays(day, 1));
  const name = await patientNames(rows.map((a) => a.patient_id));
  const title = day === todayYmd ? "Today" : fmt.dateWithWeekday(day);
  const groups = STATUSES.map((s) => [s, rows.filter((a) => a.status === s)]).filter(([, r]) => r.length);
  const waiting = list(
    (page) => api.get("/api/appointments", { status: "pending", from: new Date().toISOString(), page }),
    (items) => {
      const box = h("div");
      patientNames(items.map((a) => a.patient_id)).then((n) =>
        box.replaceChildren(
          table({
            columns: [
              { label: "When", cell: (a) => apptLink(a, fmt.instant(a.starts_at)) },
              { label: "Patient", cell: (a) => n(a.patient_id) },
              { label: "Reason", cell: (a) => a.reason || "—" },
            ],
            rows: items,
            empty: "No booking is waiting for your confirmation.",
          }),
        ),
      );
      return box;
    },
  );
  render(
    title,
    h("p", { class: "muted" }, `${fmt.dateWithWeekday(day)} · your appointments, in ${fmt.zoneName()} time.`),
    dayNav(`#/doctor?day=${fmt.addDays(day, -1)}`, "Previous day", day === todayYmd ? null : h("a", { href: "#/doctor" }, "Today"), `#/doctor?day=${fmt.addDays(day, 1)}`, "Next day"),
    statusCounts(rows),
    groups.length
      ? groups.map(([s, r]) =>
          section(
            `${fmt.label(s)} (${r.length})`,
            table({
              columns: [
                { label: "Time", cell: (a) => apptLink(a, fmt.timeRange(a.starts_at, a.ends_at)) },
                { label: "Patient", cell: (a) => h("a", { href: `#/doctor/patients/${enc(a.patient_id)}` }, name(a.patient_id)) },
                { label: "Reason", cell: (a) => a.reason || "—" },
              ],
              rows: r,
            }),
          ),
        )
      : infoBox("No appointments on this day."),
    section("Waiting for your confirmation", waiting),
  );
}

// ---- the week ----

async function weekView(ctx) {
  const asked = ctx.query.get("start");
  const start = fmt.weekStart(/^\d{4}-\d{2}-\d{2}$/.test(asked || "") ? asked : fmt.today());
  const end = fmt.addDays(start, 7);
  const rows = await appointmentsBetween(start, end);
  const name = await patientNames(rows.map((a) => a.patient_id));
  const days = [...Array(7).keys()].map((i) => fmt.addDays(start, i));
  render(
    `Week of ${fmt.date(start)}`,
    h("p", { class: "muted" }, `Your appointments from ${fmt.dateWithWeekday(start)} to ${fmt.dateWithWeekday(fmt.addDays(end, -1))}, in ${fmt.zoneName()} time.`),
    dayNav(`#/doctor/week?start=${fmt.addDays(start, -7)}`, "Previous week", h("a", { href: "#/doctor/week" }, "This week"), `#/doctor/week?start=${end}`, "Next week"),
    statusCounts(rows) || infoBox("No appointments this week."),
    h(
      "div",
      { class: "week" },
      days.map((d) => {
        const mine = rows.filter((a) => fmt.dateOf(a.starts_at) === d);
        return h(
          "section",
          { class: "card dr-day" },
          h("h2", null, h("a", { href: `#/doctor?day=${d}` }, fmt.dateWithWeekday(d))),
          mine.length
            ? h("ul", { class: "plain" }, mine.map((a) => h("li", null, apptLink(a, fmt.time(a.starts_at)), " ", name(a.patient_id), " ", statusBadge(a.status))))
            : h("p", { class: "muted" }, "Nothing booked."),
        );
      }),
    ),
  );
}

// ---- one appointment ----

async function appointmentView(ctx) {
  const path = `/api/appointments/${enc(ctx.params.id)}`;
  const { data: a, etag } = await api.tagged(path);
  const [patient, rxs] = await Promise.all([
    api.get(`/api/patients/${enc(a.patient_id)}`).catch(() => null),
    all("/api/prescriptions", { patient_id: a.patient_id }).catch(() => []),
  ]);
  const rx = rxs.find((p) => p.appointment_id === a.id);
  const again = () => ctx.go(`/doctor/appointments/${a.id}`);
  const act = (verb, done, body) => async () => {
    await call("POST", `${path}/${verb}`, { ifMatch: etag, body });
    toast(done);
    again();
  };
  // The API names the steps that exist from this status; whether it is time for one (a visit
  // is completed once it has started) it decides when asked.
  const steps = new Set(a.next_steps);
  const open = steps.has("confirm") || steps.has("reject") || steps.has("complete") || steps.has("no_show");
  const rejectForm = form({
    fields: [{ name: "reason", label: "Reason for rejecting", type: "textarea", rows: 2, hint: "The patient sees it." }],
    submitLabel: "Reject",
    onSubmit: async (v) => act("reject", "Appointment rejected.", { reason: v.reason || null })(),
  });
  render(
    `Appointment on ${fmt.instant(a.starts_at)}`,
    section(
      "Details",
      pairs([
        ["Patient", h("a", { href: `#/doctor/patients/${enc(a.patient_id)}` }, patient ? patient.full_name : "Open the chart")],
        ["When", `${fmt.instant(a.starts_at)} to ${fmt.time(a.ends_at)}`],
        ["Status", statusBadge(a.status)],
        ["Reason", a.reason || "—"],
        ["Notes", a.notes || null],
        [a.status === "rejected" ? "Why it was rejected" : "Why it was cancelled", a.cancellation_reason || null],
        ["Booked", fmt.instant(a.created_at)],
        ["Last changed", fmt.instant(a.updated_at)],
      ]),
    ),
    section(
      "Actions",
      open
        ? [
            h(
              "div",
              { class: "row dr-actions" },
              steps.has("confirm") ? button("Confirm", act("confirm", "Appointment confirmed.")) : null,
              steps.has("complete") ? button("Complete", act("complete", "Appointment completed."), { kind: "secondary" }) : null,
              steps.has("no_show") ? button("Mark no-show", act("no-show", "Marked as a no-show."), { kind: "secondary" }) : null,
            ),
            steps.has("reject") ? [h("h3", null, "Reject"), rejectForm] : null,
          ]
        : h("p", null, `This appointment is ${fmt.label(a.status).toLowerCase()}.`),
    ),
    section(
      "Records",
      h(
        "ul",
        { class: "plain" },
        h("li", null, h("a", { href: `#/doctor/patients/${enc(a.patient_id)}` }, "The patient's chart: notes, documents, prescriptions")),
        h(
          "li",
          null,
          rx
            ? h("a", { href: `#/doctor/prescriptions/${enc(rx.id)}` }, "The prescription of this appointment")
            : h("a", { href: `#/doctor/prescriptions/new${fmt.qs({ patient: a.patient_id, appointment: a.id })}` }, "Write a prescription for this appointment"),
        ),
      ),
    ),
  );
}

// ---- patients ----

async function patientsView(ctx) {
  const search = ctx.query.get("search") || "";
  const results = list(
    (page) => api.get("/api/patients", { search, page }),
    (rows) =>
      table({
        caption: search ? `Patients matching “${search}”` : "Your patients",
        columns: [
          { label: "Name", cell: (p) => h("a", { href: `#/doctor/patients/${enc(p.id)}` }, p.full_name) },
          { label: "Date of birth", cell: (p) => (p.date_of_birth ? fmt.date(p.date_of_birth) : "—") },
          { label: "Sex", cell: (p) => fmt.label(p.sex) },
          { label: "E-mail", cell: (p) => p.email },
          { label: "Phone", cell: (p) => p.phone || "—" },
        ],
        rows,
        empty: search ? "No patient of yours matches." : "You have no patients yet.",
      }),
  );
  render(
    "Patients",
    form({
      fields: [{ name: "search", label: "Search by name or e-mail", type: "search", value: search }],
      submitLabel: "Search",
      onSubmit: async (v) => ctx.go(`/doctor/patients${fmt.qs({ search: v.search })}`),
    }),
    results,
  );
}

// ---- editable lists of structured rows (medications, weekly rules) ----

let rowCount = 0;

/** One labelled control of a row; `apiNames` are the API fields whose errors belong beside it. */
function cell(labelText, control, apiNames) {
  const names = [apiNames].flat();
  control.id = `r${++rowCount}`;
  control.dataset.api = names.join(" ");
  control.dataset.field = names[0].split(".").pop();
  return h("div", { class: "field" }, h("label", { for: control.id }, labelText), control);
}

/**
 * A list of rows of fields, one fieldset each (`Medication 1`, …), with add and remove buttons.
 * `cells(item, prefix)` draws a row's fields for the API path `prefix` (`medications[0]`); the
 * paths follow the rows' order when one is removed. `el.rows()` answers the rows' elements.
 */
function rowsEditor({ legend, noun, prefix, items, blank, cells }) {
  const rows = h("div", { class: "dr-rows" });
  const number = () =>
    [...rows.children].forEach((row, i) => {
      row.querySelector("legend").textContent = `${noun} ${i + 1}`;
      for (const el of row.querySelectorAll("[data-api]")) {
        el.dataset.api = el.dataset.api.replace(new RegExp(`${prefix}\\[\\d+\\]`, "g"), `${prefix}[${i}]`);
      }
    });
  const add = (item) => {
    const row = h(
      "fieldset",
      { class: "dr-row" },
      h("legend", null, noun),
      h("div", { class: "dr-grid" }, cells(item, `${prefix}[${rows.children.length}]`)),
      button(`Remove this ${noun.toLowerCase()}`, async () => {
        row.remove();
        number();
      }, { kind: "secondary" }),
    );
    rows.append(row);
    number();
    return row;
  };
  for (const item of items) add(item);
  const el = h(
    "fieldset",
    { class: "dr-list" },
    h("legend", null, legend),
    rows,
    button(`Add a ${noun.toLowerCase()}`, async () => add(blank()).querySelector("input, select")?.focus(), { kind: "secondary" }),
  );
  el.rows = () => [...rows.children];
  return el;
}

const valueOf = (row, f) => row.querySelector(`[data-field="${f}"]`).value.trim();
const text = (value, attrs = {}) => h("input", { type: "text", value: value ?? "", ...attrs });

function medicationsEditor(initial) {
  const el = rowsEditor({
    legend: "Medications",
    noun: "Medication",
    prefix: "medications",
    items: initial.length ? initial : [{}],
    blank: () => ({}),
    cells: (m, p) => [
      cell("Name", text(m.name, { autocomplete: "off" }), `${p}.name`),
      cell("Strength", text(m.strength, { placeholder: "e.g. 500 mg" }), `${p}.strength`),
      cell("Route", h("select", null, ROUTES.map((r) => h("option", { value: r, selected: (m.route || "oral") === r }, routeLabel(r)))), `${p}.route`),
      cell("Frequency", text(m.frequency, { placeholder: "e.g. twice daily" }), `${p}.frequency`),
      cell("Duration (days)", text(m.duration_days, { inputmode: "numeric" }), `${p}.duration_days`),
      cell("Instructions", text(m.instructions), `${p}.instructions`),
    ],
  });
  el.values = () => {
    const bad = {};
    const meds = el.rows().map((row, i) => {
      const days = valueOf(row, "duration_days");
      // The API takes a whole number here; anything else could not even be sent as one.
      if (!/^\d+$/.test(days)) bad[`medications[${i}].duration_days`] = ["must be a whole number of days"];
      const get = (f) => valueOf(row, f);
      return { name: get("name"), strength: get("strength"), route: get("route"), frequency: get("frequency"), duration_days: Number(days), instructions: get("instructions") };
    });
    if (Object.keys(bad).length) throw Object.assign(new Error("Please correct the fields marked below."), { fields: bad });
    return meds;
  };
  return el;
}

function prescriptionForm({ rx, appointmentOptions, appointment, onSubmit, submitLabel }) {
  const meds = medicationsEditor(rx?.medications || []);
  return form({
    fields: [
      appointmentOptions ? { name: "appointment_id", label: "Appointment", type: "select", options: appointmentOptions, value: appointment, required: true, hint: "A confirmed or completed appointment of yours with this patient." } : null,
      { name: "diagnosis", label: "Diagnosis", type: "textarea", rows: 2, value: rx?.diagnosis, required: true },
      { name: "instructions", label: "General instructions", type: "textarea", rows: 2, value: rx?.instructions },
      { name: "follow_up", label: "Follow-up date", type: "date", value: rx?.follow_up || "" },
    ].filter(Boolean),
    extra: meds,
    submitLabel,
    onSubmit: (v) =>
      onSubmit({
        ...(v.appointment_id ? { appointment_id: v.appointment_id } : {}),
        diagnosis: v.diagnosis,
        instructions: v.instructions,
        follow_up: v.follow_up || null,
        medications: meds.values(),
      }),
  });
}

async function newPrescriptionView(ctx) {
  const patientId = queryId(ctx.query, "patient");
  const appointmentId = queryId(ctx.query, "appointment");
  if (!patientId) {
    const patients = await all("/api/patients");
    render(
      "New prescription",
      patients.length
        ? form({
            fields: [{ name: "patient", label: "Patient", type: "select", options: patients.map((p) => [p.id, `${p.full_name} (${p.email})`]) }],
            submitLabel: "Continue",
            onSubmit: async (v) => ctx.go(`/doctor/prescriptions/new${fmt.qs({ patient: v.patient })}`),
          })
        : infoBox("You have no patients yet."),
    );
    return;
  }
  const [patient, appointments] = await Promise.all([api.get(`/api/patients/${enc(patientId)}`), all("/api/appointments", { patient_id: patientId })]);
  appointments.sort((a, b) => b.starts_at.localeCompare(a.starts_at));
  const options = [["", "Choose an appointment"], ...appointments.map((a) => [a.id, `${fmt.instant(a.starts_at)} (${fmt.label(a.status)})`])];
  render(
    "New prescription",
    h("p", null, "For ", h("a", { href: `#/doctor/patients/${enc(patient.id)}` }, patient.full_name), "."),
    appointments.length
      ? section(
          "Prescription",
          prescriptionForm({
            appointmentOptions: options,
            appointment: appointmentId,
            submitLabel: "Write the prescription",
            onSubmit: async (body) => {
              const rx = await api.post("/api/prescriptions", body);
              toast("Prescription written.");
              ctx.go(`/doctor/prescriptions/${rx.id}`);
            },
          }),
        )
      : infoBox("You have no appointment with this patient to write a prescription for."),
  );
}

// ---- one prescription and its analysis ----

async function prescriptionView(ctx) {
  const path = `/api/prescriptions/${enc(ctx.params.id)}`;
  const { data: rx, etag } = await api.tagged(path);
  const patient = await api.get(`/api/patients/${enc(rx.patient_id)}`).catch(() => null);
  const analysisBox = h("div", { class: "dr-analysis", "aria-live": "polite" });
  const showAnalysis = (an) => analysisBox.replaceChildren(analysisView(an, rx));
  try {
    showAnalysis(await api.get(`${path}/analysis`));
  } catch (e) {
    analysisBox.replaceChildren(e.status === 404 ? h("p", { class: "muted" }, "This prescription has not been analysed yet.") : errorBox(e));
  }
  const analyse = (fresh) => async () => {
    analysisBox.setAttribute("aria-busy", "true");
    try {
      showAnalysis(await call("POST", `${path}/analysis`, { query: fresh ? { fresh: true } : undefined }));
      toast("Analysis ready.");
    } finally {
      analysisBox.removeAttribute("aria-busy");
    }
  };
  render(
    `Prescription for ${patient ? patient.full_name : "a patient"}`,
    section(
      "Summary",
      pairs([
        ["Patient", h("a", { href: `#/doctor/patients/${enc(rx.patient_id)}` }, patient ? patient.full_name : "Open the chart")],
        ["Appointment", h("a", { href: `#/doctor/appointments/${enc(rx.appointment_id)}` }, "Open the appointment")],
        ["Diagnosis", rx.diagnosis],
        ["Instructions", rx.instructions || null],
        ["Follow-up", rx.follow_up ? fmt.date(rx.follow_up) : null],
        ["Written", fmt.instant(rx.created_at)],
        ["Last changed", fmt.instant(rx.updated_at)],
        ["Revision", String(rx.revision)],
      ]),
      table({
        caption: "Medications",
        columns: [
          { label: "Name", cell: (m) => m.name },
          { label: "Strength", cell: (m) => m.strength },
          { label: "Route", cell: (m) => routeLabel(m.route) },
          { label: "Frequency", cell: (m) => m.frequency },
          { label: "Days", cell: (m) => String(m.duration_days), num: true },
          { label: "Instructions", cell: (m) => m.instructions || "—" },
        ],
        rows: rx.medications,
      }),
    ),
    section(
      "Analysis",
      h("p", { class: "muted" }, "Safety checks of this prescription, and an AI review when one is available."),
      h("div", { class: "row" }, button("Analyse the prescription", analyse(false)), button("Analyse again from scratch", analyse(true), { kind: "secondary" })),
      analysisBox,
    ),
    section(
      "Edit",
      prescriptionForm({
        rx,
        submitLabel: "Save the changes",
        onSubmit: async (body) => {
          await call("PUT", path, { body, ifMatch: etag });
          toast("Prescription saved.");
          ctx.go(`/doctor/prescriptions/${rx.id}`);
        },
      }),
    ),
  );
}

function findingItem(f) {
  return h(
    "li",
    { class: `card dr-finding sev-${f.severity}` },
    h("p", { class: "dr-finding-head" }, statusBadge(f.severity), " ", h("strong", null, fmt.label(f.category)), f.medications.length ? `: ${f.medications.join(", ")}` : ""),
    pairs([
      ["Medications", f.medications.length ? f.medications.join(", ") : null],
      ["Resolved to", f.resolved?.some(Boolean) ? f.resolved.map((r) => r || "unknown").join("; ") : null],
      ["Why", f.rationale],
      ["Suggested action", f.suggested_action],
      ["Source", f.source || null],
      ["Rule", f.rule || null],
    ]),
  );
}

function findingsBySeverity(findings, none) {
  if (!findings.length) return h("p", { class: "muted" }, none);
  return SEVERITIES.map((s) => [s, findings.filter((f) => f.severity === s)])
    .filter(([, fs]) => fs.length)
    .map(([s, fs]) => [h("h4", null, `${fmt.label(s)} (${fs.length})`), h("ul", { class: "plain dr-findings" }, fs.map(findingItem))]);
}

function analysisView(an, rx) {
  const review = an.review;
  return h(
    "div",
    null,
    h("p", { class: "disclaimer", role: "note" }, an.disclaimer),
    an.prescription_revision !== rx.revision
      ? infoBox(`This analysis is of revision ${an.prescription_revision}; the prescription is now at revision ${rx.revision}. Analyse it again.`)
      : null,
    pairs([
      ["Analysed", fmt.instant(an.created_at)],
      ["Outcome", fmt.label(an.outcome)],
      ["Revision analysed", String(an.prescription_revision)],
      ["Model", an.model || null],
      ["Time taken", `${an.latency_ms} ms`],
    ]),
    h("h3", null, `Safety checks (${an.checks.length})`),
    findingsBySeverity(an.checks, "The checks found nothing to report."),
    h("h3", null, "AI review"),
    review
      ? [
          h("h4", null, "Summary"),
          h("pre", { class: "wrap" }, review.summary),
          h("h4", null, `Further findings (${review.findings.length})`),
          h("div", null, findingsBySeverity(review.findings, "No further findings.")),
          h("h4", null, "Draft instructions for the patient"),
          h("pre", { class: "wrap" }, review.patient_instructions || "—"),
          h("h4", null, "Missing information"),
          review.missing_information.length ? h("ul", null, review.missing_information.map((m) => h("li", null, m))) : h("p", { class: "muted" }, "None noted."),
        ]
      : infoBox(`The AI review is unavailable: ${an.review_unavailable_reason || "no reason was given"}.`),
  );
}

// ---- availability ----

function rulesEditor(rules) {
  const el = rowsEditor({
    legend: "Rules, in the hospital's time zone",
    noun: "Rule",
    prefix: "rules",
    items: rules,
    blank: () => ({ weekday: "monday", start: "09:00", end: "17:00", slot_minutes: 30 }),
    cells: (r, p) => [
      cell("Weekday", h("select", null, WEEKDAYS.map((d) => h("option", { value: d, selected: r.weekday === d }, fmt.label(d)))), [`${p}.weekday`, p]),
      cell("Start", h("input", { type: "time", value: r.start || "" }), `${p}.start`),
      cell("End", h("input", { type: "time", value: r.end || "" }), `${p}.end`),
      cell("Slot minutes", text(r.slot_minutes, { inputmode: "numeric" }), `${p}.slot_minutes`),
      cell("Valid from", h("input", { type: "date", value: r.valid_from || "" }), `${p}.valid_from`),
      cell("Valid until", h("input", { type: "date", value: r.valid_until || "" }), `${p}.valid_until`),
    ],
  });
  el.values = () => {
    const bad = {};
    const out = el.rows().map((row, i) => {
      const minutes = valueOf(row, "slot_minutes");
      if (!/^\d+$/.test(minutes)) bad[`rules[${i}].slot_minutes`] = ["must be a whole number of minutes"];
      return {
        weekday: valueOf(row, "weekday"),
        start: valueOf(row, "start"),
        end: valueOf(row, "end"),
        slot_minutes: Number(minutes),
        valid_from: valueOf(row, "valid_from") || null,
        valid_until: valueOf(row, "valid_until") || null,
      };
    });
    if (Object.keys(bad).length) throw Object.assign(new Error("Please correct the fields marked below."), { fields: bad });
    return out;
  };
  return el;
}

async function availabilityView(ctx) {
  const me = await api.get("/api/doctors/me");
  const availability = await api.get(`/api/doctors/${enc(me.id)}/availability`);
  const editor = rulesEditor(availability.rules);
  const rulesForm = form({
    fields: [],
    extra: editor,
    submitLabel: "Save the weekly rules",
    onSubmit: async () => {
      await api.put("/api/doctors/me/availability", { rules: editor.values() });
      toast("Weekly rules saved.");
      ctx.go("/doctor/availability");
    },
  });

  const day = fmt.today();
  render(
    "Availability",
    h("p", { class: "muted" }, `Times are read in the hospital's time zone, ${availability.time_zone}. Changing the rules keeps the bookings already made.`),
    section("Weekly rules", rulesForm),
    section(
      "Time off",
      timeOffTable(availability.exceptions, "/api/doctors/me/exceptions", () => ctx.go("/doctor/availability")),
      h("h3", null, "Add time off"),
      form({
        fields: [
          { name: "from_day", label: "From (date)", type: "date", required: true, value: day, api: "starts_at" },
          { name: "from_time", label: "From (time)", type: "time", required: true, value: "00:00" },
          { name: "until_day", label: "Until (date)", type: "date", required: true, value: fmt.addDays(day, 1), api: "ends_at" },
          { name: "until_time", label: "Until (time)", type: "time", required: true, value: "00:00", hint: "The time off ends just before this moment." },
          { name: "reason", label: "Reason" },
        ],
        submitLabel: "Add the time off",
        onSubmit: async (v) => {
          await api.post("/api/doctors/me/exceptions", {
            starts_at: fmt.zonedInstant(v.from_day, v.from_time),
            ends_at: fmt.zonedInstant(v.until_day, v.until_time),
            reason: v.reason,
          });
          toast("Time off added.");
          ctx.go("/doctor/availability");
        },
      }),
    ),
  );
}

export default {
  home: "/doctor",
  nav: [
    { path: "/doctor", label: "Today" },
    { path: "/doctor/week", label: "Week" },
    { path: "/doctor/patients", label: "Patients" },
    { path: "/doctor/availability", label: "Availability" },
  ],
  routes: {
    "/doctor": dayView,
    "/doctor/week": weekView,
    "/doctor/appointments/:id": appointmentView,
    "/doctor/patients": patientsView,
    "/doctor/patients/:id": (ctx) => chartView(ctx, ctx.params.id, { canPrescribe: true, canUpload: true, noteKinds: ["clinical"] }),
    "/doctor/prescriptions/new": newPrescriptionView,
    "/doctor/prescriptions/:id": prescriptionView,
    "/doctor/availability": availabilityView,
  },
};
