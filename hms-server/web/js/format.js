// The one place that turns the API's values into text: instants in the hospital's time zone
// (named), dates, money exactly as the API wrote it, statuses and error messages; and the checks
// and query strings of the page's own addresses (`isId`, `qs`).

let zone = "UTC";
let currency = "USD";
const LOCALE = "en-GB";

/** Takes the hospital's public settings (`GET /api/hospital`). */
export function setHospital(settings) {
  zone = settings.time_zone || "UTC";
  currency = settings.currency || "USD";
}

/** The hospital's IANA time zone, e.g. `Europe/London`. */
export function zoneName() {
  return zone;
}

/** The hospital's default currency. */
export function defaultCurrency() {
  return currency;
}

function fmt(options) {
  return new Intl.DateTimeFormat(LOCALE, { timeZone: zone, ...options });
}

/** An instant as date and time in the hospital's zone, the zone named: `5 Dec 2026, 14:30 GMT`. */
export function instant(iso) {
  if (!iso) return "";
  return fmt({ day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", timeZoneName: "short" }).format(new Date(iso));
}

/** The time of day of an instant in the hospital's zone: `14:30`. */
export function time(iso) {
  return fmt({ hour: "2-digit", minute: "2-digit" }).format(new Date(iso));
}

/** The times of day of two instants in the hospital's zone: `14:30–15:00`. */
export function timeRange(startIso, endIso) {
  return `${time(startIso)}–${time(endIso)}`;
}

/** The weekday and date of an instant in the hospital's zone: `Sat 5 Dec`. */
export function weekday(iso) {
  return fmt({ weekday: "short", day: "numeric", month: "short" }).format(new Date(iso));
}

/** A calendar date (`YYYY-MM-DD`, no zone) as `5 Dec 2026`. */
export function date(ymd) {
  if (!ymd) return "";
  const [y, m, d] = ymd.split("-").map(Number);
  return new Intl.DateTimeFormat(LOCALE, { timeZone: "UTC", day: "numeric", month: "short", year: "numeric" }).format(new Date(Date.UTC(y, m - 1, d)));
}

/** A calendar date (`YYYY-MM-DD`) with its weekday: `Sat 5 Dec`. */
export function dateWithWeekday(ymd) {
  const [y, m, d] = ymd.split("-").map(Number);
  return new Intl.DateTimeFormat(LOCALE, { timeZone: "UTC", weekday: "short", day: "numeric", month: "short" }).format(new Date(Date.UTC(y, m - 1, d)));
}

/** The calendar date (`YYYY-MM-DD`) of an instant in the hospital's zone. */
export function dateOf(iso) {
  const parts = Object.fromEntries(fmt({ year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}`;
}

/** Today in the hospital's zone, `YYYY-MM-DD`. */
export function today() {
  return dateOf(new Date().toISOString());
}

/** `ymd` moved by `days`. */
export function addDays(ymd, days) {
  const [y, m, d] = ymd.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** The Monday of the week of `ymd`. */
export function weekStart(ymd) {
  const [y, m, d] = ymd.split("-").map(Number);
  const day = new Date(Date.UTC(y, m - 1, d)).getUTCDay();
  return addDays(ymd, -((day + 6) % 7));
}

// How far the hospital's zone is ahead of UTC at the instant `ms`, in milliseconds.
function offsetAt(ms) {
  const parts = Object.fromEntries(
    fmt({ year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" })
      .formatToParts(new Date(ms))
      .map((p) => [p.type, p.value]),
  );
  const local = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute, +parts.second);
  return local - Math.floor(ms / 1000) * 1000;
}

/** The instant (ISO, UTC) at which the hospital's local date and time `ymd` `hh:mm` happen. */
export function zonedInstant(ymd, hhmm = "00:00") {
  const [y, m, d] = ymd.split("-").map(Number);
  const [hh, mm] = hhmm.split(":").map(Number);
  const guess = Date.UTC(y, m - 1, d, hh, mm);
  let t = guess - offsetAt(guess);
  t = guess - offsetAt(t);
  return new Date(t).toISOString();
}

/** Money as the API wrote it, digits grouped, never re-rounded: `1,234.50 USD`. */
export function money(m) {
  if (!m) return "";
  const [whole, fraction] = String(m.amount).split(".");
  const sign = whole.startsWith("-") ? "-" : "";
  const digits = whole.replace("-", "").replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return `${sign}${digits}${fraction !== undefined ? `.${fraction}` : ""} ${m.currency}`;
}

/** A code such as `no_show` or `in-person` as words: `No show`. (Not for values such as blood
 * groups, where `-` means negative: show those as they are.) */
export function label(code) {
  if (!code) return "";
  const s = String(code).replaceAll("_", " ").replace(/(\w)-(\w)/g, "$1 $2");
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** When a throttled action may be tried again, in words. */
export function retryText(seconds) {
  if (!seconds) return "Please wait a little and try again.";
  if (seconds < 90) return `Try again in ${seconds} seconds.`;
  const at = new Date(Date.now() + seconds * 1000).toISOString();
  return `Try again after ${time(at)} (${zone}).`;
}

/** The text to show for a failure of the API or of the page. */
export function errorText(e) {
  if (!e) return "Something went wrong.";
  if (e.name === "ApiError") {
    if (e.status === 429) return `${e.message} ${retryText(e.retryAfter)}`;
    if (e.status === 404) return "Not found: it does not exist, or it is not yours to see.";
    if (e.status === 403) return `Not allowed: ${e.message}`;
    return e.message;
  }
  return e.message || String(e);
}

/** A person's name, with `Dr` for doctors. */
export function doctorName(d) {
  return d ? `Dr ${d.full_name}` : "";
}

/** A size in bytes as `12.3 KB`. */
export function bytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether `s` is a record's id (a UUID): only those go into an API path. */
export function isId(s) {
  return typeof s === "string" && ID.test(s);
}

/** `?a=1&b=2` of the non-empty values of `values` (for a page's address), or "". */
export function qs(values) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) if (v !== undefined && v !== null && v !== "") p.set(k, v);
  const s = p.toString();
  return s ? `?${s}` : "";
}
