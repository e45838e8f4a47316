// Unternehmen / Kommune, profile form: the controls, their fieldsets, and reading the form back as an API body.

import { field, h, isSynthetic, select, syntheticBadge, uid } from "../../ui.js";

// Form controls by the API's field name, so 422 errors can mark the right control.
export const FIELD_IDS = {
  name: "org-name", kind: "org-kind", sector: "org-sector", employees: "org-employees", postcode: "org-postcode",
  address: "org-address", estate: "org-estate", lat: "org-lat", lon: "org-lon", "contact.name": "org-contact-name",
  "contact.email": "org-contact-email", "contact.phone": "org-contact-phone",
};

function checkbox(name, value, text, checked, hint = null) {
  const id = uid(name);
  return h("label", { class: "check", for: id },
    h("input", { type: "checkbox", id, name, value, checked: Boolean(checked) }),
    h("span", {}, text, hint ? h("span", { class: "hint" }, hint) : null));
}

/** The single-value controls of a profile `p` (an empty object for a new one). */
export function profileControls(p, vocab) {
  const contact = p.contact || {};
  return {
    name: h("input", { id: "org-name", type: "text", required: true, maxlength: "200", value: p.name || "", autocomplete: "organization" }),
    kind: select("org-kind", vocab.kinds.map((k) => ({ value: k.code, label: k.label })), { value: p.kind || "company" }),
    sector: select("org-sector", vocab.sectors.map((s) => ({ value: s.code, label: `${s.code} – ${s.label}` })),
      { empty: "keine Angabe", value: p.sector || "" }),
    employees: h("input", { id: "org-employees", type: "number", min: "0", max: "500000", step: "1", required: true, value: p.employees ?? "" }),
    postcode: h("input", { id: "org-postcode", type: "text", inputmode: "numeric", pattern: "[0-9]{5}", maxlength: "5", value: p.postcode || "", autocomplete: "postal-code" }),
    address: h("input", { id: "org-address", type: "text", maxlength: "300", value: p.address || "", autocomplete: "street-address" }),
    estate: h("input", { id: "org-estate", type: "text", maxlength: "200", value: p.estate || "" }),
    lat: h("input", { id: "org-lat", type: "number", step: "any", min: "-90", max: "90", value: p.lat ?? "" }),
    lon: h("input", { id: "org-lon", type: "number", step: "any", min: "-180", max: "180", value: p.lon ?? "" }),
    shift: checkbox("shift_work", "yes", "Es gibt Schichtarbeit", p.shift_work),
    visible: h("input", { id: "org-visible", type: "checkbox", checked: Boolean(p.visible_to_peers), "aria-describedby": "org-visible-hint" }),
    shareable: h("input", { id: "org-shareable", type: "checkbox", checked: Boolean(p.contact_shareable), "aria-describedby": "org-shareable-hint" }),
    residences: h("input", { id: "org-residences", type: "checkbox", checked: Boolean(p.share_residence_aggregates), "aria-describedby": "org-residences-hint" }),
    contactName: h("input", { id: "org-contact-name", type: "text", maxlength: "200", value: contact.name || "", autocomplete: "name" }),
    contactEmail: h("input", { id: "org-contact-email", type: "email", maxlength: "254", value: contact.email || "", autocomplete: "email" }),
    contactPhone: h("input", { id: "org-contact-phone", type: "tel", maxlength: "32", value: contact.phone || "", autocomplete: "tel" }),
  };
}

export function syntheticNote(profile) {
  return profile && isSynthetic(profile) ? h("p", {}, syntheticBadge(), " Dieses Profil ist eine synthetische Demo-Organisation.") : null;
}

export function masterDataFieldset(c) {
  return h("fieldset", {}, h("legend", {}, "Stammdaten"),
    h("div", { class: "field-row" },
      field("Name der Organisation", c.name),
      field("Art", c.kind),
      field("Branche (WZ 2008)", c.sector, "Ohne Angabe bleibt die Branche beim Vergleich außen vor"),
      field("Beschäftigte am Standort", c.employees)));
}

/** Postcode, address, estate and (folded) coordinates, with the "Standort prüfen" button and its answer box. */
export function locationFieldset(c, { openCoordinates, coordinatesNote, locationBox, onCheck }) {
  return h("fieldset", {}, h("legend", {}, "Standort"),
    h("div", { class: "field-row" },
      field("Postleitzahl", c.postcode, "5 Ziffern; der Dienst bestimmt daraus Gemeinde und Kreis"),
      field("Adresse (optional)", c.address, "wird nur mit Ihrer Freigabe weitergegeben"),
      field("Gewerbegebiet (optional)", c.estate, "z. B. „Gewerbegebiet Dortmund-West“")),
    h("details", { open: openCoordinates },
      h("summary", {}, "Genauer Standort (Koordinaten, optional)"),
      h("div", { class: "field-row" }, field("Breitengrad (WGS84)", c.lat), field("Längengrad (WGS84)", c.lon)),
      coordinatesNote),
    h("div", { class: "actions" },
      h("button", { type: "button", class: "button button--secondary", onclick: onCheck }, "Standort prüfen")),
    locationBox);
}

