// Unternehmen / Kommune (role organisation; admins may open any id): the own profile as a form, then peers
// on a map and as a list, measures, funding and advisors – each with score, reasons and feedback buttons.

import { api } from "../api.js";
import { openBrief } from "../brief.js";
import { COLOURS, createMap, dot } from "../map.js";
import { advisorCard, fundingCard, measureCard, peerCard } from "../results.js";
import { updateSession } from "../session.js";
import {
  announce, busy, clear, errorBox, field, fmt, h, isSynthetic, message, select, syntheticBadge, tabs, tickets, todayIso,
  uid,
} from "../ui.js";
import { measuresCatalogue, vocabulary } from "../vocab.js";

const PRECISION = { exact: "aus den angegebenen Koordinaten", postcode: "aus dem Mittelpunkt der Postleitzahl" };
const URBANISATION = { dense: "dicht besiedelt", intermediate: "mittlere Besiedlung", sparse: "dünn besiedelt" };
const BUSINESS_KINDS = new Set(["company", "craft_business"]);

// Form controls by the API's field name, so 422 errors can mark the right control.
const FIELD_IDS = {
  name: "org-name", kind: "org-kind", sector: "org-sector", employees: "org-employees", postcode: "org-postcode",
  address: "org-address", estate: "org-estate", lat: "org-lat", lon: "org-lon", "contact.name": "org-contact-name",
  "contact.email": "org-contact-email", "contact.phone": "org-contact-phone",
};

export async function render(root, { session }) {
  root.append(h("h1", {}, "Unternehmen / Kommune"),
    h("p", { class: "lead-text" },
      "Pflegen Sie Ihr Profil: Standort, Größe und die Pendelprobleme Ihrer Beschäftigten. Daraus ermittelt "
      + "bmm-match Betriebe in der Nähe, passende Maßnahmen, Förderprogramme und die zuständige Beratung."));
  const [vocab, catalogue] = await Promise.all([vocabulary(), measuresCatalogue()]);
  const context = { vocab, catalogue, byId: Object.fromEntries(catalogue.map((m) => [m.id, m])), maps: [] };
  const area = h("div", {});

  if (session.role === "admin") {
    const idInput = h("input", { id: "org-id", type: "text", value: session.organisation || "", placeholder: "z. B. demo-000140" });
    root.append(h("form", {
      novalidate: true,
      class: "filters",
      "aria-label": "Organisation wählen",
      onsubmit: (event) => {
        event.preventDefault();
        updateSession({ organisation: idInput.value.trim() });
        load(idInput.value.trim());
      },
    }, field("Organisations-id (Administration)", idInput, "leer lassen für ein neues Profil"),
    h("div", { class: "actions" }, h("button", { class: "button", type: "submit" }, "Laden"))));
  }
  root.append(area);

  async function load(organisationId) {
    context.maps.forEach((m) => m.destroy());
    context.maps = [];
    clear(area);
    let profile = null;
    if (organisationId) {
      const progress = busy(area, "Profil wird geladen …");
      try {
        profile = await findProfile(organisationId, session);
      } catch (error) {
        progress.done();
        area.append(errorBox(error));
        return;
      }
      progress.done();
      if (!profile) {
        area.append(message("Zu dieser id ist noch kein Profil gespeichert. Legen Sie es mit dem Formular an.", "info"));
      }
    }
    renderProfile(area, profile, organisationId, context, session);
  }

  await load(session.role === "admin" ? session.organisation || "" : session.subject || "");
  return () => context.maps.forEach((m) => m.destroy());
}

/**
 * The stored profile of `organisationId`, or null when there is none yet. An organisation's key lists only its
 * own profile, so an empty list answers "not yet" without a 404 (every failed request also makes Chromium log
 * "Failed to load resource" in the console). Admins have no id filter in the list: for them an unknown id is
 * the 404 of GET /organisations/{id}, handled here and not logged by the app (docs/web.md).
 */
