// The staff API as the dashboard speaks to it: the bearer token, its claims, and fetch with
// errors a person can act on. The API enforces every scope; the claims read here only choose
// which view to draw and what to call the person.

const TOKEN_KEY = "cxloop:staff-token";

// sessionStorage, not localStorage: the token dies with the tab, and never sits in the URL,
// where it would reach history, bookmarks and referrers.
export function storedToken() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function keepToken(token) {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function forgetToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}

/** The JWT's payload, decoded for display only (the signature is the API's business). */
export function claimsOf(token) {
  const parts = token.split(".");
  if (parts.length !== 3) return null;
  try {
    const base64 = parts[1].replace(/-/g, "+").replace(/_/g, "/");
    const padded = base64 + "=".repeat((4 - (base64.length % 4)) % 4);
    const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes));
    return typeof claims === "object" && claims !== null ? claims : null;
  } catch {
    return null;
  }
}

/** Who the token says this is: the person's id in the organisation, role and scope. */
export function personOf(claims) {
  return {
    user: String(claims["custom:person"] || claims.sub || ""),
    role: String(claims["custom:role"] || ""),
    scope: String(claims["custom:scope"] || ""),
    expires: typeof claims.exp === "number" ? new Date(claims.exp * 1000) : null,
  };
}

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

const MESSAGES = {
  401: "Your sign-in is missing, expired or not valid. Sign in again to carry on.",
  403: "Your role may not see this part of the dashboard.",
  404: "There is nothing here for your scope yet.",
};

/** A sentence for the person, whatever went wrong. */
export function explain(error) {
  if (error instanceof ApiError && error.status > 0) {
    if (MESSAGES[error.status]) return MESSAGES[error.status];
    if (error.status >= 500) {
      return "The service is not answering right now. The dashboard will try again within a minute.";
    }
    return `The request was refused (${error.status}): ${error.message}`;
  }
  return "The service cannot be reached. The dashboard will try again within a minute.";
}

let apiBase = "";

/** The API's base URL from config.json: empty locally (same origin), the stage URL on AWS. */
export async function loadConfig() {
  const response = await fetch("config.json", { cache: "no-store" });
  if (!response.ok) throw new ApiError(response.status, "config.json is missing");
  const config = await response.json();
  apiBase = String(config.apiUrl || "").replace(/\/+$/, "");
  return config;
}

export async function getJson(path, token) {
  let response;
  try {
    response = await fetch(`${apiBase}${path}`, {
      headers: { Authorization: `Bearer ${token}`, Accept: "application/json" },
      cache: "no-store",
      credentials: "omit",
    });
  } catch (cause) {
    throw new ApiError(0, String(cause));
  }
  if (!response.ok) {
    let message = response.statusText;
    try {
      message = (await response.json()).error?.message || message;
    } catch {
      // a gateway error page instead of JSON: keep the status text
    }
    throw new ApiError(response.status, message);
  }
  return response.json();
}
