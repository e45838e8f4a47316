// Unternehmen / Kommune → Wohnstandorte: upload the staff's home postcodes (with a preview of what was read
// before anything is sent), the analysis (map, distance bands, potentials, tables), the A4 report, deleting the
// upload, and whether the organisation shares the counts for joint analyses (the profile's consent).

import { api, uploadFile } from "../../api.js";
import { loadAnalysis } from "../../residences.js";
import { announce, busy, clear, errorBox, fmt, h, message } from "../../ui.js";
import { fileText, readResidenceCsv } from "./residence-file.js";

const PREVIEW_ROWS = 50;

export function renderResidences(panel, profile, context) {
  const id = encodeURIComponent(profile.id);
  const path = `/organisations/${id}/residences`;
  const fileInput = h("input", { id: "residence-file", type: "file", accept: ".csv,.txt,.xlsx,text/csv" });
  const preview = h("div", { id: "residence-preview", "aria-live": "polite" });
  const feedback = h("div", { id: "residence-feedback", "aria-live": "polite" });
  const sendButton = h("button", { type: "submit", class: "button", id: "residence-send", disabled: true }, "Wohnorte hochladen");
  const analysisArea = h("div", { id: "residence-analysis" });
  const deleteArea = h("div", { class: "actions" });
  let pending = null; // {json, rows} for a CSV read here, {file} for an XLSX the server reads

  panel.append(
    h("p", {}, "Laden Sie die Wohn-Postleitzahlen Ihrer Beschäftigten hoch (CSV mit den Spalten „postcode,count“ "
      + "oder eine Zeile je Person mit „postcode“; auch XLSX). bmm-match speichert nur die Anzahl je Postleitzahl, "
      + "nie einzelne Personen, und zeigt keine Zahl unter 5."),
    consentState(profile),
    h("form", {
      novalidate: true, class: "filters", "aria-label": "Wohnorte hochladen",
      onsubmit: (event) => {
        event.preventDefault();
        send();
      },
    },
    h("div", { class: "field" }, h("label", { for: "residence-file" }, "Datei mit Wohn-Postleitzahlen"), fileInput),
    h("div", { class: "actions" }, sendButton)),
    preview, feedback, deleteArea, analysisArea,
  );

  fileInput.addEventListener("change", async () => {
    clear(preview);
    clear(feedback);
    pending = null;
    sendButton.disabled = true;
    const file = fileInput.files[0];
    if (!file) return;
    if (/\.xlsx$/i.test(file.name)) {
      pending = { file };
      preview.append(message("XLSX-Dateien liest erst der Server: die Prüfung folgt beim Hochladen.", "info"));
      sendButton.disabled = false;
      return;
    }
    const read = readResidenceCsv(await fileText(file));
    preview.append(...previewNodes(read));
    if (!read.errors.length && read.total > 0) {
      pending = { json: { postcodes: [...read.counts].map(([postcode, count]) => ({ postcode, count })) }, rows: read.rows };
      sendButton.disabled = false;
    }
  });

  async function send() {
    if (!pending) return;
    clear(feedback);
    sendButton.disabled = true;
    const progress = busy(feedback, "Wohnorte werden geprüft und gespeichert …");
    try {
      const stored = pending.json
        ? await api(path, { method: "PUT", body: pending.json })
        : await uploadFile(path, { method: "PUT", file: pending.file }).promise;
      progress.done();
      feedback.append(message(`Gespeichert: ${fmt.int(stored.total)} Personen in ${fmt.int(stored.postcodes)} `
        + "Postleitzahlen. Eine frühere Liste wurde ersetzt.", "ok"));
      announce("Wohnorte gespeichert.");
      clear(preview);
      fileInput.value = "";
      pending = null;
      refresh();
    } catch (error) {
      progress.done();
      sendButton.disabled = false;
      feedback.append(errorBox(error), ...serverRowErrors(error, pending.rows));
    }
  }

  function offerDelete() {
    clear(deleteArea);
    const ask = h("button", { type: "button", class: "button button--secondary", id: "residence-delete" }, "Wohnorte löschen");
    ask.addEventListener("click", () => {
      clear(deleteArea).append(h("div", { class: "message message--warn", role: "alertdialog", "aria-labelledby": "residence-confirm-text" },
        h("p", { id: "residence-confirm-text" }, "Alle hochgeladenen Wohnorte dieser Organisation löschen? Das lässt sich nicht rückgängig machen."),
        h("div", { class: "actions" },
          h("button", { type: "button", class: "button", id: "residence-delete-confirm", onclick: () => erase() }, "Ja, löschen"),
          h("button", { type: "button", class: "button button--secondary", onclick: () => offerDelete() }, "Abbrechen"))));
      deleteArea.querySelector("#residence-delete-confirm").focus();
    });
    deleteArea.append(ask);
  }

  async function erase() {
    clear(feedback);
    try {
      await api(path, { method: "DELETE" });
      feedback.append(message("Die Wohnorte wurden gelöscht.", "ok"));
      announce("Wohnorte gelöscht.");
      refresh();
    } catch (error) {
      feedback.append(errorBox(error));
      offerDelete();
    }
  }

  const maps = []; // this tab's map; the view's other maps (peers) stay
  async function refresh() {
    maps.forEach((m) => m.destroy());
    context.maps = context.maps.filter((m) => !maps.includes(m));
    maps.length = 0;
    clear(analysisArea);
    clear(deleteArea);
    const report = { path: `${path}/analysis`, title: `Wohnstandortanalyse – ${profile.name}` };
    const analysis = await loadAnalysis(analysisArea, `${path}/analysis`, {
      report, maps, missing: "Noch keine Wohnorte hochgeladen.",
    });
    context.maps.push(...maps);
    if (analysis) {
      analysisArea.prepend(h("p", { class: "hint" }, `Hochgeladen am ${fmt.date(String(analysis.uploaded_at).slice(0, 10))}.`));
      offerDelete();
    }
  }

  refresh();
}