async function findProfile(organisationId, session) {
  if (session.role === "organisation") {
    const page = await api("/organisations", { query: { per_page: 1 } });
    return page.items.find((item) => item.id === organisationId) || null;
  }
  try {
    return await api(`/organisations/${encodeURIComponent(organisationId)}`);
  } catch (error) {
    if (error.status === 404) return null;
    throw error;
  }
}

function renderProfile(area, profile, organisationId, context, session) {
  const formArea = h("section", { "aria-labelledby": "profile-title" });
  const resultArea = h("section", { "aria-labelledby": "results-title" });
  area.append(formArea, resultArea);
  const onSaved = (saved) => {
    if (session.role === "organisation" && !session.subject) updateSession({ subject: saved.id });
    if (session.role === "admin") updateSession({ organisation: saved.id });
    context.maps.forEach((m) => m.destroy());
    context.maps = [];
    clear(resultArea);
    renderResults(resultArea, saved, context);
  };
  renderForm(formArea, profile, organisationId, context, onSaved);
  if (profile) renderResults(resultArea, profile, context);
}

// Profile form -----------------------------------------------------------------------------------------

function checkbox(name, value, text, checked, hint = null) {
  const id = uid(name);
  return h("label", { class: "check", for: id },
    h("input", { type: "checkbox", id, name, value, checked: Boolean(checked) }),
    h("span", {}, text, hint ? h("span", { class: "hint" }, hint) : null));
}

