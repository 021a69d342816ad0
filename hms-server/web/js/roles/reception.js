// The front desk's portal: find or register a patient, see their demographics, appointments and
// invoices, book on their behalf, issue an invoice for an appointment, record its payment or
// cancel it. The desk sees demographics only: the API answers `clinical: null` for it.

import { all, api, call } from "../api.js";
import * as fmt from "../format.js";
import * as people from "../people.js";
import { button, errorBox, form, h, infoBox, list, pairs, queryId, render, searchBox, section, statusBadge, table, toast } from "../ui.js";

const SEXES = ["female", "male", "other", "unknown"];
const BLOOD_GROUPS = ["A+", "A-", "B+", "B-", "AB+", "AB-", "O+", "O-", "unknown"];
const PAYMENT_METHODS = ["cash", "card", "online", "insurance"];
const INVOICE_STATUSES = ["pending", "paid", "cancelled"];

// ---- helpers ----

const qs = fmt.qs;
const patientLink = (id) => people.patientLink(id, "/desk/patients");

/** An invoice's amount field as money. */
const invMoney = (inv, key) => fmt.money({ amount: inv[key], currency: inv.currency });

/** The patients and the doctors named by appointments (which carry their ids only). */
const loadPeople = (appointments) =>
  Promise.all([people.loadPatients(appointments.map((a) => a.patient_id)), people.loadDoctors(appointments.map((a) => a.doctor_id))]);

/** Comma-separated text as a list of trimmed, non-empty items. */
const items = (text) => text.split(",").map((s) => s.trim()).filter(Boolean);

/** Today's appointments at the hospital, paginated. */
function appointmentsToday() {
  const day = fmt.today();
  return list(
    async (page) => {
      const p = await api.get("/api/appointments", {
        from: fmt.zonedInstant(day, "00:00"),
        to: fmt.zonedInstant(fmt.addDays(day, 1), "00:00"),
        page,
        page_size: 20,
      });
      await loadPeople(p.items);
      return p;
    },
    (rows) => appointmentTable(rows, { caption: `Appointments on ${fmt.date(day)}`, patient: true, empty: "No appointments today." }),
  );
}

function appointmentTable(rows, { caption, patient = false, extra = null, empty = "No appointments." }) {
  return table({
    caption,
    columns: [
      { label: "When", cell: (a) => (patient ? fmt.timeRange(a.starts_at, a.ends_at) : fmt.instant(a.starts_at)) },
      patient ? { label: "Patient", cell: (a) => patientLink(a.patient_id) } : null,
      { label: "Doctor", cell: (a) => fmt.doctorName(people.doctor(a.doctor_id)) },
      { label: "Reason", cell: (a) => a.reason },
      { label: "Status", cell: (a) => statusBadge(a.status) },
      extra ? { label: "Invoice", cell: extra } : null,
    ].filter(Boolean),
    rows,
    empty,
  });
}

// ---- home: find a patient ----

async function home(ctx) {
  const search = ctx.query.get("search") || "";
  const finder = searchBox(search, (text) => ctx.go(`/desk${qs({ search: text })}`));
  const patients = list(
    (page) => api.get("/api/patients", { search, page, page_size: 20 }),
    (rows) =>
      table({
        caption: search ? `Patients matching “${search}”` : "All patients",
        columns: [
          { label: "Name", cell: (p) => h("a", { href: `#/desk/patients/${p.id}` }, p.full_name) },
          { label: "E-mail", cell: (p) => p.email },
          { label: "Phone", cell: (p) => p.phone || "" },
          { label: "Date of birth", cell: (p) => fmt.date(p.date_of_birth) },
          { label: "Booking", cell: (p) => h("a", { href: `#/desk/book?patient=${p.id}`, "aria-label": `Book for ${p.full_name}` }, "Book") },
        ],
        rows,
        empty: search ? "No patient matches this search: register them." : "No patients yet.",
      }),
  );
  render(
    "Front desk",
    finder,
    h("p", null, h("a", { href: "#/desk/patients/new", class: "button" }, "Register a new patient")),
    section(search ? "Search results" : "Patients", patients),
    section("Today", appointmentsToday()),
  );
}

// ---- register a patient ----

