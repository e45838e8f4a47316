// The consultation brief: the server renders a printable German A4 page (format=html); the app fetches it
// with the API key and shows it in a dialog (sandboxed iframe, no scripts) with print and new-tab buttons.

import { api } from "./api.js";
import { announce, busy, errorBox, h } from "./ui.js";

/** Open the brief of `organisationId` in a modal dialog; focus returns to `opener` when it closes. */
export async function openBrief(organisationId, name, opener = null) {
  const frame = h("iframe", {
    class: "brief-frame",
    title: `Beratungsunterlage: ${name}`,
    sandbox: "allow-same-origin allow-modals",
    hidden: true,
  });
  const body = h("div", {});
  let blobUrl = null;
  const printButton = h("button", {
    type: "button", class: "button", disabled: true,
    onclick: () => frame.contentWindow && frame.contentWindow.print(),
  }, "Drucken (A4)");
  const tabButton = h("button", {
    type: "button", class: "button button--secondary", disabled: true,
    onclick: () => blobUrl && window.open(blobUrl, "_blank", "noopener"),
  }, "In neuem Tab öffnen");
  const dialog = h("dialog", { class: "brief-dialog", "aria-labelledby": "brief-title" },
    h("div", { class: "brief-dialog__bar" },
      h("h2", { id: "brief-title" }, `Beratungsunterlage – ${name}`),
      h("div", { class: "actions" }, printButton, tabButton,
        h("button", { type: "button", class: "button button--secondary", onclick: () => dialog.close() }, "Schließen"))),
    body, frame);
  dialog.addEventListener("close", () => {
    dialog.remove();
    if (blobUrl) URL.revokeObjectURL(blobUrl);
    if (opener) opener.focus();
  });
  document.body.append(dialog);
  dialog.showModal();
  const progress = busy(body, "Die Beratungsunterlage wird erstellt …");
  try {
    const response = await api(`/organisations/${encodeURIComponent(organisationId)}/brief`, {
      query: { format: "html" }, accept: "text/html", raw: true,
    });
    const html = await response.text();
    progress.done();
    frame.srcdoc = html;
    frame.hidden = false;
    blobUrl = URL.createObjectURL(new Blob([html], { type: "text/html" }));
    printButton.disabled = false;
    tabButton.disabled = false;
    announce("Beratungsunterlage geladen.");
  } catch (error) {
    progress.done();
    body.append(h("div", { style: "padding:0 1rem" }, errorBox(error)));
  }
  return dialog;
}