function renderForm(container, profile, organisationId, context, onSaved) {
  const { vocab, catalogue } = context;
  const p = profile || {};
  const title = h("h2", { id: "profile-title" }, profile ? "Ihr Profil" : "Profil anlegen");
  const name = h("input", { id: "org-name", type: "text", required: true, maxlength: "200", value: p.name || "", autocomplete: "organization" });
  const kind = select("org-kind", vocab.kinds.map((k) => ({ value: k.code, label: k.label })), { value: p.kind || "company" });
  const sector = select("org-sector", vocab.sectors.map((s) => ({ value: s.code, label: `${s.code} – ${s.label}` })),
    { empty: "keine Angabe", value: p.sector || "" });
  const employees = h("input", { id: "org-employees", type: "number", min: "0", max: "500000", step: "1", required: true, value: p.employees ?? "" });
  const postcode = h("input", { id: "org-postcode", type: "text", inputmode: "numeric", pattern: "[0-9]{5}", maxlength: "5", value: p.postcode || "", autocomplete: "postal-code" });
  const address = h("input", { id: "org-address", type: "text", maxlength: "300", value: p.address || "", autocomplete: "street-address" });
  const estate = h("input", { id: "org-estate", type: "text", maxlength: "200", value: p.estate || "" });
  const lat = h("input", { id: "org-lat", type: "number", step: "any", min: "-90", max: "90", value: p.lat ?? "" });
  const lon = h("input", { id: "org-lon", type: "number", step: "any", min: "-180", max: "180", value: p.lon ?? "" });
  const shift = checkbox("shift_work", "yes", "Es gibt Schichtarbeit", p.shift_work);
  const visible = h("input", { id: "org-visible", type: "checkbox", checked: Boolean(p.visible_to_peers), "aria-describedby": "org-visible-hint" });
  const shareable = h("input", { id: "org-shareable", type: "checkbox", checked: Boolean(p.contact_shareable), "aria-describedby": "org-shareable-hint" });
  const contact = p.contact || {};
  const contactName = h("input", { id: "org-contact-name", type: "text", maxlength: "200", value: contact.name || "", autocomplete: "name" });
  const contactEmail = h("input", { id: "org-contact-email", type: "email", maxlength: "254", value: contact.email || "", autocomplete: "email" });
  const contactPhone = h("input", { id: "org-contact-phone", type: "tel", maxlength: "32", value: contact.phone || "", autocomplete: "tel" });
  const issues = new Set(p.issues || []);
  const inPlace = new Set(p.measures_in_place || []);
  const locationBox = h("div", { "aria-live": "polite" });
  const feedback = h("div", { "aria-live": "polite" });
  const coordinatesNote = h("p", { class: "hint", hidden: true },
    "Die Postleitzahl wurde geändert: die gespeicherten Koordinaten werden verworfen, der Standort wird aus der "
    + "Postleitzahl bestimmt.");
  const storedCoordinates = p.lat !== null && p.lat !== undefined;
  postcode.addEventListener("input", () => {
    if (storedCoordinates && postcode.value.trim() !== (p.postcode || "") && lat.value === String(p.lat)) {
      lat.value = "";
      lon.value = "";
      coordinatesNote.hidden = false;
    }
  });
  if (profile && profile.location) locationBox.append(locationSummary(profile));

  const categories = vocab.measure_categories.map((category) => ({
    ...category, measures: catalogue.filter((m) => m.category === category.code),
  })).filter((category) => category.measures.length);

  const form = h("form", { novalidate: true, "aria-labelledby": "profile-title" },
    profile && isSynthetic(profile) ? h("p", {}, syntheticBadge(), " Dieses Profil ist eine synthetische Demo-Organisation.") : null,
    h("fieldset", {}, h("legend", {}, "Stammdaten"),
      h("div", { class: "field-row" },
        field("Name der Organisation", name),
        field("Art", kind),
        field("Branche (WZ 2008)", sector, "Pflicht für Unternehmen und Handwerksbetriebe"),
        field("Beschäftigte am Standort", employees))),
    h("fieldset", {}, h("legend", {}, "Standort"),
      h("div", { class: "field-row" },
        field("Postleitzahl", postcode, "5 Ziffern; der Dienst bestimmt daraus Gemeinde und Kreis"),
        field("Adresse (optional)", address, "wird nur mit Ihrer Freigabe weitergegeben"),
        field("Gewerbegebiet (optional)", estate, "z. B. „Gewerbegebiet Dortmund-West“")),
      h("details", { open: storedCoordinates },
        h("summary", {}, "Genauer Standort (Koordinaten, optional)"),
        h("div", { class: "field-row" }, field("Breitengrad (WGS84)", lat), field("Längengrad (WGS84)", lon)),
        coordinatesNote),
      h("div", { class: "actions" },
        h("button", { type: "button", class: "button button--secondary", onclick: () => checkLocation() }, "Standort prüfen")),
      locationBox),
    h("fieldset", {}, h("legend", {}, "Pendelprobleme Ihrer Beschäftigten"),
      h("div", { class: "check-grid" }, vocab.problems.map((problem) => checkbox("issues", problem.code, problem.label, issues.has(problem.code)))),
      shift),
    h("fieldset", {}, h("legend", {}, "Maßnahmen, die es bei Ihnen schon gibt"),
      categories.map((category) => h("details", { open: category.measures.some((m) => inPlace.has(m.id)) },
        h("summary", {}, `${category.label} (${category.measures.filter((m) => inPlace.has(m.id)).length} von ${category.measures.length})`),
        h("div", { class: "check-grid" }, category.measures.map((m) => checkbox("measures", m.id, m.name_de, inPlace.has(m.id))))))),
    h("fieldset", {}, h("legend", {}, "Einwilligungen"),
      h("div", { class: "switch" }, visible,
        h("label", { for: "org-visible" }, "Für andere Betriebe sichtbar"),
        h("span", { class: "hint", id: "org-visible-hint" },
          "Andere Betriebe in der Nähe sehen Ihren Namen, die Art, die Entfernung und gemeinsame Probleme als "
          + "Partner-Vorschlag; Planerinnen und Planer Ihrer Region sehen Name und Standort. Ohne Häkchen "
          + "sieht Sie nur die zuständige Beratung.")),
      h("div", { class: "switch" }, shareable,
        h("label", { for: "org-shareable" }, "Kontaktdaten dürfen weitergegeben werden"),
        h("span", { class: "hint", id: "org-shareable-hint" },
          "Ansprechperson, E-Mail, Telefon und Adresse werden der zuständigen Beratung gezeigt – und anderen "
          + "Betrieben nur, wenn Sie auch sichtbar sind. Ohne Häkchen sehen sie nur Sie selbst.")),
      h("div", { class: "field-row" },
        field("Ansprechperson", contactName), field("E-Mail", contactEmail), field("Telefon", contactPhone))),
    feedback,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "button", id: "org-save" }, "Profil speichern")),
  );

  function body() {
    const number = (input) => (input.value.trim() === "" ? null : Number(input.value));
    const text = (input) => input.value.trim() || null;
    const contactData = { name: text(contactName), email: text(contactEmail), phone: text(contactPhone) };
    return {
      kind: kind.value,
      name: name.value.trim(),
      sector: sector.value || null,
      employees: number(employees),
      postcode: text(postcode),
      lat: number(lat),
      lon: number(lon),
      address: text(address),
      estate: text(estate),
      issues: [...form.querySelectorAll("input[name=issues]:checked")].map((i) => i.value),
      measures_in_place: [...form.querySelectorAll("input[name=measures]:checked")].map((i) => i.value),
      shift_work: shift.querySelector("input").checked,
      visible_to_peers: visible.checked,
      contact_shareable: shareable.checked,
      contact: Object.values(contactData).some(Boolean) ? contactData : null,
      synthetic: Boolean(p.synthetic),
    };
  }

  function markErrors(error) {
    form.querySelectorAll("[aria-invalid]").forEach((node) => node.removeAttribute("aria-invalid"));
    for (const problem of (error && error.fields) || []) {
      const id = FIELD_IDS[problem.field];
      if (id) document.getElementById(id)?.setAttribute("aria-invalid", "true");
    }
  }

  async function checkLocation() {
    clear(locationBox);
    const progress = busy(locationBox, "Standort wird bestimmt …");
    try {
      const answer = await api("/match", { method: "POST", body: { ...body(), id: undefined } });
      progress.done();
      locationBox.append(locationSummary(answer.profile, "Vorschau – noch nicht gespeichert"));
    } catch (error) {
      progress.done();
      markErrors(error);
      locationBox.append(errorBox(error));
    }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear(feedback);
    markErrors(null);
    const save = form.querySelector("#org-save");
    save.disabled = true;
    const progress = busy(feedback, "Profil wird gespeichert …");
    try {
      const data = body();
      const saved = profile
        ? await api(`/organisations/${encodeURIComponent(profile.id)}`, { method: "PUT", body: data })
        : await api("/organisations", { method: "POST", body: organisationId ? { ...data, id: organisationId } : data });
      progress.done();
      profile = saved;
      Object.assign(p, saved);
      title.textContent = "Ihr Profil";
      clear(locationBox).append(locationSummary(saved));
      feedback.append(message("Gespeichert. Die Empfehlungen unten sind neu berechnet.", "ok"));
      announce("Profil gespeichert.");
      onSaved(saved);
    } catch (error) {
      progress.done();
      markErrors(error);
      feedback.append(errorBox(error));
      const firstInvalid = form.querySelector("[aria-invalid=true]");
      if (firstInvalid) firstInvalid.focus();
    } finally {
      save.disabled = false;
    }
  });
  container.append(title, form);
}