function consentState(profile) {
  const shared = profile.share_residence_aggregates;
  const text = shared === true
    ? "Freigegeben: Ihre Anzahlen je Postleitzahl fließen – zusammengefasst, ohne Zahlen unter 5 – in gemeinsame "
      + "Auswertungen Ihres Gewerbegebiets ein."
    : "Nicht freigegeben: Ihre Wohnorte fließen in keine gemeinsame Auswertung ein.";
  return h("p", { id: "residence-consent", class: "hint" },
    h("strong", {}, "Einwilligung „Wohnort-Auswertung darf geteilt und gepoolt werden“: "), text,
    " (Änderbar im Profil oben.)");
}

function previewNodes(read) {
  const nodes = [];
  if (read.errors.length) {
    const count = read.errors.length;
    nodes.push(message(`Die Datei enthält ${fmt.int(count)} ${count === 1 ? "fehlerhafte Zeile" : "fehlerhafte Zeilen"} – nichts wird gesendet. `
      + "Bitte korrigieren und erneut wählen.", "error"));
    nodes.push(rowErrorTable(read.errors));
    return nodes;
  }
  nodes.push(h("p", { id: "residence-read" }, `Gelesen: ${fmt.int(read.total)} Personen in ${fmt.int(read.counts.size)} `
    + "Postleitzahlen. Gesendet werden nur diese Anzahlen je Postleitzahl."
    + (read.ignored.length ? ` Nicht verwendete Spalten (werden nicht gesendet): ${read.ignored.join(", ")}.` : "")));
  const rows = [...read.counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  nodes.push(h("div", { class: "table-wrap" }, h("table", { "aria-label": "Vorschau: Personen je Postleitzahl" },
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "PLZ"), h("th", { scope: "col", class: "num" }, "Personen"))),
    h("tbody", {}, rows.slice(0, PREVIEW_ROWS).map(([postcode, count]) => h("tr", {},
      h("td", {}, postcode), h("td", { class: "num" }, fmt.int(count))))))));
  if (rows.length > PREVIEW_ROWS) nodes.push(h("p", { class: "hint" }, `… und ${fmt.int(rows.length - PREVIEW_ROWS)} weitere Postleitzahlen.`));
  return nodes;
}

function rowErrorTable(errors) {
  return h("div", { class: "table-wrap" }, h("table", { "aria-label": "Fehlerhafte Zeilen" },
    h("thead", {}, h("tr", {}, ["Zeile", "Spalte", "Wert", "Meldung"].map((title) => h("th", { scope: "col" }, title)))),
    h("tbody", {}, errors.map((e) => h("tr", {}, h("td", { class: "num" }, e.row ?? "–"), h("td", {}, e.field ?? ""),
      h("td", {}, e.value ?? ""), h("td", {}, e.message ?? ""))))));
}

/**
 * The server's row errors of a refused upload (422) as a table. For a CSV read here the server saw the counts
 * per postcode (JSON), so each error names the file rows of its postcode (`rows`: postcode → row numbers).
 */
function serverRowErrors(error, rows = null) {
  const listed = error && error.problem && Array.isArray(error.problem.errors) ? error.problem.errors : [];
  const named = listed.filter((e) => e.value !== undefined && e.value !== null);
  if (!named.length) return [];
  return [rowErrorTable(named.map((e) => ({
    row: rows && rows.get(e.value) ? rows.get(e.value).join(", ") : e.row,
    field: e.field,
    value: e.value,
    message: e.message,
  })))];
}
