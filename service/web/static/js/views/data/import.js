// Daten, import half: upload a CSV/XLSX/GeoJSON file with progress; the row errors of a refused file.

import { fieldLabel, germanPart, uploadFile } from "../../api.js";
import { announce, clear, errorBox, field, fmt, h, message, select, uid } from "../../ui.js";
import { vocabulary } from "../../vocab.js";
import { ANNOUNCE_STEP, bytes, duration, percent } from "./units.js";

const MODES = [
  {
    value: "upsert",
    label: "Anlegen und ersetzen (upsert)",
    hint: "Neue ids werden angelegt. Gibt es eine id schon, ersetzt die Zeile der Datei das gespeicherte Profil "
      + "vollständig (auch leere Zellen). Zeilen ohne id bekommen eine neue id.",
  },
  {
    value: "insert",
    label: "Nur neu anlegen (insert)",
    hint: "Jede id der Datei muss neu sein. Ist eine schon gespeichert, wird der ganze Import abgelehnt und die "
      + "Zeile genannt – gespeicherte Profile bleiben sicher unverändert.",
  },
];

/** The import form; `limits` come from GET /api/v1/limits. Returns the view's clean-up (stops an upload). */
export function renderImport(section, limits) {
  const maxBytes = limits.import_max_bytes;
  const fileInput = h("input", {
    id: "import-file", name: "file", type: "file",
    accept: ".csv,.xlsx,.geojson,.json,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,application/geo+json",
  });
  const modes = h("fieldset", { class: "choices" }, h("legend", {}, "Was passiert mit ids, die schon gespeichert sind?"),
    MODES.map((mode, index) => {
      const id = `import-mode-${mode.value}`;
      return h("div", { class: "switch" },
        h("input", { type: "radio", id, name: "import-mode", value: mode.value, checked: index === 0, "aria-describedby": `${id}-hint` }),
        h("label", { for: id }, mode.label),
        h("span", { class: "hint", id: `${id}-hint` }, mode.hint));
    }));
  const submit = h("button", { type: "submit", class: "button", id: "import-start" }, "Importieren");
  // A dry run checks the whole file and shows what was recognised; nothing is stored.
  const preview = h("button", { type: "button", class: "button button--secondary", id: "import-preview",
    onclick: () => start(true) }, "Nur prüfen (Probelauf)");
  const kind = select("import-kind", [], { empty: "aus der Datei (Spalte kind / Art)" });
  vocabulary().then((vocab) => {
    kind.append(...vocab.kinds.map((k) => h("option", { value: k.code }, `${k.label} (${k.code})`)));
  }, () => {});
  const status = h("div", { id: "import-status" });
  let running = null; // {abort(), uploaded}

  const form = h("form", { novalidate: true, "aria-labelledby": "import-title", onsubmit: (event) => {
    event.preventDefault();
    start();
  } },
  field("Datei (CSV, XLSX oder GeoJSON)", fileInput,
    "CSV so, wie Excel oder die Mitgliederverwaltung sie speichert (UTF-8, Windows-1252, ISO-8859-15 oder "
    + "UTF-16 „Unicode-Text“; Semikolon, Komma oder Tabulator – der Dienst erkennt es); XLSX: das erste "
    + `Tabellenblatt. Höchstens ${bytes(maxBytes)}.`),
  field("Art für Zeilen ohne eigene Angabe", kind,
    "Z. B. „Handwerksbetrieb“ für die Mitgliederliste einer Handwerkskammer ohne Spalte „Art“."),
  modes,
  h("div", { class: "actions" }, submit, preview));

  section.append(
    h("h2", { id: "import-title" }, "Organisationen importieren"),
    h("p", {}, "Die erste Zeile nennt die Spalten: ", h("code", {}, "kind"), ", ", h("code", {}, "name"), ", ",
      h("code", {}, "employees"), " und ", h("code", {}, "postcode"), " oder ", h("code", {}, "lat"), " + ",
      h("code", {}, "lon"), " sind Pflicht. ", h("code", {}, "sector"), " (WZ 2008) ist freiwillig: ohne Angabe gilt "
      + "die Branche als unbekannt und bleibt beim Vergleich außen vor. Weitere Spalten: id, address, estate, issues, "
      + "measures_in_place (Listen mit „;“ oder "
      + "„|“ in der Zelle), shift_work, visible_to_peers, contact_shareable, share_residence_aggregates, "
      + "contact_name, contact_email, contact_phone, synthetic. Ein Export als CSV oder XLSX hat genau diese Spalten "
      + "und ist die beste Vorlage."),
    message("Alles oder nichts: Der Dienst prüft zuerst jede Zeile und speichert nur, wenn keine einzige fehlerhaft "
      + "ist. Bei großen Dateien (Hunderttausende Zeilen) dauert das nach dem Hochladen mehrere Minuten.", "info"),
    form,
    status,
  );

  function setRunning(value) {
    running = value;
    submit.disabled = Boolean(value);
    fileInput.disabled = Boolean(value);
    preview.disabled = Boolean(value);
    kind.disabled = Boolean(value);
    form.querySelectorAll("input[name=import-mode]").forEach((input) => {
      input.disabled = Boolean(value);
    });
    if (value) window.addEventListener("beforeunload", warnOnLeave);
    else window.removeEventListener("beforeunload", warnOnLeave);
  }

  function start(dryRun = false) {
    clear(status);
    fileInput.removeAttribute("aria-invalid");
    const file = fileInput.files && fileInput.files[0];
    const refuse = (text) => {
      fileInput.setAttribute("aria-invalid", "true");
      status.append(message(text, "error"));
      fileInput.focus();
    };
    if (!file) {
      refuse("Bitte zuerst eine Datei wählen.");
      return;
    }
    if (file.size > maxBytes) {
      refuse(`Die Datei ist ${bytes(file.size)} groß; der Dienst nimmt höchstens ${bytes(maxBytes)} je `
        + "Import an. Bitte die Datei in mehrere Teile aufteilen (jeder Teil wird für sich ganz oder gar nicht "
        + "gespeichert).");
      return;
    }
    const mode = form.querySelector("input[name=import-mode]:checked").value;
    const query = { mode };
    if (kind.value) query.kind = kind.value;
    if (dryRun) query.dry_run = "true";
    const started = performance.now();
    const progress = uploadProgress(status, file);
    const upload = uploadFile("/organisations/import", {
      query,
      file,
      onProgress: (loaded, total) => progress.update(loaded, total),
      onUploaded: () => {
        if (running) running.uploaded = true;
        progress.checking();
      },
    });
    setRunning({ abort: upload.abort, uploaded: false, progress });
    progress.onCancel(() => upload.abort());
    upload.promise.then((result) => {
      progress.done();
      setRunning(null);
      showResult(status, result, file, mode, (performance.now() - started) / 1000);
      announce(result.dry_run ? `Probelauf: ${result.rows} gültige Zeilen, nichts gespeichert.`
        : `Import abgeschlossen: ${result.rows} Zeilen gespeichert.`);
    }, (error) => {
      const uploaded = running ? running.uploaded : false;
      progress.done();
      setRunning(null);
      showImportError(status, error, uploaded, maxBytes);
      announce(error.status === 422 ? "Import abgelehnt – nichts gespeichert." : "Import fehlgeschlagen.");
    });
  }

  // Leaving the view while the file is still being sent stops the upload: nothing is stored.
  return () => {
    if (running && !running.uploaded) running.abort();
    if (running) running.progress.done();
    window.removeEventListener("beforeunload", warnOnLeave);
  };
}

