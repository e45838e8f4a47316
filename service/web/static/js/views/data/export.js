// Daten, export half: download the organisations as CSV, XLSX or GeoJSON with the list's filters.

import { api, fetchFile } from "../../api.js";
import { announce, clear, download, errorBox, field, fmt, h, message, select, tickets, uid } from "../../ui.js";
import { kreisOptions, vocabulary } from "../../vocab.js";
import { ANNOUNCE_STEP, bytes, percent } from "./units.js";

const FORMATS = [
  { value: "csv", label: "CSV – Tabellenkalkulation, wieder importierbar", accept: "text/csv" },
  { value: "csv-excel", label: "CSV für deutsches Excel – Semikolon, Dezimalkomma", accept: "text/csv", ending: "csv" },
  { value: "xlsx", label: "XLSX – Excel", accept: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" },
  { value: "geojson", label: "GeoJSON – Karte, z. B. QGIS", accept: "application/geo+json" },
];

/** The export form with the list's filters (CSV, XLSX, GeoJSON). */
export async function renderExport(section) {
  const [vocab, kreisGroups] = await Promise.all([vocabulary(), kreisOptions()]);
  const format = select("export-format", FORMATS, { value: "csv" });
  const kind = select("export-kind", vocab.kinds.map((k) => ({ value: k.code, label: k.label })), { empty: "alle Arten" });
  const kreis = select("export-kreis", kreisGroups, { empty: "alle Kreise" });
  const issue = select("export-issue", vocab.problems.map((p) => ({ value: p.code, label: p.label })), { empty: "alle Probleme" });
  const name = h("input", { id: "export-q", type: "search", maxlength: "200", autocomplete: "off" });
  const submit = h("button", { type: "submit", class: "button", id: "export-start" }, "Herunterladen");
  const count = h("p", { id: "export-count", "aria-live": "polite" });
  const status = h("div", { id: "export-status" });

  const form = h("form", {
    novalidate: true, class: "filters", "aria-label": "Export einstellen",
    onsubmit: (event) => {
      event.preventDefault();
      run();
    },
  },
  field("Format", format),
  field("Art", kind),
  field("Kreis", kreis),
  field("Problem", issue),
  field("Name enthält (optional)", name),
  h("div", { class: "actions" }, submit));

  section.append(
    h("h2", { id: "export-title" }, "Organisationen exportieren"),
    h("p", {}, "Alle gespeicherten Organisationen, die zu den Filtern passen, mit Kontaktdaten – bitte vertraulich "
      + "behandeln. CSV (UTF-8 mit BOM, Komma-getrennt) und XLSX haben die Spalten des Imports und lassen sich "
      + "unverändert wieder importieren; GeoJSON enthält die Standorte als Punkte (WGS84) mit Gemeinde, Kreis und Land."),
    form, count, status);

  const query = () => ({
    kind: kind.value, kreis: kreis.value, issue: issue.value, q: name.value.trim(),
  });

  const ticket = tickets();
  async function updateCount() {
    const current = ticket();
    try {
      const page = await api("/organisations", { query: { ...query(), per_page: 1 } });
      if (!current()) return;
      count.textContent = `Passend: ${fmt.int(page.total)} ${page.total === 1 ? "Organisation" : "Organisationen"}.`;
    } catch (error) {
      if (!current()) return;
      count.textContent = error.message;
    }
  }
  for (const control of [kind, kreis, issue, name]) control.addEventListener("change", updateCount);

  async function run() {
    clear(status);
    submit.disabled = true;
    const chosen = FORMATS.find((f) => f.value === format.value) || FORMATS[0];
    const barId = uid("export-bar");
    const bar = h("progress", { id: barId });
    const label = h("label", { for: barId }, "Export wird auf dem Server erstellt …");
    const text = h("p", { class: "transfer__text", role: "status", "aria-live": "polite" },
      "Bei vielen Organisationen kann das eine Weile dauern.");
    const node = h("div", { class: "transfer", id: "export-progress", "aria-busy": "true" }, label, bar, text);
    status.append(node);
    let announced = -ANNOUNCE_STEP;
    let receiving = false;
    try {
      const file = await fetchFile("/organisations/export", {
        query: { ...query(), format: chosen.value },
        accept: chosen.accept,
        fallbackName: `bmm-organisationen.${chosen.ending || chosen.value}`,
        onProgress: (loaded, total) => {
          if (!receiving) {
            receiving = true;
            label.textContent = "Datei wird heruntergeladen";
            if (total > 0) bar.max = 100;
          }
          if (total > 0) {
            const share = percent(loaded, total);
            bar.value = share;
            if (share >= announced + ANNOUNCE_STEP || share === 100) {
              announced = share - (share % ANNOUNCE_STEP);
              text.textContent = `${share} % heruntergeladen (${bytes(loaded)} von ${bytes(total)})`;
            }
          } else {
            text.textContent = `${bytes(loaded)} heruntergeladen`;
          }
        },
      });
      node.remove();
      download(file.fileName, file.blob, file.blob.type);
      status.append(message(`Heruntergeladen: ${file.fileName} (${bytes(file.size)}).`, "ok"));
      announce("Export heruntergeladen.");
    } catch (error) {
      node.remove();
      status.append(errorBox(error));
    } finally {
      submit.disabled = false;
    }
  }

  updateCount();
}
