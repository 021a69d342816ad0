// The people the API's records name by id only (appointments, invoices, prescriptions carry a
// doctor's and a patient's id): their records, read once per page load and shared by the role
// modules. A read that fails is not remembered: it is asked again the next time. (Signing out or
// in as another account reloads the page, so nothing here outlives the account that read it.)

import { all, api } from "./api.js";
import { isId } from "./format.js";
import { h } from "./ui.js";

const doctorCache = new Map(); // id -> doctor profile
const patientCache = new Map(); // id -> patient record
const reading = new Map(); // "kind:id" -> the read under way
let listed = null; // the read of the doctors' list, once per page load

// Runs `read` once at a time per key.
function once(key, read) {
  if (!reading.has(key)) reading.set(key, read().finally(() => reading.delete(key)));
  return reading.get(key);
}

// The ids (UUIDs only: they go into API paths) not in `cache` yet, once each.
const missing = (ids, cache) => [...new Set(ids)].filter((id) => isId(id) && !cache.has(id));

/**
 * Loads the doctors named by `ids`: the API's list of doctors once per page load (it has the
 * active ones), and each doctor it leaves out (an inactive one) on its own.
 */
export async function loadDoctors(ids) {
  listed ??= all("/api/doctors").then(
    (items) => {
      for (const d of items) doctorCache.set(d.id, d);
    },
    () => {
      listed = null; // asked again next time; meanwhile each doctor is read on its own
    },
  );
  await listed;
  await Promise.all(
    missing(ids, doctorCache).map((id) =>
      once(`doctor:${id}`, () => api.get(`/api/doctors/${id}`).then((d) => doctorCache.set(id, d), () => {})),
    ),
  );
}

/** A doctor loaded by `loadDoctors`, or null. */
export function doctor(id) {
  return doctorCache.get(id) || null;
}

/** Loads one doctor and answers them, or null when the API would not say. */
export async function doctorOf(id) {
  await loadDoctors([id]);
  return doctor(id);
}

/** Loads the patients named by `ids`, each read on its own. */
export async function loadPatients(ids) {
  await Promise.all(
    missing(ids, patientCache).map((id) =>
      once(`patient:${id}`, () => api.get(`/api/patients/${id}`).then((p) => patientCache.set(id, p), () => {})),
    ),
  );
}

/** A patient loaded by `loadPatients` (or remembered), or null. */
export function patient(id) {
  return patientCache.get(id) || null;
}

/** Keeps a patient's record read by a page, for naming them elsewhere. */
export function rememberPatient(p) {
  patientCache.set(p.id, p);
}

/** A link to a patient's page under `base` (`/desk/patients`), named when they are loaded. */
export function patientLink(id, base) {
  const p = patient(id);
  return h("a", { href: `#${base}/${id}` }, p ? p.full_name : "Patient record");
}
