// Unternehmen / Kommune: the location the service derived from a profile (municipality, Kreis, transit quality).

import { fmt, h } from "../../ui.js";
import { kreisLabel } from "../../vocab.js";

// location.precision as shown on the profile (labels as in GET /vocabulary location_precisions, with what they mean)
const PRECISION = {
  coordinates: "Koordinaten (angegeben)",
  address: "Adresse (geokodiert)",
  postcode: "Postleitzahl (Mittelpunkt des Gebiets)",
  municipality: "Gemeinde (Mittelpunkt)",
};
const URBANISATION = { dense: "dicht besiedelt", intermediate: "mittlere Besiedlung", sparse: "dünn besiedelt" };
const TRANSIT_CLASS = {
  A: "ÖV-Güteklasse A (sehr gute Erschließung)",
  B: "ÖV-Güteklasse B (gute Erschließung)",
  C: "ÖV-Güteklasse C (mittelmäßige Erschließung)",
  D: "ÖV-Güteklasse D (geringe Erschließung)",
  none: "keine ÖV-Güteklasse (keine Haltestelle in Gehweite)",
};

// Walking-scale distances in metres (to 10 m) below 1 km, as the service's reasons write them.
function distance(km) {
  const metres = Math.round(km * 100) * 10;
  return metres < 1000 ? `${metres} m` : fmt.km(km);
}

// With an imported GTFS feed: departures per hour in the morning peak and at the shift changes (docs/transit.md).
function departuresText(stop) {
  if (stop.departures_per_hour == null) return "";
  const perHour = (Math.round(stop.departures_per_hour * 10) / 10).toLocaleString("de-DE");
  const shifts = (stop.shift_departures || []).map((d) => `${d.hour} Uhr: ${d.departures}`).join(", ");
  return `, ${perHour} Abfahrten/h in der Morgenspitze` + (shifts ? ` (Schichtwechsel ${shifts})` : "");
}

function stopText(stop) {
  return `${stop.label} ${stop.name}, ${distance(stop.distance_km)}${departuresText(stop)}`;
}

function transitSummary(features) {
  if (!features.transit_class) return null;
  const best = features.transit_stop;
  const label = TRANSIT_CLASS[features.transit_class] || features.transit_class;
  const stops = (features.transit_stops || []).map((stop) => h("li", {}, stopText(stop)));
  const timetabled = [best, ...(features.transit_stops || [])].some((stop) => stop && stop.departures_per_hour != null);
  return h("div", { id: "transit-quality", style: "margin:0.2rem 0 0" },
    h("p", { style: "margin:0" }, h("strong", {}, "ÖPNV: "), best ? `${label}: ${stopText(best)}.` : `${label}.`),
    stops.length ? h("p", { style: "margin:0.2rem 0 0" }, "Nächste Haltestelle je Verkehrsmittel (Luftlinie; "
      + (timetabled ? "Klasse nach Abfahrten laut Fahrplan, wo einer importiert ist, sonst nach Verkehrsmittel, und "
        + "Entfernung):" : "Klasse nach Verkehrsmittel und Entfernung, ohne Fahrplan):")) : null,
    stops.length ? h("ul", { style: "margin:0.1rem 0 0" }, ...stops) : null);
}

export function locationSummary(profile, heading = "Standort laut Dienst") {
  const location = profile.location;
  const features = profile.features;
  const stateName = location.state === "DE-NW" ? "Nordrhein-Westfalen" : location.state === "DE-BW" ? "Baden-Württemberg" : location.state;
  // The Kreis by its type from the server ("Stadt Dortmund (kreisfreie Stadt)"), never "Kreis Dortmund".
  const kreis = h("span", { class: "kreis-label" }, location.kreis_name);
  kreisLabel(location.kreis_code).then((text) => { if (text) kreis.textContent = text; }).catch(() => {});
  return h("div", { class: "message message--ok", role: "status", id: "derived-location" },
    h("p", { style: "margin:0" }, h("strong", {}, `${heading}: `),
      `${location.municipality_name} (Gemeinde ${location.municipality_ags}), `, kreis,
      ` (${location.kreis_code}), ${stateName}; Genauigkeit: ${PRECISION[location.precision] || location.precision}; `
      + `${URBANISATION[features?.urbanisation] || features?.urbanisation || ""}.`),
    features ? transitSummary(features) : null);
}