function registerPatient(ctx) {
  const f = form({
    fields: [
      { name: "full_name", label: "Full name", required: true },
      { name: "email", label: "E-mail address", type: "email", required: true },
      { name: "phone", label: "Phone", type: "tel" },
      {
        name: "password",
        label: "Initial password",
        type: "password",
        required: true,
        autocomplete: "new-password",
        hint: "At least 10 characters. Give it to the patient: they can change it under their account.",
      },
      { name: "date_of_birth", label: "Date of birth", type: "date", api: "patient.date_of_birth" },
      { name: "sex", label: "Sex", type: "select", options: [["", "Not given"], ...SEXES.map((s) => [s, fmt.label(s)])], api: "patient.sex" },
      { name: "address", label: "Address", type: "textarea", rows: 2, api: "patient.address" },
      { name: "emergency_contact", label: "Emergency contact", api: "patient.emergency_contact", hint: "Name and phone." },
      { name: "blood_group", label: "Blood group", type: "select", options: [["", "Not given"], ...BLOOD_GROUPS.map((b) => [b, b === "unknown" ? "Unknown" : b])], api: "patient.blood_group" },
      { name: "allergies", label: "Allergies", api: "patient.allergies", hint: "Separated by commas." },
      { name: "conditions", label: "Known conditions", api: "patient.conditions", hint: "Separated by commas." },
      { name: "medical_history", label: "Medical history", type: "textarea", rows: 3, api: "patient.medical_history" },
    ],
    submitLabel: "Register the patient",
    cancel: h("a", { href: "#/desk" }, "Cancel"),
    onSubmit: async (v) => {
      const details = {};
      for (const k of ["date_of_birth", "sex", "address", "emergency_contact", "blood_group", "medical_history"]) if (v[k]) details[k] = v[k];
      for (const k of ["allergies", "conditions"]) if (v[k]) details[k] = items(v[k]);
      const body = { full_name: v.full_name, email: v.email, password: v.password };
      if (v.phone) body.phone = v.phone;
      if (Object.keys(details).length) body.patient = details;
      const user = await api.post("/api/patients", body);
      toast(`${user.full_name} is registered.`);
      ctx.go(`/desk/patients/${user.id}`);
    },
  });
  render("Register a patient", h("div", { class: "card narrow-form" }, f));
}

// ---- one patient ----

async function patientPage(ctx) {
  const id = ctx.params.id;
  const [{ data: p, etag }, invoices] = await Promise.all([api.tagged(`/api/patients/${id}`), all("/api/invoices", { patient_id: id })]);
  people.rememberPatient(p);
  const byAppointment = new Map();
  for (const inv of invoices) {
    if (!byAppointment.has(inv.appointment_id)) byAppointment.set(inv.appointment_id, []);
    byAppointment.get(inv.appointment_id).push(inv);
  }

  const invoiceCell = (a) => {
    // One invoice per appointment (POST /api/invoices), even once it is cancelled.
    const issued = byAppointment.get(a.id) || [];
    return [
      ...issued.map((i) => [h("a", { href: `#/desk/invoices/${i.id}` }, i.number), " ", statusBadge(i.status), h("br")]),
      !issued.length && a.billable
        ? h("a", { href: `#/desk/invoices/new?appointment=${a.id}`, "aria-label": `Issue an invoice for ${fmt.instant(a.starts_at)}` }, "Issue an invoice")
        : null,
    ];
  };

  const appointments = list(
    async (page) => {
      const p = await api.get("/api/appointments", { patient_id: id, page, page_size: 10 });
      await people.loadDoctors(p.items.map((a) => a.doctor_id));
      return p;
    },
    (rows) => appointmentTable(rows, { caption: `Appointments of ${p.full_name}`, extra: invoiceCell, empty: "No appointments yet." }),
  );
  const invoiceList = list(
    (page) => api.get("/api/invoices", { patient_id: id, page, page_size: 10 }),
    (rows) => invoiceTable(rows, { caption: `Invoices of ${p.full_name}`, patient: false }),
  );

  render(
    p.full_name,
    section(
      "Details",
      pairs([
        ["E-mail", p.email],
        ["Phone", p.phone || "—"],
        ["Date of birth", p.date_of_birth ? fmt.date(p.date_of_birth) : "—"],
        ["Sex", fmt.label(p.sex)],
        ["Address", p.address || "—"],
        ["Emergency contact", p.emergency_contact || "—"],
        ["Account", p.active ? "Active" : "Inactive"],
      ]),
      h("details", { class: "edit" }, h("summary", null, "Edit the details"), editPatient(ctx, p, etag)),
    ),
    h("p", { class: "row" }, h("a", { href: `#/desk/book?patient=${id}`, class: "button" }, "Book an appointment for this patient")),
    section("Appointments", appointments),
    section("Invoices", invoiceList, h("p", null, h("a", { href: `#/desk/invoices?patient=${id}` }, "Every invoice of this patient"))),
  );
}

