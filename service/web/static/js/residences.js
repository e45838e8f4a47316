// Wohnstandortanalyse on screen: the analysis answer of the API (one organisation or pooled) as a summary, a
// PLZ map, a distance-band chart, potentials and tables. Shared by the organisation's tab and Planung.
//
// k-anonymity: the server never sends a cell with 1 … k−1 people (`count: null, suppressed: true` instead);
// this module shows such a cell as "unter k" or greyed and hatched, never as a number.

import { api } from "./api.js";
import { openPrintable } from "./brief.js";
import { COLOURS, createMap, dot, textTooltip } from "./map.js";
import { busy, errorBox, fmt, h, message } from "./ui.js";

export const MODE_LABELS = {
  walk: "zu Fuß",
  bike: "Fahrrad",
  pedelec: "Pedelec",
  transit: "Bus und Bahn",
  carpool: "Fahrgemeinschaft",
};
const MAP_RADIUS_KM = 60; // the map is fitted to the site and the homes within this distance (farther ones stay listed)
const LISTED = 15; // rows per table; the rest are summed in one row

/** A shown count: the number, or "unter k" for a suppressed cell (and, defensively, for any 1 … k−1). */
export function countText(cell, k) {
  const hidden = cell.count === null || cell.count === undefined || (cell.count > 0 && cell.count < k);
  return hidden ? `unter ${k}` : fmt.int(cell.count);
}

const shareText = (share) => (share === null || share === undefined ? "–" : `${fmt.dec(share * 100)} %`);

function bandLabel(band) {
  return band.to_km === null || band.to_km === undefined
    ? `ab ${fmt.dec(band.from_km)} km`
    : `${fmt.dec(band.from_km)}–${fmt.dec(band.to_km)} km`;
}

/** One German sentence on what the analysis found. */
export function summaryText(analysis) {
  const { k, total, potentials: p } = analysis;
  if (!total) return "Es liegen keine Wohnorte vor.";
  const part = (mode) => (p[mode].count === null ? `unter ${k}` : `${countText(p[mode], k)} (${shareText(p[mode].share)})`);
  return `${fmt.int(total)} Beschäftigte mit Wohn-PLZ: ${part("bike")} wohnen höchstens `
    + `${fmt.dec(analysis.assumptions.bike_km)} km entfernt (Fahrrad), ${part("pedelec")} höchstens `
    + `${fmt.dec(analysis.assumptions.pedelec_km)} km (Pedelec); Bus und Bahn gut erreichbar: ${part("transit")}; `
    + `Fahrgemeinschaften naheliegend: ${part("carpool")}.`;
}

/** How many organisations a pooled answer covers and how many it left out (never which). */
export function pooledText(analysis) {
  const left = analysis.left_out || { total: 0 };
  const count = analysis.organisations;
  let text = `Zusammengefasst über ${fmt.int(count)} ${count === 1 ? "Organisation" : "Organisationen"} mit Einwilligung `
    + "und hochgeladenen Wohnorten.";
  if (left.total) {
    text += ` Nicht einbezogen: ${fmt.int(left.total)} (${fmt.int(left.without_consent ?? 0)} ohne Einwilligung, `
      + `${fmt.int(left.without_upload ?? 0)} ohne hochgeladene Wohnorte).`;
  }
  return text;
}

/** The distance bands as horizontal bars (a table: readable without the bars too). */
export function bandChart(analysis) {
  const { k, bands } = analysis;
  const largest = Math.max(1, ...bands.map((b) => b.count || 0));
  return h("table", { class: "band-chart", "aria-label": "Beschäftigte nach Entfernung (Straßenweg)" },
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Entfernung"), h("th", { scope: "col" }, "Personen"))),
    h("tbody", {}, bands.map((band) => {
      const hidden = band.count === null;
      const bar = hidden
        ? h("span", { class: "band-bar band-bar--hidden", "aria-hidden": "true" })
        : h("span", { class: "band-bar", style: `width:${(12 * band.count) / largest}rem`, "aria-hidden": "true" });
      return h("tr", { dataset: { band: bandLabel(band) } }, h("th", { scope: "row" }, bandLabel(band)),
        h("td", {}, bar, h("span", { class: hidden ? "count suppressed" : "count" },
          hidden ? `unter ${k} (ohne Zahl)` : `${countText(band, k)} (${shareText(band.share)})`)));
    })));
}

