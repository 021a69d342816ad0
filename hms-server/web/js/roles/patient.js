// The patient's portal: find a doctor and book one of their free slots, one's own appointments
// (cancel with a reason), prescriptions, invoices and documents, and one's own patient record.
// Every rule (who may see or cancel what, which slot is free) is the API's: the pages show what
// it answers and, when it refuses, its reason.

import { all, api, call, download } from "../api.js";
import * as fmt from "../format.js";
import * as people from "../people.js";
import { button, clearErrors, form, h, infoBox, list, pairs, render, section, statusBadge, table, toast } from "../ui.js";

const APPOINTMENT_STATUSES = ["pending", "confirmed", "completed", "cancelled", "rejected", "no_show"];
// Whether cancelling exists from the appointment's status, as the API says; whether it is still
// time the API decides when asked.
const canCancel = (a) => a.next_steps.includes("cancel");
const SEXES = ["unknown", "female", "male", "other"];
const BLOOD_GROUPS = ["unknown", "A+", "A-", "B+", "B-", "AB+", "AB-", "O+", "O-"];

// ---- small helpers ----

const link = (path, ...text) => h("a", { href: `#${path}` }, ...text);
const isDate = (s) => /^\d{4}-\d{2}-\d{2}$/.test(s || "");
const lines = (text) => text.split("\n").map((s) => s.trim()).filter(Boolean);
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const moneyOf = (amount, currency) => fmt.money({ amount, currency });

/** The doctors of `items` (appointments, prescriptions), for the names beside them. */
const loadDoctors = (items) => people.loadDoctors(items.map((x) => x.doctor_id));

function doctorCell(id) {
  const d = people.doctor(id);
  return d ? link(`/patient/doctors/${id}`, fmt.doctorName(d)) : h("span", { class: "muted" }, "Unknown doctor");
}

/** A paginated list whose rows need their doctors' names. */
function listWithDoctors(load, show) {
  return list(async (page) => {
    const p = await load(page);
    await loadDoctors(p.items);
    return p;
  }, show);
}

// An API error whose field paths `allergies[2]` name a line of a one-per-line text area:
// the message says which entry is at fault, and lands beside the text area.
function entryErrors(e, names) {
  if (!e?.fields) return e;
  for (const key of Object.keys(e.fields)) {
    const m = /^(\w+)\[(\d+)\]$/.exec(key);
    if (!m || !names.includes(m[1])) continue;
    (e.fields[m[1]] ??= []).push(...e.fields[key].map((msg) => `entry ${Number(m[2]) + 1}: ${msg}`));
    delete e.fields[key];
  }
  return e;
}

/** A failure of a form, with field errors, made here (not by the API). */
function fieldError(fields) {
  return Object.assign(new Error("Please correct the fields marked below."), { fields });
}

// ---- home ----

async function home({ user }) {
  const now = new Date().toISOString();
  const [pending, confirmed, unpaid] = await Promise.all([
    api.get("/api/appointments", { status: "pending", from: now, page_size: 5 }),
    api.get("/api/appointments", { status: "confirmed", from: now, page_size: 5 }),
    api.get("/api/invoices", { status: "pending", page_size: 5 }),
  ]);
  const upcoming = [...pending.items, ...confirmed.items].sort((a, b) => a.starts_at.localeCompare(b.starts_at)).slice(0, 5);
  await loadDoctors(upcoming);
  const quick = [
    ["/patient/doctors", "Book an appointment", "Find a doctor and a free time."],
    ["/patient/appointments", "My appointments", "See, or cancel, your bookings."],
    ["/patient/prescriptions", "Prescriptions", "Your medicines and how to take them."],
    ["/patient/invoices", "Invoices", "What you were charged and what is paid."],
    ["/patient/documents", "Documents", "Lab results, scans and letters."],
    ["/patient/profile", "My health record", "Allergies, conditions and contact details."],
  ];
  render(
    `Welcome, ${user.full_name}`,
    section(
      "Upcoming appointments",
      table({
        caption: "Your next appointments",
        columns: [
          { label: "When", cell: (a) => link(`/patient/appointments/${a.id}`, fmt.instant(a.starts_at)) },
          { label: "Doctor", cell: (a) => doctorCell(a.doctor_id) },
          { label: "Status", cell: (a) => statusBadge(a.status) },
        ],
        rows: upcoming,
        empty: "You have no upcoming appointments.",
      }),
      h("p", { class: "row" }, link("/patient/doctors", "Book an appointment"), link("/patient/appointments", "All my appointments")),
    ),
    unpaid.total
      ? section(
          "Invoices to pay",
          h("p", null, `${unpaid.total} ${unpaid.total === 1 ? "invoice is" : "invoices are"} waiting for payment. `, link("/patient/invoices?status=pending", "See them")),
        )
      : null,
    h("h2", null, "Quick links"),
    h(
      "ul",
      { class: "quick-links" },
      quick.map(([path, title, text]) => h("li", { class: "card" }, link(path, title), h("p", { class: "muted" }, text))),
    ),
  );
}