/** The demographics the desk may edit (PATCH /api/patients/{id}); only what changed is sent. */
function editPatient(ctx, p, etag) {
  return form({
    fields: [
      { name: "full_name", label: "Full name", value: p.full_name, required: true },
      { name: "phone", label: "Phone", type: "tel", value: p.phone || "", hint: "Empty removes it." },
      { name: "date_of_birth", label: "Date of birth", type: "date", value: p.date_of_birth || "" },
      { name: "sex", label: "Sex", type: "select", options: SEXES.map((s) => [s, fmt.label(s)]), value: p.sex },
      { name: "address", label: "Address", type: "textarea", rows: 2, value: p.address },
      { name: "emergency_contact", label: "Emergency contact", value: p.emergency_contact },
    ],
    submitLabel: "Save the details",
    onSubmit: async (v) => {
      const change = {};
      for (const [k, old] of Object.entries({ full_name: p.full_name, phone: p.phone || "", sex: p.sex, address: p.address, emergency_contact: p.emergency_contact }))
        if (v[k] !== old) change[k] = v[k];
      if (v.date_of_birth && v.date_of_birth !== p.date_of_birth) change.date_of_birth = v.date_of_birth;
      if (Object.keys(change).length) await api.patch(`/api/patients/${p.id}`, change, etag);
      toast("Saved.");
      ctx.go(`/desk/patients/${p.id}`);
    },
  });
}

// ---- book on a patient's behalf ----

async function book(ctx) {
  const patientId = queryId(ctx.query, "patient");
  if (!patientId) {
    render("Book an appointment", infoBox("Find the patient first, then choose “Book” beside them."), h("p", null, h("a", { href: "#/desk" }, "Find a patient")));
    return;
  }
  const [patient, accepting] = await Promise.all([api.get(`/api/patients/${patientId}`), all("/api/doctors", { accepting: true })]);
  const doctorId = ctx.query.get("doctor") || "";
  const thisWeek = fmt.weekStart(fmt.today());
  const week = ctx.query.get("week") || thisWeek;
  const here = (q) => `/desk/book${qs({ patient: patientId, doctor: doctorId, week, ...q })}`;

  const pickDoctor = form({
    fields: [
      {
        name: "doctor",
        label: "Doctor",
        type: "select",
        required: true,
        value: doctorId,
        options: [["", "Choose a doctor"], ...accepting.map((d) => [d.id, `${fmt.doctorName(d)} — ${d.specialization} (${fmt.money(d.consultation_fee)})`])],
      },
    ],
    submitLabel: "Show free times",
    onSubmit: async (v) => ctx.go(here({ doctor: v.doctor, week })),
  });

  const nodes = [
    h("p", null, "For ", h("a", { href: `#/desk/patients/${patient.id}` }, patient.full_name), ` (${patient.email})`),
    section("Doctor", accepting.length ? pickDoctor : h("p", { class: "muted" }, "No doctor takes bookings at the moment.")),
  ];
  const doctor = accepting.find((d) => d.id === doctorId);
  if (doctorId && !doctor) nodes.push(errorBox(new Error("This doctor does not take bookings at the moment: choose another.")));
  if (doctor) {
    let chosen = null;
    const chosenText = h("p", { "aria-live": "polite" }, "No time chosen yet.");
    const slotsBox = h("div", { class: "week", "aria-busy": "true" }, h("p", { class: "muted" }, "Loading free times…"));
    const drawSlots = async () => {
      chosen = null;
      chosenText.textContent = "No time chosen yet.";
      slotsBox.setAttribute("aria-busy", "true");
      try {
        const slots = await api.get(`/api/doctors/${doctor.id}/slots`, { from: fmt.zonedInstant(week, "00:00"), to: fmt.zonedInstant(fmt.addDays(week, 7), "00:00") });
        const days = Array.from({ length: 7 }, (_, i) => fmt.addDays(week, i));
        slotsBox.replaceChildren(
          ...days.map((day) => {
            const mine = slots.filter((s) => fmt.dateOf(s.start) === day);
            return h(
              "div",
              { class: "day" },
              h("h3", null, fmt.dateWithWeekday(day)),
              mine.length
                ? h(
                    "div",
                    { class: "slots", role: "group", "aria-label": `Free times on ${fmt.dateWithWeekday(day)}` },
                    mine.map((s) =>
                      h(
                        "button",
                        {
                          type: "button",
                          class: "secondary slot",
                          "aria-pressed": "false",
                          onclick: (ev) => {
                            chosen = s;
                            for (const b of slotsBox.querySelectorAll("button.slot")) b.setAttribute("aria-pressed", String(b === ev.currentTarget));
                            chosenText.textContent = `Chosen: ${fmt.instant(s.start)} with ${fmt.doctorName(doctor)}.`;
                          },
                        },
                        fmt.time(s.start),
                      ),
                    ),
                  )
                : h("p", { class: "muted" }, "No free times"),
            );
          }),
        );
      } catch (e) {
        slotsBox.replaceChildren(errorBox(e));
      } finally {
        slotsBox.removeAttribute("aria-busy");
      }
    };
    const weekNav = h(
      "nav",
      { class: "pager", "aria-label": "Weeks" },
      week > thisWeek ? h("a", { href: `#${here({ week: fmt.addDays(week, -7) })}`, class: "button secondary" }, "Previous week") : null,
      h("span", null, `Week of ${fmt.date(week)}`),
      h("a", { href: `#${here({ week: fmt.addDays(week, 7) })}`, class: "button secondary" }, "Next week"),
    );
    const bookForm = form({
      fields: [
        { name: "reason", label: "Reason for the visit", hint: "In the patient's words." },
        { name: "notes", label: "Notes for the doctor", type: "textarea", rows: 2 },
      ],
      submitLabel: "Book the appointment",
      onSubmit: async (v) => {
        if (!chosen) throw new Error("Choose one of the free times above first.");
        try {
          const a = await api.post("/api/appointments", { doctor_id: doctor.id, patient_id: patient.id, starts_at: chosen.start, reason: v.reason, notes: v.notes });
          toast(`Booked ${patient.full_name} with ${fmt.doctorName(doctor)} on ${fmt.instant(a.starts_at)}.`);
          ctx.go(`/desk/patients/${patient.id}`);
        } catch (e) {
          if (e.status === 409) drawSlots();
          throw e;
        }
      },
    });
    nodes.push(section(`Free times of ${fmt.doctorName(doctor)}`, weekNav, slotsBox), section("Book", chosenText, bookForm));
    drawSlots();
  }
  render("Book an appointment", nodes);
}

