// Daten (role admin): import organisations from CSV/XLSX/GeoJSON with upload progress and the row errors of a
// refused file (data/import.js), and export them as CSV, XLSX or GeoJSON with the list's filters
// (data/export.js), and what was learned from feedback with its switches (data/learning.js). The import limit comes from the server (GET /api/v1/limits), so it is checked here first
// and nobody waits for an upload the server will refuse.

import { api } from "../api.js";
import { h } from "../ui.js";
import { renderExport } from "./data/export.js";
import { renderImport } from "./data/import.js";
import { renderLearning } from "./data/learning.js";

export { bytes, duration } from "./data/units.js";

export async function render(root) {
  root.append(h("h1", {}, "Daten: Import und Export"),
    h("p", { class: "lead-text" },
      "Organisationen aus einer Tabelle übernehmen oder alle gespeicherten Organisationen als Datei "
      + "herunterladen – zum Beispiel für die Tabellenkalkulation oder ein Geoinformationssystem."));
  const importSection = h("section", { "aria-labelledby": "import-title" });
  const exportSection = h("section", { "aria-labelledby": "export-title" });
  const learningSection = h("section", { "aria-labelledby": "learning-title" });
  root.append(importSection, exportSection, learningSection);
  const limits = await api("/limits", { auth: false });
  const stopImport = renderImport(importSection, limits);
  await renderExport(exportSection);
  await renderLearning(learningSection);
  return stopImport;
}

