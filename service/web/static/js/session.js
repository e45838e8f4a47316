// Sign-in with an API key (kept in sessionStorage for this browser session only) and role detection.

import { api, ApiError, clearKey, getKey, setKey } from "./api.js";

const SESSION_STORAGE = "bmm.session";

export const ROLE_LABELS = {
  admin: "Administration",
  advisor: "Beratung",
  planner: "Planung",
  organisation: "Unternehmen / Kommune",
};

/** The views each role may open (besides Start and Katalog, which are public). */
export const ROLE_VIEWS = {
  organisation: ["unternehmen"],
  advisor: ["beratung", "planung"],
  planner: ["planung"],
  admin: ["unternehmen", "beratung", "planung", "daten"],
};

/** The current session {role, subject, capabilities} or null. */
export function currentSession() {
  if (!getKey()) return null;
  try {
    return JSON.parse(sessionStorage.getItem(SESSION_STORAGE) || "null");
  } catch {
    return null;
  }
}

export function updateSession(changes) {
  const session = { ...(currentSession() || {}), ...changes };
  sessionStorage.setItem(SESSION_STORAGE, JSON.stringify(session));
  return session;
}

export function signOut() {
  clearKey();
  sessionStorage.removeItem(SESSION_STORAGE);
}

/** Check `key` against the service, learn its role and subject, and keep both for this session. */
export async function signIn(key) {
  const trimmed = (key || "").trim();
  if (!trimmed) throw new ApiError("Bitte einen API-Schlüssel eingeben.", 0);
  setKey(trimmed);
  try {
    const session = await detectRole();
    sessionStorage.setItem(SESSION_STORAGE, JSON.stringify(session));
    return session;
  } catch (error) {
    signOut();
    throw error;
  }
}

// GET /api/v1/me names the key's role and subject (401 for a wrong or revoked key).
async function detectRole() {
  const me = await api("/me");
  return { role: me.role, subject: me.subject ?? null, capabilities: me.capabilities || [] };
}

export function mayOpen(session, view) {
  return Boolean(session && (ROLE_VIEWS[session.role] || []).includes(view));
}