// ---- find a doctor ----

async function doctorsPage({ query, go }) {
  const specialization = query.get("specialization") || "";
  const accepting = query.get("accepting") !== "any";
  const everyone = await all("/api/doctors");
  const specializations = [...new Set(everyone.map((d) => d.specialization).filter(Boolean))].sort((a, b) => a.localeCompare(b));
  if (specialization && !specializations.includes(specialization)) specializations.push(specialization);
  const filter = form({
    fields: [
      { name: "specialization", label: "Specialization", type: "select", value: specialization, options: [["", "Any specialization"], ...specializations.map((s) => [s, s])] },
      { name: "accepting", label: "Only doctors taking new bookings", type: "checkbox", value: accepting },
    ],
    submitLabel: "Search",
    onSubmit: async (v) => go(`/patient/doctors${fmt.qs({ specialization: v.specialization, accepting: v.accepting ? "" : "any" })}`),
  });
  const results = list(
    (page) => api.get("/api/doctors", { specialization, accepting: accepting ? true : undefined, page }),
    (rows) =>
      table({
        caption: "Doctors",
        columns: [
          { label: "Doctor", cell: (d) => link(`/patient/doctors/${d.id}`, fmt.doctorName(d)) },
          { label: "Specialization", cell: (d) => d.specialization },
          { label: "Experience", cell: (d) => `${d.years_of_experience} ${d.years_of_experience === 1 ? "year" : "years"}` },
          { label: "Consultation fee", num: true, cell: (d) => fmt.money(d.consultation_fee) },
          { label: "New bookings", cell: (d) => (d.accepting_appointments ? "Taking bookings" : h("span", { class: "muted" }, "Not taking bookings")) },
        ],
        rows,
        empty: "No doctor matches: try another specialization.",
      }),
  );
  render("Find a doctor", h("div", { class: "card filters" }, filter), results);
}

// ---- a doctor and a week of free slots ----

function weekSlots(doctorId, week) {
  return api.get(`/api/doctors/${doctorId}/slots`, { from: fmt.zonedInstant(week), to: fmt.zonedInstant(fmt.addDays(week, 7)) });
}

