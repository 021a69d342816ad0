// One patient's chart, shared by the clinical portals (doctor, nurse): demographics, allergies,
// conditions and the other clinical fields, notes (with a form for the kinds the caller writes),
// documents (download; upload when allowed) and prescriptions. The API decides what the reader
// may see and do; this page shows its answers and refusals.

import { all, api, download } from "./api.js";
import * as fmt from "./format.js";
import { button, form, h, infoBox, list, pairs, render, section, table, toast } from "./ui.js";

// The API's note kinds are `clinical` and `nursing`; `visit` is taken as a clinical note.
const NOTE_KIND = { visit: "clinical", clinical: "clinical", nursing: "nursing" };
const DOCUMENT_KINDS = ["lab", "scan", "prescription", "other"];
const ROUTE_NAMES = { iv: "Intravenous (IV)", im: "Intramuscular (IM)", sc: "Subcutaneous (SC)" };
const ACCEPT = ".pdf,.png,.jpg,.jpeg,.tif,.tiff,.txt,.dcm,application/pdf,image/png,image/jpeg,image/tiff,text/plain,application/dicom";

/**
 * Draws the whole chart page of one patient. Errors of the first load (the patient's record)
 * propagate, so the shell shows "Not found" for a record the reader may not see.
 * Options: `canPrescribe` (links to the doctor's prescription pages), `canUpload` (the upload
 * form), `noteKinds` (the note kinds the reader writes: `clinical`, `nursing`; none: no form).
 */
export async function chartView(ctx, patientId, { canPrescribe = false, canUpload = false, noteKinds = ["clinical"] } = {}) {
  const id = encodeURIComponent(patientId);
  const patient = await api.get(`/api/patients/${id}`);
  // The patient's appointments the reader may see, to attach a note or a document to one.
  let appointments = [];
  try {
    appointments = (await all("/api/appointments", { patient_id: patientId }, 200)).sort((a, b) => b.starts_at.localeCompare(a.starts_at));
  } catch {
    appointments = [];
  }
  const appointmentOptions = [["", "None"], ...appointments.map((a) => [a.id, `${fmt.instant(a.starts_at)} (${fmt.label(a.status)})`])];
  const appointmentById = new Map(appointments.map((a) => [a.id, a]));
  const me = ctx.user?.id;

  render(
    patient.full_name,
    h("p", { class: "muted" }, "Patient chart", patient.active === false ? " · this account is inactive" : ""),
    demographics(patient),
    clinical(patient.clinical),
    notesSection(id, noteKinds, appointmentOptions, appointmentById, me),
    documentsSection(id, canUpload, appointmentOptions, me),
    prescriptionsSection(patientId, canPrescribe),
  );
}

function demographics(p) {
  return section(
    "Demographics",
    pairs([
      ["Date of birth", p.date_of_birth ? fmt.date(p.date_of_birth) : "Not recorded"],
      ["Sex", fmt.label(p.sex)],
      ["E-mail", p.email],
      ["Phone", p.phone || "Not recorded"],
      ["Address", p.address || "Not recorded"],
      ["Emergency contact", p.emergency_contact || "Not recorded"],
    ]),
  );
}

function items(values, none) {
  if (!values?.length) return h("span", { class: "muted" }, none);
  return h("ul", { class: "plain" }, values.map((v) => h("li", null, v)));
}

function clinical(c) {
  if (!c) return section("Allergies and conditions", infoBox("Clinical details are not shown to your role."));
  return section(
    "Allergies and conditions",
    pairs([
      ["Allergies", items(c.allergies, "None recorded")],
      ["Conditions", items(c.conditions, "None recorded")],
      ["Blood group", c.blood_group && c.blood_group !== "unknown" ? c.blood_group : "Unknown"],
      ["eGFR", c.egfr ? `${c.egfr.value} mL/min/1.73 m² (measured ${fmt.date(c.egfr.measured_on)})` : "Not recorded"],
      ["Pregnancy", c.pregnancy_noted_on ? `Recorded as pregnant on ${fmt.date(c.pregnancy_noted_on)}` : "Not recorded as pregnant"],
      ["Medical history", c.medical_history ? h("pre", { class: "wrap" }, c.medical_history) : "None recorded"],
    ]),
  );
}

// ---- notes ----

function notesSection(id, noteKinds, appointmentOptions, appointmentById, me) {
  const kinds = [...new Set((noteKinds || []).map((k) => NOTE_KIND[k]).filter(Boolean))];
  const notes = list(
    (page) => api.get(`/api/patients/${id}/notes`, { page }),
    (rows) => (rows.length ? h("ol", { class: "chart-notes" }, rows.map((n) => noteItem(n, me, appointmentById, kinds.length ? correct : null))) : h("p", { class: "muted" }, "No notes yet.")),
  );
  if (!kinds.length) return section("Notes", notes);

  const correcting = h("div", { class: "chart-correcting" });
  const noteForm = form({
    fields: [
      kinds.length > 1
        ? { name: "kind", label: "Kind", type: "select", options: kinds.map((k) => [k, fmt.label(k)]), value: kinds[0] }
        : { name: "kind", type: "hidden", value: kinds[0] },
      { name: "text", label: kinds.length > 1 ? "Note" : `${fmt.label(kinds[0])} note`, type: "textarea", required: true, rows: 5 },
      appointmentOptions.length > 1 ? { name: "appointment_id", label: "Appointment", type: "select", options: appointmentOptions, hint: "The visit it belongs to, if any." } : null,
      { name: "corrects", type: "hidden", value: "" },
    ].filter(Boolean),
    submitLabel: "Save the note",
    extra: correcting,
    onSubmit: async (v, f) => {
      const body = { kind: v.kind, text: v.text };
      if (v.appointment_id) body.appointment_id = v.appointment_id;
      if (v.corrects) body.corrects = v.corrects;
      await api.post(`/api/patients/${id}/notes`, body);
      f.reset();
      setCorrects("");
      toast("Note saved.");
      notes.reload();
    },
  });
  function setCorrects(noteId, when) {
    noteForm.elements.namedItem("corrects").value = noteId;
    correcting.replaceChildren(
      noteId
        ? infoBox(`This note corrects the note of ${when}. `, button("Do not correct", async () => setCorrects(""), { kind: "link" }))
        : "",
    );
  }
  function correct(n) {
    setCorrects(n.id, fmt.instant(n.created_at));
    noteForm.elements.namedItem("text").focus();
  }
  return section("Notes", notes, h("h3", null, "Write a note"), noteForm);
}