function locationSummary(profile, heading = "Standort laut Dienst") {
  const location = profile.location;
  const features = profile.features;
  const stateName = location.state === "DE-NW" ? "Nordrhein-Westfalen" : location.state === "DE-BW" ? "Baden-Württemberg" : location.state;
  return h("div", { class: "message message--ok", role: "status", id: "derived-location" },
    h("p", { style: "margin:0" }, h("strong", {}, `${heading}: `),
      `${location.municipality_name} (Gemeinde ${location.municipality_ags}), Kreis ${location.kreis_name} `
      + `(${location.kreis_code}), ${stateName}; bestimmt ${PRECISION[location.precision] || location.precision}.`),
    features ? h("p", { style: "margin:0.2rem 0 0" },
      `Nächster Bahnhof: ${features.nearest_station} (${fmt.km(features.station_distance_km)}), `
      + `${URBANISATION[features.urbanisation] || features.urbanisation}.`) : null);
}

// Results ----------------------------------------------------------------------------------------------

function renderResults(container, profile, context) {
  const id = profile.id;
  const briefButton = h("button", {
    type: "button", class: "button button--secondary",
    onclick: (event) => openBrief(id, profile.name, event.currentTarget),
  }, "Beratungsunterlage (A4)");
  container.append(
    h("h2", { id: "results-title" }, "Empfehlungen für Sie"),
    h("p", {}, "Jede Empfehlung zeigt ihre Relevanz (0–100) und die Gründe dafür. Ihre Rückmeldung hilft, "
      + "die Empfehlungen zu verbessern."),
    h("div", { class: "actions" }, briefButton),
    tabs("Empfehlungen", [
      { id: "peers", label: "Partner in der Nähe", render: (panel) => renderPeers(panel, profile, context) },
      { id: "measures", label: "Maßnahmen", render: (panel) => renderMeasures(panel, profile, context) },
      { id: "funding", label: "Förderung", render: (panel) => renderFunding(panel, profile, context) },
      { id: "advisors", label: "Beratung", render: (panel) => renderAdvisors(panel, profile) },
    ]).node,
  );
}

