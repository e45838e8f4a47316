// Daten, learning part (admins): what `bmm learn` learned from the feedback on recommendations — the version
// served, its model card (data window, counts, held-out metrics before/after, the adjustments with their
// evidence) — and the two switches: back to the previous version, or learned adjustments off.

import { api } from "../../api.js";
import { clear, errorBox, fmt, h, message, uid } from "../../ui.js";
import { vocabulary } from "../../vocab.js";

const TYPES = { all: "alle Arten", measure: "Maßnahmen", funding: "Förderprogramme", peer: "Partner", advisor: "Beratung" };
const DIMENSIONS = { size_class: "Beschäftigte", wz_section: "WZ-Abschnitt", transit_class: "ÖV-Güteklasse" };

const figure = (value) => (value === null || value === undefined
  ? "–" : new Intl.NumberFormat("de-DE", { maximumFractionDigits: 3 }).format(value));
const pair = (before, after) => `${figure(before)} → ${figure(after)}`;
const moment = (iso) => (iso ? new Date(iso).toLocaleString("de-DE", { timeZone: "UTC" }) + " UTC" : "–");

function segmentLabel(dimension, value, kinds) {
  if (dimension === "all") return "alle";
  if (dimension === "kind") return kinds[value] || value;
  if (dimension === "size_class") return `${value.replace("-", "–")} Beschäftigte`;
  if (dimension === "wz_section" && value === "none") return "ohne WZ-Abschnitt";
  return `${DIMENSIONS[dimension] || dimension} ${value}`;
}

function table(caption, head, rows, id) {
  const captionId = uid(`${id}-caption`);
  return h("div", { class: "table-wrap", role: "region", tabindex: "0", "aria-labelledby": captionId },
    h("table", { id },
      h("caption", { id: captionId }, caption),
      h("thead", {}, h("tr", {}, head.map((text) => h("th", { scope: "col" }, text)))),
      h("tbody", {}, rows.map((cells) => h("tr", {}, cells.map((text) => h("td", {}, text)))))));
}

/** The learning section; re-renders itself after a switch. */
export async function renderLearning(section) {
  const title = h("h2", { id: "learning-title" }, "Gelerntes aus Rückmeldungen");
  const body = h("div", { id: "learning-body", "aria-live": "polite" });
  section.append(title,
    h("p", {}, "Aus den Rückmeldungen der Beratung zu Empfehlungen (Interessant, Kontaktiert, Umgesetzt gegen "
      + "Nicht relevant) lernt „bmm learn“ je Eintrag und Segment (Art, Beschäftigte, WZ-Abschnitt, ÖV-Güteklasse) "
      + "eine kleine Anpassung der Punktzahl – erst ab genügend Rückmeldungen und begrenzt. Sie erscheint in den "
      + "Empfehlungen als eigene Begründung, z. B. „Rückmeldungen ähnlicher Betriebe: 14 von 18 fanden dies passend“."),
    body);
  await show(body);
}

async function show(body, version = null) {
  clear(body);
  let data;
  let kinds;
  try {
    [data, kinds] = await Promise.all([
      api("/learning", { query: version ? { version } : {} }),
      vocabulary().then((vocab) => vocab.labels.kind),
    ]);
  } catch (error) {
    body.append(errorBox(error));
    return;
  }
  body.append(h("p", { id: "learning-served" }, data.served
    ? `Ausgeliefert wird Version ${data.served}; alle Dienste übernehmen eine Änderung binnen Sekunden.`
    : "Keine gelernten Anpassungen aktiv: die Empfehlungen zeigen nur die festen Regeln."));
  if (!data.versions.length) {
    body.append(message("Noch nichts gelernt. Auf dem Server: „bmm learn --dry-run“ zeigt, was gelernt würde; "
      + "„bmm learn“ speichert es als neue Version.", "info"));
    return;
  }
  body.append(switches(body, data), versionsTable(body, data));
  if (data.card) body.append(card(data, kinds));
}

function switches(body, data) {
  const status = h("div", { id: "learning-switch-status" });
  const act = async (path, question) => {
    if (!window.confirm(question)) return;
    try {
      const answer = await api(`/learning/${path}`, { method: "POST" });
      await show(body);
      body.prepend(message(answer.served
        ? `Version ${answer.switched_off} abgeschaltet; ausgeliefert wird jetzt Version ${answer.served}.`
        : `Version ${answer.switched_off} abgeschaltet; keine gelernten Anpassungen mehr aktiv.`, "success"));
    } catch (error) {
      clear(status);
      status.append(errorBox(error));
    }
  };
  const served = data.served !== null;
  return h("div", { class: "actions" },
    h("button", {
      type: "button", class: "button", id: "learning-rollback", disabled: !served,
      onclick: () => act("rollback", `Version ${data.served} abschalten und zur vorigen Version zurückkehren?`),
    }, "Zur vorigen Version"),
    h("button", {
      type: "button", class: "button button--secondary", id: "learning-disable", disabled: !served,
      onclick: () => act("disable", "Alle gelernten Anpassungen abschalten (bis wieder gelernt wird)?"),
    }, "Gelerntes abschalten"),
    status);
}