export function problemsFieldset(c, vocab, issues) {
  return h("fieldset", {}, h("legend", {}, "Pendelprobleme Ihrer Beschäftigten"),
    h("div", { class: "check-grid" }, vocab.problems.map((problem) => checkbox("issues", problem.code, problem.label, issues.has(problem.code)))),
    c.shift);
}

/** The catalogue's measures by category, each category folded unless one of its measures is in place. */
export function measuresFieldset(vocab, catalogue, inPlace) {
  const categories = vocab.measure_categories.map((category) => ({
    ...category, measures: catalogue.filter((m) => m.category === category.code),
  })).filter((category) => category.measures.length);
  return h("fieldset", {}, h("legend", {}, "Maßnahmen, die es bei Ihnen schon gibt"),
    categories.map((category) => h("details", { open: category.measures.some((m) => inPlace.has(m.id)) },
      h("summary", {}, `${category.label} (${category.measures.filter((m) => inPlace.has(m.id)).length} von ${category.measures.length})`),
      h("div", { class: "check-grid" }, category.measures.map((m) => checkbox("measures", m.id, m.name_de, inPlace.has(m.id)))))));
}

export function consentFieldset(c) {
  return h("fieldset", {}, h("legend", {}, "Einwilligungen"),
    h("div", { class: "switch" }, c.visible,
      h("label", { for: "org-visible" }, "Für andere Betriebe sichtbar"),
      h("span", { class: "hint", id: "org-visible-hint" },
        "Andere Betriebe in der Nähe sehen Ihren Namen, die Art, die Entfernung und gemeinsame Probleme als "
        + "Partner-Vorschlag; Planerinnen und Planer Ihrer Region sehen Name und Standort. Ohne Häkchen "
        + "sieht Sie nur die zuständige Beratung.")),
    h("div", { class: "switch" }, c.shareable,
      h("label", { for: "org-shareable" }, "Kontaktdaten dürfen weitergegeben werden"),
      h("span", { class: "hint", id: "org-shareable-hint" },
        "Ansprechperson, E-Mail, Telefon und Adresse werden der zuständigen Beratung gezeigt – und anderen "
        + "Betrieben nur, wenn Sie auch sichtbar sind. Ohne Häkchen sehen sie nur Sie selbst.")),
    h("div", { class: "switch" }, c.residences,
      h("label", { for: "org-residences" }, "Wohnort-Auswertung darf geteilt und gepoolt werden"),
      h("span", { class: "hint", id: "org-residences-hint" },
        "Die zuständige Beratung sieht die Auswertung der hochgeladenen Wohn-Postleitzahlen Ihrer Beschäftigten, "
        + "und sie fließen in gemeinsame Auswertungen Ihres Gewerbegebiets oder Clusters für Planung und "
        + "Beratung ein – immer nur als Summen: Orte mit weniger als 5 Personen werden nie gezeigt, Ihr Betrieb "
        + "wird nicht genannt. Ohne Häkchen sehen die Auswertung nur Sie selbst.")),
    h("div", { class: "field-row" },
      field("Ansprechperson", c.contactName), field("E-Mail", c.contactEmail), field("Telefon", c.contactPhone)));
}

/** The form as the API's profile body (`p`: the profile shown, for the synthetic flag it keeps). */
export function readBody(form, c, p) {
  const number = (input) => (input.value.trim() === "" ? null : Number(input.value));
  const text = (input) => input.value.trim() || null;
  const contactData = { name: text(c.contactName), email: text(c.contactEmail), phone: text(c.contactPhone) };
  return {
    kind: c.kind.value,
    name: c.name.value.trim(),
    sector: c.sector.value || null,
    employees: number(c.employees),
    postcode: text(c.postcode),
    lat: number(c.lat),
    lon: number(c.lon),
    address: text(c.address),
    estate: text(c.estate),
    issues: [...form.querySelectorAll("input[name=issues]:checked")].map((i) => i.value),
    measures_in_place: [...form.querySelectorAll("input[name=measures]:checked")].map((i) => i.value),
    shift_work: c.shift.querySelector("input").checked,
    visible_to_peers: c.visible.checked,
    contact_shareable: c.shareable.checked,
    share_residence_aggregates: c.residences.checked,
    contact: Object.values(contactData).some(Boolean) ? contactData : null,
    synthetic: Boolean(p.synthetic),
  };
}

/** Mark the controls a 422 names (and clear earlier marks). */
export function markErrors(form, error) {
  form.querySelectorAll("[aria-invalid]").forEach((node) => node.removeAttribute("aria-invalid"));
  for (const problem of (error && error.fields) || []) {
    const id = FIELD_IDS[problem.field];
    if (id) document.getElementById(id)?.setAttribute("aria-invalid", "true");
  }
}
