// Planung (roles planner, advisor, admin): clusters of employers sharing a problem on the map (colour =
// leading problem, size = affected employees), filters, order and paging, a panel per cluster and export of
// every cluster (all pages) as GeoJSON and CSV.

import { api } from "../api.js";
import { csvText } from "../csv.js";
import { createMap, dot, problemLook, spreadSameCentres } from "../map.js";
import { loadAnalysis } from "../residences.js";
import {
  announce, busy, clear, download, errorBox, field, fmt, h, message, reasonList, scoreBadge, select, tickets,
} from "../ui.js";
import { STATES, kreisOptions, vocabulary } from "../vocab.js";

const DEFAULT_EPS_KM = 0.5;
const DEFAULT_MIN_SIZE = 5;
const PAGE_SIZES = [25, 50, 100, 200];
const DEFAULT_PAGE_SIZE = 50;
const ORDERS = [
  { value: "score", label: "Relevanz (Potenzial)" },
  { value: "size", label: "Zahl der Betriebe" },
  { value: "employees_affected", label: "betroffene Beschäftigte" },
];
const STATUS = { open: "offen", closed: "geschlossen", unknown: "Status unbestätigt" };

export async function render(root, { session }) {
  root.append(h("h1", {}, "Planung: Cluster mit gemeinsamem Problem"),
    h("p", { class: "lead-text" },
      "Dichte Gruppen von Arbeitgebern, die ein Pendelproblem teilen – Kandidaten für ein gemeinsames "
      + "Projekt wie Gewerbegebiets-Shuttle, Jobticket, Fahrgemeinschaften oder Mobilstation. Farbe (und, wo die "
      + "Farben nicht reichen, Schraffur): wichtigstes Problem; Größe: betroffene Beschäftigte. Große Regionen "
      + "werden seitenweise gezeigt."));
  const vocab = await vocabulary();
  const problemCodes = vocab.problems.map((p) => p.code);
  const region = session.role === "planner" ? session.subject || "" : "";
  const fixedState = region.startsWith("DE-") ? region : /^\d{5}$/.test(region) ? (region.startsWith("05") ? "DE-NW" : "DE-BW") : null;
  const fixedKreis = /^\d{5}$/.test(region) ? region : null;

  const issue = select("cluster-issue", vocab.problems.map((p) => ({ value: p.code, label: p.label })), { empty: "alle Probleme" });
  const state = select("cluster-state", STATES, { value: fixedState || "DE-NW" });
  state.disabled = Boolean(fixedState);
  const kreis = select("cluster-kreis", await kreisOptions(fixedState || state.value), { empty: "alle Kreise", value: fixedKreis || "" });
  kreis.disabled = Boolean(fixedKreis);
  state.addEventListener("change", async () => {
    const groups = await kreisOptions(state.value);
    const replacement = select("cluster-kreis", groups, { empty: "alle Kreise" });
    kreis.replaceChildren(...replacement.childNodes);
    kreis.value = "";
  });
  const minSize = h("input", { id: "cluster-min-size", type: "number", min: "2", max: "1000", step: "1", value: String(DEFAULT_MIN_SIZE) });
  const eps = h("input", { id: "cluster-eps", type: "number", min: "0.1", max: "20", step: "0.1", value: String(DEFAULT_EPS_KM) });
  // The map ranks by size (issue 11.4: the largest groups first); the answer names its order.
  const order = select("cluster-order", ORDERS, { value: "size" });
  const pageSize = select("cluster-page-size", PAGE_SIZES.map((n) => ({ value: String(n), label: String(n) })), { value: String(DEFAULT_PAGE_SIZE) });
  const inView = h("input", { id: "cluster-in-view", type: "checkbox" });
  const summary = h("div", { id: "cluster-summary", "aria-live": "polite" });
  const previous = h("button", { type: "button", class: "button button--secondary", disabled: true, onclick: () => turn(-1) }, "‹ zurück");
  const next = h("button", { type: "button", class: "button button--secondary", disabled: true, onclick: () => turn(1) }, "weiter ›");
  const pageStatus = h("span", { id: "cluster-page", class: "pager__status" });
  const pager = h("nav", { class: "pager", "aria-label": "Seiten der Cluster" }, previous, pageStatus, next);
  const mapNode = h("div", { class: "map", id: "cluster-map" });
  const legend = h("ul", { class: "legend", id: "cluster-legend", "aria-label": "Legende: wichtigstes Problem der Cluster auf der Karte" });
  const notDrawn = h("p", { class: "map-caption", id: "cluster-not-drawn" });
  const panel = h("div", { class: "panel", id: "cluster-panel", tabindex: "-1" },
    h("p", {}, "Wählen Sie einen Cluster auf der Karte oder in der Liste."));
  const list = h("div", {});
  const pooledArea = h("section", { id: "pooled-residences", "aria-labelledby": "pooled-title", hidden: true });
  const pooledMaps = [];
  const exportGeo = h("button", { type: "button", class: "button button--secondary", disabled: true, onclick: () => exportGeojson() }, "Export GeoJSON");
  const exportCsv = h("button", { type: "button", class: "button button--secondary", disabled: true, onclick: () => exportTable() }, "Export CSV");
  const exportStatus = h("span", { role: "status", "aria-live": "polite" });

  root.append(
    h("form", {
      novalidate: true,
      class: "filters", role: "search", "aria-label": "Cluster filtern",
      onsubmit: (event) => {
        event.preventDefault();
        load(query(), 0);
      },
    },
    field("Problem", issue),
    field("Land", state, fixedState ? "durch Ihren Schlüssel festgelegt" : null),
    field("Kreis", kreis, fixedKreis ? "durch Ihren Schlüssel festgelegt" : null),
    field("Mindestgröße (Betriebe)", minSize, "2 bis 1000"),
    field("Nachbarschaft (km)", eps, "Abstand, bis zu dem Betriebe als benachbart gelten (0,1–20)"),
    field("Sortierung", order, "absteigend; bei Gleichstand nach Relevanz"),
    field("Cluster je Seite", pageSize),
    h("div", { class: "field" }, h("label", { class: "check", for: "cluster-in-view" }, inView, "nur im Kartenausschnitt")),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "button" }, "Cluster berechnen"))),
    summary,
    pager,
    h("div", { class: "split" },
      h("div", {}, mapNode, legend, notDrawn,
        h("p", { class: "map-caption" }, "Punkte: Schwerpunkt eines Clusters (große zuerst gezeichnet, kleine darüber; "
          + "Cluster mit demselben Schwerpunkt im Kreis daneben); Flächen: Hülle, wenn alle Mitglieder gezeigt werden dürfen.")),
      panel),
    pooledArea,
    h("h2", {}, "Cluster"),
    h("div", { class: "actions" }, exportGeo, exportCsv, exportStatus),
    list,
  );
  const map = createMap(mapNode, { label: "Karte: Cluster von Arbeitgebern" });
  let answer = null;
  let lastQuery = null;
  let markers = {};
  const spread = () => spreadSameCentres(map.map, Object.values(markers));
  map.map.on("zoomend", spread);

  function query() {
    const bounds = map.map.getBounds();
    return {
      issue: issue.value,
      state: fixedState ? null : kreis.value ? null : state.value,
      kreis: fixedKreis ? null : kreis.value,
      min_size: minSize.value,
      eps_km: eps.value,
      order: order.value,
      limit: pageSize.value,
      bbox: inView.checked
        ? [bounds.getWest(), bounds.getSouth(), bounds.getEast(), bounds.getNorth()].map((v) => v.toFixed(4)).join(",")
        : null,
    };
  }

  /** Another page of the same query (the filters as last computed, even if the form was edited since). */
  function turn(direction) {
    const size = Number(lastQuery.limit);
    load(lastQuery, Math.max(0, answer.offset + direction * size));
  }

  const ticket = tickets();
  async function load(asked, offset) {
    const current = ticket();
    clear(summary);
    clear(list);
    clear(legend);
    notDrawn.textContent = "";
    pageStatus.textContent = "";
    previous.disabled = true;
    next.disabled = true;
    map.layer.clearLayers();
    markers = {};
    exportGeo.disabled = true;
    exportCsv.disabled = true;
    clear(panel).append(h("p", {}, "Wählen Sie einen Cluster auf der Karte oder in der Liste."));
    for (const control of [minSize, eps]) control.removeAttribute("aria-invalid");
    const progress = busy(summary, "Cluster werden berechnet – das kann bei großen Regionen einige Sekunden dauern …");
    lastQuery = asked;
    try {
      const fresh = await api("/clusters", { query: { ...asked, offset, format: "json" } });
      if (!current()) return;
      answer = fresh;
      progress.done();
      draw();
    } catch (error) {
      if (!current()) return;
      progress.done();
      for (const problem of error.fields || []) {
        if (problem.field === "min_size") minSize.setAttribute("aria-invalid", "true");
        if (problem.field === "eps_km") eps.setAttribute("aria-invalid", "true");
      }
      summary.append(errorBox(error));
    }
  }

  function draw() {
    const clusters = answer.clusters;
    const regionText = answer.parameters.region_label;
    summary.append(h("p", {},
      `${fmt.int(answer.total)} Cluster (Region: ${regionText}${answer.parameters.problem_label ? `; Problem: ${answer.parameters.problem_label}` : ""}). `
      + `${fmt.int(answer.considered)} Arbeitgeber betrachtet, ${fmt.int(answer.clustered)} in Clustern, `
      + `${fmt.int(answer.noise)} einzeln. Reihenfolge: ${answer.parameters.order_text}. Förderstand: ${fmt.date(answer.as_of)}.`));
    const first = answer.offset + 1;
    const last = answer.offset + answer.returned;
    pageStatus.textContent = answer.returned
      ? `Cluster ${fmt.int(first)}–${fmt.int(last)} von ${fmt.int(answer.total)}`
      : `keine Cluster ab Nr. ${fmt.int(first)} (von ${fmt.int(answer.total)})`;
    previous.disabled = answer.offset === 0;
    next.disabled = last >= answer.total;
    announce(answer.returned ? `${pageStatus.textContent}.` : `${answer.total} Cluster gefunden.`);
    const hidden = answer.total - answer.returned;
    exportGeo.textContent = `Export GeoJSON (alle ${fmt.int(answer.total)})`;
    exportCsv.textContent = `Export CSV (alle ${fmt.int(answer.total)})`;
    if (!clusters.length) {
      if (!answer.total) summary.append(message(answer.note || "Keine Cluster mit diesen Einstellungen. Versuchen Sie eine größere Nachbarschaft oder eine kleinere Mindestgröße.", "info"));
      return;
    }
    notDrawn.textContent = hidden > 0
      ? `Auf der Karte: ${fmt.int(answer.returned)} von ${fmt.int(answer.total)} Clustern; ${fmt.int(hidden)} nicht gezeigt (andere Seiten).`
      : `Auf der Karte: alle ${fmt.int(answer.total)} Cluster.`;
    drawMap(clusters);
    drawLegend(clusters);
    if (!lastQuery.bbox) map.fit(clusters.map((c) => [c.centroid_lat, c.centroid_lon]), 13);
    spread();
    list.append(h("ol", { class: "cluster-list", start: String(first), "aria-label": `Cluster ${first}–${last}, ${answer.parameters.order_text}` },
      clusters.map((cluster, index) => {
        const look = lookOf(cluster);
        return h("li", {}, h("button", {
          type: "button", "aria-pressed": "false", dataset: { cluster: cluster.id },
          onclick: () => choose(cluster.id, false),
        },
        h("span", { class: "swatch", style: `background:${look.swatch}`, "aria-hidden": "true" }),
        h("span", {}, `${first + index}. ${cluster.name}`),
        h("span", { class: "score" }, `${fmt.int(cluster.member_count ?? cluster.size)} Betriebe, ${fmt.int(cluster.employees_affected)} betroffen`)));
      })));
    exportGeo.disabled = false;
    exportCsv.disabled = false;
  }

  function lookOf(cluster) {
    const lead = cluster.dominant_problems[0];
    return problemLook(lead ? lead.code : "", problemCodes);
  }

  /** Large clusters first, small ones on top; semi-transparent, so what lies below shows through. */
  function drawMap(clusters) {
    const maxAffected = Math.max(...clusters.map((c) => c.employees_affected), 1);
    const radius = (cluster) => 6 + 18 * Math.sqrt(cluster.employees_affected / maxAffected);
    const rank = new Map(clusters.map((cluster, index) => [cluster.id, answer.offset + index + 1]));
    const drawing = [...clusters].sort((a, b) => radius(b) - radius(a) || rank.get(a.id) - rank.get(b.id));
    for (const cluster of drawing) {
      const look = lookOf(cluster);
      if (cluster.hull) {
        window.L.polygon(cluster.hull[0].map(([lon, lat]) => [lat, lon]), {
          color: look.colour, weight: 1, fillOpacity: 0.12, interactive: false,
        }).addTo(map.layer);
      }
    }
    for (const cluster of drawing) {
      const look = lookOf(cluster);
      const marker = dot([cluster.centroid_lat, cluster.centroid_lon], {
        colour: look.fill,
        opacity: 0.7,
        radius: radius(cluster),
        title: `${rank.get(cluster.id)}. ${cluster.name}`,
        onSelect: () => choose(cluster.id, true),
      }).addTo(map.layer);
      marker.getElement()?.setAttribute("data-problem", cluster.dominant_problems[0]?.code || "");
      markers[cluster.id] = marker;
    }
  }

  /** Exactly the leading problems of the clusters on the map, most frequent first, with how many lead with each. */
  function drawLegend(clusters) {
    const counts = new Map();
    for (const cluster of clusters) {
      const code = cluster.dominant_problems[0]?.code || "";
      counts.set(code, (counts.get(code) || 0) + 1);
    }
    const entries = [...counts].sort((a, b) => b[1] - a[1] || problemCodes.indexOf(a[0]) - problemCodes.indexOf(b[0]));
    legend.append(...entries.map(([code, count]) => h("li", { dataset: { problem: code } },
      h("span", { class: "swatch", style: `background:${problemLook(code, problemCodes).swatch}`, "aria-hidden": "true" }),
      `${code ? vocab.labels.problem[code] || code : "ohne Problem"} (${fmt.int(count)})`)));
  }

  function choose(id, fromMap) {
    const cluster = answer.clusters.find((c) => c.id === id);
    list.querySelectorAll("button[data-cluster]").forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.cluster === id)));
    const marker = markers[id];
    if (marker) marker.bringToFront();
    if (marker && !fromMap) {
      map.map.setView(marker.getLatLng(), Math.max(map.map.getZoom(), 13));
      marker.openTooltip();
    }
    clear(panel).append(...clusterPanel(cluster, showPooled));
    panel.scrollTop = 0;
    if (!fromMap) panel.focus({ preventScroll: true });
  }

  /**
   * Every cluster of the last query, page by page in the largest pages the server allows (GET /limits),
   * as JSON answers or GeoJSON collections; `onPage(done, total)` reports progress.
   */
  async function allPages(format, onPage) {
    const { clusters_max_limit: size } = await api("/limits", { auth: false });
    const pages = [];
    let offset = 0;
    let total = answer.total;
    do {
      const options = { query: { ...lastQuery, limit: size, offset, format } };
      const page = format === "geojson"
        ? await (await api("/clusters", { ...options, accept: "application/geo+json", raw: true })).json()
        : await api("/clusters", options);
      pages.push(page);
      total = page.total;
      offset += size;
      onPage(Math.min(offset, total), total);
    } while (offset < total);
    return pages;
  }

  async function exportGeojson() {
    exportStatus.textContent = "GeoJSON wird erstellt …";
    try {
      const pages = await allPages("geojson", (done, total) => {
        exportStatus.textContent = `GeoJSON wird erstellt … ${fmt.int(done)} von ${fmt.int(total)} Clustern`;
      });
      const features = pages.flatMap((page) => page.features);
      const collection = { ...pages[0], features, returned: features.length, offset: 0, limit: null };
      download("bmm-cluster.geojson", JSON.stringify(collection), "application/geo+json");
      exportStatus.textContent = `GeoJSON heruntergeladen (${fmt.int(features.length)} Cluster).`;
    } catch (error) {
      exportStatus.textContent = error.message;
    }
  }

  async function exportTable() {
    exportStatus.textContent = "CSV wird erstellt …";
    try {
      const pages = await allPages("json", (done, total) => {
        exportStatus.textContent = `CSV wird erstellt … ${fmt.int(done)} von ${fmt.int(total)} Clustern`;
      });
      const clusters = pages.flatMap((page) => page.clusters);
      download("bmm-cluster.csv", clustersCsv({ ...pages[0], clusters, offset: 0 }), "text/csv;charset=utf-8");
      exportStatus.textContent = `CSV heruntergeladen (${fmt.int(clusters.length)} Cluster).`;
    } catch (error) {
      exportStatus.textContent = error.message;
    }
  }

  /** The pooled Wohnstandortanalyse of a cluster or estate (`query`: {cluster} or {estate}) below the map. */
  async function showPooled(query, title) {
    pooledMaps.forEach((m) => m.destroy());
    pooledMaps.length = 0;
    clear(pooledArea).hidden = false;
    const heading = h("h2", { id: "pooled-title", tabindex: "-1" }, `Wohnstandorte gemeinsam: ${title}`);
    pooledArea.append(heading, h("p", {}, "Nur Organisationen, die ihre Wohnorte zusammengefasst teilen, fließen ein. "
      + "Korridore zeigen, wo sich ein Werksbus, Shuttle oder Fahrgemeinschaften über Betriebsgrenzen lohnen können."));
    heading.focus();
    const report = { path: "/residences/analysis", query, title: `Wohnstandortanalyse – ${title}` };
    await loadAnalysis(pooledArea, "/residences/analysis", { query, report, maps: pooledMaps });
  }

  load(query(), 0);
  return () => {
    pooledMaps.forEach((m) => m.destroy());
    map.destroy();
  };
}

