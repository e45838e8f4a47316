// Unternehmen / Kommune: the own profile as a form – check the location, save, show 422 errors at the controls.

import { api } from "../../api.js";
import { announce, busy, clear, errorBox, h, message } from "../../ui.js";
import {
  consentFieldset, locationFieldset, markErrors, masterDataFieldset, measuresFieldset, problemsFieldset,
  profileControls, readBody, syntheticNote,
} from "./controls.js";
import { locationSummary } from "./location.js";

/** A new postcode drops coordinates that were stored with the old one (the service then uses the postcode). */
function coordinatesFollowPostcode(c, p) {
  const note = h("p", { class: "hint", hidden: true },
    "Die Postleitzahl wurde geändert: die gespeicherten Koordinaten werden verworfen, der Standort wird aus der "
    + "Postleitzahl bestimmt.");
  const stored = p.lat !== null && p.lat !== undefined;
  c.postcode.addEventListener("input", () => {
    if (stored && c.postcode.value.trim() !== (p.postcode || "") && c.lat.value === String(p.lat)) {
      c.lat.value = "";
      c.lon.value = "";
      note.hidden = false;
    }
  });
  return { note, stored };
}

export function renderForm(container, profile, organisationId, context, onSaved) {
  const { vocab, catalogue } = context;
  const p = profile || {};
  const title = h("h2", { id: "profile-title" }, profile ? "Ihr Profil" : "Profil anlegen");
  const c = profileControls(p, vocab);
  const locationBox = h("div", { "aria-live": "polite" });
  const feedback = h("div", { "aria-live": "polite" });
  const coordinates = coordinatesFollowPostcode(c, p);
  if (profile && profile.location) locationBox.append(locationSummary(profile));

  const form = h("form", { novalidate: true, "aria-labelledby": "profile-title" },
    syntheticNote(profile),
    masterDataFieldset(c),
    locationFieldset(c, {
      openCoordinates: coordinates.stored, coordinatesNote: coordinates.note, locationBox, onCheck: () => checkLocation(),
    }),
    problemsFieldset(c, vocab, new Set(p.issues || [])),
    measuresFieldset(vocab, catalogue, new Set(p.measures_in_place || [])),
    consentFieldset(c),
    feedback,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "button", id: "org-save" }, "Profil speichern")),
  );

  async function checkLocation() {
    clear(locationBox);
    const progress = busy(locationBox, "Standort wird bestimmt …");
    try {
      const answer = await api("/match", { method: "POST", body: { ...readBody(form, c, p), id: undefined } });
      progress.done();
      locationBox.append(locationSummary(answer.profile, "Vorschau – noch nicht gespeichert"));
    } catch (error) {
      progress.done();
      markErrors(form, error);
      locationBox.append(errorBox(error));
    }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear(feedback);
    markErrors(form, null);
    const save = form.querySelector("#org-save");
    save.disabled = true;
    const progress = busy(feedback, "Profil wird gespeichert …");
    try {
      const data = readBody(form, c, p);
      const saved = profile
        ? await api(`/organisations/${encodeURIComponent(profile.id)}`, { method: "PUT", body: data })
        : await api("/organisations", { method: "POST", body: organisationId ? { ...data, id: organisationId } : data });
      progress.done();
      profile = saved;
      Object.assign(p, saved);
      title.textContent = "Ihr Profil";
      clear(locationBox).append(locationSummary(saved));
      feedback.append(message("Gespeichert. Die Empfehlungen unten sind neu berechnet.", "ok"));
      announce("Profil gespeichert.");
      onSaved(saved);
    } catch (error) {
      progress.done();
      markErrors(form, error);
      feedback.append(errorBox(error));
      const firstInvalid = form.querySelector("[aria-invalid=true]");
      if (firstInvalid) firstInvalid.focus();
    } finally {
      save.disabled = false;
    }
  });
  container.append(title, form);
}
