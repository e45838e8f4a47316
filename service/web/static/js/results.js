// Result cards shared by the views: peers, measures, funding, advisors – each with score, German reasons
// and feedback buttons (POST /api/v1/feedback).

import { api } from "./api.js";
import { LEVELS, statusBadge } from "./views/catalog.js";
import { announce, fmt, h, isSynthetic, reasonList, scoreBadge, syntheticBadge, tags, uid } from "./ui.js";
import { label } from "./vocab.js";

export const VERDICTS = [
  { value: "accepted", label: "Interessant" },
  { value: "rejected", label: "Nicht relevant" },
  { value: "contacted", label: "Kontaktiert" },
  { value: "implemented", label: "Umgesetzt" },
];

/** Feedback buttons for one recommended item; they post {organisation_id, item_type, item_id, verdict, comment}. */
export function feedbackButtons(organisationId, itemType, itemId, itemName) {
  const commentId = uid("comment");
  const comment = h("input", { id: commentId, type: "text", maxlength: "2000", placeholder: "optional" });
  const status = h("span", { class: "feedback__status", role: "status", "aria-live": "polite" });
  const buttons = VERDICTS.map((verdict) => h("button", {
    type: "button",
    class: "button button--secondary button--small",
    "aria-pressed": "false",
    dataset: { verdict: verdict.value },
    "aria-label": `${verdict.label}: ${itemName}`,
    onclick: async (event) => {
      const button = event.currentTarget;
      buttons.forEach((b) => { b.disabled = true; });
      status.textContent = "wird gespeichert …";
      try {
        await api("/feedback", {
          method: "POST",
          body: {
            organisation_id: organisationId,
            item_type: itemType,
            item_id: itemId,
            verdict: verdict.value,
            comment: comment.value.trim() || null,
          },
        });
        buttons.forEach((b) => b.setAttribute("aria-pressed", String(b === button)));
        status.textContent = `Danke – gespeichert: ${verdict.label.toLowerCase()}.`;
        announce(`Rückmeldung gespeichert: ${verdict.label}`);
      } catch (error) {
        status.textContent = error.message;
      } finally {
        buttons.forEach((b) => { b.disabled = false; });
      }
    },
  }, verdict.label));
  return h("div", { class: "feedback" },
    h("div", { class: "actions" }, h("span", { class: "feedback__label" }, "Ihre Rückmeldung:"), buttons),
    h("details", { class: "feedback__comment" }, h("summary", {}, "Kommentar hinzufügen"),
      h("label", { for: commentId, class: "feedback__label" }, "Kommentar (wird mit der nächsten Rückmeldung gesendet)"),
      comment),
    status);
}

function contactLines(item) {
  if (!item.contact && !item.address) return null;
  const contact = item.contact || {};
  const parts = [contact.name, contact.email, contact.phone, item.address].filter(Boolean);
  return h("p", { class: "card__meta" }, "Kontakt (freigegeben): ", parts.join(" · "));
}

/** A peer (PeerItem: PeerRecommendation + lat/lon/municipality/estate/synthetic/contact). */
export function peerCard(peer, { vocab, catalogue, organisationId, index = null, onShow = null }) {
  const measureNames = (peer.solved_with || []).map((id) => (catalogue[id] ? catalogue[id].name_de : id));
  return h("li", { class: "card", dataset: { peer: peer.id } },
    h("h3", {}, index !== null ? `${index + 1}. ` : "", peer.name, " ", isSynthetic(peer) ? syntheticBadge() : null),
    h("p", { class: "card__meta" },
      `${label(vocab.labels.kind, peer.kind)} · ${peer.municipality || ""} · ${peer.proximity}`,
      peer.same_estate ? " · im selben Gewerbegebiet" : "",
      ` · Standort nach ${label(vocab.labels.precision, peer.location_precision)}`),
    peer.transit_label ? h("p", { class: "card__meta peer-transit" }, `ÖPNV: ${peer.transit_label}`) : null,
    scoreBadge(peer.score),
    reasonList(peer.reasons),
    peer.shared_issues && peer.shared_issues.length
      ? h("p", { class: "card__meta" }, "Gemeinsame Probleme:") : null,
    tags((peer.shared_issues || []).map((code) => label(vocab.labels.problem, code)), "Gemeinsame Probleme"),
    measureNames.length ? h("p", { class: "card__meta" }, `Hat schon umgesetzt: ${measureNames.join(", ")}`) : null,
    contactLines(peer),
    onShow ? h("button", { type: "button", class: "link-button", onclick: onShow }, "Auf der Karte zeigen") : null,
    organisationId ? feedbackButtons(organisationId, "peer", peer.id, peer.name) : null,
  );
}

