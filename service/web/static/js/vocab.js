// Cached public reference data: the vocabulary with German labels, the measures catalogue, advisors, Kreise.

import { api } from "./api.js";

function cached(factory) {
  let promise = null;
  return () => {
    if (!promise) {
      promise = factory().catch((error) => {
        promise = null; // try again next time
        throw error;
      });
    }
    return promise;
  };
}

/** {kinds, problems, measure_categories, sectors, location_precisions} plus label maps {kind:{code:label}, problem:…, category:…, sector:…, precision:…}. */
export const vocabulary = cached(async () => {
  const data = await api("/vocabulary", { auth: false });
  const map = (entries) => Object.fromEntries(entries.map((entry) => [entry.code, entry.label]));
  return {
    ...data,
    labels: {
      kind: map(data.kinds),
      problem: map(data.problems),
      category: map(data.measure_categories),
      sector: map(data.sectors),
      precision: map(data.location_precisions),
    },
  };
});

async function allPages(path, query = {}) {
  const items = [];
  for (let page = 1; page < 100; page += 1) {
    const data = await api(path, { auth: false, query: { ...query, page, per_page: 200 } });
    items.push(...data.items);
    if (items.length >= data.total || !data.items.length) break;
  }
  return items;
}

/** All catalogue measures, sorted by id. */
export const measuresCatalogue = cached(() => allPages("/measures"));

/** All catalogue advisors, sorted by id. */
export const advisorsCatalogue = cached(() => allPages("/advisors"));

/** The bundled Kreis boundaries of NRW and BW (GeoJSON FeatureCollection, served by this app). */
export const boundaries = cached(() =>
  api("/web/boundaries/kreise.geojson", { auth: false, accept: "application/geo+json" }));

/** Kreise of NRW and BW [{ags, name, bez, state}] from the bundled boundaries, sorted by name. */
export const kreise = cached(async () => {
  const data = await boundaries();
  return data.features
    .map((feature) => feature.properties)
    .sort((a, b) => a.name.localeCompare(b.name, "de"));
});

export const STATES = [
  { value: "DE-NW", label: "Nordrhein-Westfalen" },
  { value: "DE-BW", label: "Baden-Württemberg" },
];

/** The German name of a Kreis by its type ("Stadt Dortmund (kreisfreie Stadt)", "Kreis Unna"), from the server. */
export async function kreisLabel(code) {
  const found = (await kreise()).find((kreis) => kreis.ags === code);
  return found ? found.label : null;
}

/** Kreise as <select> option groups per Land, each named by its type from the server ("Kreis Unna"). */
export async function kreisOptions(onlyState = null) {
  const list = await kreise();
  return STATES.filter((state) => !onlyState || state.value === onlyState).map((state) => ({
    label: state.label,
    options: list
      .filter((kreis) => kreis.state === state.value)
      .map((kreis) => ({ value: kreis.ags, label: kreis.label })),
  }));
}

export function label(map, code) {
  return (map && map[code]) || code;
}