async function doctorPage({ params, query, go }) {
  const doctor = await api.get(`/api/doctors/${params.id}`);
  const base = `/patient/doctors/${doctor.id}`;
  const thisWeek = fmt.weekStart(fmt.today());
  const profile = section(
    "About",
    pairs([
      ["Specialization", doctor.specialization],
      ["Experience", `${doctor.years_of_experience} years`],
      ["Consultation fee", fmt.money(doctor.consultation_fee)],
      ["About", doctor.bio],
    ]),
  );
  if (!doctor.accepting_appointments || !doctor.active) {
    render(fmt.doctorName(doctor), profile, infoBox(`${fmt.doctorName(doctor)} is not taking new bookings at the moment.`), h("p", null, link("/patient/doctors", "Find another doctor")));
    return;
  }

  // The week shown: the one asked for, else the first of the next eight with a free slot.
  let week;
  let slots;
  let note = null;
  const asked = query.get("week");
  if (isDate(asked)) {
    week = fmt.weekStart(asked);
    slots = await weekSlots(doctor.id, week);
  } else {
    const ahead = await api.get(`/api/doctors/${doctor.id}/slots`, { from: fmt.zonedInstant(thisWeek), to: fmt.zonedInstant(fmt.addDays(thisWeek, 56)) });
    week = ahead.length ? fmt.weekStart(fmt.dateOf(ahead[0].start)) : thisWeek;
    slots = ahead.filter((s) => fmt.weekStart(fmt.dateOf(s.start)) === week);
    if (week !== thisWeek) note = infoBox("No free time is left this week: this is the first week with free slots.");
  }

  let chosen = null;
  const grid = h("div", { class: "week patient-week" });
  const chosenText = h("p", { class: "patient-chosen" });
  const drawGrid = () => {
    grid.replaceChildren(
      ...[0, 1, 2, 3, 4, 5, 6].map((i) => {
        const day = fmt.addDays(week, i);
        const daySlots = slots.filter((s) => fmt.dateOf(s.start) === day);
        const id = `day-${day}`;
        return h(
          "div",
          { class: "day" },
          h("h3", { id }, fmt.dateWithWeekday(day)),
          daySlots.length
            ? h(
                "div",
                { class: "slots", role: "group", "aria-labelledby": id },
                daySlots.map((s) =>
                  h(
                    "button",
                    { type: "button", class: "secondary slot", "aria-pressed": String(chosen?.start === s.start), dataset: { start: s.start }, onclick: () => choose(s) },
                    fmt.time(s.start),
                  ),
                ),
              )
            : h("p", { class: "muted" }, "No free slots"),
        );
      }),
    );
  };
  const booking = form({
    fields: [{ name: "reason", label: "Reason for the visit", type: "textarea", rows: 3, hint: "What you would like to see the doctor about." }],
    submitLabel: "Book the appointment",
    onSubmit: async (v) => {
      try {
        const a = await api.post("/api/appointments", { doctor_id: doctor.id, starts_at: chosen.start, reason: v.reason });
        toast("Booked. You will be told when the doctor confirms.");
        go(`/patient/appointments/${a.id}`);
      } catch (e) {
        if (e.status === 409) {
          // Taken meanwhile: show the week as it is now, beside the API's refusal.
          slots = await weekSlots(doctor.id, week).catch(() => slots);
          drawGrid();
        }
        throw e;
      }
    },
  });
  const panel = h("section", { class: "card", hidden: true, "aria-labelledby": "book-title" }, h("h2", { id: "book-title" }, "Book this time"), chosenText, booking);
  const choose = (s) => {
    chosen = s;
    for (const b of grid.querySelectorAll("button.slot")) b.setAttribute("aria-pressed", String(b.dataset.start === s.start));
    chosenText.textContent = `With ${fmt.doctorName(doctor)}: ${fmt.weekday(s.start)}, ${fmt.timeRange(s.start, s.end)} (${fmt.zoneName()}).`;
    clearErrors(booking);
    panel.hidden = false;
    booking.elements.namedItem("reason").focus();
  };
  drawGrid();
  const weekNav = h(
    "nav",
    { class: "pager", "aria-label": "Weeks" },
    week > thisWeek ? h("a", { class: "button secondary", href: `#${base}?week=${fmt.addDays(week, -7)}` }, "Previous week") : null,
    h("span", null, `${fmt.dateWithWeekday(week)} – ${fmt.dateWithWeekday(fmt.addDays(week, 6))}`),
    h("a", { class: "button secondary", href: `#${base}?week=${fmt.addDays(week, 7)}` }, "Next week"),
  );
  render(
    fmt.doctorName(doctor),
    profile,
    section(
      `Free slots, week of ${fmt.date(week)}`,
      note,
      h("p", { class: "muted" }, `Choose a time (${fmt.zoneName()}), then give the reason for your visit.`),
      weekNav,
      grid,
    ),
    panel,
  );
}

// ---- appointments ----

/** A disclosure with a form to cancel an appointment with a reason; `done` runs after. */
function cancelBox(appointment, done, etag) {
  const f = form({
    fields: [{ name: "reason", label: "Reason for cancelling", type: "textarea", rows: 2 }],
    submitLabel: "Cancel the appointment",
    onSubmit: async (v) => {
      await call("POST", `/api/appointments/${appointment.id}/cancel`, { body: { reason: v.reason || null }, ifMatch: etag });
      toast("The appointment is cancelled.");
      await done();
    },
  });
  return h("details", { class: "cancel-box" }, h("summary", null, "Cancel…"), f);
}

