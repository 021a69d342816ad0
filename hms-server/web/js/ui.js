// Building blocks of the pages: elements (never from HTML strings), forms that show the API's
// field errors beside their fields and keep what was typed, tables, pagers, busy buttons.

import { ApiError } from "./api.js";
import { errorText, isId, label } from "./format.js";

/**
 * An element. `attrs`: `class`, `text`, `on<event>` handlers, `dataset`, properties `value` and
 * `checked`; `true` sets an empty attribute, `false`/`null`/`undefined` set nothing. Children:
 * nodes, strings, arrays, and `null`/`false` (skipped).
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

/** An SVG element, for charts drawn in the page. */
export function svg(tag, attrs, ...children) {
  const el = document.createElementNS("http://www.w3.org/2000/svg", tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

function setAttrs(el, attrs) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "text") el.textContent = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k === "value" || k === "checked") el[k] = v;
    else if (k.startsWith("on") && typeof v === "function") el.addEventListener(k.slice(2).toLowerCase(), v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** The page's main area. */
export function main() {
  return document.getElementById("main");
}

/** Replaces the page's content with a heading and `nodes`; the title and focus follow. */
export function render(title, ...nodes) {
  const m = main();
  m.replaceChildren(h("h1", { id: "page-title" }, title), ...nodes.flat(Infinity).filter(Boolean));
  document.title = `${title} · hms`;
  return m;
}

/** Moves focus to the page's heading after a navigation, so screen readers announce it. */
export function focusPage() {
  const m = main();
  m.focus({ preventScroll: true });
}

let toastTimer = null;

/** A short message at the bottom of the page, read out by screen readers. */
export function toast(message) {
  const t = document.getElementById("toast");
  t.textContent = message;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (t.textContent = ""), 5000);
}

/** An error box (role alert). */
export function errorBox(e) {
  return h("div", { class: "alert", role: "alert" }, errorText(e));
}

/** An information box. */
export function infoBox(...children) {
  return h("div", { class: "info" }, ...children);
}

/** A status as a coloured label. */
export function statusBadge(status) {
  return h("span", { class: `status status-${status}` }, label(status));
}

/** A description list of `[term, value]` pairs (empty values skipped). */
export function pairs(entries) {
  return h(
    "dl",
    { class: "pairs" },
    entries.filter(([, v]) => v !== undefined && v !== null && v !== "").map(([k, v]) => [h("dt", null, k), h("dd", null, v)]),
  );
}

/**
 * A button that runs `action` (async) and shows that it is working: disabled, `aria-busy`, its
 * label followed by an ellipsis. A failure is shown beside it and returned as text.
 */
export function button(text, action, { kind = "", title, id, dataset, ariaLabel } = {}) {
  const b = h("button", { type: "button", class: kind, title, id, dataset, "aria-label": ariaLabel }, text);
  b.addEventListener("click", () => busy(b, action));
  return b;
}

/** Runs `action` with `el` (a button) marked busy; shows a failure after the button. */
export async function busy(el, action) {
  if (el.disabled) return;
  const old = [...el.childNodes];
  el.disabled = true;
  el.setAttribute("aria-busy", "true");
  el.append("…");
  el.nextElementSibling?.classList?.contains("action-error") && el.nextElementSibling.remove();
  try {
    await action();
  } catch (e) {
    if (el.isConnected) el.after(h("span", { class: "error action-error", role: "alert" }, errorText(e)));
    else toast(errorText(e));
  } finally {
    el.disabled = false;
    el.removeAttribute("aria-busy");
    el.replaceChildren(...old);
  }
}

let fieldCount = 0;

/**
 * A form. `fields`: `{ name, label, type, required, options: [[value, text]], value, hint,
 * autocomplete, min, max, step, placeholder, rows, accept, api }` — `type` is an input type, or
 * `select`, `textarea` or `checkbox`; `api` names the API field(s) whose errors belong to it when
 * that differs from `name` (a string or an array). `onSubmit(values, form)` gets strings by name
 * (checkbox: boolean; file: a File or null) and may throw the API's error: its field errors are
 * shown beside their fields, the rest above the form, and what was typed stays.
 */