function versionsTable(body, data) {
  const rows = data.versions.map((v) => [
    String(v.id), moment(v.created_at), v.active ? (v.id === data.served ? "ausgeliefert" : "aktiv") : "aus",
    fmt.int(v.events), fmt.int(v.adjustments),
    h("button", { type: "button", class: "link-button", onclick: () => show(body, v.id) },
      v.id === data.shown ? "angezeigt" : "Karte zeigen"),
  ]);
  return table("Versionen (neueste zuerst)", ["Version", "erstellt", "Zustand", "Rückmeldungen", "Anpassungen", "Modellkarte"],
    rows, "learning-versions");
}

function card(data, kinds) {
  const c = data.card;
  const counts = c.counts;
  const k = c.settings.top_ranks;
  const facts = [
    ["Datenfenster", `${moment(c.first_served)} bis ${moment(c.last_served)}`],
    ["Gezeigte Einträge", fmt.int(counts.impressions)],
    ["Rückmeldungen", `${fmt.int(counts.judgements)}, davon ${fmt.int(counts.events)} gezählt (auf den ersten ${k} `
      + `Plätzen gezeigt), ${fmt.int(counts.positives)} positiv`],
    ["Prüfmenge", c.holdout_from
      ? `die letzten ${fmt.int(counts.holdout_lists)} Listen ab ${moment(c.holdout_from)}; angepasst auf `
        + `${fmt.int(counts.train_events)} Rückmeldungen davor`
      : "zu wenige Listen für eine Prüfmenge"],
    ["Regeln", `mindestens ${c.settings.min_events} Rückmeldungen je Eintrag und Segment, höchstens `
      + `±${figure(c.settings.max_adjustment)} Punkte`],
  ];
  const metricRows = (groups) => groups.map((g) => [
    TYPES[g.item_type] || g.item_type, segmentLabel(g.dimension, g.value, kinds), fmt.int(g.metrics.lists),
    pair(g.metrics.ndcg_before, g.metrics.ndcg_after), pair(g.metrics.precision_before, g.metrics.precision_after),
    pair(g.metrics.acceptance_before, g.metrics.acceptance_after),
  ]);
  const head = ["Art", "Segment", "Listen", `NDCG@${k}`, `Präzision@${k}`, "Annahmequote"];
  const main = c.metrics.filter((g) => g.dimension === "all" || g.dimension === "kind");
  const other = c.metrics.filter((g) => !(g.dimension === "all" || g.dimension === "kind"));
  const changes = c.adjustments.cells.filter((cell) => cell.adjustment !== 0).map((cell) => [
    TYPES[cell.item_type] || cell.item_type, data.names[`${cell.item_type}:${cell.item_id}`] || cell.item_id,
    segmentLabel(cell.dimension, cell.value, kinds), `${cell.positives} von ${cell.events}`,
    `${cell.adjustment > 0 ? "+" : "−"}${figure(Math.abs(cell.adjustment))}`,
  ]);
  return h("div", { id: "learning-card" },
    h("h3", {}, `Modellkarte der Version ${data.shown}`),
    h("dl", { class: "facts" }, facts.map(([term, value]) => [h("dt", {}, term), h("dd", {}, value)])),
    main.length
      ? table("Kennzahlen auf den zurückgehaltenen Listen (vorher → nachher)", head, metricRows(main), "learning-metrics")
      : message("Keine Kennzahlen: es gab keine zurückgehaltenen Listen mit Rückmeldungen.", "info"),
    other.length
      ? h("details", {}, h("summary", {}, "Kennzahlen weiterer Segmente"),
        table("Weitere Segmente (vorher → nachher)", head, metricRows(other), "learning-metrics-more"))
      : null,
    changes.length
      ? table("Anpassungen mit ihren Belegen (größte zuerst)", ["Art", "Eintrag", "Segment", "passend", "Anpassung"],
        changes, "learning-changes")
      : message("Keine Anpassung: kein Eintrag hatte in einem Segment genug Rückmeldungen.", "info"));
}