async function appointmentsPage({ query, go }) {
  const when = ["upcoming", "past", "all"].includes(query.get("when")) ? query.get("when") : "upcoming";
  const status = APPOINTMENT_STATUSES.includes(query.get("status")) ? query.get("status") : "";
  const filter = form({
    fields: [
      { name: "when", label: "Show", type: "select", value: when, options: [["upcoming", "Upcoming"], ["past", "Past"], ["all", "All"]] },
      { name: "status", label: "Status", type: "select", value: status, options: [["", "Any status"], ...APPOINTMENT_STATUSES.map((s) => [s, fmt.label(s)])] },
    ],
    submitLabel: "Show",
    onSubmit: async (v) => go(`/patient/appointments${fmt.qs({ when: v.when, status: v.status })}`),
  });
  const box = listWithDoctors(
    (page) => {
      const now = new Date().toISOString();
      return api.get("/api/appointments", { status, from: when === "upcoming" ? now : undefined, to: when === "past" ? now : undefined, page });
    },
    (rows) =>
      table({
        caption: "Your appointments",
        columns: [
          { label: "When", cell: (a) => link(`/patient/appointments/${a.id}`, fmt.instant(a.starts_at)) },
          { label: "Doctor", cell: (a) => doctorCell(a.doctor_id) },
          { label: "Reason", cell: (a) => a.reason || h("span", { class: "muted" }, "—") },
          { label: "Status", cell: (a) => statusBadge(a.status) },
          { label: "Actions", cell: (a) => (canCancel(a) ? cancelBox(a, () => box.reload()) : "") },
        ],
        rows,
        empty: when === "upcoming" ? "You have no upcoming appointments." : "No appointments.",
      }),
  );
  render("My appointments", h("div", { class: "card filters" }, filter), h("p", null, link("/patient/doctors", "Book an appointment")), box);
}

async function appointmentPage({ params, go }) {
  const { data: a, etag } = await api.tagged(`/api/appointments/${params.id}`);
  const [doctor, prescriptions, invoices] = await Promise.all([people.doctorOf(a.doctor_id), all("/api/prescriptions"), all("/api/invoices")]);
  const rx = prescriptions.find((p) => p.appointment_id === a.id);
  const invoice = invoices.find((i) => i.appointment_id === a.id);
  const here = `/patient/appointments/${a.id}`;
  render(
    `Appointment on ${fmt.dateWithWeekday(fmt.dateOf(a.starts_at))}`,
    section(
      "Details",
      pairs([
        ["Doctor", doctor ? link(`/patient/doctors/${doctor.id}`, fmt.doctorName(doctor)) : "Unknown doctor"],
        ["Specialization", doctor?.specialization],
        ["Starts", fmt.instant(a.starts_at)],
        ["Ends", fmt.instant(a.ends_at)],
        ["Status", statusBadge(a.status)],
        ["Reason", a.reason],
        ["Notes", a.notes],
        ["Why it was cancelled or rejected", a.cancellation_reason],
        ["Booked", fmt.instant(a.created_at)],
        ["Last changed", fmt.instant(a.updated_at)],
      ]),
    ),
    rx || invoice
      ? section(
          "From this visit",
          h(
            "ul",
            null,
            rx ? h("li", null, link(`/patient/prescriptions/${rx.id}`, `Prescription: ${rx.diagnosis}`)) : null,
            invoice ? h("li", null, link(`/patient/invoices/${invoice.id}`, `Invoice ${invoice.number}`), " ", statusBadge(invoice.status)) : null,
          ),
        )
      : null,
    canCancel(a) ? section("Cancel", cancelBox(a, async () => go(here), etag)) : null,
    h("p", null, link("/patient/appointments", "All my appointments")),
  );
}

// ---- prescriptions ----

