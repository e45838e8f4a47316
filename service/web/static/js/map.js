// Leaflet maps on the bundled Kreis boundaries (offline). OpenStreetMap tiles are an optional layer that
// is only fetched when someone switches it on.
//
// Security: Leaflet inserts *strings* given to tooltips, popups, divIcon `html`, layer-control names and
// attributions with innerHTML. Text from the server (names of organisations, clusters, estates, Kreise) must
// therefore only reach Leaflet as DOM nodes (`textContent`); see `textTooltip`. The only strings Leaflet
// parses as HTML are the constants below and the layer names in `createMap`.

import { boundaries } from "./vocab.js";
import { h } from "./ui.js";

const OFFLINE_ATTRIBUTION = "© GeoBasis-DE / BKG 2022 (Daten verändert), VG1000, dl-de/by-2-0";
const OSM_ATTRIBUTION = "© <a href=\"https://www.openstreetmap.org/copyright\">OpenStreetMap</a>-Mitwirkende";
/** The tile URL of the optional online layer; the server's Content-Security-Policy allows this host (img-src). */
export const OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png";
const HOME = [[47.5, 5.8], [52.6, 10.6]]; // NRW and Baden-Württemberg

export const COLOURS = {
  organisation: "#00566b",
  own: "#b34700",
  peer: "#1f5fbf",
  lead: "#00566b",
};

/** A categorical palette (colour-blind friendly first) for problem codes. */
export const PALETTE = [
  "#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9", "#8c564b", "#6a3d9a",
  "#b15928", "#1b9e77", "#e7298a", "#66a61e", "#7570b3", "#a6761d", "#444444",
];

function leaflet() {
  if (!window.L) throw new Error("Die Kartenbibliothek (Leaflet) wurde nicht geladen.");
  return window.L;
}

/**
 * Create a map in `container` with the Kreis boundaries. Returns
 * {map, layer (a layer group for results), ready (Promise resolving when boundaries are drawn), fit(latlngs)}.
 */
export function createMap(container, { label = "Karte" } = {}) {
  const L = leaflet();
  container.setAttribute("role", "region");
  container.setAttribute("aria-label", label);
  const calm = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  const map = L.map(container, {
    zoomSnap: 0.25,
    attributionControl: true,
    zoomAnimation: !calm,
    fadeAnimation: !calm,
    markerZoomAnimation: !calm,
  });
  map.attributionControl.setPrefix(false);
  map.fitBounds(HOME);
  const blank = L.layerGroup().addTo(map);
  const osm = L.tileLayer(OSM_TILES, {
    maxZoom: 18,
    attribution: OSM_ATTRIBUTION,
  });
  const kreisLayer = L.geoJSON(null, {
    style: () => ({ color: "#5b6b78", weight: 1, fillColor: "#dfe7ec", fillOpacity: 0.55 }),
    onEachFeature: (feature, layer) => {
      layer.bindTooltip(textTooltip(feature.properties.name), { sticky: true });
    },
    attribution: OFFLINE_ATTRIBUTION,
  }).addTo(map);
  const layer = L.featureGroup().addTo(map);
  L.control.layers(
    { "Kreisgrenzen (offline)": blank, "OpenStreetMap (online)": osm },
    { "Kreisgrenzen anzeigen": kreisLayer },
    { collapsed: true },
  ).addTo(map);
  L.control.scale({ imperial: false }).addTo(map);
  osm.on("add", () => kreisLayer.setStyle({ fillOpacity: 0.05 }));
  osm.on("remove", () => kreisLayer.setStyle({ fillOpacity: 0.55 }));
  const ready = boundaries()
    .then((data) => {
      kreisLayer.addData(data);
      kreisLayer.bringToBack();
    })
    .catch(() => {
      // The map still works without the base layer; the caller's list shows the data.
    });
  // Leaflet measures the container when created; views may lay it out later.
  window.setTimeout(() => map.invalidateSize(), 0);
  return {
    map,
    layer,
    ready,
    fit(latlngs, maxZoom = 12) {
      const points = latlngs.filter((p) => p && Number.isFinite(p[0]) && Number.isFinite(p[1]));
      if (!points.length) return;
      if (points.length === 1) map.setView(points[0], Math.min(maxZoom, 11));
      else map.fitBounds(points, { padding: [24, 24], maxZoom });
    },
    destroy() {
      map.remove();
    },
  };
}

/**
 * Tooltip (or popup) content that Leaflet shows as plain text: a function returning a fresh element whose only
 * child is a text node (Leaflet parses string content as HTML, DOM content is inserted as is).
 */
export function textTooltip(text) {
  return () => h("span", { class: "map-tooltip" }, String(text ?? ""));
}

/** A circle marker with a text tooltip; `onSelect` on click or Enter (markers are also listed next to the map). */
export function dot(latlng, { colour = COLOURS.organisation, radius = 6, title = "", onSelect = null, weight = 1 } = {}) {
  const L = leaflet();
  const marker = L.circleMarker(latlng, {
    radius,
    color: "#1b1f23",
    weight,
    fillColor: colour,
    fillOpacity: 0.85,
    className: "map-dot",
  });
  if (title) marker.bindTooltip(textTooltip(title));
  if (onSelect) marker.on("click", onSelect);
  return marker;
}

export function colourFor(code, codes) {
  const index = Math.max(0, codes.indexOf(code));
  return PALETTE[index % PALETTE.length];
}
