// The server's printable German A4 pages (format=html): the consultation brief and the residence report. The
// app fetches a page with the API key and shows it in a dialog (sandboxed iframe, no scripts) with print and
// new-tab buttons.

import { api } from "./api.js";
import { announce, busy, errorBox, h } from "./ui.js";

/** Open the brief of `organisationId` in a modal dialog; focus returns to `opener` when it closes. */
export function openBrief(organisationId, name, opener = null) {
  return openPrintable(`/organisations/${encodeURIComponent(organisationId)}/brief`, {}, {
    title: `Beratungsunterlage – ${name}`, loading: "Die Beratungsunterlage wird erstellt …",
    loaded: "Beratungsunterlage geladen.", opener,
  });
}

/**
 * Open the printable page of `path` (asked with `format=html` and `query`) in a modal dialog titled `title`;
 * `loading` and `loaded` are the status texts; focus returns to `opener` when it closes.
 */
export async function openPrintable(path, query, { title, loading, loaded, opener = null }) {
  const frame = h("iframe", {
    class: "brief-frame",
    title,
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
      h("h2", { id: "brief-title" }, title),
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
  const progress = busy(body, loading);
  try {
    const response = await api(path, { query: { ...query, format: "html" }, accept: "text/html", raw: true });
    const html = await response.text();
    progress.done();
    frame.srcdoc = html;
    frame.hidden = false;
    blobUrl = URL.createObjectURL(new Blob([html], { type: "text/html" }));
    printButton.disabled = false;
    tabButton.disabled = false;
    announce(loaded);
  } catch (error) {
    progress.done();
    body.append(h("div", { style: "padding:0 1rem" }, errorBox(error)));
  }
  return dialog;
}
