// Unternehmen / Kommune: the location the service derived from a profile (municipality, Kreis, station).

import { fmt, h } from "../../ui.js";

const PRECISION = { exact: "aus den angegebenen Koordinaten", postcode: "aus dem Mittelpunkt der Postleitzahl" };
const URBANISATION = { dense: "dicht besiedelt", intermediate: "mittlere Besiedlung", sparse: "dünn besiedelt" };

export function locationSummary(profile, heading = "Standort laut Dienst") {
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
