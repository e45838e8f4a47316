// Reading a CSV of home postcodes in the browser, for the preview before anything is sent: the counts per
// postcode and the row errors. Only the counts leave the browser (as JSON); rows per person and other columns
// (mode, shift, names) are never sent. The server checks again (unknown postcodes are only known there) with
// the same rules as matcher/residences/aggregation.py: five digits (a four-digit number lost its leading zero),
// `count` a positive whole number, a row without count is one person.

const POSTCODE_HEADERS = ["postcode", "plz", "postleitzahl", "wohn-plz", "wohnort-plz", "wohnort_plz", "wohn_plz"];
const COUNT_HEADERS = ["count", "anzahl", "personen", "beschäftigte", "beschaeftigte", "mitarbeitende"];
const MAX_COUNT = 500_000;

/** The text of a file: UTF-8 (with or without BOM), else Windows-1252 (what German Excel writes). */
export async function fileText(file) {
  const bytes = await file.arrayBuffer();
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes).replace(/^\uFEFF/, "");
  } catch {
    return new TextDecoder("windows-1252").decode(bytes);
  }
}

function splitLine(line, delimiter) {
  const cells = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < line.length; i += 1) {
    const char = line[i];
    if (quoted) {
      if (char === '"' && line[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"') quoted = true;
    else if (char === delimiter) {
      cells.push(cell);
      cell = "";
    } else cell += char;
  }
  cells.push(cell);
  return cells.map((c) => c.trim());
}

function delimiterOf(line) {
  const counts = [";", ",", "\t"].map((d) => [d, line.split(d).length]);
  counts.sort((a, b) => b[1] - a[1]);
  return counts[0][0];
}

export function normalisePostcode(value) {
  let text = String(value ?? "").trim();
  if (/^\d+\.0$/.test(text)) text = text.slice(0, -2);
  if (/^\d{4}$/.test(text)) text = `0${text}`;
  return /^\d{5}$/.test(text) ? text : null;
}

function parseCount(value) {
  let text = String(value).trim();
  if (text.endsWith(".0")) text = text.slice(0, -2);
  if (!/^\d+$/.test(text)) return null;
  const number = Number(text);
  return number >= 1 && number <= MAX_COUNT ? number : null;
}

/**
 * Read CSV text: {counts: Map postcode → people (sorted by postcode), rows: Map postcode → its row numbers, total,
 * errors: [{row, field, value, message}], ignored: [column names not used]}. Row numbers as the user sees them
 * (the header is row 1).
 */
export function readResidenceCsv(text) {
  const lines = text.split(/\r\n|\n|\r/);
  while (lines.length && !lines[lines.length - 1].trim()) lines.pop();
  const result = { counts: new Map(), rows: new Map(), total: 0, errors: [], ignored: [] };
  if (!lines.length) {
    result.errors.push({ row: 1, field: "Datei", value: "", message: "Die Datei ist leer." });
    return result;
  }
  const delimiter = delimiterOf(lines[0]);
  const header = splitLine(lines[0], delimiter).map((name) => name.toLowerCase());
  let postcodeColumn = header.findIndex((name) => POSTCODE_HEADERS.includes(name));
  let countColumn = header.findIndex((name) => COUNT_HEADERS.includes(name));
  let first = 1;
  if (postcodeColumn < 0) {
    if (normalisePostcode(header[0]) === null) {
      result.errors.push({
        row: 1, field: "Kopfzeile", value: lines[0],
        message: "Keine Spalte „postcode“ (oder „PLZ“) gefunden.",
      });
      return result;
    }
    postcodeColumn = 0; // no header: PLZ first, an optional count second
    countColumn = header.length > 1 ? 1 : -1;
    first = 0;
  } else {
    result.ignored = header.filter((_, index) => index !== postcodeColumn && index !== countColumn && header[index]);
  }
  const counts = new Map();
  for (let index = first; index < lines.length; index += 1) {
    if (!lines[index].trim()) continue;
    const row = index + 1;
    const cells = splitLine(lines[index], delimiter);
    const raw = cells[postcodeColumn] ?? "";
    const postcode = normalisePostcode(raw);
    if (postcode === null) {
      result.errors.push({ row, field: "postcode", value: raw, message: `„${raw}“ ist keine fünfstellige Postleitzahl` });
      continue;
    }
    const rawCount = countColumn >= 0 ? cells[countColumn] ?? "" : "";
    let count = 1;
    if (rawCount.trim()) {
      count = parseCount(rawCount);
      if (count === null) {
        result.errors.push({ row, field: "count", value: rawCount, message: `Anzahl „${rawCount}“ ist keine positive ganze Zahl` });
        continue;
      }
    }
    counts.set(postcode, (counts.get(postcode) || 0) + count);
    if (!result.rows.has(postcode)) result.rows.set(postcode, []);
    result.rows.get(postcode).push(row);
  }
  result.counts = new Map([...counts.entries()].sort((a, b) => a[0].localeCompare(b[0])));
  result.total = [...counts.values()].reduce((sum, c) => sum + c, 0);
  return result;
}
