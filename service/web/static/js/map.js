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

/**
 * 15 qualitative colours for problem codes, picked by scripts/pick_problem_palette.py from Kelly's colours of
 * maximum contrast, Okabe-Ito, Tableau 10, ColorBrewer and Trubetskoy's 20 colours: each next colour the one
 * farthest (CIEDE2000) from those chosen, as a 70 % fill on the base map (smallest distance 12.9; docs/web.md).
 */
export const PALETTE = [
  "#0072b2", "#d55e00", "#4daf4a", "#f032e6", "#f3c300", "#be0032", "#604e97", "#654522",
  "#f99379", "#cc79a7", "#882d17", "#a6761d", "#8db600", "#911eb4", "#008856",
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

/**
 * A circle marker with a text tooltip; `onSelect` on click or Enter (markers are also listed next to the map).
 * `colour` may be an SVG paint such as `url(#pattern)`; `opacity` is the fill's; `latlng` is kept as
 * `options.base` (see `spreadSameCentres`).
 */
export function dot(latlng, {
  colour = COLOURS.organisation, radius = 6, title = "", onSelect = null, weight = 1, opacity = 0.85,
} = {}) {
  const L = leaflet();
  const marker = L.circleMarker(latlng, {
    radius,
    color: "#1b1f23",
    weight,
    fillColor: colour,
    fillOpacity: opacity,
    className: "map-dot",
    base: latlng,
  });
  if (title) marker.bindTooltip(textTooltip(title));
  if (onSelect) marker.on("click", onSelect);
  return marker;
}

/**
 * How a problem looks on the map, fixed by its place i in the vocabulary (`codes`): the first 15 problems get a
 * colour each (PALETTE[i]); once the colours run out (the vocabulary has 29 problems) the others get them again
 * in reverse order (PALETTE[29 - i]), hatched white as a second channel. Reversed, because the vocabulary lists
 * the commuting problems that lead most clusters first (on the NRW demo map: ÖPNV, letzte Meile, Parkplatz get
 * three different colours). Returns {colour, hatched, fill (a colour or an SVG pattern for Leaflet's
 * fillColor), swatch (CSS background)}. No or an unknown code (a cluster without problems) is grey.
 */
export function problemLook(code, codes) {
  const index = codes.indexOf(code);
  if (index < 0) return { colour: NO_PROBLEM, hatched: false, fill: NO_PROBLEM, swatch: NO_PROBLEM };
  const hatched = index >= PALETTE.length;
  const n = PALETTE.length; // looks repeat beyond 2n problems (tests/web/test_palette.py guards the vocabulary)
  const colour = PALETTE[hatched ? (((2 * n - 1 - index) % n) + n) % n : index];
  return {
    colour,
    hatched,
    fill: hatched ? `url(#${hatchPattern(colour)})` : colour,
    swatch: hatched ? `repeating-linear-gradient(45deg, ${colour} 0 3px, #ffffff 3px 5px)` : colour,
  };
}

const NO_PROBLEM = "#9aa3ab";
const SVG = "http://www.w3.org/2000/svg";

/** The id of a hatch pattern (colour with white stripes) in a hidden SVG of the page; created once per colour. */
function hatchPattern(colour) {
  const id = `bmm-hatch-${colour.slice(1)}`;
  if (document.getElementById(id)) return id;
  let defs = document.getElementById("bmm-patterns");
  if (!defs) {
    defs = svgElement("defs", { id: "bmm-patterns" });
    document.body.append(svgElement("svg", { class: "svg-defs", "aria-hidden": "true" }, defs));
  }
  defs.append(svgElement("pattern", { id, patternUnits: "userSpaceOnUse", width: 5, height: 5, patternTransform: "rotate(45)" },
    svgElement("rect", { width: 5, height: 5, fill: colour }),
    svgElement("rect", { width: 2, height: 5, fill: "#ffffff" })));
  return id;
}

/** An SVG element with attributes (set one by one: no markup is parsed) and children. */
function svgElement(tag, attributes, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  node.append(...children);
  return node;
}

/**
 * Keep markers with the same centre apart: each group of `markers` (circle markers from `dot`, their own centre
 * in `marker.options.base`) sharing a centre is laid out on a ring around it, wide enough that neighbours on the
 * ring stay `gap` pixels apart, at the map's current zoom. Call again after every zoom (`map.on("zoomend", …)`).
 */
export function spreadSameCentres(map, markers, gap = 3) {
  const groups = new Map();
  for (const marker of markers) {
    const [lat, lon] = marker.options.base;
    const key = `${lat.toFixed(5)},${lon.toFixed(5)}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(marker);
  }
  for (const group of groups.values()) {
    if (group.length === 1) {
      group[0].setLatLng(group[0].options.base);
      continue;
    }
    const centre = map.latLngToLayerPoint(group[0].options.base);
    // Neighbours on a ring of radius R are 2R·sin(π/k) apart; they must be two radii and the gap apart.
    const ring = (Math.max(...group.map((m) => m.getRadius())) + gap / 2) / Math.sin(Math.PI / group.length);
    group.forEach((marker, i) => {
      const angle = (2 * Math.PI * i) / group.length - Math.PI / 2;
      const point = centre.add([ring * Math.cos(angle), ring * Math.sin(angle)]);
      marker.setLatLng(map.layerPointToLatLng(point));
    });
  }
}