async function prescriptionsPage() {
  const box = listWithDoctors(
    (page) => api.get("/api/prescriptions", { page }),
    (rows) =>
      table({
        caption: "Your prescriptions",
        columns: [
          { label: "Written", cell: (p) => link(`/patient/prescriptions/${p.id}`, fmt.instant(p.created_at)) },
          { label: "Doctor", cell: (p) => doctorCell(p.doctor_id) },
          { label: "Diagnosis", cell: (p) => p.diagnosis },
          { label: "Medicines", cell: (p) => p.medications.map((m) => m.name).join(", ") },
          { label: "Follow-up", cell: (p) => fmt.date(p.follow_up) },
        ],
        rows,
        empty: "You have no prescriptions.",
      }),
  );
  render("Prescriptions", box);
}

async function prescriptionPage({ params }) {
  const p = await api.get(`/api/prescriptions/${params.id}`);
  const doctor = await people.doctorOf(p.doctor_id);
  render(
    `Prescription: ${p.diagnosis}`,
    section(
      "Details",
      pairs([
        ["Diagnosis", p.diagnosis],
        ["Doctor", doctor ? link(`/patient/doctors/${doctor.id}`, fmt.doctorName(doctor)) : "Unknown doctor"],
        ["Written", fmt.instant(p.created_at)],
        ["Revision", p.revision > 1 ? `${p.revision} (last changed ${fmt.instant(p.updated_at)})` : null],
        ["Follow-up", fmt.date(p.follow_up)],
        ["Instructions", p.instructions ? h("pre", { class: "wrap" }, p.instructions) : null],
        ["Visit", link(`/patient/appointments/${p.appointment_id}`, "The appointment")],
      ]),
    ),
    section(
      "Medicines",
      table({
        caption: "Medicines prescribed",
        columns: [
          { label: "Medicine", cell: (m) => h("strong", null, m.name) },
          { label: "Strength", cell: (m) => m.strength },
          { label: "Route", cell: (m) => fmt.label(m.route) },
          { label: "How often", cell: (m) => m.frequency },
          { label: "For", cell: (m) => `${m.duration_days} ${m.duration_days === 1 ? "day" : "days"}` },
          { label: "Instructions", cell: (m) => m.instructions || "" },
        ],
        rows: p.medications,
        empty: "No medicines.",
      }),
    ),
    h("p", null, link("/patient/prescriptions", "All my prescriptions")),
  );
}

// ---- invoices ----

async function invoicesPage({ query, go }) {
  const status = ["pending", "paid", "cancelled"].includes(query.get("status")) ? query.get("status") : "";
  const filter = form({
    fields: [{ name: "status", label: "Status", type: "select", value: status, options: [["", "Any status"], ["pending", "Pending"], ["paid", "Paid"], ["cancelled", "Cancelled"]] }],
    submitLabel: "Show",
    onSubmit: async (v) => go(`/patient/invoices${fmt.qs({ status: v.status })}`),
  });
  const box = list(
    (page) => api.get("/api/invoices", { status, page }),
    (rows) =>
      table({
        caption: "Your invoices",
        columns: [
          { label: "Number", cell: (i) => link(`/patient/invoices/${i.id}`, i.number) },
          { label: "Issued", cell: (i) => fmt.instant(i.created_at) },
          { label: "Total", num: true, cell: (i) => moneyOf(i.total, i.currency) },
          { label: "Status", cell: (i) => statusBadge(i.status) },
        ],
        rows,
        empty: "No invoices.",
      }),
  );
  render("Invoices", h("div", { class: "card filters" }, filter), box);
}

async function invoicePage({ params }) {
  const i = await api.get(`/api/invoices/${params.id}`);
  const m = (amount) => moneyOf(amount, i.currency);
  render(
    `Invoice ${i.number}`,
    section(
      "Details",
      pairs([
        ["Number", i.number],
        ["Status", statusBadge(i.status)],
        ["Issued", fmt.instant(i.created_at)],
        ["Paid", i.paid_at ? fmt.instant(i.paid_at) : null],
        ["Paid by", i.payment_method ? fmt.label(i.payment_method) : null],
        ["Cancelled", i.cancelled_at ? fmt.instant(i.cancelled_at) : null],
        ["Visit", link(`/patient/appointments/${i.appointment_id}`, "The appointment")],
      ]),
    ),
    section(
      "Charges",
      table({
        caption: "What is charged",
        columns: [
          { label: "Description", cell: (l) => l.description },
          { label: "Quantity", num: true, cell: (l) => String(l.quantity) },
          { label: "Unit price", num: true, cell: (l) => m(l.unit_price) },
        ],
        rows: i.lines,
        empty: "No lines.",
      }),
      h(
        "dl",
        { class: "pairs totals" },
        [
          ["Subtotal", m(i.subtotal)],
          ["Discount", m(i.discount)],
          [`Tax (${i.tax_rate}%)`, m(i.tax)],
          ["Total", h("strong", null, m(i.total))],
        ].map(([k, v]) => [h("dt", null, k), h("dd", { class: "num" }, v)]),
      ),
    ),
    h("p", null, link("/patient/invoices", "All my invoices")),
  );
}

