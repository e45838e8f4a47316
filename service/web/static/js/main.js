// Entry point: hash routing between the views, navigation and the signed-in badge.

import { ROLE_LABELS, currentSession, mayOpen } from "./session.js";
import { clear, errorBox, h, message } from "./ui.js";
import * as start from "./views/start.js";
import * as catalog from "./views/catalog.js";
import * as organisation from "./views/organisation.js";
import * as advisor from "./views/advisor.js";
import * as planner from "./views/planner.js";
import * as data from "./views/data.js";

const ROUTES = {
  start: { title: "Start", module: start, public: true },
  katalog: { title: "Katalog", module: catalog, public: true },
  unternehmen: { title: "Unternehmen / Kommune", module: organisation },
  beratung: { title: "Beratung", module: advisor },
  planung: { title: "Planung", module: planner },
  daten: { title: "Daten", module: data },
};

let cleanup = null;

function routeName() {
  const name = window.location.hash.replace(/^#\/?/, "").split("?")[0];
  return ROUTES[name] ? name : "start";
}

function renderNav(active) {
  const session = currentSession();
  const nav = clear(document.getElementById("nav"));
  for (const [name, route] of Object.entries(ROUTES)) {
    if (!route.public && !mayOpen(session, name)) continue;
    nav.append(h("li", {}, h("a", { href: `#/${name}`, "aria-current": name === active ? "page" : false }, route.title)));
  }
  const badge = document.getElementById("session-badge");
  if (session) {
    badge.hidden = false;
    badge.textContent = `Angemeldet: ${ROLE_LABELS[session.role] || session.role}${session.subject ? ` (${session.subject})` : ""}`;
  } else {
    badge.hidden = true;
    badge.textContent = "";
  }
}

export async function render() {
  const name = routeName();
  const route = ROUTES[name];
  renderNav(name);
  if (cleanup) {
    try {
      cleanup();
    } catch {
      // a view's cleanup must not stop navigation
    }
    cleanup = null;
  }
  const root = clear(document.getElementById("view"));
  document.title = `${route.title} – bmm-match`;
  const session = currentSession();
  if (!route.public && !mayOpen(session, name)) {
    root.append(
      h("h1", {}, route.title),
      message(
        session
          ? "Diese Ansicht ist für Ihre Rolle nicht freigegeben."
          : "Für diese Ansicht bitte zuerst auf der Startseite mit einem API-Schlüssel anmelden.",
        "warn",
        h("p", {}, h("a", { href: "#/start" }, "Zur Anmeldung")),
      ),
    );
    return;
  }
  try {
    const result = await route.module.render(root, { session, rerender: render });
    if (typeof result === "function") cleanup = result;
  } catch (error) {
    root.append(errorBox(error));
  }
}

window.addEventListener("hashchange", () => {
  render().then(() => {
    const main = document.getElementById("inhalt");
    const heading = main.querySelector("h1");
    (heading || main).setAttribute("tabindex", "-1");
    (heading || main).focus({ preventScroll: false });
  });
});

render();
