// Small DOM helpers shared by the views: element builder, messages, progress, badges, reasons, tabs.

// Properties that would parse a string as HTML; `h` refuses them (text goes in as text nodes only).
const HTML_SINKS = new Set(["innerHTML", "outerHTML", "srcdoc"]);

/**
 * Create an element: h("a", {href: "#", class: "x", onclick: fn}, "text", child, [children]).
 * Attributes with value false/null/undefined are left out; `true` sets an empty attribute. Children that are
 * not nodes become text nodes, so server data never turns into markup. `style` is set through the CSSOM (the
 * Content-Security-Policy refuses style attributes); `on…` takes functions only; HTML sinks are refused.
 */
export function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props || {})) {
    if (value === false || value === null || value === undefined) continue;
    if (HTML_SINKS.has(name)) throw new Error(`h(): "${name}" is not allowed; pass text or nodes as children.`);
    if (name.startsWith("on")) {
      if (typeof value !== "function") throw new Error(`h(): the handler "${name}" must be a function.`);
      node.addEventListener(name.slice(2).toLowerCase(), value);
    } else if (name === "style") {
      node.style.cssText = String(value);
    } else if (name === "class") {
      node.className = value;
    } else if (name === "text") {
      node.textContent = value;
    } else if (name === "dataset") {
      Object.assign(node.dataset, value);
    } else if (name in node && typeof value !== "string" && name !== "list") {
      node[name] = value; // properties such as checked, value (numbers), selected
    } else {
      node.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** `value` when it is an absolute http(s) URL (for links to external sources), else null. */
export function externalUrl(value) {
  if (typeof value !== "string") return null;
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
  } catch {
    return null;
  }
}

export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

let idCounter = 0;
export function uid(prefix = "id") {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

const announcer = () => document.getElementById("announcer");

/** Tell screen readers something (polite live region). */
export function announce(text) {
  const node = announcer();
  if (!node) return;
  node.textContent = "";
  window.setTimeout(() => {
    node.textContent = text;
  }, 30);
}

/** A message box; kind: info | ok | warn | error. Errors are role=alert. */
export function message(text, kind = "info", extra = null) {
  return h(
    "div",
    { class: `message message--${kind}`, role: kind === "error" ? "alert" : "status" },
    h("p", { style: "margin:0" }, text),
    extra,
  );
}

/** A German error box for any thrown error (ApiError messages are German already). */
export function errorBox(error) {
  const text = error && error.name === "ApiError" ? error.message : `Unerwarteter Fehler: ${error && error.message ? error.message : error}`;
  return message(text, "error");
}

/**
 * Show progress in `container` (a spinner, or a <progress> when `total` is given) with an aria-live status.
 * Returns {update(done, text), done()}.
 */
export function busy(container, text, total = null) {
  const label = h("span", {}, text);
  const bar = total ? h("progress", { max: String(total), value: "0", "aria-label": text }) : null;
  const node = h("div", { class: "busy", role: "status", "aria-live": "polite", "aria-busy": "true" },
    h("span", { class: "spinner", "aria-hidden": "true" }), label, bar);
  container.append(node);
  return {
    update(done, newText) {
      if (bar) bar.value = done;
      if (newText) label.textContent = newText;
    },
    done() {
      node.remove();
    },
  };
}

export function syntheticBadge() {
  return h("span", { class: "badge badge--synthetic", title: "Synthetische Demo-Organisation, kein echter Betrieb" },
    "synthetisch / Demo");
}

/** Whether a result is a synthetic demo organisation (the flag, else the "(Demo)"/"(synthetisch)" name mark). */
export function isSynthetic(item) {
  if (item && typeof item.synthetic === "boolean") return item.synthetic;
  return /\((Demo|synthetisch)\)/i.test((item && item.name) || "");
}

const numberFormat = new Intl.NumberFormat("de-DE");
const decimalFormat = new Intl.NumberFormat("de-DE", { maximumFractionDigits: 1 });
const dateFormat = new Intl.DateTimeFormat("de-DE", { day: "2-digit", month: "2-digit", year: "numeric" });

export const fmt = {
  int: (value) => (value === null || value === undefined ? "–" : numberFormat.format(value)),
  dec: (value) => (value === null || value === undefined ? "–" : decimalFormat.format(value)),
  km: (value) => (value === null || value === undefined ? "–" : `${decimalFormat.format(value)} km`),
  pct: (share) => `${Math.round(share * 100)} %`,
  date: (iso) => {
    if (!iso) return "–";
    const [year, month, day] = String(iso).split("-").map(Number);
    return dateFormat.format(new Date(year, month - 1, day));
  },
};

export function todayIso() {
  const now = new Date();
  const pad = (n) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/** Score in [0, 1] as a meter and a number. */
export function scoreBadge(score) {
  const value = typeof score === "number" ? score : 0;
  return h("span", { class: "score" },
    h("meter", { min: "0", max: "1", value: String(value), "aria-hidden": "true" }),
    `Relevanz ${decimalFormat.format(value * 100)} / 100`);
}

/** The German reasons of a recommendation, with their weights. */
export function reasonList(reasons, title = "Begründung") {
  if (!reasons || !reasons.length) return null;
  return h("ul", { class: "reasons", "aria-label": title },
    reasons.map((reason) => h("li", {}, reason.text,
      typeof reason.weight === "number" && reason.weight !== 0 // learned feedback can lower a score
        ? h("span", { class: "weight" },
          ` (${reason.weight > 0 ? "+" : "−"}${decimalFormat.format(Math.abs(reason.weight) * 100)})`)
        : null)));
}

export function tags(values, label) {
  if (!values || !values.length) return null;
  return h("ul", { class: "tags", "aria-label": label }, values.map((value) => h("li", { class: "tag" }, value)));
}

/** A labelled field: label + control (+ hint). `control` must have an id. */
export function field(labelText, control, hint = null) {
  const hintNode = hint ? h("span", { class: "hint", id: `${control.id}-hint` }, hint) : null;
  if (hintNode) control.setAttribute("aria-describedby", hintNode.id);
  return h("div", { class: "field" }, h("label", { for: control.id }, labelText), control, hintNode);
}

/** A <select> with an optional empty choice; options: [{value, label}] or [{label, options:[...]}] groups. */
export function select(id, options, { empty = null, value = "" } = {}) {
  const node = h("select", { id, name: id });
  if (empty !== null) node.append(h("option", { value: "" }, empty));
  for (const option of options) {
    if (option.options) {
      node.append(h("optgroup", { label: option.label },
        option.options.map((o) => h("option", { value: o.value }, o.label))));
    } else {
      node.append(h("option", { value: option.value }, option.label));
    }
  }
  node.value = value;
  return node;
}

/**
 * Accessible tabs. tabs: [{id, label, render(panel)}]; the first render of a panel happens when it is shown.
 * Arrow keys move between tabs. Returns {node, show(id)}.
 */
export function tabs(name, definitions, initial = null) {
  const list = h("div", { role: "tablist", "aria-label": name });
  const panels = h("div", {});
  const rendered = new Set();
  const buttons = [];
  const panelById = {};
  function show(id, focus = false) {
    for (const button of buttons) {
      const selected = button.dataset.tab === id;
      button.setAttribute("aria-selected", String(selected));
      button.tabIndex = selected ? 0 : -1;
      if (selected && focus) button.focus();
    }
    for (const definition of definitions) {
      const panel = panelById[definition.id];
      panel.hidden = definition.id !== id;
      if (definition.id === id && !rendered.has(id)) {
        rendered.add(id);
        definition.render(panel);
      }
    }
  }
  definitions.forEach((definition, index) => {
    const tabId = uid(`tab-${definition.id}`);
    const panelId = uid(`panel-${definition.id}`);
    const button = h("button", {
      type: "button", role: "tab", id: tabId, "aria-controls": panelId, dataset: { tab: definition.id },
      onclick: () => show(definition.id),
      onkeydown: (event) => {
        const step = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
        if (!step) return;
        event.preventDefault();
        const next = definitions[(index + step + definitions.length) % definitions.length];
        show(next.id, true);
      },
    }, definition.label);
    buttons.push(button);
    list.append(button);
    const panel = h("div", { role: "tabpanel", id: panelId, "aria-labelledby": tabId, tabindex: "0", hidden: true });
    panelById[definition.id] = panel;
    panels.append(panel);
  });
  const node = h("div", { class: "tabs" }, list, panels);
  // Render the first panel once the caller has put the tabs into the page (maps need their real size).
  queueMicrotask(() => show(initial || definitions[0].id));
  return { node, show };
}

/**
 * Guard against stale answers when a filter changes while a request is running:
 * `const ticket = tickets();` once, then per request `const current = ticket();` and after each await
 * `if (!current()) return;`.
 */
export function tickets() {
  let latest = 0;
  return () => {
    latest += 1;
    const mine = latest;
    return () => mine === latest;
  };
}

/** Offer `content` as a download named `fileName`. */
export function download(fileName, content, type) {
  const blob = content instanceof Blob ? content : new Blob([content], { type });
  const url = URL.createObjectURL(blob);
  const link = h("a", { href: url, download: fileName, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Run `worker` over `items` with at most `concurrency` at a time; `onProgress(done)` after each. */
export async function pool(items, concurrency, worker, onProgress = () => {}) {
  const results = new Array(items.length);
  let next = 0;
  let done = 0;
  async function run() {
    while (next < items.length) {
      const index = next;
      next += 1;
      try {
        results[index] = await worker(items[index], index);
      } catch (error) {
        results[index] = error;
      }
      done += 1;
      onProgress(done);
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, run));
  return results;
}
