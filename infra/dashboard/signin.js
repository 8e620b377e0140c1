// Staff sign-in: the OAuth 2.0 authorization code grant with PKCE (RFC 7636, S256), against
// Cognito's managed login on AWS and the local runtime's stand-in locally (config.json says
// where). No library: crypto.getRandomValues for the verifier and state, crypto.subtle for the
// challenge. The verifier and state wait in sessionStorage for the return trip only.

const PENDING_KEY = "cxloop:oauth-pending";
const RETURN_PARAMETERS = ["code", "state", "error", "error_description"];

export class SignInError extends Error {}

function base64url(bytes) {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** `count` random bytes, base64url: 32 give a 43-character verifier (RFC 7636 §4.1). */
function randomText(count) {
  const bytes = new Uint8Array(count);
  crypto.getRandomValues(bytes);
  return base64url(bytes);
}

async function challengeOf(verifier) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

function absolute(url) {
  return new URL(url, window.location.href).href;
}

/** Where the sign-in comes back to: this page's folder, without query or fragment. */
export function redirectUri() {
  return new URL(".", window.location.href).href;
}

export function usesOAuth(config) {
  return config?.signIn === "oauth" && Boolean(config.authorizeUrl && config.tokenUrl && config.clientId);
}

/** Off to the authorization server, with a fresh verifier and state kept in this tab. */
export async function beginSignIn(config) {
  const verifier = randomText(32);
  const state = randomText(16);
  sessionStorage.setItem(PENDING_KEY, JSON.stringify({ verifier, state }));
  const query = new URLSearchParams({
    response_type: "code",
    client_id: config.clientId,
    redirect_uri: redirectUri(),
    scope: config.scopes || "openid",
    state,
    code_challenge: await challengeOf(verifier),
    code_challenge_method: "S256",
  });
  window.location.assign(`${absolute(config.authorizeUrl)}?${query}`);
}

/** Takes the code and state out of the address bar (history, bookmarks and referrers never
 * keep them) and answers what they were. */
function takeReturnParameters() {
  const url = new URL(window.location.href);
  const found = Object.fromEntries(RETURN_PARAMETERS.map((name) => [name, url.searchParams.get(name)]));
  if (!found.code && !found.error) return null;
  for (const name of RETURN_PARAMETERS) url.searchParams.delete(name);
  window.history.replaceState(null, "", `${url.pathname}${url.search}${url.hash}`);
  return found;
}

function takePending() {
  const kept = sessionStorage.getItem(PENDING_KEY);
  sessionStorage.removeItem(PENDING_KEY);
  try {
    return kept ? JSON.parse(kept) : null;
  } catch {
    return null;
  }
}

/** On the way back from signing in: the ID token for the code; null when this page load is
 * not a return from sign-in; SignInError, with a sentence for the person, when it fails. */
export async function finishSignIn(config) {
  const returned = takeReturnParameters();
  if (!returned) return null;
  const pending = takePending();
  if (returned.error) {
    throw new SignInError(`Signing in was not completed (${returned.error}). Sign in again.`);
  }
  if (!pending || !returned.state || returned.state !== pending.state) {
    throw new SignInError(
      "This sign-in answer was refused: it does not match a sign-in started in this tab. Sign in again.",
    );
  }
  const body = new URLSearchParams({
    grant_type: "authorization_code",
    client_id: config.clientId,
    code: returned.code,
    redirect_uri: redirectUri(),
    code_verifier: pending.verifier,
  });
  let response;
  try {
    response = await fetch(absolute(config.tokenUrl), {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
      body,
      cache: "no-store",
      credentials: "omit",
    });
  } catch {
    throw new SignInError("The sign-in service cannot be reached. Sign in again in a moment.");
  }
  const answer = response.ok ? await response.json().catch(() => ({})) : {};
  if (typeof answer.id_token !== "string") {
    throw new SignInError("The sign-in could not be completed (the code was refused). Sign in again.");
  }
  return answer.id_token;
}

/** Where Sign out goes to end the authorization server's session too (Cognito's /logout). */
export function signOutUrl(config) {
  if (!usesOAuth(config) || !config.logoutUrl) return null;
  const query = new URLSearchParams({ client_id: config.clientId, logout_uri: redirectUri() });
  return `${absolute(config.logoutUrl)}?${query}`;
}