// ---- invoices ----

function invoiceTable(rows, { caption, patient = true }) {
  return table({
    caption,
    columns: [
      { label: "Number", cell: (i) => h("a", { href: `#/desk/invoices/${i.id}` }, i.number) },
      patient ? { label: "Patient", cell: (i) => patientLink(i.patient_id) } : null,
      { label: "Issued", cell: (i) => fmt.instant(i.created_at) },
      { label: "Total", cell: (i) => invMoney(i, "total"), num: true },
      { label: "Status", cell: (i) => statusBadge(i.status) },
    ].filter(Boolean),
    rows,
    empty: "No invoices.",
  });
}

async function invoices(ctx) {
  const status = ctx.query.get("status") || "";
  const patientId = queryId(ctx.query, "patient");
  const patient = patientId ? await api.get(`/api/patients/${patientId}`) : null;
  if (patient) people.rememberPatient(patient);
  const filter = form({
    fields: [{ name: "status", label: "Status", type: "select", value: status, options: [["", "Any status"], ...INVOICE_STATUSES.map((s) => [s, fmt.label(s)])] }],
    submitLabel: "Filter",
    onSubmit: async (v) => ctx.go(`/desk/invoices${qs({ status: v.status, patient: patientId })}`),
  });
  const rows = list(
    async (page) => {
      const p = await api.get("/api/invoices", { status, patient_id: patientId, page, page_size: 20 });
      await people.loadPatients(p.items.map((i) => i.patient_id));
      return p;
    },
    (items) => invoiceTable(items, { caption: `${status ? fmt.label(status) : "All"} invoices${patient ? ` of ${patient.full_name}` : ""}` }),
  );
  render(
    "Invoices",
    patient
      ? h("p", null, "Of ", h("a", { href: `#/desk/patients/${patient.id}` }, patient.full_name), " · ", h("a", { href: `#/desk/invoices${qs({ status })}` }, "Show every patient's"))
      : null,
    h("div", { class: "card filters" }, filter),
    rows,
    h("p", { class: "muted" }, "To issue an invoice, open the patient and choose “Issue an invoice” beside the appointment."),
  );
}