/** The potentials: mode, rule, people, share. */
export function potentialsTable(analysis) {
  const { k, assumptions: a } = analysis;
  const rules = {
    walk: `bis ${fmt.dec(a.walk_km)} km`,
    bike: `bis ${fmt.dec(a.bike_km)} km (schließt zu Fuß ein)`,
    pedelec: `bis ${fmt.dec(a.pedelec_km)} km (schließt Fahrrad ein)`,
    transit: "ÖV gut an Wohnort und Arbeitsort (siehe Annahmen)",
    carpool: `über ${fmt.dec(a.pedelec_km)} km, Kollegen in der Nähe (siehe Annahmen)`,
  };
  return table("Potenziale für den Arbeitsweg", ["Möglichkeit", "Regel", "Personen", "Anteil"], [2, 3],
    Object.entries(analysis.potentials).map(([mode, cell]) => h("tr", { dataset: { mode } },
      h("td", {}, MODE_LABELS[mode] || mode), h("td", {}, rules[mode] || ""),
      countCell(cell, k), h("td", { class: "num" }, shareText(cell.share)))));
}

function countCell(cell, k) {
  const hidden = cell.count === null || cell.count === undefined;
  return h("td", { class: hidden ? "num count suppressed" : "num count" }, countText(cell, k));
}

function table(label, head, numeric, rows) {
  return h("div", { class: "table-wrap" }, h("table", { class: "residence-table", "aria-label": label },
    h("thead", {}, h("tr", {}, head.map((title, index) => h("th", { scope: "col", class: numeric.includes(index) ? "num" : null }, title)))),
    h("tbody", {}, rows)));
}

/** A row summing the cells not listed (each ≥ k, so their sum is too). */
function restRow(rest, k, before, after) {
  if (!rest.length) return null;
  const people = rest.reduce((sum, cell) => sum + cell.count, 0);
  return h("tr", {}, h("td", { colspan: String(before) }, `weitere ${fmt.int(rest.length)} mit je mindestens ${k} Personen`),
    countCell({ count: people }, k), Array.from({ length: after }, () => h("td", {})));
}

export function originsTable(analysis) {
  const { k, origins, other_origins: other } = analysis;
  const rows = origins.slice(0, LISTED).map((o) => h("tr", { dataset: { postcode: o.postcode } },
    h("td", {}, o.postcode), h("td", {}, o.municipality), countCell(o, k), h("td", { class: "num" }, shareText(o.share)),
    h("td", { class: "num" }, fmt.km(o.distance_km)), h("td", {}, o.transit_class === "none" ? "keine" : o.transit_class)));
  rows.push(restRow(origins.slice(LISTED), k, 2, 3));
  if (other.count !== 0) {
    rows.push(h("tr", { class: "other" }, h("td", { colspan: "2" }, `übrige Wohnorte (je unter ${k} Personen, zusammengefasst)`),
      countCell(other, k), h("td", { class: "num" }, shareText(other.share)), h("td", {}), h("td", {})));
  }
  return table("Herkunftsorte", ["PLZ", "Ort", "Personen", "Anteil", "Weg", "ÖV-Klasse"], [2, 3, 4], rows);
}

export function municipalitiesTable(analysis) {
  const { k } = analysis;
  if (!analysis.municipalities.length) return h("p", {}, `Keine Gemeinde mit mindestens ${k} Personen.`);
  return table("Wichtigste Wohngemeinden", ["Gemeinde", "Personen", "Anteil"], [1, 2],
    analysis.municipalities.map((m) => h("tr", {}, h("td", {}, m.municipality), countCell(m, k), h("td", { class: "num" }, shareText(m.share)))));
}

export function corridorsTable(analysis) {
  const { k, corridors } = analysis;
  if (!corridors.length) return h("p", {}, `Kein Korridor mit mindestens ${k} Personen.`);
  const rows = corridors.slice(0, LISTED).map((c) => h("tr", { dataset: { corridor: c.from } },
    h("td", {}, `${c.from} → ${c.to}`), countCell(c, k), h("td", { class: "num" }, fmt.int(c.organisations)),
    h("td", {}, c.by_organisation
      ? c.by_organisation.map((part) => `${part.organisation}: ${countText(part, k)}`).join("; ")
      : `nicht aufgeteilt (ein Anteil läge unter ${k})`)));
  rows.push(restRow(corridors.slice(LISTED), k, 1, 2));
  return table("Korridore", ["Korridor", "Personen", "Betriebe", "je Betrieb"], [1, 2], rows);
}

