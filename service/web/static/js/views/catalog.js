// Katalog (public): measures and funding programmes with filters; closed programmes visibly marked.

import { api } from "../api.js";
import {
  busy, clear, errorBox, externalUrl, field, fmt, h, message, select, tabs, tags, tickets, todayIso,
} from "../ui.js";
import { STATES, label, vocabulary } from "../vocab.js";

/** A link to the catalogue's source (http/https only: no javascript: or data: URL from the data). */
function sourceLink(value) {
  const url = externalUrl(value);
  return url ? h("p", { class: "card__meta" }, h("a", { href: url, rel: "noopener noreferrer", target: "_blank" }, "Quelle (externe Seite)")) : null;
}

export const LEVELS = { 1: "niedrig", 2: "mittel", 3: "hoch" };
const SHIFT = { yes: "geeignet", partly: "teilweise geeignet", no: "nicht geeignet" };
const FUNDING_LEVELS = { federal: "Bund", state: "Land", eu: "EU", regional: "Region / Kommune" };
const STATUS = {
  open: { text: "offen", css: "badge--ok" },
  closed: { text: "geschlossen", css: "badge--closed" },
  unknown: { text: "Status unbestätigt", css: "badge--warn" },
};

export async function render(root) {
  root.append(
    h("h1", {}, "Katalog: Maßnahmen und Förderprogramme"),
    h("p", { class: "lead-text" },
      "Öffentlich einsehbar, ohne Anmeldung. Der Förderstatus ist der Stand am angegebenen Prüfdatum, keine "
      + "Live-Prüfung; geschlossene Programme bleiben zur Information sichtbar."),
  );
  const vocab = await vocabulary();
  const view = tabs("Katalog", [
    { id: "measures", label: "Maßnahmen", render: (panel) => renderMeasures(panel, vocab) },
    { id: "funding", label: "Förderprogramme", render: (panel) => renderFunding(panel, vocab) },
  ]);
  root.append(view.node);
}

// Measures -------------------------------------------------------------------------------------------

function renderMeasures(panel, vocab) {
  const category = select("measure-category", vocab.measure_categories.map((c) => ({ value: c.code, label: c.label })),
    { empty: "alle Kategorien" });
  const problem = select("measure-problem", vocab.problems.map((p) => ({ value: p.code, label: p.label })),
    { empty: "alle Probleme" });
  const search = h("input", { id: "measure-search", type: "search", placeholder: "z. B. Jobticket" });
  const results = h("div", { "aria-live": "polite" });
  const form = h("form", { novalidate: true, class: "filters", role: "search", "aria-label": "Maßnahmen filtern", onsubmit: (e) => e.preventDefault() },
    field("Kategorie", category), field("Löst das Problem", problem), field("Suche im Namen", search));
  panel.append(form, results);

  let items = [];
  const ticket = tickets();
  async function load() {
    const current = ticket();
    clear(results);
    const progress = busy(results, "Maßnahmen werden geladen …");
    try {
      const data = await api("/measures", {
        auth: false, query: { category: category.value, issue: problem.value, per_page: 200 },
      });
      if (!current()) return;
      items = data.items;
      progress.done();
      show();
    } catch (error) {
      if (!current()) return;
      progress.done();
      results.append(errorBox(error));
    }
  }
  function show() {
    clear(results);
    const needle = search.value.trim().toLowerCase();
    const shown = items.filter((m) => !needle || m.name_de.toLowerCase().includes(needle)
      || m.name_en.toLowerCase().includes(needle));
    results.append(h("p", {}, `${fmt.int(shown.length)} Maßnahmen`));
    if (!shown.length) {
      results.append(message("Keine Maßnahme passt zu diesen Filtern.", "info"));
      return;
    }
    results.append(h("ul", { class: "cards cards--grid", "aria-label": "Maßnahmen" }, shown.map((m) => measureCard(m, vocab))));
  }
  category.addEventListener("change", load);
  problem.addEventListener("change", load);
  search.addEventListener("input", show);
  load();
}