/** A recommended measure (MeasureRecommendation). */
export function measureCard(measure, { vocab, organisationId }) {
  return h("li", { class: "card", dataset: { measure: measure.id } },
    h("h3", {}, measure.name, " ", h("span", { class: "badge badge--neutral" }, measure.category_label)),
    scoreBadge(measure.score),
    reasonList(measure.reasons),
    tags((measure.addresses || []).map((code) => label(vocab.labels.problem, code)), "löst diese Ihrer Probleme"),
    h("p", { class: "card__meta" },
      `Kosten ${LEVELS[measure.cost_level]}, Aufwand ${LEVELS[measure.effort_level]}, Vorlauf etwa `
      + `${fmt.int(measure.lead_time_months)} Monate`,
      measure.joint_with_neighbours ? " · am besten gemeinsam mit Nachbarbetrieben" : "",
      measure.neighbours_using ? ` · ${fmt.int(measure.neighbours_using)} ähnliche Betriebe in der Nähe nutzen sie` : ""),
    organisationId ? feedbackButtons(organisationId, "measure", measure.id, measure.name) : null,
  );
}

/** Eligibility for THIS applicant: antragsberechtigt / nur als Partner / nicht geprüft: Branche unbekannt /
 * nicht antragsberechtigt. */
function eligibilityBadge(programme) {
  const kind = {
    eligible: "badge--ok", partner_only: "badge--warn", sector_unchecked: "badge--warn", not_eligible: "badge--closed",
  }[programme.eligibility];
  if (kind && programme.eligibility_label) return h("span", { class: `badge ${kind}`, dataset: { eligibility: programme.eligibility } }, programme.eligibility_label);
  return programme.eligible === false ? h("span", { class: "badge badge--closed" }, "nicht antragsberechtigt") : null;
}

/** A recommended funding programme (FundingRecommendation). */
export function fundingCard(programme, { organisationId, measureNames = {} }) {
  const funds = (programme.funds_measures || []).map((id) => measureNames[id] || id);
  return h("li", { class: "card", dataset: { programme: programme.id } },
    h("h3", {}, programme.name),
    h("p", { class: "actions" }, statusBadge(programme.status, programme.checked_on),
      programme.is_grant ? null : h("span", { class: "badge badge--neutral" }, "kein Zuschuss"),
      eligibilityBadge(programme)),
    scoreBadge(programme.score),
    reasonList(programme.reasons),
    programme.conditions && programme.conditions.length
      ? h("div", { class: "conditions" }, h("p", {}, h("strong", {}, "Bedingungen für Sie")),
        h("ul", { "aria-label": "Bedingungen" }, programme.conditions.map((c) => h("li", { dataset: { code: c.code } }, c.text))))
      : null,
    programme.ineligible_reasons && programme.ineligible_reasons.length
      ? reasonList(programme.ineligible_reasons, "Warum nicht passend") : null,
    h("dl", { class: "facts" },
      h("dt", {}, "Instrument"), h("dd", {}, programme.instrument_label),
      programme.rate_text ? [h("dt", {}, "Für Sie"), h("dd", { class: "rate-for-you" }, programme.rate_text)] : null,
      h("dt", {}, "Förderquote laut Quelle (alle Antragsteller)"), h("dd", {}, programme.funding_rate_percent || "nicht bestätigt"),
      h("dt", {}, "Höchstbetrag laut Quelle"), h("dd", {}, programme.max_amount_eur || "nicht bestätigt"),
      funds.length ? [h("dt", {}, "Fördert"), h("dd", {}, funds.join(", "))] : null,
      h("dt", {}, "Zeitraum"), h("dd", {}, `${programme.open_from ? `ab ${fmt.date(programme.open_from)}` : "Beginn nicht angegeben"}${programme.valid_until ? `, bis ${fmt.date(programme.valid_until)}` : ""}`),
      h("dt", {}, "Zuletzt geprüft"), h("dd", {}, `${fmt.date(programme.checked_on)}${programme.status_note ? `: „${programme.status_note}“` : ""}`),
    ),
    organisationId ? feedbackButtons(organisationId, "funding", programme.id, programme.name) : null,
  );
}

/** A responsible advisory body (AdvisorRecommendation). */
export function advisorCard(advisor, { organisationId }) {
  return h("li", { class: "card", dataset: { advisor: advisor.id } },
    h("h3", {}, advisor.name, " ", h("span", { class: "badge badge--neutral" }, advisor.role_label)),
    h("p", { class: "card__meta" }, `Sitz: ${advisor.seat_city} · ${fmt.km(advisor.distance_km)} entfernt`),
    scoreBadge(advisor.score),
    reasonList(advisor.reasons),
    organisationId ? feedbackButtons(organisationId, "advisor", advisor.id, advisor.name) : null,
  );
}