function warnOnLeave(event) {
  event.preventDefault();
  event.returnValue = "";
}

/** The progress of one import: a determinate bar while sending, then an indeterminate one while the server works. */
function uploadProgress(container, file) {
  const barId = uid("import-bar");
  const bar = h("progress", { id: barId, max: "100", value: "0" });
  const text = h("p", { class: "transfer__text", role: "status", "aria-live": "polite" },
    `0 % hochgeladen (0 von ${bytes(file.size)})`);
  const cancel = h("button", { type: "button", class: "button button--secondary button--small" }, "Hochladen abbrechen");
  const node = h("div", { class: "transfer", id: "import-progress", "aria-busy": "true" },
    h("label", { for: barId }, `„${file.name}“ wird hochgeladen`), bar, text,
    h("div", { class: "actions" }, cancel));
  container.append(node);
  let announced = 0;
  let timer = null;
  return {
    onCancel(handler) {
      cancel.addEventListener("click", handler);
    },
    update(loaded, total) {
      const share = percent(loaded, total);
      bar.value = share;
      // The live region speaks in steps, the bar moves with every event.
      if (share >= announced + ANNOUNCE_STEP || share === 100) {
        announced = share - (share % ANNOUNCE_STEP);
        text.textContent = `${share} % hochgeladen (${bytes(loaded)} von ${bytes(total)})`;
      }
    },
    checking() {
      const began = performance.now();
      const elapsed = h("span", { class: "transfer__elapsed" }, "");
      clear(node).append(
        h("div", { class: "busy", role: "status", "aria-live": "polite" },
          h("span", { class: "spinner", "aria-hidden": "true" }),
          h("span", { id: "import-checking" }, `Hochgeladen (${bytes(file.size)}) – wird geprüft und gespeichert …`)),
        h("progress", { "aria-label": "Import wird geprüft und gespeichert" }),
        h("p", { class: "hint" },
          "Der Dienst liest und prüft zuerst alle Zeilen und speichert erst danach. Bei großen Dateien dauert das "
          + "mehrere Minuten; bitte diese Seite offen lassen. Abbrechen lässt sich der Import jetzt nicht mehr. ",
          elapsed));
      timer = window.setInterval(() => {
        elapsed.textContent = `Bisher ${duration((performance.now() - began) / 1000)}.`;
      }, 1000);
    },
    done() {
      if (timer) window.clearInterval(timer);
      node.remove();
    },
  };
}