// ---- documents ----

async function documentsPage() {
  const me = await api.get("/api/patients/me");
  const box = list(
    (page) => api.get(`/api/patients/${me.id}/documents`, { page }),
    (rows) =>
      table({
        caption: "Your documents",
        columns: [
          { label: "File", cell: (d) => d.file_name },
          { label: "Kind", cell: (d) => fmt.label(d.kind) },
          { label: "Description", cell: (d) => d.description },
          { label: "Size", num: true, cell: (d) => fmt.bytes(d.size_bytes) },
          { label: "Added", cell: (d) => fmt.instant(d.created_at) },
          {
            label: "Download",
            cell: (d) => {
              const b = button("Download", () => download(`/api/documents/${d.id}/content`, d.file_name), { kind: "secondary" });
              b.setAttribute("aria-label", `Download ${d.file_name}`);
              return b;
            },
          },
        ],
        rows,
        empty: "You have no documents yet.",
      }),
  );
  render("Documents", box);
}

// ---- one's patient record ----

async function profilePage({ query, go }) {
  const { data: p, etag } = await api.tagged("/api/patients/me");
  const c = p.clinical;
  const was = {
    full_name: p.full_name,
    date_of_birth: p.date_of_birth || "",
    sex: p.sex,
    phone: p.phone || "",
    address: p.address,
    emergency_contact: p.emergency_contact,
  };
  const groups = [
    ["About you", ["full_name", "date_of_birth", "sex"]],
    ["Contact", ["phone", "address", "emergency_contact"]],
  ];
  const fields = [
    { name: "full_name", label: "Full name", value: p.full_name, required: true, autocomplete: "name" },
    { name: "date_of_birth", label: "Date of birth", type: "date", value: p.date_of_birth || "", autocomplete: "bday" },
    { name: "sex", label: "Sex", type: "select", value: p.sex, options: SEXES.map((s) => [s, fmt.label(s)]) },
    { name: "phone", label: "Phone", type: "tel", value: p.phone || "", autocomplete: "tel", hint: "Leave empty to remove it." },
    { name: "address", label: "Address", type: "textarea", rows: 2, value: p.address, autocomplete: "street-address" },
    { name: "emergency_contact", label: "Emergency contact", value: p.emergency_contact, hint: "Who to call, and their number." },
  ];
  if (c) {
    const groupsOf = BLOOD_GROUPS.includes(c.blood_group) ? BLOOD_GROUPS : [...BLOOD_GROUPS, c.blood_group];
    Object.assign(was, {
      allergies: c.allergies,
      conditions: c.conditions,
      blood_group: c.blood_group,
      medical_history: c.medical_history,
      egfr_value: c.egfr ? String(c.egfr.value) : "",
      egfr_measured_on: c.egfr?.measured_on || "",
      pregnancy_noted_on: c.pregnancy_noted_on || "",
    });
    groups.push(["Health", ["allergies", "conditions", "blood_group", "medical_history", "egfr_value", "egfr_measured_on", "pregnancy_noted_on"]]);
    fields.push(
      { name: "allergies", label: "Allergies", type: "textarea", rows: 3, value: c.allergies.join("\n"), hint: "One per line." },
      { name: "conditions", label: "Known conditions", type: "textarea", rows: 3, value: c.conditions.join("\n"), hint: "One per line." },
      { name: "blood_group", label: "Blood group", type: "select", value: c.blood_group, options: groupsOf.map((g) => [g, g === "unknown" ? "Unknown" : g]) },
      { name: "medical_history", label: "Medical history", type: "textarea", rows: 4, value: c.medical_history },
      { name: "egfr_value", label: "Latest eGFR (mL/min/1.73 m²)", inputmode: "numeric", value: was.egfr_value, api: ["egfr.value", "egfr"], hint: "Kidney function, from a blood test. Leave both eGFR fields empty to remove it." },
      { name: "egfr_measured_on", label: "eGFR measured on", type: "date", value: was.egfr_measured_on, api: "egfr.measured_on" },
      { name: "pregnancy_noted_on", label: "Pregnancy noted on", type: "date", value: was.pregnancy_noted_on, hint: "Leave empty if not pregnant." },
    );
  }
  const f = form({
    fields,
    submitLabel: "Save my record",
    onSubmit: async (v) => {
      const body = {};
      for (const k of ["full_name", "sex", "phone", "address", "emergency_contact"]) if (v[k] !== was[k]) body[k] = v[k];
      // The API keeps a date of birth once given: an emptied field leaves it as it is.
      if (v.date_of_birth && v.date_of_birth !== was.date_of_birth) body.date_of_birth = v.date_of_birth;
      if (c) {
        for (const k of ["allergies", "conditions"]) if (!same(lines(v[k]), was[k])) body[k] = lines(v[k]);
        for (const k of ["blood_group", "medical_history"]) if (v[k] !== was[k]) body[k] = v[k];
        if (v.egfr_value !== was.egfr_value || v.egfr_measured_on !== was.egfr_measured_on) {
          if (!v.egfr_value && !v.egfr_measured_on) body.egfr = null;
          else {
            const missing = {};
            if (!/^\d+$/.test(v.egfr_value)) missing["egfr.value"] = ["must be a whole number"];
            if (!v.egfr_measured_on) missing["egfr.measured_on"] = ["is required with an eGFR value"];
            if (Object.keys(missing).length) throw fieldError(missing);
            body.egfr = { value: Number(v.egfr_value), measured_on: v.egfr_measured_on };
          }
        }
        if (v.pregnancy_noted_on !== was.pregnancy_noted_on) body.pregnancy_noted_on = v.pregnancy_noted_on || null;
      }
      if (!Object.keys(body).length) {
        toast("Nothing changed.");
        return;
      }
      try {
        await api.patch("/api/patients/me", body, etag);
      } catch (e) {
        throw entryErrors(e, ["allergies", "conditions"]);
      }
      toast("Your record is saved.");
      go("/patient/profile?saved=1");
    },
  });
  // Group the fields under legends.
  const submitRow = f.querySelector(":scope > .row");
  for (const [legend, names] of groups) {
    const set = h("fieldset", { class: "record-group" }, h("legend", null, legend));
    for (const name of names) set.append(f.elements.namedItem(name).closest(".field"));
    f.insertBefore(set, submitRow);
  }
  render(
    "My health record",
    query.get("saved") ? infoBox("Your changes are saved.") : null,
    h(
      "p",
      { class: "muted" },
      `Signed in as ${p.email}. Your doctors see what you write here; tell them at your next visit about anything important. `,
      "Your password and two-step sign-in are on ",
      link("/account", "your account page"),
      ".",
    ),
    h("div", { class: "card record-form" }, f),
  );
}

export default {
  home: "/patient",
  nav: [
    { path: "/patient", label: "Home" },
    { path: "/patient/doctors", label: "Find a doctor" },
    { path: "/patient/appointments", label: "Appointments" },
    { path: "/patient/prescriptions", label: "Prescriptions" },
    { path: "/patient/invoices", label: "Invoices" },
    { path: "/patient/documents", label: "Documents" },
    { path: "/patient/profile", label: "My record" },
  ],
  routes: {
    "/patient": home,
    "/patient/doctors": doctorsPage,
    "/patient/doctors/:id": doctorPage,
    "/patient/appointments": appointmentsPage,
    "/patient/appointments/:id": appointmentPage,
    "/patient/prescriptions": prescriptionsPage,
    "/patient/prescriptions/:id": prescriptionPage,
    "/patient/invoices": invoicesPage,
    "/patient/invoices/:id": invoicePage,
    "/patient/documents": documentsPage,
    "/patient/profile": profilePage,
  },
};
