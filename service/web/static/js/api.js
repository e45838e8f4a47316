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
  share_residence_aggregates: "Wohnorte teilen",
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
  offset: "Versatz (erste Position)",
  order: "Sortierung",
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
  // columns of the organisation import that are no form field names
  contact_name: "Kontakt – Name",
  contact_email: "Kontakt – E-Mail",
  contact_phone: "Kontakt – Telefon",
  synthetic: "synthetisch",
  file: "Datei",
  mode: "Modus",
  q: "Name enthält",
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
    case 415:
      message = "Dieses Datenformat nimmt der Dienst nicht an. Bitte eine CSV-, XLSX- oder GeoJSON-Datei wählen.";
      break;
    case 422:
      message = typeof (problem && problem.error_count) === "number"
        // an import refused with row errors (the view shows them as a table)
        ? `Bitte die Datei prüfen – ${detail || "sie enthält Fehler; nichts wurde gespeichert."}`
        : fields.length
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

/** The ApiError for a failed response: its status and (parsed, may be null) problem body. */
function apiError(status, problem) {
  const { message, fields } = describeProblem(status, problem);
  return new ApiError(message, status, problem, fields);
}

const UNREACHABLE = "Der Dienst ist nicht erreichbar. Bitte die Verbindung prüfen und es erneut versuchen.";

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
    throw new ApiError(UNREACHABLE, 0);
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
    throw apiError(response.status, problem);
  }
  if (raw) return response;
  if (response.status === 204) return null;
  try {
    return await response.json();
  } catch {
    throw new ApiError("Die Antwort des Dienstes war unlesbar. Bitte später erneut versuchen.", response.status);
  }
}

/**
 * Upload `file` as multipart/form-data (field `field`; `method` POST or PUT) with XMLHttpRequest, which – unlike fetch – reports
 * the upload's progress. `onProgress(loaded, total)` while the bytes go out, `onUploaded()` once they are all
 * sent (the server is then still working). Returns {promise, abort}: the promise resolves with the parsed
 * JSON answer and rejects with an ApiError (German message; `aborted: true` after abort()).
 */
export function uploadFile(path, { method = "POST", query, file, field = "file", onProgress = () => {}, onUploaded = () => {} } = {}) {
  const request = new XMLHttpRequest();
  const promise = new Promise((resolve, reject) => {
    request.open(method, buildUrl(path, query));
    request.setRequestHeader("Accept", "application/json");
    const key = getKey();
    if (key) request.setRequestHeader("X-API-Key", key);
    // Listeners on request.upload must exist before send(), or the browser reports no upload progress.
    request.upload.addEventListener("progress", (event) => {
      onProgress(event.loaded, event.lengthComputable ? event.total : file.size);
    });
    request.upload.addEventListener("load", () => onUploaded());
    request.addEventListener("load", () => {
      let body = null;
      try {
        body = request.responseText ? JSON.parse(request.responseText) : null;
      } catch {
        body = null;
      }
      if (request.status >= 200 && request.status < 300 && body !== null) resolve(body);
      else if (request.status >= 200 && request.status < 300) {
        reject(new ApiError("Die Antwort des Dienstes war unlesbar. Bitte später erneut versuchen.", request.status));
      } else reject(apiError(request.status, body));
    });
    request.addEventListener("error", () => reject(new ApiError(UNREACHABLE, 0)));
    request.addEventListener("abort", () => {
      const error = new ApiError("Abgebrochen: Die Datei wurde nicht vollständig gesendet, nichts wurde gespeichert.", 0);
      error.aborted = true;
      reject(error);
    });
    const form = new FormData();
    form.append(field, file, file.name);
    request.send(form);
  });
  return { promise, abort: () => request.abort() };
}

/** The file name of a Content-Disposition header (RFC 6266, `filename*` first), without any path; or null. */
export function fileNameFrom(disposition) {
  if (!disposition) return null;
  let name = null;
  const extended = /filename\*\s*=\s*([^']*)'[^']*'([^;]+)/i.exec(disposition);
  if (extended) {
    try {
      name = decodeURIComponent(extended[2].trim().replace(/^"|"$/g, ""));
    } catch {
      name = null;
    }
  }
  if (!name) {
    const plain = /filename\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]+))/i.exec(disposition);
    if (plain) name = (plain[1] !== undefined ? plain[1].replace(/\\(.)/g, "$1") : plain[2]).trim();
  }
  const base = name ? name.split(/[\\/]/).pop().trim() : "";
  return base || null;
}

/**
 * Fetch a file from the API with the key header and read it with progress: `onProgress(loaded, total)`
 * (`total` 0 when the server sends no Content-Length). Resolves with {blob, fileName, size}; the name comes
 * from Content-Disposition (`fallbackName` otherwise).
 */
export async function fetchFile(path, { query, accept = "*/*", fallbackName = "download", onProgress = () => {} } = {}) {
  const response = await api(path, { query, accept, raw: true });
  const total = Number(response.headers.get("content-length")) || 0;
  const type = response.headers.get("content-type") || "application/octet-stream";
  const fileName = fileNameFrom(response.headers.get("content-disposition")) || fallbackName;
  const chunks = [];
  let loaded = 0;
  try {
    if (response.body && typeof response.body.getReader === "function") {
      const reader = response.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
        loaded += value.byteLength;
        onProgress(loaded, total);
      }
    } else {
      const whole = await response.blob();
      chunks.push(whole);
      loaded = whole.size;
      onProgress(loaded, total);
    }
  } catch {
    throw new ApiError("Die Übertragung wurde unterbrochen. Bitte erneut versuchen.", response.status);
  }
  return { blob: new Blob(chunks, { type }), fileName, size: loaded };
}