function showResult(container, result, file, mode, seconds) {
  if (result.dry_run) {
    container.append(dryRunResult(result, file));
    return;
  }
  const facts = [
    ["Datei", `${file.name} (${bytes(file.size)})`, "import-file-name"],
    ["Modus", mode === "insert" ? "nur neu anlegen (insert)" : "anlegen und ersetzen (upsert)", "import-mode"],
    ["Zeilen gespeichert", fmt.int(result.rows), "import-rows"],
    ["neu angelegt", fmt.int(result.created), "import-created"],
    ["ersetzt", fmt.int(result.updated), "import-updated"],
    ["Lesen und Prüfen", duration(result.check_seconds), "import-check-time"],
    ["Speichern", duration(result.store_seconds), "import-store-time"],
    ["insgesamt mit Hochladen", duration(seconds), "import-total-time"],
  ];
  container.append(h("div", { class: "message message--ok", role: "status", id: "import-result" },
    h("p", { style: "margin:0" }, h("strong", {}, "Import abgeschlossen. "),
      `${fmt.int(result.rows)} ${result.rows === 1 ? "Zeile" : "Zeilen"} gespeichert: `
      + `${fmt.int(result.created)} neu angelegt, ${fmt.int(result.updated)} ersetzt.`),
    h("dl", { class: "facts" }, facts.map(([term, value, id]) => [h("dt", {}, term), h("dd", { id }, value)]))),
  geocodingSummary(result),
  detected(result));
}

/** What geocoding did or (dry run) would do; nothing without a geocoder (geocoding null). */
function geocodingSummary(result) {
  const g = result.geocoding;
  if (!g) return null;
  const rows = `${fmt.int(g.addresses)} ${g.addresses === 1 ? "Zeile" : "Zeilen"} mit Adresse ohne Koordinaten`;
  const text = result.dry_run
    ? `${rows}, davon ${fmt.int(g.cached)} schon im Zwischenspeicher; ${fmt.int(g.to_query)} `
      + `${g.to_query === 1 ? "Adresse würde" : "Adressen würden"} beim Import abgefragt (im Probelauf wird nichts gesendet).`
    : `${rows}: ${fmt.int(g.cached)} aus dem Zwischenspeicher, ${fmt.int(g.queried)} abgefragt, `
      + `${fmt.int(g.located)} an der Adresse verortet (die übrigen am Mittelpunkt ihrer Postleitzahl).`;
  return h("p", { class: "message message--info", id: "import-geocoding" }, h("strong", {}, "Geokodierung: "), text);
}

/** A dry run's answer: what would be stored, and what the service recognised in the file. */
function dryRunResult(result, file) {
  return h("div", { id: "import-dry-run" },
    h("div", { class: "message message--info", role: "status" },
      h("p", { style: "margin:0" }, h("strong", {}, "Probelauf – nichts wurde gespeichert. "),
        `„${file.name}“: ${fmt.int(result.rows)} gültige ${result.rows === 1 ? "Zeile" : "Zeilen"}; `
        + `${fmt.int(result.created)} würden neu angelegt, ${fmt.int(result.updated)} ersetzt.`)),
    geocodingSummary(result),
    detected(result));
}

