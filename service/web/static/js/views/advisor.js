// Beratung (role advisor; admins choose the advisory body): leads of the own territory as a sortable table
// and on the map, with filters; a click opens the consultation brief (printable A4 page from the server).

import { api } from "../api.js";
import { openBrief } from "../brief.js";
import { COLOURS, createMap, dot } from "../map.js";
import { updateSession } from "../session.js";
import {
  busy, clear, errorBox, field, fmt, h, isSynthetic, message, reasonList, scoreBadge, select, syntheticBadge, tickets,
} from "../ui.js";
import { advisorsCatalogue, kreisOptions, label, vocabulary } from "../vocab.js";

const COLUMNS = [
  { key: "rank", label: "Rang", numeric: true },
  { key: "name", label: "Organisation" },
  { key: "kind_label", label: "Art" },
  { key: "municipality", label: "Gemeinde" },
  { key: "employees", label: "Beschäftigte", numeric: true },
  { key: "problems", label: "Probleme", numeric: true },
  { key: "score", label: "Relevanz", numeric: true },
];

export async function render(root, { session }) {
  root.append(h("h1", {}, "Beratung: Gesprächsanlässe im Gebiet"),
    h("p", { class: "lead-text" },
      "Betriebe Ihres Gebiets, bei denen sich ein Gespräch lohnt – nach Größe, Schwere der Probleme, ungelöstem "
      + "Anteil und aktueller Förderfähigkeit geordnet. Ein Klick auf „Unterlage“ öffnet die druckbare "
      + "Beratungsunterlage (A4)."));
  const [vocab, advisors] = await Promise.all([vocabulary(), advisorsCatalogue()]);
  const state = { map: null, leads: [], sort: { key: "rank", dir: 1 }, selected: null, markers: {} };
  const area = h("div", {});

  let advisorId = session.role === "advisor" ? session.subject : session.advisor || "ihk_dortmund";
  if (session.role === "admin") {
    const chooser = select("advisor-id", advisors.map((a) => ({ value: a.id, label: a.name })), { value: advisorId });
    chooser.addEventListener("change", () => {
      advisorId = chooser.value;
      updateSession({ advisor: advisorId });
      setup();
    });
    root.append(h("div", { class: "filters" }, field("Beratungsstelle (Administration)", chooser)));
  }
  root.append(area);

  async function setup() {
    if (state.map) state.map.destroy();
    state.map = null;
    clear(area);
    const advisor = advisors.find((a) => a.id === advisorId);
    if (!advisor) {
      area.append(message(`Die Beratungsstelle „${advisorId || "–"}“ ist nicht im Katalog.`, "error"));
      return;
    }
    const groups = await kreisOptions(advisor.state || null);
    const covered = new Set(advisor.covers_kreise || []);
    const kreisGroups = covered.size
      ? groups.map((g) => ({ ...g, options: g.options.filter((o) => covered.has(o.value)) })).filter((g) => g.options.length)
      : groups;
    const kreis = select("lead-kreis", kreisGroups, { empty: "alle im Gebiet" });
    const kind = select("lead-kind", vocab.kinds.filter((k) => advisor.serves_kinds.includes(k.code))
      .map((k) => ({ value: k.code, label: k.label })), { empty: "alle Arten" });
    const problem = select("lead-problem", vocab.problems.map((p) => ({ value: p.code, label: p.label })), { empty: "alle Probleme" });
    const minEmployees = h("input", { id: "lead-min-employees", type: "number", min: "1", step: "1", placeholder: "z. B. 50" });
    const limit = select("lead-limit", [20, 50, 100, 200].map((n) => ({ value: String(n), label: String(n) })), { value: "50" });
    const form = h("form", {
      novalidate: true,
      class: "filters", role: "search", "aria-label": "Gesprächsanlässe filtern",
      onsubmit: (event) => {
        event.preventDefault();
        load();
      },
    },
    field("Kreis", kreis), field("Art", kind), field("Problem", problem), field("Mindestens Beschäftigte", minEmployees),
    field("Anzahl", limit),
    h("div", { class: "actions" }, h("button", { type: "submit", class: "button" }, "Anzeigen")));
    const summary = h("div", { "aria-live": "polite" });
    const mapNode = h("div", { class: "map", id: "lead-map" });
    const detail = h("div", { class: "panel", id: "lead-detail", "aria-live": "polite" },
      h("p", {}, "Wählen Sie einen Betrieb in der Tabelle oder auf der Karte."));
    const table = h("div", {});
    area.append(h("h2", {}, advisor.name), form, summary,
      h("div", { class: "split" }, h("div", {}, mapNode,
        h("p", { class: "map-caption" }, "Punkte: Betriebe mit Gesprächsanlass; größer = mehr Beschäftigte.")), detail),
      h("h2", {}, "Liste"), table);
    state.map = createMap(mapNode, { label: "Karte: Betriebe mit Gesprächsanlass" });

    const ticket = tickets();
    async function load() {
      const current = ticket();
      clear(summary);
      clear(table);
      state.map.layer.clearLayers();
      state.markers = {};
      const progress = busy(summary, "Gesprächsanlässe werden berechnet …");
      try {
        const answer = await api(`/advisors/${encodeURIComponent(advisorId)}/leads`, {
          query: {
            limit: limit.value, kreis: kreis.value, kind: kind.value, problem: problem.value,
            min_employees: minEmployees.value,
          },
        });
        if (!current()) return;
        progress.done();
        state.leads = answer.items.map((lead, index) => ({ ...lead, rank: index + 1, problems: lead.issues.length }));
        summary.append(h("p", {}, `Gebiet: ${answer.territory}. ${fmt.int(answer.total)} Organisationen passen zu den `
          + `Filtern; die ${fmt.int(state.leads.length)} mit dem größten Potenzial (Stichtag ${fmt.date(answer.as_of)}):`));
        for (const lead of state.leads) {
          if (!Number.isFinite(lead.lat)) continue;
          state.markers[lead.id] = dot([lead.lat, lead.lon], {
            colour: COLOURS.lead,
            radius: 4 + Math.min(10, Math.sqrt(lead.employees) / 3),
            title: `${lead.rank}. ${lead.name}`,
            onSelect: () => choose(lead.id, true),
          }).addTo(state.map.layer);
        }
        state.map.fit(state.leads.map((lead) => [lead.lat, lead.lon]));
        drawTable();
        if (!state.leads.length) summary.append(message("Keine Organisation passt zu diesen Filtern.", "info"));
      } catch (error) {
        if (!current()) return;
        progress.done();
        summary.append(errorBox(error));
      }
    }

    function drawTable() {
      clear(table);
      if (!state.leads.length) return;
      const { key, dir } = state.sort;
      const sorted = [...state.leads].sort((a, b) => {
        const x = a[key];
        const y = b[key];
        const order = typeof x === "number" ? x - y : String(x).localeCompare(String(y), "de");
        return order * dir || a.rank - b.rank;
      });
      const head = h("tr", {}, COLUMNS.map((column) => h("th", {
        scope: "col",
        class: column.numeric ? "num" : null,
        "aria-sort": column.key === key ? (dir > 0 ? "ascending" : "descending") : "none",
      }, h("button", {
        type: "button",
        onclick: () => {
          state.sort = { key: column.key, dir: column.key === key ? -dir : column.numeric && column.key !== "rank" ? -1 : 1 };
          drawTable();
          table.querySelector(`th button[data-key="${column.key}"]`)?.focus();
        },
        dataset: { key: column.key },
      }, column.label))), h("th", { scope: "col" }, h("span", { class: "visually-hidden" }, "Aktionen")));
      const rows = sorted.map((lead) => h("tr", { dataset: { lead: lead.id }, class: lead.id === state.selected ? "is-selected" : null },
        h("td", { class: "num" }, String(lead.rank)),
        h("td", {}, h("button", { type: "button", class: "link-button", onclick: () => choose(lead.id, false) }, lead.name),
          " ", isSynthetic(lead) ? syntheticBadge() : null),
        h("td", {}, lead.kind_label),
        h("td", {}, lead.place_label),
        h("td", { class: "num" }, fmt.int(lead.employees)),
        h("td", { class: "num" }, String(lead.problems)),
        h("td", { class: "num" }, fmt.dec(lead.score * 100)),
        h("td", {}, h("button", {
          type: "button", class: "button button--small button--secondary",
          "aria-label": `Beratungsunterlage für ${lead.name} öffnen`,
          onclick: (event) => openBrief(lead.id, lead.name, event.currentTarget),
        }, "Unterlage"))));
      table.append(h("div", { class: "table-wrap" },
        h("table", { id: "lead-table" }, h("caption", { class: "visually-hidden" }, "Gesprächsanlässe, sortierbar"),
          h("thead", {}, head), h("tbody", {}, rows))));
    }

    function choose(id, fromMap) {
      state.selected = id;
      const lead = state.leads.find((l) => l.id === id);
      table.querySelectorAll("tr.is-selected").forEach((row) => row.classList.remove("is-selected"));
      table.querySelector(`tr[data-lead="${CSS.escape(id)}"]`)?.classList.add("is-selected");
      const marker = state.markers[id];
      if (marker && !fromMap) {
        state.map.map.setView(marker.getLatLng(), Math.max(state.map.map.getZoom(), 12));
        marker.openTooltip();
      }
      const contact = lead.contact || {};
      const contactText = [contact.name, contact.email, contact.phone, lead.address].filter(Boolean).join(" · ");
      clear(detail).append(
        h("h2", {}, lead.name, " ", isSynthetic(lead) ? syntheticBadge() : null),
        h("p", { class: "card__meta" }, `${lead.kind_label} · ${lead.place_label} · `
          + `${fmt.int(lead.employees)} Beschäftigte · ${fmt.int(lead.measures_in_place)} Maßnahmen umgesetzt`),
        h("p", { class: "card__meta lead-transit" }, `ÖPNV: ${lead.transit_label}`),
        scoreBadge(lead.score),
        reasonList(lead.reasons),
        h("h3", {}, "Gesprächspunkte"),
        h("ol", {}, lead.talking_points.map((point) => h("li", {}, point))),
        h("h3", {}, "Probleme"),
        h("p", {}, lead.issues.map((code) => label(vocab.labels.problem, code)).join(", ") || "keine angegeben"),
        h("p", {}, contactText ? `Kontakt (freigegeben): ${contactText}` : "Kontaktdaten: nicht freigegeben."),
        h("div", { class: "actions" }, h("button", {
          type: "button", class: "button", onclick: (event) => openBrief(lead.id, lead.name, event.currentTarget),
        }, "Beratungsunterlage öffnen")),
      );
      if (fromMap) table.querySelector(`tr[data-lead="${CSS.escape(id)}"]`)?.scrollIntoView({ block: "nearest" });
    }

    load();
  }

  await setup();
  return () => state.map && state.map.destroy();
}
