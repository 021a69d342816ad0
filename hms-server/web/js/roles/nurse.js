// The nurse's portal: find a patient (by name or e-mail), see the day's appointments, open a
// patient's chart (drawn by the shared chart module) and write nursing notes there.

import { api } from "../api.js";
import * as fmt from "../format.js";
import * as people from "../people.js";
import { h, list, render, searchBox, section, statusBadge, table } from "../ui.js";

// Nurses write nursing notes only (NoteKind `nursing`); clinical notes are the doctors'.
const NOTE_KINDS = ["nursing"];

function allergies(p) {
  if (!p.clinical) return "";
  return p.clinical.allergies.length ? p.clinical.allergies.join(", ") : h("span", { class: "muted" }, "None recorded");
}

/** Home: search patients by name or e-mail, and today's appointments. */
async function home(ctx) {
  const search = ctx.query.get("search") || "";
  const finder = searchBox(search, (text) => ctx.go(`/nurse${fmt.qs({ search: text })}`));
  const patients = list(
    (page) => api.get("/api/patients", { search, page, page_size: 20 }),
    (rows) =>
      table({
        caption: search ? `Patients matching “${search}”` : "All patients",
        columns: [
          { label: "Name", cell: (p) => h("a", { href: `#/nurse/patients/${p.id}` }, p.full_name) },
          { label: "E-mail", cell: (p) => p.email },
          { label: "Date of birth", cell: (p) => fmt.date(p.date_of_birth) },
          { label: "Allergies", cell: allergies },
        ],
        rows,
        empty: search ? "No patient matches this search." : "No patients yet.",
      }),
  );
  const day = fmt.today();
  const today = list(
    async (page) => {
      const p = await api.get("/api/appointments", {
        from: fmt.zonedInstant(day, "00:00"),
        to: fmt.zonedInstant(fmt.addDays(day, 1), "00:00"),
        page,
        page_size: 20,
      });
      await Promise.all([people.loadPatients(p.items.map((a) => a.patient_id)), people.loadDoctors(p.items.map((a) => a.doctor_id))]);
      return p;
    },
    (rows) =>
      table({
        caption: `Appointments on ${fmt.date(day)}`,
        columns: [
          { label: "Time", cell: (a) => fmt.timeRange(a.starts_at, a.ends_at) },
          { label: "Patient", cell: (a) => people.patientLink(a.patient_id, "/nurse/patients") },
          { label: "Doctor", cell: (a) => fmt.doctorName(people.doctor(a.doctor_id)) },
          { label: "Reason", cell: (a) => a.reason },
          { label: "Status", cell: (a) => statusBadge(a.status) },
        ],
        rows,
        empty: "No appointments today.",
      }),
  );
  render("Patients", finder, section(search ? "Search results" : "Find a patient", patients), section("Today", today));
}

/** A patient's chart: the shared chart view, with the note kinds a nurse may write. */
async function chart(ctx) {
  const { chartView } = await import("../chart.js");
  await chartView(ctx, ctx.params.id, { canPrescribe: false, canUpload: true, noteKinds: NOTE_KINDS });
}

export default {
  home: "/nurse",
  nav: [{ path: "/nurse", label: "Patients" }],
  routes: {
    "/nurse": home,
    "/nurse/patients/:id": chart,
  },
};