/** Encoding, delimiter, the column mapping and the warnings of an import or dry run (absent fields: nothing). */
function detected(result) {
  const facts = [
    ["Format", result.format],
    ["Kodierung", result.encoding],
    ["Trennzeichen", result.delimiter],
  ].filter(([, value]) => value);
  const mapping = Object.entries(result.mapping || {});
  const captionId = uid("import-mapping-caption");
  return h("div", { id: "import-detected" },
    facts.length ? h("dl", { class: "facts" }, facts.map(([term, value]) => [h("dt", {}, term), h("dd", {}, value)])) : null,
    (result.warnings || []).map((text) => message(text, "warn")),
    mapping.length
      ? h("div", { class: "table-wrap", role: "region", tabindex: "0", "aria-labelledby": captionId },
        h("table", { id: "import-mapping" },
          h("caption", { id: captionId }, "Erkannte Spalten"),
          h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Spalte in der Datei"), h("th", { scope: "col" }, "Feld"))),
          h("tbody", {}, mapping.map(([header, column]) => h("tr", {}, h("td", {}, header), h("td", {}, columnCell(column)))))))
      : null);
}

function showImportError(container, error, uploaded, maxBytes) {
  const problem = error.problem;
  if (error.status === 422 && problem && Array.isArray(problem.errors) && typeof problem.error_count === "number") {
    container.append(rowErrors(problem), detected(problem));
    return;
  }
  if (error.aborted) {
    container.append(message(error.message, "warn"));
    return;
  }
  container.append(errorBox(error));
  let hint = null;
  if (error.status === 413) {
    hint = `Höchstens ${bytes(maxBytes)} je Import: Bitte die Datei in mehrere Teile aufteilen (jeder Teil `
      + "wird für sich ganz oder gar nicht gespeichert).";
  } else if (error.status === 409) {
    hint = "Es läuft gerade ein anderer Import; es kann immer nur einer zugleich laufen. Bitte warten, bis er "
      + "fertig ist, und die Datei dann erneut hochladen.";
  } else if (error.status === 415 || error.status === 400) {
    hint = "Bitte eine CSV-Datei (UTF-8), eine XLSX-Datei oder eine GeoJSON-Datei wählen.";
  } else if (error.status === 0) {
    hint = uploaded
      ? "Die Verbindung brach ab, während der Dienst die Datei prüfte. Ob der Import gespeichert wurde, ist offen: "
        + "bitte mit einem Export prüfen, bevor Sie die Datei erneut hochladen."
      : "Die Verbindung brach beim Hochladen ab; nichts wurde gespeichert.";
  }
  if (hint) container.append(h("p", {}, hint));
}

/** The 422 of a refused import: the sentence that nothing was stored and a table of the row errors. */
function rowErrors(problem) {
  const listed = problem.errors.length;
  const rowsRead = typeof problem.rows === "number" ? problem.rows : null;
  const captionId = uid("import-errors-caption");
  return h("div", { id: "import-errors" },
    h("div", { class: "message message--error", role: "alert" },
      h("p", { style: "margin:0" }, h("strong", {}, "Import abgelehnt – nichts wurde gespeichert. "),
        `Die Datei enthält ${fmt.int(problem.error_count)} Fehler`
        + `${rowsRead !== null ? ` (${fmt.int(rowsRead)} Datenzeilen gelesen)` : ""}. Bitte die genannten Zeilen `
        + "korrigieren und die ganze Datei erneut hochladen.")),
    h("div", { class: "table-wrap", role: "region", tabindex: "0", "aria-labelledby": captionId },
      h("table", {},
        h("caption", { id: captionId }, "Fehler in der Datei (Zeile 1 ist die Kopfzeile)"),
        h("thead", {}, h("tr", {}, h("th", { scope: "col", class: "num" }, "Zeile"), h("th", { scope: "col" }, "Spalte"),
          h("th", { scope: "col" }, "Meldung"))),
        h("tbody", {}, problem.errors.map((item) => h("tr", {},
          h("td", { class: "num" }, item.row === null || item.row === undefined ? "Datei" : fmt.int(item.row)),
          h("td", {}, columnCell(item.field)),
          h("td", {}, germanPart(String(item.message || "ungültig")))))))),
    problem.omitted > 0
      ? h("p", { id: "import-errors-omitted" }, `Weitere ${fmt.int(problem.omitted)} Fehler sind nicht aufgeführt; `
        + `die Tabelle zeigt die ersten ${fmt.int(listed)}.`)
      : null);
}

function columnCell(column) {
  if (!column) return "ganze Zeile";
  const label = fieldLabel([column]);
  return label && label !== column ? [h("code", {}, column), ` (${label})`] : h("code", {}, column);
}