export function crossFirmTable(analysis) {
  const { k, cross_firm: cross } = analysis;
  if (!cross.length) {
    return h("p", {}, `Keine Postleitzahl, in der Beschäftigte mehrerer Betriebe mit zusammen mindestens ${k} Personen wohnen.`);
  }
  const rows = cross.slice(0, LISTED).map((c) => h("tr", { dataset: { postcode: c.postcode } },
    h("td", {}, c.postcode), h("td", {}, c.municipality), countCell(c, k), h("td", { class: "num" }, fmt.int(c.organisations)),
    h("td", { class: "num" }, fmt.km(c.distance_km))));
  rows.push(restRow(cross.slice(LISTED), k, 2, 2));
  return table("Betriebsübergreifende Wohnorte", ["PLZ", "Ort", "Personen", "Betriebe", "Weg"], [2, 3, 4], rows);
}

function distanceKm(a, b) {
  const rad = Math.PI / 180;
  const dLat = (b[0] - a[0]) * rad;
  const dLon = (b[1] - a[1]) * rad;
  const x = Math.sin(dLat / 2) ** 2 + Math.cos(a[0] * rad) * Math.cos(b[0] * rad) * Math.sin(dLon / 2) ** 2;
  return 12742 * Math.asin(Math.sqrt(x));
}

/**
 * The listed home postcodes on a map: circles at the PLZ centroids (area ∝ people); the site as an orange dot.
 * `features` are those of `format=geojson`: a Point per listed origin (≥ k); postcodes below k are not placed
 * on the map at all (their presence alone would tell where a few people live), they are the "other" feature.
 */
export function residenceMap(container, features, { site = null, k = 5, label = "Karte der Wohnorte", maps = [] } = {}) {
  const map = createMap(container, { label });
  maps.push(map);
  // Only listed origins (≥ k) are points; the check is defence in depth, the server sends no other.
  const points = features.filter((f) => f.geometry && f.geometry.type === "Point" && f.properties.count >= k);
  const largest = Math.max(1, ...points.map((f) => f.properties.count));
  const markers = points.map((feature) => {
    const [lon, lat] = feature.geometry.coordinates;
    const { postcode, municipality, count } = feature.properties;
    return window.L.circleMarker([lat, lon], {
      radius: 3 + 14 * Math.sqrt(count / largest), color: "#ffffff", weight: 1, fillColor: COLOURS.peer,
      fillOpacity: 0.6, className: "residence-point",
    }).bindTooltip(textTooltip(`PLZ ${postcode} ${municipality || ""}: ${fmt.int(count)} Personen`));
  });
  markers.sort((a, b) => b.getRadius() - a.getRadius()).forEach((marker) => marker.addTo(map.layer)); // small on top
  const latlngs = points.map((f) => [f.geometry.coordinates[1], f.geometry.coordinates[0]]);
  if (site) {
    dot(site, { colour: COLOURS.own, radius: 8, weight: 2, title: "Arbeitsort" }).addTo(map.layer);
    map.fit([site, ...latlngs.filter((p) => distanceKm(site, p) <= MAP_RADIUS_KM)], 12);
  } else {
    map.fit(latlngs, 12);
  }
  return map;
}

/** The legend under the map; the people of postcodes below k are one hatched entry, never placed. */
function mapLegend(analysis) {
  const { k, other_origins: other } = analysis;
  return h("p", { class: "map-caption", id: "residence-legend" },
    h("span", { class: "key key--own", "aria-hidden": "true" }), " Arbeitsort · ",
    h("span", { class: "key key--shown", "aria-hidden": "true" }), " Wohn-PLZ mit mindestens ", String(k),
    " Personen, Fläche nach Personenzahl",
    other.count !== 0 ? [" · ", h("span", { class: "key key--hidden", "aria-hidden": "true" }), " ",
      h("span", { class: other.count === null ? "count suppressed" : "count" }, countText(other, k)),
      ` Personen in übrigen Wohnorten mit je unter ${k} Personen – nicht einzeln auf der Karte`] : null);
}