async function renderPeers(panel, profile, context) {
  const mapNode = h("div", { class: "map", id: "peer-map" });
  const list = h("div", { class: "scroll-list", id: "peer-list" });
  panel.append(h("div", { class: "split" },
    h("div", {}, mapNode, h("p", { class: "map-caption" },
      "Orange: Ihr Standort; blau: Partner (Name und Rang beim Darüberfahren). Gestrichelt: Suchradius.")),
    list));
  const map = createMap(mapNode, { label: "Karte: Ihr Standort und Partner in der Nähe" });
  context.maps.push(map);
  const progress = busy(list, "Partner werden gesucht …");
  try {
    const answer = await api(`/organisations/${encodeURIComponent(profile.id)}/peers`, { query: { limit: 20 } });
    progress.done();
    const own = [profile.location.lat, profile.location.lon];
    window.L.circle(own, { radius: answer.radius_km * 1000, color: COLOURS.own, weight: 1, dashArray: "4 6", fill: false }).addTo(map.layer);
    dot(own, { colour: COLOURS.own, radius: 9, weight: 2, title: `${profile.name} (Ihr Standort)` }).addTo(map.layer);
    const markers = {};
    answer.items.forEach((peer, index) => {
      if (!Number.isFinite(peer.lat)) return;
      markers[peer.id] = dot([peer.lat, peer.lon], {
        colour: COLOURS.peer, radius: 7, title: `${index + 1}. ${peer.name} – ${fmt.km(peer.distance_km)}`,
        onSelect: () => document.querySelector(`[data-peer="${CSS.escape(peer.id)}"]`)?.scrollIntoView({ block: "nearest" }),
      }).addTo(map.layer);
    });
    map.fit([own, ...answer.items.map((peer) => [peer.lat, peer.lon])], 13);
    list.append(h("p", {}, `${fmt.int(answer.items.length)} Partner im Umkreis von ${fmt.km(answer.radius_km)} `
      + `(${fmt.int(answer.candidates)} geprüft).`));
    if (!answer.items.length) {
      list.append(message("Noch keine passenden Partner in der Nähe. Haben Sie Ihre Probleme angegeben?", "info"));
      return;
    }
    list.append(h("ul", { class: "cards", "aria-label": "Partner in der Nähe" }, answer.items.map((peer, index) =>
      peerCard(peer, {
        ...context, catalogue: context.byId, organisationId: profile.id, index,
        onShow: () => {
          const marker = markers[peer.id];
          if (!marker) return;
          map.map.setView(marker.getLatLng(), Math.max(map.map.getZoom(), 13));
          marker.openTooltip();
          mapNode.scrollIntoView({ block: "nearest" });
        },
      }))));
  } catch (error) {
    progress.done();
    list.append(errorBox(error));
  }
}

