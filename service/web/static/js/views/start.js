// Start: what bmm-match does, sign-in with an API key, role detection, the public catalogue.

import { api } from "../api.js";
import { ROLE_LABELS, ROLE_VIEWS, signIn, signOut } from "../session.js";
import { announce, busy, errorBox, field, fmt, h, message } from "../ui.js";

const VIEW_TITLES = {
  unternehmen: "Unternehmen / Kommune", beratung: "Beratung", planung: "Planung", daten: "Daten: Import und Export",
};

const ROLES = [
  {
    title: "Unternehmen, Handwerksbetriebe, Kommunen",
    text: "Eigenes Profil mit Standort und Pendelproblemen pflegen; Betriebe in der Nähe mit demselben Problem "
      + "oder schon einer Lösung finden; passende Maßnahmen, Förderprogramme und die zuständige Beratung sehen.",
  },
  {
    title: "Beratung (IHK, HWK, Zukunftsnetz Mobilität, Verkehrsverbünde)",
    text: "Betriebe im eigenen Gebiet, bei denen sich ein Gespräch lohnt (Leads), mit Filtern und einer "
      + "druckbaren Gesprächsvorlage auf einer A4-Seite.",
  },
  {
    title: "Planung (Kommunen, Kreise, Regionen)",
    text: "Räumliche Cluster von Betrieben mit einem gemeinsamen Problem – Kandidaten für Gewerbegebiets-"
      + "Shuttle, gemeinsames Jobticket, Fahrgemeinschaften oder Mobilstationen – mit Export.",
  },
];

export async function render(root, { session, rerender }) {
  root.append(
    h("h1", {}, "Betriebliches Mobilitätsmanagement mit Daten"),
    h("p", { class: "lead-text" },
      "bmm-match bringt Unternehmen, Handwerksbetriebe und Kommunen mit Betrieben in der Nähe zusammen, die "
      + "dasselbe Pendelproblem haben oder schon gelöst haben – und mit der zuständigen Beratung, passenden "
      + "Maßnahmen und Förderprogrammen. Start in Nordrhein-Westfalen und der Region Stuttgart, auf echten "
      + "amtlichen Geodaten."),
    h("ul", { class: "role-grid" },
      ROLES.map((role) => h("li", { class: "card" }, h("h2", { style: "margin-top:0;font-size:1.05rem" }, role.title),
        h("p", { style: "margin:0" }, role.text)))),
  );

  const status = h("div", {});
  root.append(status);
  loadHealth(status);

  root.append(h("h2", {}, "Öffentlich, ohne Anmeldung"),
    h("p", {}, "Den Katalog der Maßnahmen und Förderprogramme kann jede und jeder ansehen: ",
      h("a", { href: "#/katalog" }, "zum Katalog"), ". Die Programmierschnittstelle ist unter ",
      h("a", { href: "/docs" }, "/docs"), " beschrieben."));

  const section = h("section", { class: "signin", "aria-labelledby": "signin-title" });
  root.append(section);
  if (session) {
    renderSignedIn(section, session, rerender);
  } else {
    renderSignIn(section, rerender);
  }
}

async function loadHealth(container) {
  try {
    const health = await api("/health", { auth: false });
    container.append(message(
      `Der Dienst läuft (Version ${health.version}): ${fmt.int(health.organisations)} Organisationen gespeichert, `
      + `davon ${fmt.int(health.synthetic_organisations)} synthetische Demo-Profile.`,
      "info",
    ));
  } catch (error) {
    container.append(errorBox(error));
  }
}

function renderSignIn(section, rerender) {
  const input = h("input", {
    id: "api-key", name: "api-key", type: "password", autocomplete: "off", spellcheck: "false", required: true,
  });
  const feedback = h("div", { "aria-live": "polite" });
  const form = h("form", {
    novalidate: true,
    onsubmit: async (event) => {
      event.preventDefault();
      feedback.replaceChildren();
      input.removeAttribute("aria-invalid");
      const progress = busy(feedback, "Schlüssel wird geprüft …");
      try {
        const session = await signIn(input.value);
        progress.done();
        announce(`Angemeldet als ${ROLE_LABELS[session.role] || session.role}.`);
        const first = (ROLE_VIEWS[session.role] || [])[0];
        if (first) window.location.hash = `#/${first}`;
        else rerender();
      } catch (error) {
        progress.done();
        input.setAttribute("aria-invalid", "true");
        feedback.append(errorBox(error));
        input.focus();
      }
    },
  },
  field("API-Schlüssel", input,
    "Den Schlüssel erhalten Sie vom Betrieb des Dienstes (bmm keys create oder bmm demo). Er bleibt nur in "
    + "diesem Browser-Tab gespeichert, bis Sie sich abmelden oder den Tab schließen."),
  h("div", { class: "actions" }, h("button", { class: "button", type: "submit" }, "Anmelden")),
  feedback);
  section.append(h("h2", { id: "signin-title" }, "Anmelden"), form);
}

function renderSignedIn(section, session, rerender) {
  const views = ROLE_VIEWS[session.role] || [];
  section.append(
    h("h2", { id: "signin-title" }, "Angemeldet"),
    h("p", {}, `Rolle: ${ROLE_LABELS[session.role] || session.role}`,
      session.subject ? ` – ${session.subject}` : "", "."),
    views.length
      ? h("ul", {}, views.map((view) => h("li", {}, h("a", { href: `#/${view}` }, VIEW_TITLES[view]))))
      : null,
    h("div", { class: "actions" }, h("button", {
      class: "button button--secondary",
      type: "button",
      onclick: () => {
        signOut();
        announce("Abgemeldet.");
        rerender();
      },
    }, "Abmelden")),
  );
}