function measureCard(measure, vocab) {
  const size = measure.min_employees || measure.max_employees
    ? `${measure.min_employees ? `ab ${fmt.int(measure.min_employees)}` : ""}${measure.min_employees && measure.max_employees ? " " : ""}${measure.max_employees ? `bis ${fmt.int(measure.max_employees)}` : ""} Beschäftigte`
    : "jede Größe";
  return h("li", { class: "card", dataset: { measure: measure.id } },
    h("h3", {}, measure.name_de, " ", h("span", { class: "badge badge--neutral" }, measure.category_label)),
    tags(measure.addresses.map((code) => label(vocab.labels.problem, code)), "löst diese Probleme"),
    h("dl", { class: "facts" },
      h("dt", {}, "Kosten / Aufwand"), h("dd", {}, `${LEVELS[measure.cost_level]} / ${LEVELS[measure.effort_level]} (redaktionelle Schätzung)`),
      h("dt", {}, "Vorlauf"), h("dd", {}, `etwa ${fmt.int(measure.typical_lead_time_months)} Monate`),
      h("dt", {}, "Betriebsgröße"), h("dd", {}, size),
      h("dt", {}, "Schichtarbeit"), h("dd", {}, SHIFT[measure.suits_shift_work] || measure.suits_shift_work),
      h("dt", {}, "Braucht ÖPNV in der Nähe"), h("dd", {}, measure.needs_transit_nearby ? "ja" : "nein"),
      h("dt", {}, "Gemeinsam mit Nachbarn"), h("dd", {}, measure.joint_with_neighbours ? "ja, am besten gemeinsam" : "nein"),
      measure.co2_effect_note ? [h("dt", {}, "CO₂-Wirkung"), h("dd", {}, measure.co2_effect_note)] : null,
    ),
    sourceLink(measure.source_url),
  );
}

// Funding programmes ---------------------------------------------------------------------------------

function renderFunding(panel, vocab) {
  const asOf = h("input", { id: "funding-as-of", type: "date", value: todayIso(), required: true });
  const state = select("funding-state", STATES, { empty: "alle Länder" });
  const kind = select("funding-kind", vocab.kinds.map((k) => ({ value: k.code, label: k.label })), { empty: "alle Arten" });
  const availability = select("funding-available", [
    { value: "true", label: "nur verfügbare" },
    { value: "false", label: "nur nicht verfügbare" },
  ], { empty: "alle" });
  const results = h("div", { "aria-live": "polite" });
  const form = h("form", { novalidate: true, class: "filters", role: "search", "aria-label": "Förderprogramme filtern", onsubmit: (e) => e.preventDefault() },
    field("Stichtag", asOf), field("Land", state), field("Antragsberechtigt", kind), field("Verfügbarkeit", availability));
  panel.append(form, results);

  const ticket = tickets();
  async function load() {
    const current = ticket();
    clear(results);
    asOf.removeAttribute("aria-invalid");
    const progress = busy(results, "Förderprogramme werden geladen …");
    try {
      const data = await api("/funding-programmes", {
        auth: false,
        query: { as_of: asOf.value, state: state.value, kind: kind.value, available: availability.value, per_page: 200 },
      });
      if (!current()) return;
      progress.done();
      const available = data.items.filter((p) => p.available).length;
      results.append(h("p", {}, `${fmt.int(data.total)} Programme, davon ${fmt.int(available)} am ${fmt.date(asOf.value)} verfügbar`));
      if (!data.items.length) {
        results.append(message("Kein Programm passt zu diesen Filtern.", "info"));
        return;
      }
      results.append(h("ul", { class: "cards cards--grid", "aria-label": "Förderprogramme" }, data.items.map((p) => programmeCard(p, vocab))));
    } catch (error) {
      if (!current()) return;
      progress.done();
      if (error.fields && error.fields.some((f) => f.field === "as_of")) asOf.setAttribute("aria-invalid", "true");
      results.append(errorBox(error));
    }
  }
  for (const control of [asOf, state, kind, availability]) control.addEventListener("change", load);
  load();
}