export function form({ fields, submitLabel = "Save", onSubmit, extra, cancel }) {
  const f = h("form", { novalidate: true });
  const summary = h("div", { class: "form-errors", tabindex: "-1" });
  f.append(summary);
  for (const spec of fields) f.append(field(spec));
  if (extra) f.append(...[extra].flat());
  const submit = h("button", { type: "submit" }, submitLabel);
  f.append(h("div", { class: "row" }, submit, cancel || null));
  f.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    if (submit.disabled) return;
    clearErrors(f);
    const values = valuesOf(f, fields);
    const missing = fields.filter((s) => s.required && s.type !== "checkbox" && (values[s.name] === "" || values[s.name] === null));
    if (missing.length) {
      showErrors(f, { fields: Object.fromEntries(missing.map((s) => [s.name, ["is required"]])), message: "" });
      return;
    }
    const old = submit.textContent;
    submit.disabled = true;
    submit.setAttribute("aria-busy", "true");
    submit.textContent = `${old}…`;
    try {
      await onSubmit(values, f);
    } catch (e) {
      showErrors(f, e);
    } finally {
      submit.disabled = false;
      submit.removeAttribute("aria-busy");
      submit.textContent = old;
    }
  });
  return f;
}

function field(spec) {
  if (spec.type === "hidden") return h("input", { type: "hidden", name: spec.name, value: spec.value ?? "" });
  const id = `f${++fieldCount}-${spec.name.replace(/[^a-zA-Z0-9_-]/g, "_")}`;
  const hintId = spec.hint ? `${id}-hint` : null;
  const common = {
    id,
    name: spec.name,
    required: spec.required || false,
    "aria-describedby": hintId,
    autocomplete: spec.autocomplete,
    dataset: { api: [spec.api ?? spec.name].flat().join(" ") },
  };
  let control;
  if (spec.type === "select") {
    control = h("select", common, (spec.options || []).map(([v, t]) => h("option", { value: v, selected: String(spec.value ?? "") === String(v) }, t)));
  } else if (spec.type === "textarea") {
    control = h("textarea", { ...common, rows: spec.rows || 4, placeholder: spec.placeholder, value: spec.value ?? "" });
  } else if (spec.type === "checkbox") {
    control = h("input", { ...common, type: "checkbox", checked: Boolean(spec.value) });
  } else {
    control = h("input", {
      ...common,
      type: spec.type || "text",
      value: spec.type === "file" ? undefined : spec.value ?? "",
      min: spec.min,
      max: spec.max,
      step: spec.step,
      placeholder: spec.placeholder,
      accept: spec.accept,
      inputmode: spec.inputmode,
    });
  }
  const labelEl = h("label", { for: id }, spec.label, spec.required ? h("span", { class: "muted" }, " (required)") : null);
  const hint = spec.hint ? h("span", { class: "hint", id: hintId }, spec.hint) : null;
  if (spec.type === "checkbox") return h("div", { class: "field check" }, control, labelEl, hint);
  return h("div", { class: "field" }, labelEl, hint, control);
}

function valuesOf(f, fields) {
  const out = {};
  for (const spec of fields) {
    const el = f.elements.namedItem(spec.name);
    if (!el) continue;
    if (spec.type === "checkbox") out[spec.name] = el.checked;
    else if (spec.type === "file") out[spec.name] = el.files?.[0] || null;
    else out[spec.name] = typeof el.value === "string" ? el.value.trim() : el.value;
  }
  return out;
}

/** Removes the errors shown on a form. */
export function clearErrors(f) {
  f.querySelector(".form-errors")?.replaceChildren();
  for (const el of f.querySelectorAll(".field-error")) el.remove();
  for (const el of f.querySelectorAll("[aria-invalid]")) {
    el.removeAttribute("aria-invalid");
    const ids = (el.getAttribute("aria-describedby") || "").split(" ").filter((x) => x && !x.endsWith("-err"));
    if (ids.length) el.setAttribute("aria-describedby", ids.join(" "));
    else el.removeAttribute("aria-describedby");
  }
}

// The control an API field path belongs to: the one naming it, else the one naming its longest
// prefix (`patient.allergies` -> `allergies` -> `patient`).
function controlFor(f, path) {
  const controls = [...f.querySelectorAll("[data-api]")];
  const names = (el) => el.dataset.api.split(" ");
  const exact = controls.find((el) => names(el).includes(path));
  if (exact) return exact;
  const last = path.split(".").pop().replace(/\[\d+\]$/, "");
  const byLast = controls.find((el) => names(el).includes(last));
  if (byLast) return byLast;
  let p = path;
  while (p.includes(".") || p.includes("[")) {
    p = p.replace(/(\.[^.[\]]*|\[\d+\])$/, "");
    const hit = controls.find((el) => names(el).includes(p));
    if (hit) return hit;
  }
  return null;
}