async function renderMeasures(panel, profile, context) {
  const progress = busy(panel, "Maßnahmen werden berechnet …");
  try {
    const answer = await api(`/organisations/${encodeURIComponent(profile.id)}/measures`, { query: { limit: 15 } });
    progress.done();
    if (!answer.items.length) {
      panel.append(message("Keine passende Maßnahme gefunden – bitte Probleme im Profil angeben.", "info"));
      return;
    }
    panel.append(h("ul", { class: "cards cards--grid", "aria-label": "Empfohlene Maßnahmen" },
      answer.items.map((m) => measureCard(m, { vocab: context.vocab, organisationId: profile.id }))));
  } catch (error) {
    progress.done();
    panel.append(errorBox(error));
  }
}

function renderFunding(panel, profile, context) {
  const asOf = h("input", { id: "funding-rec-as-of", type: "date", value: todayIso() });
  const all = h("input", { id: "funding-rec-all", type: "checkbox" });
  const results = h("div", {});
  panel.append(h("form", { novalidate: true, class: "filters", "aria-label": "Förderung filtern", onsubmit: (e) => e.preventDefault() },
    field("Stichtag", asOf),
    h("div", { class: "field" }, h("label", { class: "check", for: "funding-rec-all" }, all, "auch nicht passende Programme mit Grund"))),
    results);
  const names = Object.fromEntries(context.catalogue.map((m) => [m.id, m.name_de]));
  const ticket = tickets();
  async function load() {
    const current = ticket();
    clear(results);
    const progress = busy(results, "Förderprogramme werden geprüft …");
    try {
      const answer = await api(`/organisations/${encodeURIComponent(profile.id)}/funding`, {
        query: { as_of: asOf.value, include_ineligible: all.checked ? "true" : "" },
      });
      if (!current()) return;
      progress.done();
      results.append(h("p", {}, `${fmt.int(answer.items.length)} passende Programme am ${fmt.date(answer.as_of)}. `
        + "Status: Stand am Prüfdatum, keine Live-Prüfung."));
      if (answer.items.length) {
        results.append(h("ul", { class: "cards cards--grid", "aria-label": "Passende Förderprogramme" },
          answer.items.map((programme) => fundingCard(programme, { organisationId: profile.id, measureNames: names }))));
      } else {
        results.append(message("Kein Programm passt am Stichtag zu den empfohlenen Maßnahmen.", "info"));
      }
      if (answer.ineligible && answer.ineligible.length) {
        results.append(h("h3", {}, "Nicht passend"), h("ul", { class: "cards cards--grid", "aria-label": "Nicht passende Förderprogramme" },
          answer.ineligible.map((programme) => fundingCard(programme, { measureNames: names }))));
      }
    } catch (error) {
      if (!current()) return;
      progress.done();
      results.append(errorBox(error));
    }
  }
  asOf.addEventListener("change", load);
  all.addEventListener("change", load);
  load();
}

async function renderAdvisors(panel, profile) {
  const progress = busy(panel, "Zuständige Beratung wird ermittelt …");
  try {
    const answer = await api(`/organisations/${encodeURIComponent(profile.id)}/advisors`);
    progress.done();
    if (answer.note) panel.append(message(answer.note, answer.covered ? "info" : "warn"));
    panel.append(h("ul", { class: "cards cards--grid", "aria-label": "Zuständige Beratung" },
      answer.items.map((advisor) => advisorCard(advisor, { organisationId: profile.id }))));
  } catch (error) {
    progress.done();
    panel.append(errorBox(error));
  }
}