export function statusBadge(status, checkedOn) {
  const info = STATUS[status] || { text: status, css: "badge--neutral" };
  return h("span", { class: `badge badge--status ${info.css}`, title: "Status am Prüfdatum, keine Live-Prüfung" },
    `${info.text} – Stand ${fmt.date(checkedOn)}`);
}

const APPLICANT_ROLES = { partner_only: "nur im Verbund unter Federführung einer Kommune", via_municipality: "nur über die Kommune" };

/** One line per applicant kind (and size class) with its own rate and cap (funding_conditions.json), not the maximum. */
function ratesByKind(programme, vocab) {
  const applicants = (programme.conditions && programme.conditions.applicants) || [];
  if (!applicants.length) return "nicht bestätigt";
  return h("ul", { class: "rates", "aria-label": "Förderquote je Antragsart" }, applicants.map((a) => {
    const size = a.min_employees || a.max_employees
      ? ` (${a.min_employees ? `ab ${fmt.int(a.min_employees)}` : ""}${a.min_employees && a.max_employees ? " " : ""}${a.max_employees ? `bis ${fmt.int(a.max_employees)}` : ""} Beschäftigte)`
      : "";
    const rate = a.rate_percent ? `${fmt.dec(a.rate_percent)} %` : "Quote nicht bestätigt";
    const cap = a.cap_eur ? `, höchstens ${fmt.int(a.cap_eur)} €${a.cap_note ? ` ${a.cap_note}` : ""}` : "";
    const role = APPLICANT_ROLES[a.role] ? ` – ${APPLICANT_ROLES[a.role]}` : "";
    return h("li", { dataset: { kind: a.kind, rate: a.rate_percent ?? "" } }, `${label(vocab.labels.kind, a.kind)}${size}: ${rate}${cap}${role}`);
  }));
}

function programmeCard(programme, vocab) {
  const availability = programme.available
    ? h("span", { class: "badge badge--ok" }, `verfügbar am ${fmt.date(programme.as_of)}`)
    : h("span", { class: "badge badge--closed" }, `nicht verfügbar am ${fmt.date(programme.as_of)}`);
  return h("li", { class: "card", dataset: { programme: programme.id, status: programme.status } },
    h("h3", {}, programme.name),
    h("p", { class: "actions" }, availability, statusBadge(programme.status, programme.checked_on),
      programme.is_grant ? null : h("span", { class: "badge badge--neutral" }, "kein Zuschuss")),
    programme.unavailable_reasons && programme.unavailable_reasons.length
      ? h("ul", { class: "reasons", "aria-label": "Warum nicht verfügbar" }, programme.unavailable_reasons.map((r) => h("li", {}, r.text)))
      : null,
    h("dl", { class: "facts" },
      h("dt", {}, "Fördergeber"), h("dd", {}, `${programme.funder} (${FUNDING_LEVELS[programme.level] || programme.level})`),
      h("dt", {}, "Instrument"), h("dd", {}, programme.instrument_label),
      h("dt", {}, "Förderquote und Höchstbetrag je Antragsart"), h("dd", {}, ratesByKind(programme, vocab)),
      h("dt", {}, "Förderquote laut Quelle"), h("dd", {}, programme.funding_rate_percent || "nicht bestätigt"),
      h("dt", {}, "Gebiet"), h("dd", {}, programme.states.length ? programme.states.map((s) => (STATES.find((x) => x.value === s) || { label: s }).label).join(", ") : "bundesweit"),
      h("dt", {}, "Antragsberechtigt"), h("dd", {}, programme.eligible_kinds.map((k) => label(vocab.labels.kind, k)).join(", ")
        + (programme.sme_only ? " (nur KMU)" : "")),
      h("dt", {}, "Zeitraum"), h("dd", {}, `${programme.open_from ? `ab ${fmt.date(programme.open_from)}` : "Beginn nicht angegeben"}${programme.valid_until ? `, bis ${fmt.date(programme.valid_until)}` : ""}`),
      h("dt", {}, "Zuletzt geprüft"), h("dd", {}, `${fmt.date(programme.checked_on)}: „${programme.status_as_of}“`),
    ),
    programme.notes ? h("p", { class: "card__meta" }, programme.notes) : null,
    sourceLink(programme.source_url),
  );
}
