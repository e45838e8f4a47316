// Unternehmen / Kommune (role organisation; admins may open any id): the own profile as a form
// (organisation/form.js), then peers on a map and as a list, measures, funding and advisors – each with score,
// reasons and feedback buttons.

import { api } from "../api.js";
import { openBrief } from "../brief.js";
import { COLOURS, createMap, dot } from "../map.js";
import { advisorCard, fundingCard, measureCard, peerCard } from "../results.js";
import { updateSession } from "../session.js";
import { busy, clear, errorBox, field, fmt, h, message, tabs, tickets, todayIso } from "../ui.js";
import { measuresCatalogue, vocabulary } from "../vocab.js";
import { renderForm } from "./organisation/form.js";
import { renderResidences } from "./organisation/residences.js";

const BUSINESS_KINDS = new Set(["company", "craft_business"]);

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
      { id: "residences", label: "Wohnstandorte", render: (panel) => renderResidences(panel, profile, context) },
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