/** How many members sit at their site (address or coordinates); the others only at a postcode or municipality. */
function locatedText(cluster, count) {
  const located = cluster.members_located_at_site;
  if (located >= count) return "alle an Adresse oder Koordinaten verortet";
  return `${fmt.int(located)} von ${fmt.int(count)} an Adresse oder Koordinaten verortet, `
    + "die übrigen nur nach Postleitzahl oder Gemeinde (Radius und Fläche beschreiben deren Mittelpunkte)";
}

function clusterPanel(cluster, showPooled) {
  const count = cluster.member_count ?? cluster.size;
  const hidden = count - cluster.members.length;
  return [
    h("h2", { id: "cluster-title" }, cluster.name),
    scoreBadge(cluster.score),
    reasonList(cluster.reasons),
    h("dl", { class: "facts" },
      h("dt", {}, "Betriebe"), h("dd", {}, fmt.int(count)),
      h("dt", {}, "Beschäftigte"), h("dd", {}, `${fmt.int(cluster.employees)}, davon ${fmt.int(cluster.employees_affected)} vom Hauptproblem betroffen`),
      h("dt", {}, "Ausdehnung"), h("dd", { id: "cluster-extent" }, `Radius ${fmt.km(cluster.radius_km)}; ${locatedText(cluster, count)}`),
      h("dt", {}, "Gemeinden"), h("dd", {}, cluster.municipalities.map((m) => `${m.name} (${m.members})`).join(", ")),
      h("dt", {}, "Gewerbegebiete"), h("dd", {}, cluster.estates.length
        ? `${cluster.estates.map((e) => `${e.name} (${e.members})`).join(", ")}; außerhalb: ${cluster.members_outside_estates}`
        : "keine angegeben"),
      h("dt", {}, "ÖPNV"), h("dd", { class: "cluster-transit" }, transitText(cluster))),
    h("h3", {}, "Wichtigste Probleme"),
    h("ul", {}, cluster.dominant_problems.map((p) => h("li", {},
      h("span", { class: "share-bar", style: `width:${Math.round(p.share * 6)}rem`, "aria-hidden": "true" }),
      `${p.label}: ${p.members} Betriebe (${fmt.pct(p.share)})`))),
    h("h3", {}, "Gemeinsame Maßnahmen"),
    h("ol", {}, cluster.suggested_measures.map((m) => h("li", {}, h("strong", {}, m.name), ` (${m.category_label}) – hilft ${m.members_addressed} Betrieben, `
      + `deckt ${fmt.pct(m.load_share)} der Problemlast ab${m.members_using ? `; ${m.members_using} nutzen sie schon` : ""}`))),
    h("h3", {}, "Förderung"),
    cluster.funding.length
      ? h("ul", {}, cluster.funding.map((f) => h("li", {}, h("strong", {}, f.name), ` – ${f.instrument_label}, ${STATUS[f.status] || f.status}`,
        f.note ? ` (${f.note})` : "",
        f.applicants.length ? `; Antrag: ${f.applicants.map(applicantText).join(", ")}` : "")))
      : h("p", {}, "Kein passendes Programm am Stichtag."),
    h("h3", {}, "Wer an den Tisch gehört"),
    h("ul", {}, cluster.at_the_table.map((seat) => h("li", {}, h("strong", {}, seat.name), ` (${seat.role_label}): ${seat.reason}`))),
    h("h3", {}, "Wohnstandorte der Beschäftigten"),
    h("p", {}, "Wo die Beschäftigten der Betriebe wohnen (nur mit Einwilligung, keine Zahl unter 5): Korridore für "
      + "Shuttle und Bus, gemeinsame Fahrgemeinschaften."),
    h("div", { class: "actions" },
      h("button", { type: "button", class: "button button--secondary", id: "pooled-cluster",
        onclick: () => showPooled({ cluster: cluster.id }, cluster.name) }, "Wohnorte des Clusters auswerten"),
      cluster.estates.map((estate) => h("button", { type: "button", class: "button button--secondary",
        dataset: { estate: estate.name },
        onclick: () => showPooled({ estate: estate.name }, `Gewerbegebiet ${estate.name}`) }, `Gewerbegebiet ${estate.name}`))),
    h("h3", {}, "Mitglieder"),
    h("p", {}, `${fmt.int(count)} Betriebe, davon ${fmt.int(cluster.members.length)} für Sie sichtbar`
      + (hidden > 0 ? `; ${fmt.int(hidden)} ohne Einwilligung zur Sichtbarkeit werden nur gezählt.` : ".")),
    cluster.members.length ? h("ul", { class: "tags", "aria-label": "sichtbare Mitglieder (ids)" }, cluster.members.map((m) => h("li", { class: "tag" }, m))) : null,
  ];
}