// The editable lines of a new invoice: description, quantity and unit price (a decimal string).
function lineEditor(first) {
  const box = h("div", { class: "invoice-lines" });
  let seq = 0;
  const renumber = () => {
    [...box.children].forEach((row, i) => {
      for (const key of ["description", "quantity", "unit_price"]) {
        const input = row.querySelector(`[data-key="${key}"]`);
        input.dataset.api = `lines[${i}].${key}` + (i === 0 && key === "description" ? " lines" : "");
        row.querySelector(`label[for="${input.id}"] .line-no`).textContent = ` (line ${i + 1})`;
      }
      row.querySelector("button .line-no").textContent = ` line ${i + 1}`;
    });
  };
  const add = (line = {}) => {
    seq += 1;
    const input = (key, text, attrs) => {
      const id = `invoice-line-${seq}-${key}`;
      return h(
        "div",
        { class: `field line-${key}` },
        h("label", { for: id }, text, h("span", { class: "visually-hidden line-no" })),
        h("input", { id, dataset: { key, api: "" }, ...attrs }),
      );
    };
    const row = h(
      "div",
      { class: "invoice-line" },
      input("description", "Description", { value: line.description ?? "" }),
      input("quantity", "Quantity", { type: "number", min: 1, max: 1000, step: 1, inputmode: "numeric", value: String(line.quantity ?? 1) }),
      input("unit_price", "Unit price", { inputmode: "decimal", value: line.unit_price ?? "", placeholder: "0.00" }),
      h("button", { type: "button", class: "secondary", onclick: () => (row.remove(), renumber()) }, "Remove", h("span", { class: "visually-hidden line-no" })),
    );
    box.append(row);
    renumber();
    return row;
  };
  add(first);
  const fieldset = h(
    "fieldset",
    { class: "lines" },
    h("legend", null, "Lines"),
    box,
    h("button", { type: "button", class: "secondary", onclick: () => add().querySelector("input")?.focus() }, "Add a line"),
  );
  fieldset.lines = () =>
    [...box.children].map((row) => {
      const value = (key) => row.querySelector(`[data-key="${key}"]`).value.trim();
      const q = value("quantity");
      return { description: value("description"), quantity: /^\d+$/.test(q) ? Number(q) : q, unit_price: value("unit_price") };
    });
  return fieldset;
}

async function newInvoice(ctx) {
  const appointmentId = queryId(ctx.query, "appointment");
  if (!appointmentId) {
    render("Issue an invoice", infoBox("Open the patient and choose “Issue an invoice” beside the appointment."), h("p", null, h("a", { href: "#/desk" }, "Find a patient")));
    return;
  }
  const a = await api.get(`/api/appointments/${appointmentId}`);
  const [patient, doctor] = await Promise.all([api.get(`/api/patients/${a.patient_id}`), api.get(`/api/doctors/${a.doctor_id}`)]);
  const lines = lineEditor({ description: `Consultation with ${fmt.doctorName(doctor)}`, quantity: 1, unit_price: doctor.consultation_fee.amount });
  const f = form({
    fields: [
      { name: "currency", label: "Currency", value: doctor.consultation_fee.currency, hint: "Three-letter code, e.g. USD." },
      { name: "tax_rate", label: "Tax rate (percent)", inputmode: "decimal", hint: "E.g. 5 or 7.5; empty for no tax." },
      { name: "discount", label: "Discount", inputmode: "decimal", hint: "An amount in the invoice's currency, e.g. 10.00; empty for none." },
    ],
    extra: lines,
    submitLabel: "Issue the invoice",
    cancel: h("a", { href: `#/desk/patients/${patient.id}` }, "Cancel"),
    onSubmit: async (v) => {
      const body = { appointment_id: a.id, lines: lines.lines() };
      for (const k of ["currency", "tax_rate", "discount"]) if (v[k]) body[k] = v[k];
      const inv = await api.post("/api/invoices", body);
      toast(`Invoice ${inv.number} issued.`);
      ctx.go(`/desk/invoices/${inv.id}`);
    },
  });
  f.insertBefore(lines, f.querySelector(".field"));
  render(
    "Issue an invoice",
    section(
      "Appointment",
      pairs([
        ["Patient", h("a", { href: `#/desk/patients/${patient.id}` }, patient.full_name)],
        ["Doctor", `${fmt.doctorName(doctor)} (${doctor.specialization})`],
        ["When", fmt.instant(a.starts_at)],
        ["Reason", a.reason],
        ["Status", statusBadge(a.status)],
        ["Consultation fee", fmt.money(doctor.consultation_fee)],
      ]),
    ),
    section("Invoice", h("div", { class: "invoice-form" }, f)),
  );
}