function noteItem(n, me, appointmentById, correct) {
  const appt = n.appointment_id ? appointmentById.get(n.appointment_id) : null;
  return h(
    "li",
    { class: "chart-note" },
    h(
      "p",
      { class: "chart-note-head" },
      h("strong", null, fmt.instant(n.created_at)),
      ` · ${fmt.label(n.kind)} note`,
      n.author_id === me ? " · written by you" : "",
      appt ? ` · visit of ${fmt.instant(appt.starts_at)}` : "",
      n.corrects ? " · a correction of an earlier note" : "",
    ),
    h("pre", { class: "wrap" }, n.text),
    correct ? button("Correct this note", async () => correct(n), { kind: "link" }) : null,
  );
}

// ---- documents ----

function documentsSection(id, canUpload, appointmentOptions, me) {
  const docs = list(
    (page) => api.get(`/api/patients/${id}/documents`, { page }),
    (rows) =>
      table({
        caption: "Documents",
        columns: [
          { label: "File", cell: (d) => [h("strong", null, d.file_name), d.description ? [h("br"), d.description] : null] },
          { label: "Kind", cell: (d) => fmt.label(d.kind) },
          { label: "Size", cell: (d) => fmt.bytes(d.size_bytes), num: true },
          { label: "Uploaded", cell: (d) => [fmt.instant(d.created_at), d.uploaded_by === me ? " (by you)" : ""] },
          { label: "Download", cell: (d) => button(`Download ${d.file_name}`, () => download(`/api/documents/${encodeURIComponent(d.id)}/content`, d.file_name), { kind: "secondary" }) },
        ],
        rows,
        empty: "No documents yet.",
      }),
  );
  if (!canUpload) return section("Documents", docs);
  const upload = form({
    fields: [
      { name: "file", label: "File", type: "file", required: true, accept: ACCEPT, api: ["file", "content_type", "size_bytes"], hint: "PDF, PNG, JPEG, TIFF, plain text or DICOM." },
      { name: "kind", label: "Kind", type: "select", options: DOCUMENT_KINDS.map((k) => [k, fmt.label(k)]), value: "other" },
      { name: "description", label: "Description" },
      appointmentOptions.length > 1 ? { name: "appointment_id", label: "Appointment", type: "select", options: appointmentOptions } : null,
    ].filter(Boolean),
    submitLabel: "Upload",
    onSubmit: async (v, f) => {
      const data = new FormData();
      data.append("kind", v.kind);
      if (v.description) data.append("description", v.description);
      if (v.appointment_id) data.append("appointment_id", v.appointment_id);
      data.append("file", v.file, v.file.name);
      await api.upload(`/api/patients/${id}/documents`, data);
      f.reset();
      toast("Document uploaded.");
      docs.reload();
    },
  });
  return section("Documents", docs, h("h3", null, "Upload a document"), upload);
}

// ---- prescriptions ----

/** A medication's route (`oral`, `iv`, …) in words. */
export function routeLabel(route) {
  return ROUTE_NAMES[route] || fmt.label(route);
}

function medicationText(m) {
  return `${m.name} ${m.strength}, ${routeLabel(m.route)}, ${m.frequency}, ${m.duration_days} days${m.instructions ? ` (${m.instructions})` : ""}`;
}

function prescriptionsSection(patientId, canPrescribe) {
  const rxs = list(
    (page) => api.get("/api/prescriptions", { patient_id: patientId, page }),
    (rows) =>
      table({
        caption: "Prescriptions",
        columns: [
          {
            label: "Written",
            cell: (p) => (canPrescribe ? h("a", { href: `#/doctor/prescriptions/${encodeURIComponent(p.id)}` }, fmt.instant(p.created_at)) : fmt.instant(p.created_at)),
          },
          { label: "Diagnosis", cell: (p) => p.diagnosis },
          { label: "Medications", cell: (p) => h("ul", { class: "plain" }, p.medications.map((m) => h("li", null, medicationText(m)))) },
          { label: "Revision", cell: (p) => String(p.revision), num: true },
        ],
        rows,
        empty: "No prescriptions to show.",
      }),
  );
  return section(
    "Prescriptions",
    rxs,
    canPrescribe ? h("p", null, h("a", { class: "button", href: `#/doctor/prescriptions/new?patient=${encodeURIComponent(patientId)}` }, "Write a prescription")) : null,
  );
}