/** Members per ÖV-Güteklasse, best first: ['B: 3', 'C: 4', 'keine: 2']. */
function classCounts(cluster) {
  return (cluster.transit_classes || []).map((c) => `${c.transit_class === "none" ? "keine" : c.transit_class}: ${c.members}`);
}

/** 'überwiegend ÖV-Güteklasse D/keine (7 von 9 Betrieben); häufigste nächste Haltestelle: …', else the classes. */
function transitText(cluster) {
  const notes = [cluster.transit_note, cluster.transit_stop_note].filter(Boolean);
  return notes.length ? notes.join("; ") : `ÖV-Güteklassen der Betriebe – ${classCounts(cluster).join(", ") || "unbekannt"}`;
}

const decimal = (value, digits = 4) => (value === null || value === undefined ? "" : value.toFixed(digits).replace(".", ","));

/**
 * The clusters as CSV for German spreadsheets: `;`-separated, decimal comma, UTF-8 with BOM; cells that a
 * spreadsheet would run as a formula (names, estates from stored data) start with ' (csv.js). The transit columns:
 * members per ÖV-Güteklasse ('B: 3 | C: 4 | keine: 2'), the transit note and the shared nearest stop, both only
 * where the answer gives them (the stop is withheld with the members).
 */
export function clustersCsv(answer) {
  const header = [
    "rang", "id", "name", "relevanz", "betriebe", "sichtbare_mitglieder", "beschaeftigte", "betroffene_beschaeftigte",
    "schwerpunkt_lat", "schwerpunkt_lon", "radius_km", "hauptproblem", "probleme", "gemeinden", "gewerbegebiete",
    "oev_gueteklassen", "oev_hinweis", "oev_haeufigste_haltestelle",
    "massnahmen", "foerderprogramme", "an_den_tisch", "mitglieder_ids",
  ];
  const rows = answer.clusters.map((c, index) => [
    (answer.offset || 0) + index + 1, c.id, c.name, decimal(c.score), c.member_count ?? c.size, c.members.length, c.employees, c.employees_affected,
    decimal(c.centroid_lat, 6), decimal(c.centroid_lon, 6), decimal(c.radius_km, 2),
    c.dominant_problems[0] ? c.dominant_problems[0].label : "",
    c.dominant_problems.map((p) => `${p.label} (${Math.round(p.share * 100)} %)`).join(" | "),
    c.municipalities.map((m) => `${m.name} (${m.members})`).join(" | "),
    c.estates.map((e) => `${e.name} (${e.members})`).join(" | "),
    classCounts(c).join(" | "), c.transit_note || "", c.transit_stop_note || "",
    c.suggested_measures.map((m) => m.name).join(" | "),
    c.funding.map((f) => f.name).join(" | "),
    c.at_the_table.map((s) => s.name).join(" | "),
    c.members.join(" "),
  ]);
  return csvText([header, ...rows]);
}

/** 'Gemeinde / Stadt (nur als Partner; bis 60 % für Gemeinde / Stadt)' or 'Unternehmen (12)'. */
function applicantText(a) {
  if (a.eligible_members !== null && a.eligible_members !== undefined) return `${a.label} (${a.eligible_members})`;
  const parts = [a.eligibility === "partner_only" ? "nur als Partner" : null, a.rate_text || null].filter(Boolean);
  return parts.length ? `${a.label} (${parts.join("; ")})` : a.label;
}