async function invoicePage(ctx) {
  const { data: inv, etag } = await api.tagged(`/api/invoices/${ctx.params.id}`);
  const [patient, appointment] = await Promise.all([
    api.get(`/api/patients/${inv.patient_id}`).catch(() => null),
    api.get(`/api/appointments/${inv.appointment_id}`).catch(() => null),
  ]);
  const doctor = appointment ? await people.doctorOf(appointment.doctor_id) : null;
  const reload = () => ctx.go(`/desk/invoices/${inv.id}`);

  const actions = [];
  if (inv.status === "pending") {
    actions.push(
      section(
        "Record a payment",
        h("p", null, "Amount due: ", h("strong", null, invMoney(inv, "total"))),
        h("div", { class: "narrow-form" }, form({
          fields: [{ name: "method", label: "Payment method", type: "select", required: true, options: [["", "Choose"], ...PAYMENT_METHODS.map((m) => [m, fmt.label(m)])] }],
          submitLabel: "Record the payment",
          onSubmit: async (v) => {
            await call("POST", `/api/invoices/${inv.id}/pay`, { body: { method: v.method }, ifMatch: etag });
            toast(`Payment of ${invMoney(inv, "total")} recorded.`);
            reload();
          },
        })),
      ),
    );
    const confirmBox = h("div", { class: "row" });
    const ask = button(
      "Cancel the invoice…",
      async () => {
        ask.hidden = true;
        confirmBox.replaceChildren(
          h("p", null, `Cancel ${inv.number}? A cancelled invoice cannot be paid or restored.`),
          button(
            "Yes, cancel it",
            async () => {
              await call("POST", `/api/invoices/${inv.id}/cancel`, { ifMatch: etag });
              toast(`Invoice ${inv.number} cancelled.`);
              reload();
            },
            { kind: "danger" },
          ),
          button("Keep it", async () => {
            confirmBox.replaceChildren();
            ask.hidden = false;
            ask.focus();
          }, { kind: "secondary" }),
        );
        confirmBox.querySelector("button")?.focus();
      },
      { kind: "secondary" },
    );
    actions.push(section("Cancel", ask, confirmBox));
  }

  render(
    `Invoice ${inv.number}`,
    section(
      "Details",
      pairs([
        ["Status", statusBadge(inv.status)],
        ["Patient", patient ? h("a", { href: `#/desk/patients/${patient.id}` }, patient.full_name) : "—"],
        ["Appointment", appointment ? `${fmt.instant(appointment.starts_at)}${doctor ? ` with ${fmt.doctorName(doctor)}` : ""}` : "—"],
        ["Issued", fmt.instant(inv.created_at)],
        inv.paid_at ? ["Paid", `${fmt.instant(inv.paid_at)}${inv.payment_method ? ` (${fmt.label(inv.payment_method)})` : ""}`] : ["Paid", ""],
        ["Cancelled", inv.cancelled_at ? fmt.instant(inv.cancelled_at) : ""],
      ]),
    ),
    section(
      "Lines",
      table({
        caption: `Lines of ${inv.number}`,
        columns: [
          { label: "Description", cell: (l) => l.description },
          { label: "Quantity", cell: (l) => String(l.quantity), num: true },
          { label: "Unit price", cell: (l) => fmt.money({ amount: l.unit_price, currency: inv.currency }), num: true },
        ],
        rows: inv.lines,
      }),
      pairs([
        ["Subtotal", invMoney(inv, "subtotal")],
        [`Tax (${inv.tax_rate}%)`, invMoney(inv, "tax")],
        ["Discount", invMoney(inv, "discount")],
        ["Total", h("strong", null, invMoney(inv, "total"))],
      ]),
    ),
    actions,
  );
}

export default {
  home: "/desk",
  nav: [
    { path: "/desk", label: "Patients" },
    { path: "/desk/patients/new", label: "Register a patient" },
    { path: "/desk/invoices", label: "Invoices" },
  ],
  routes: {
    "/desk": home,
    "/desk/patients/new": registerPatient,
    "/desk/patients/:id": patientPage,
    "/desk/book": book,
    "/desk/invoices": invoices,
    "/desk/invoices/new": newInvoice,
    "/desk/invoices/:id": invoicePage,
  },
};