/**
 * Render `analysis` into `container`: summary, map (from `features`, may be null), bands, potentials, tables;
 * pooled answers add corridors and cross-firm origins. `report` ({path, query, title}) adds the A4 button.
 */
export function renderAnalysis(container, analysis, { features = null, site = null, report = null, maps = [] } = {}) {
  const { k } = analysis;
  const pooled = Array.isArray(analysis.corridors);
  if (!analysis.total) { // nothing to show: no map, no empty tables
    container.append(h("p", { class: "residence-summary" }, summaryText(analysis)));
    if (pooled) container.append(h("p", { id: "pooled-members" }, pooledText(analysis)));
    return;
  }
  const mapNode = h("div", { class: "map", id: pooled ? "pooled-residence-map" : "residence-map" });
  const reportButton = report
    ? h("button", {
      type: "button", class: "button button--secondary",
      onclick: (event) => openPrintable(report.path, report.query || {}, {
        title: report.title, loading: "Der Bericht wird erstellt …", loaded: "Bericht geladen.", opener: event.currentTarget,
      }),
    }, "Bericht (A4, druckbar)")
    : null;
  const parts = [
    h("p", { class: "residence-summary" }, summaryText(analysis)),
    pooled ? h("p", { id: "pooled-members" }, pooledText(analysis)) : null,
    h("p", { class: "hint" }, `Datenschutz: keine Zahl unter k = ${k}; kleinere Zellen sind zusammengefasst oder ausgeblendet.`),
    reportButton ? h("div", { class: "actions" }, reportButton) : null,
    h("div", { class: "split" },
      h("div", {}, mapNode, mapLegend(analysis)),
      h("div", {}, h("h3", {}, "Entfernung zum Arbeitsort"), bandChart(analysis),
        h("h3", {}, "Potenziale"), potentialsTable(analysis))),
    pooled ? [h("h3", {}, "Korridore – Kandidaten für Shuttle und Bus"), corridorsTable(analysis),
      h("h3", {}, "Betriebsübergreifende Wohnorte (Fahrgemeinschaften)"), crossFirmTable(analysis)] : null,
    h("h3", {}, "Herkunftsorte"), originsTable(analysis),
    h("h3", {}, "Wichtigste Wohngemeinden"), municipalitiesTable(analysis),
    h("h3", {}, "Annahmen"),
    h("ul", { class: "assumptions" },
      h("li", {}, `Entfernung ${analysis.assumptions.distance}: ${analysis.assumptions.distance_method}`
        + (analysis.assumptions.distance_note ? ` (${analysis.assumptions.distance_note})` : "")
        + `; geschätzt: Luftlinie × Umwegfaktor ${fmt.dec(analysis.assumptions.detour_factor)} – ${analysis.assumptions.detour_factor_source}`),
      h("li", {}, `Bus und Bahn: ${analysis.assumptions.transit_rule}`),
      h("li", {}, `Fahrgemeinschaft: ${analysis.assumptions.carpool_rule}`)),
  ];
  container.append(...parts.flat().filter(Boolean)); // native append would write "null" for a missing part
  residenceMap(mapNode, features || [], { site, k, maps });
  if (!features) mapNode.after(message("Die Karte der Postleitzahlen konnte nicht geladen werden.", "warn"));
}

/**
 * Fetch the analysis of `path` (JSON, then GeoJSON for the map) and render it into `container`. Returns the
 * analysis; null after showing `missing` (a 404, e.g. nothing uploaded yet) or the error.
 */
export async function loadAnalysis(container, path, { query = {}, report = null, maps = [], missing = null } = {}) {
  const progress = busy(container, "Wohnorte werden ausgewertet …");
  try {
    const analysis = await api(path, { query: { ...query, format: "json" } });
    const geojson = await api(path, { query: { ...query, format: "geojson" }, accept: "application/geo+json" }).catch(() => null);
    progress.done();
    const site = analysis.site && Number.isFinite(analysis.site.lat) ? [analysis.site.lat, analysis.site.lon] : null;
    renderAnalysis(container, analysis, { features: geojson ? geojson.features : null, site, report, maps });
    return analysis;
  } catch (error) {
    progress.done();
    container.append(error.status === 404 && missing ? message(missing, "info") : errorBox(error));
    return null;
  }
}
