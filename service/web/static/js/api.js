// A tiny client for the bmm-match API: adds the X-API-Key header (kept in sessionStorage, i.e. for this
// browser tab's session only) and turns RFC 9457 problem details into German sentences.

const KEY_STORAGE = "bmm.apiKey";
export const API_PREFIX = "/api/v1";

export function getKey() {
  return sessionStorage.getItem(KEY_STORAGE) || "";
}

export function setKey(key) {
  sessionStorage.setItem(KEY_STORAGE, key);
}

export function clearKey() {
  sessionStorage.removeItem(KEY_STORAGE);
}

/** An API call that failed; `message` is a German sentence for people, `problem` the server's body. */
export class ApiError extends Error {
  constructor(message, status, problem = null, fields = []) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.problem = problem;
    this.fields = fields; // [{field, label, message}] for 422
  }
}

// German names of the fields the API may name in `errors[].loc`.
const FIELD_LABELS = {
  name: "Name",
  kind: "Organisationsart",
  sector: "Branche",
  employees: "Beschäftigte",
  postcode: "Postleitzahl",
  lat: "Breitengrad",
  lon: "Längengrad",
  address: "Adresse",
  estate: "Gewerbegebiet",
  issues: "Probleme",
  measures_in_place: "Vorhandene Maßnahmen",
  shift_work: "Schichtarbeit",
  visible_to_peers: "Sichtbar für andere",
  contact_shareable: "Kontakt teilen",
  contact: "Kontakt",
  email: "E-Mail",
  phone: "Telefon",
  id: "id",
  as_of: "Stichtag",
  state: "Land",
  kreis: "Kreis",
  problem: "Problem",
  issue: "Problem",
  min_employees: "Mindestgröße (Beschäftigte)",
  min_size: "Mindestgröße (Betriebe)",
  eps_km: "Nachbarschaft (km)",
  bbox: "Kartenausschnitt",
  limit: "Anzahl",
  page: "Seite",
  per_page: "Einträge je Seite",
  format: "Format",
  verdict: "Bewertung",
  item_type: "Art des Eintrags",
  item_id: "Eintrag",
  comment: "Kommentar",
  organisation_id: "Organisation",
  category: "Kategorie",
  available: "Verfügbarkeit",
  instrument: "Instrument",
};

const CONTAINERS = new Set(["body", "query", "path", "header"]);

export function fieldLabel(loc) {
  const parts = (loc || []).filter((part) => !CONTAINERS.has(part));
  if (!parts.length) return "Anfrage";
  const named = parts.filter((part) => typeof part === "string");
  const last = named[named.length - 1];
  if (last && FIELD_LABELS[last]) {
    return parts.length > 1 && named[0] === "contact" ? `Kontakt – ${FIELD_LABELS[last]}` : FIELD_LABELS[last];
  }
  return parts.join(".");
}

/** The German half of a bilingual server text ("Deutsch. / English."). */
export function germanPart(text) {
  if (!text) return "";
  const index = text.indexOf(" / ");
  return (index > 0 ? text.slice(0, index) : text).trim();
}

/** A German message for an HTTP status and its problem body (never raw JSON). */
export function describeProblem(status, problem) {
  const detail = germanPart(problem && typeof problem.detail === "string" ? problem.detail : "");
  const fields = Array.isArray(problem && problem.errors)
    ? problem.errors.map((error) => ({
        field: (error.loc || []).filter((part) => !CONTAINERS.has(part)).join("."),
        label: fieldLabel(error.loc),
        message: germanPart(String(error.message || error.msg || "ungültig")),
      }))
    : [];
  let message;
  switch (status) {
    case 401:
      message = "Der API-Schlüssel ist ungültig oder fehlt. Bitte auf der Startseite neu anmelden.";
      break;
    case 403:
      message = `Für diese Aktion fehlt Ihrem API-Schlüssel die Berechtigung.${detail ? " " + detail : ""}`;
      break;
    case 404:
      if (!detail || detail.startsWith("Diese Adresse gibt es nicht")) {
        message = "Nicht gefunden: Diese Funktion oder dieser Eintrag ist (noch) nicht verfügbar.";
      } else {
        message = /nicht gefunden|nicht im Katalog/i.test(detail) ? detail : `Nicht gefunden: ${detail}`;
      }
      break;
    case 409:
      message = `Konflikt: ${detail || "Der Eintrag existiert bereits."}`;
      break;
    case 413:
      message = "Die Anfrage ist zu groß für den Dienst. Bitte weniger Daten auf einmal senden.";
      break;
    case 422:
      message = fields.length
        ? `Bitte Eingaben prüfen – ${fields.map((f) => `${f.label}: ${f.message}`).join("; ")}`
        : `Bitte Eingaben prüfen${detail ? ": " + detail : "."}`;
      break;
    case 429:
      message = "Zu viele Anfragen in kurzer Zeit. Bitte einen Moment warten und erneut versuchen.";
      break;
    default:
      message = status >= 500
        ? "Der Dienst hat einen internen Fehler gemeldet. Bitte später erneut versuchen."
        : `Die Anfrage ist fehlgeschlagen (Status ${status})${detail ? ": " + detail : "."}`;
  }
  return { message, fields };
}

// Paths outside the versioned API that the app calls as they are.
const ABSOLUTE_PREFIXES = [API_PREFIX + "/", "/web/", "/health"];

function buildUrl(path, query) {
  const absolute = ABSOLUTE_PREFIXES.some((prefix) => path.startsWith(prefix));
  const url = new URL(absolute ? path : API_PREFIX + path, window.location.origin);
  for (const [name, value] of Object.entries(query || {})) {
    if (value === undefined || value === null || value === "") continue;
    url.searchParams.set(name, String(value));
  }
  return url;
}

/**
 * Call the API. `path` is relative to /api/v1 ("/measures") unless it is one of ABSOLUTE_PREFIXES.
 * Returns the parsed JSON, or the Response itself with `raw: true`. Throws ApiError with a German message.
 */
export async function api(path, { method = "GET", query, body, auth = true, accept = "application/json", raw = false } = {}) {
  const headers = { Accept: accept };
  const key = getKey();
  if (auth && key) headers["X-API-Key"] = key;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(buildUrl(path, query), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(
      "Der Dienst ist nicht erreichbar. Bitte die Verbindung prüfen und es erneut versuchen.",
      0,
    );
  }
  if (!response.ok) {
    let problem = null;
    const type = response.headers.get("content-type") || "";
    if (type.includes("json")) {
      try {
        problem = await response.json();
      } catch {
        problem = null;
      }
    }
    const { message, fields } = describeProblem(response.status, problem);
    throw new ApiError(message, response.status, problem, fields);
  }
  if (raw) return response;
  if (response.status === 204) return null;
  try {
    return await response.json();
  } catch {
    throw new ApiError("Die Antwort des Dienstes war unlesbar. Bitte später erneut versuchen.", response.status);
  }
}