/** Shows an error on a form: field errors beside their fields, the rest above it. */
export function showErrors(f, e) {
  const summary = f.querySelector(".form-errors");
  const unplaced = [];
  const fields = e?.fields || {};
  let first = null;
  for (const [path, messages] of Object.entries(fields)) {
    const el = controlFor(f, path);
    if (!el) {
      unplaced.push(`${path}: ${messages.join("; ")}`);
      continue;
    }
    const errId = `${el.id}-err`;
    const existing = document.getElementById(errId);
    const text = messages.join("; ");
    if (existing) existing.append(`; ${text}`);
    else (el.closest(".field") || el.parentElement).append(h("p", { class: "error field-error", id: errId }, text));
    el.setAttribute("aria-invalid", "true");
    const ids = new Set((el.getAttribute("aria-describedby") || "").split(" ").filter(Boolean));
    ids.add(errId);
    el.setAttribute("aria-describedby", [...ids].join(" "));
    first ??= el;
  }
  const hasFields = Object.keys(fields).length > 0;
  const message = hasFields ? (unplaced.length ? unplaced.join(" · ") : "Please correct the fields marked below.") : errorText(e);
  summary.replaceChildren(h("div", { class: "alert", role: "alert" }, message));
  if (first && !unplaced.length) first.focus();
  else summary.focus();
}

/**
 * A table. `columns`: `{ label, cell(row) -> node or text, num }`. `empty`: what to say when
 * there are no rows.
 */
export function table({ columns, rows, empty = "Nothing here yet.", caption }) {
  if (!rows.length) return h("p", { class: "muted" }, empty);
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      null,
      caption ? h("caption", null, caption) : null,
      h("thead", null, h("tr", null, columns.map((c) => h("th", { scope: "col", class: c.num ? "num" : null }, c.label)))),
      h("tbody", null, rows.map((r) => h("tr", null, columns.map((c) => h("td", { class: c.num ? "num" : null }, c.cell(r)))))),
    ),
  );
}

/** Previous/next for a page of a list (`{ page, page_size, total }`); `go(n)` shows page n. */
export function pager(p, go) {
  const pages = Math.max(1, Math.ceil(p.total / p.page_size));
  if (p.total === 0) return null;
  if (pages <= 1) return h("p", { class: "muted" }, `${p.total} in all`);
  const prev = button("Previous", () => go(p.page - 1), { kind: "secondary" });
  const next = button("Next", () => go(p.page + 1), { kind: "secondary" });
  prev.disabled = p.page <= 1;
  next.disabled = p.page >= pages;
  return h("nav", { class: "pager", "aria-label": "Pages" }, prev, h("span", null, `Page ${p.page} of ${pages} (${p.total} in all)`), next);
}

/**
 * A paginated list that loads itself: `load(page)` answers a page of the API, `show(items)` draws
 * them. Answers the container; `reload()` on it draws the current page again. Only the answer to
 * the latest request is drawn: a slower, older one is dropped.
 */
export function list(load, show) {
  const box = h("div", { class: "list", "aria-live": "polite" });
  let current = 1;
  let asked = 0; // the number of the latest request
  async function go(n) {
    const mine = ++asked;
    current = n;
    box.setAttribute("aria-busy", "true");
    try {
      const p = await load(n);
      if (mine === asked) box.replaceChildren(...[show(p.items), pager(p, go)].filter(Boolean));
    } catch (e) {
      if (mine === asked) box.replaceChildren(errorBox(e));
    } finally {
      if (mine === asked) box.removeAttribute("aria-busy");
    }
  }
  box.reload = () => go(current);
  box.append(h("p", { class: "muted" }, "Loading…"));
  go(1);
  return box;
}

/** A section with a heading. */
export function section(title, ...children) {
  return h("section", { class: "card" }, h("h2", null, title), ...children);
}

/**
 * The record id a page's query parameter names (`?patient=…`), or "" when there is none. Any
 * other value is Not found: an id goes into an API path, so only a UUID is taken.
 */
export function queryId(query, name) {
  const id = query.get(name) || "";
  if (id && !isId(id)) throw new ApiError(404, { title: "Not found" });
  return id;
}

/** A search landmark with one field; `onSearch(text)` runs on submit. */
export function searchBox(value, onSearch, label = "Name or e-mail") {
  return h(
    "div",
    { role: "search", class: "card filters" },
    form({ fields: [{ name: "search", label, type: "search", value }], submitLabel: "Search", onSubmit: async (v) => onSearch(v.search) }),
  );
}
