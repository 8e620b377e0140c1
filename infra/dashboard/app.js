// cxloop's staff dashboard: one view per role, drawn from the staff API, refreshed every
// minute and whenever the tab comes back into focus. No framework and no build step: DOM
// calls only, and every figure from the API is put in as text (customer comments included),
// never as HTML.

import {
  claimsOf,
  explain,
  forgetToken,
  getJson,
  keepToken,
  loadConfig,
  personOf,
  storedToken,
  ApiError,
} from "./api.js";
import { intervalChart, shareBars, trendChart } from "./charts.js";
import { SignInError, beginSignIn, finishSignIn, signOutUrl, usesOAuth } from "./signin.js";

const REFRESH_MS = 60_000;
const PERIODS = { 7: "day", 30: "week", 90: "month" };
const VIEW_OF_ROLE = {
  agent: "agent",
  teleoperator: "agent",
  branch_manager: "branch",
  country_manager: "country",
  executive: "executive",
};
const ROLE_NAMES = {
  agent: "Agent",
  teleoperator: "Teleoperator",
  branch_manager: "Branch manager",
  country_manager: "Country manager",
  executive: "Executive",
};
const STATUSES = [
  ["new", "New"],
  ["assigned", "Assigned"],
  ["in_progress", "In progress"],
  ["waiting_customer", "Waiting for the customer"],
  ["resolved", "Resolved"],
  ["closed", "Closed"],
];
const METRICS = {
  nps: { name: "NPS", long: "Net Promoter Score", low: -100, high: 100, digits: 1, unit: "" },
  csat: { name: "CSAT", long: "Customer satisfaction (share of 4-5)", low: 0, high: 100, digits: 1, unit: " %" },
  ces: { name: "CES", long: "Customer effort (1-7, higher is easier)", low: 1, high: 7, digits: 2, unit: "" },
};

const state = {
  config: null,
  token: null,
  person: null,
  organisation: null,
  loading: false,
  timer: null,
  expiry: null,
  lastData: null,
  // What the person chose, kept across refreshes.
  trendMetric: "nps",
  tablesShown: new Set(),
};

const $ = (id) => document.getElementById(id);

// --- small DOM and number helpers ---------------------------------------------------------------

function h(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "dataset") Object.assign(node.dataset, value);
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** A number as people read it: fixed digits, a true minus sign, a dash for "no value". */
export function formatNumber(value, digits) {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  const text = Math.abs(value).toFixed(digits);
  return value < 0 && Number(text) !== 0 ? `−${text}` : text;
}

function formatMetric(key, value) {
  const metric = METRICS[key];
  const text = formatNumber(value, metric.digits);
  return text === "–" ? text : `${text}${metric.unit}`;
}

function formatSigned(key, value) {
  const text = formatMetric(key, value);
  return value > 0 ? `+${text}` : text;
}

function share(value) {
  return value === null || value === undefined ? "–" : `${Math.round(value * 100)} %`;
}

function isoDay(date) {
  return date.toISOString().slice(0, 10);
}

function periodQuery() {
  const days = Number($("period").value);
  const to = new Date();
  const from = new Date(to.getTime() - (days - 1) * 86_400_000);
  return `from=${isoDay(from)}&to=${isoDay(to)}&interval=${PERIODS[days]}`;
}

function shortDate(iso) {
  if (!iso) return "–";
  return new Date(iso).toLocaleDateString("en-GB", { day: "numeric", month: "short" });
}

function dateTime(iso) {
  return new Date(iso).toLocaleString("en-GB", { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
}

/** Charts are drawn at the width they get, so their text stays readable on a phone. */
function chartWidth() {
  return Math.max(260, Math.min($("view").clientWidth - 40, 1100));
}

// --- names from the organisation (managers and executives may read it) -------------------------

function placeName(scope) {
  if (scope === "all") return "the whole company";
  const [kind, id] = [scope.slice(0, scope.indexOf(":")), scope.slice(scope.indexOf(":") + 1)];
  const org = state.organisation;
  if (org) {
    for (const country of org.countries) {
      if (kind === "country" && country.code === id) return country.name;
      for (const region of country.regions) {
        if (kind === "region" && region.id === id) return region.name;
        for (const branch of region.branches) if (kind === "branch" && branch.id === id) return branch.name;
      }
    }
  }
  return id;
}

function personName(id) {
  const found = state.organisation?.people.find((p) => p.id === id);
  if (found) return found.name;
  return id.startsWith("team:") ? `team ${id.slice(5)}` : id;
}

/** Branches (or countries) inside the caller's scope, from the organisation. */
function branchesWithin(scope) {
  const [kind, id] = [scope.slice(0, scope.indexOf(":")), scope.slice(scope.indexOf(":") + 1)];
  const found = [];
  for (const country of state.organisation?.countries ?? []) {
    for (const region of country.regions) {
      const inside = (kind === "country" && country.code === id) || (kind === "region" && region.id === id);
      if (inside) found.push(...region.branches.map((b) => ({ scope: `branch:${b.id}`, name: b.name })));
    }
  }
  return found;
}

// --- loading ------------------------------------------------------------------------------------

async function organisationOrNone() {
  try {
    return (await getJson("/v1/config/organisation", state.token)).document;
  } catch (error) {
    // Never published yet (404): ids instead of names; anything else is a real failure.
    if (error instanceof ApiError && error.status === 404) return null;
    throw error;
  }
}

const LOADERS = {
  async agent() {
    const [tickets, health] = await Promise.all([
      getJson("/v1/tickets?limit=200&sort=due_at", state.token),
      getJson(`/v1/reports/health?group=owner&${periodQuery().replace(/&interval=\w+/, "")}`, state.token),
    ]);
    return { tickets: tickets.items, health };
  },
  async branch() {
    const [organisation, metrics, tickets] = await Promise.all([
      organisationOrNone(),
      getJson(`/v1/metrics?${periodQuery()}`, state.token),
      getJson("/v1/tickets?limit=200", state.token),
    ]);
    state.organisation = organisation;
    return { metrics, tickets: tickets.items };
  },
  async country() {
    const [organisation, metrics] = await Promise.all([
      organisationOrNone(),
      getJson(`/v1/metrics?${periodQuery()}`, state.token),
    ]);
    state.organisation = organisation;
    const parts = branchesWithin(metrics.scope);
    return { metrics, compared: await compare(parts) };
  },
  async executive() {
    const [organisation, metrics] = await Promise.all([
      organisationOrNone(),
      getJson(`/v1/metrics?${periodQuery()}`, state.token),
    ]);
    state.organisation = organisation;
    const parts = (organisation?.countries ?? []).map((c) => ({ scope: `country:${c.code}`, name: c.name }));
    return { metrics, compared: await compare(parts) };
  },
};

/** One GET /v1/metrics per part, side by side. */
async function compare(parts) {
  const query = periodQuery();
  const answers = await Promise.all(
    parts.map((part) => getJson(`/v1/metrics?scope=${encodeURIComponent(part.scope)}&${query}`, state.token)),
  );
  return parts.map((part, index) => ({ ...part, metrics: answers[index] }));
}

async function refresh() {
  if (state.loading || !state.token) return;
  state.loading = true;
  $("view").setAttribute("aria-busy", "true");
  try {
    const kind = VIEW_OF_ROLE[state.person.role];
    const data = await LOADERS[kind]();
    state.lastData = { kind, data };
    render();
    hideNotice();
    const now = new Date();
    $("updated").replaceChildren(
      "Updated ",
      h("time", { datetime: now.toISOString() }, now.toLocaleTimeString("en-GB")),
    );
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      signOut(explain(error));
    } else {
      showNotice(explain(error));
    }
  } finally {
    state.loading = false;
    $("view").removeAttribute("aria-busy");
  }
}

// --- sign in and out ----------------------------------------------------------------------------

function showSignIn(message = "") {
  const oauth = usesOAuth(state.config);
  $("sign-in").hidden = false;
  $("view").hidden = true;
  $("session").hidden = true;
  $("oauth-sign-in").hidden = !oauth;
  // Without an authorization server to go to, pasting a token is the only way in.
  if (!oauth) $("token-disclosure").open = true;
  const error = $("token-error");
  error.hidden = !message;
  error.textContent = message;
  const pasting = $("token-disclosure").open;
  $("token").setAttribute("aria-invalid", message && pasting ? "true" : "false");
  (pasting ? $("token") : $("sign-in-button")).focus();
}

function start(token) {
  const claims = claimsOf(token);
  const person = claims && personOf(claims);
  if (!person || !VIEW_OF_ROLE[person.role]) {
    showSignIn("This is not a cxloop staff token (it names no known role). Paste the whole token.");
    return false;
  }
  if (person.expires && person.expires <= new Date()) {
    forgetToken();
    showSignIn("Your sign-in has expired. Sign in again to carry on.");
    return false;
  }
  state.token = token;
  state.person = person;
  keepToken(token);
  $("sign-in").hidden = true;
  $("view").hidden = false;
  $("session").hidden = false;
  $("who").textContent = `${ROLE_NAMES[person.role]} · ${person.user} · ${person.scope || "no scope"}`;
  clearInterval(state.timer);
  state.timer = setInterval(refresh, REFRESH_MS);
  clearTimeout(state.expiry);
  if (person.expires) {
    // Back to sign-in when the token runs out, not at the next refused refresh. (Capped: a
    // timeout beyond 2^31 ms fires at once.)
    const left = Math.min(person.expires.getTime() - Date.now(), 2 ** 31 - 1);
    state.expiry = setTimeout(() => signOut("Your sign-in has expired. Sign in again to carry on."), left);
  }
  return true;
}

function signOut(message = "") {
  clearInterval(state.timer);
  clearTimeout(state.expiry);
  forgetToken();
  state.token = null;
  state.person = null;
  state.lastData = null;
  $("view").replaceChildren();
  $("token").value = "";
  hideNotice();
  showSignIn(message);
}

function showNotice(message) {
  const notice = $("notice");
  notice.textContent = state.lastData ? `${message} The figures below are from the last update.` : message;
  notice.hidden = false;
}

function hideNotice() {
  $("notice").hidden = true;
  $("notice").textContent = "";
}

// --- rendering ----------------------------------------------------------------------------------

function render() {
  if (!state.lastData) return;
  // Keep the keyboard where it was: refreshes redraw the view every minute.
  const focused = document.activeElement?.id;
  const { kind, data } = state.lastData;
  $("view").replaceChildren(...VIEWS[kind](data));
  if (focused && $(focused) && $("view").contains($(focused))) $(focused).focus();
}

const VIEWS = {
  agent: (data) => [
    h("h1", { id: "view-title", tabindex: "-1" }, "My tickets"),
    healthSection(data.health),
    board(data.tickets, "My ticket board", { showOwner: false }),
  ],
  branch: (data) => [
    h("h1", { id: "view-title", tabindex: "-1" }, `${placeName(data.metrics.scope)}: my branch`),
    ...scopeSections(data.metrics),
    detractorSection(data.metrics.detractors),
    board(data.tickets, "Ticket board", { showOwner: true }),
  ],
  country: (data) => [
    h("h1", { id: "view-title", tabindex: "-1" }, `${placeName(data.metrics.scope)}: branches compared`),
    ...scopeSections(data.metrics),
    comparedSection(data.compared, "Branches compared", "branch"),
    detractorSection(data.metrics.detractors),
  ],
  executive: (data) => [
    h("h1", { id: "view-title", tabindex: "-1" }, "The company: countries compared"),
    ...scopeSections(data.metrics),
    comparedSection(data.compared, "Countries compared", "country"),
    detractorSection(data.metrics.detractors),
  ],
};

function scopeSections(metrics) {
  return [
    cardsSection(metrics),
    trendSection(metrics),
    metrics.benchmark ? benchmarkSection(metrics) : null,
    driversSection(metrics.drivers),
    topicsSection(metrics.topics),
  ].filter(Boolean);
}

function section(id, title, ...children) {
  return h("section", { class: "panel", id, "aria-labelledby": `${id}-title` }, h("h2", { id: `${id}-title` }, title), ...children);
}

/** A chart with its table: the table is one toggle away, and always there for screen readers. */
function chartWithTable(id, chart, table) {
  const shown = state.tablesShown.has(id);
  const figure = h("div", { class: "figure", id: `${id}-chart`, hidden: shown }, chart);
  const holder = h("div", { class: "table-wrap", id: `${id}-table`, hidden: !shown, role: "region", tabindex: "0", "aria-label": `${id.replace(/-/g, " ")} as a table` }, table);
  const toggle = h(
    "button",
    {
      type: "button",
      class: "toggle",
      id: `${id}-toggle`,
      "aria-expanded": String(shown),
      "aria-controls": `${id}-table`,
      onclick: () => {
        const open = !state.tablesShown.has(id);
        if (open) state.tablesShown.add(id);
        else state.tablesShown.delete(id);
        figure.hidden = open;
        holder.hidden = !open;
        toggle.setAttribute("aria-expanded", String(open));
        toggle.textContent = open ? "Show as chart" : "Show as table";
      },
    },
    shown ? "Show as chart" : "Show as table",
  );
  return [toggle, figure, holder];
}

function table(caption, headers, rows, attributes = {}) {
  return h(
    "table",
    attributes,
    h("caption", {}, caption),
    h("thead", {}, h("tr", {}, headers.map((title) => h("th", { scope: "col" }, title)))),
    h("tbody", {}, rows),
  );
}

function smallSampleBadge(estimate) {
  return estimate.small_sample
    ? h("span", { class: "badge warn", title: "Fewer than 30 answers: read with care" }, `n < 30`)
    : null;
}

function cardsSection(metrics) {
  const place = placeName(metrics.scope);
  const cards = Object.entries(METRICS).map(([key, metric]) => {
    const estimate = metrics[key];
    const extra = {
      nps: `${estimate.promoters} promoters · ${estimate.passives} passives · ${estimate.detractors} detractors`,
      csat: `${estimate.satisfied} of ${estimate.n} satisfied`,
      ces: `${share(estimate.easy_share)} found it easy (5-7)`,
    }[key];
    return h(
      "article",
      { class: "card", dataset: { metric: key }, "aria-labelledby": `card-${key}` },
      h("h3", { id: `card-${key}` }, metric.name, h("span", { class: "long" }, metric.long)),
      h("p", { class: "value" }, formatMetric(key, estimate.value)),
      h(
        "p",
        { class: "interval" },
        "95 % interval ",
        h("span", { class: "low" }, formatMetric(key, estimate.low)),
        " to ",
        h("span", { class: "high" }, formatMetric(key, estimate.high)),
      ),
      h("p", { class: "n" }, "n = ", h("span", { class: "count" }, String(estimate.n)), " ", smallSampleBadge(estimate)),
      h("p", { class: "extra" }, extra),
    );
  });
  return section(
    "scores",
    `Scores for ${place}`,
    h("p", { class: "hint" }, `${metrics.responses} answers from ${shortDate(metrics.from)} to ${shortDate(metrics.to)}.`),
    h("div", { class: "cards" }, cards),
  );
}

function trendSection(metrics) {
  const key = state.trendMetric;
  const metric = METRICS[key];
  const points = metrics.trend.map((point) => ({
    label: point.bucket,
    short: point.bucket.includes("-W") ? point.bucket.slice(5) : point.bucket.slice(5),
    value: point[key].value,
    low: point[key].low,
    high: point[key].high,
  }));
  const answered = points.filter((p) => p.value !== null).length;
  const chart = trendChart(points, {
    width: chartWidth(),
    low: metric.low,
    high: metric.high,
    title: `${metric.name} by ${metrics.interval}`,
    description: `${answered} of ${points.length} periods have answers; the shaded band is the 95 % interval.`,
    format: (v) => formatNumber(v, key === "ces" ? 0 : 0),
  });
  const rows = metrics.trend.map((point) =>
    h(
      "tr",
      {},
      h("th", { scope: "row" }, `${point.bucket} (${shortDate(point.from)}–${shortDate(point.to)})`),
      h("td", {}, String(point.responses)),
      ...["nps", "csat", "ces"].map((k) =>
        h("td", {}, formatMetric(k, point[k].value), point[k].value === null ? "" : ` [${formatMetric(k, point[k].low)}, ${formatMetric(k, point[k].high)}]`),
      ),
    ),
  );
  const picker = h(
    "fieldset",
    { class: "segmented" },
    h("legend", {}, "Metric"),
    Object.entries(METRICS).map(([k, m]) =>
      h(
        "label",
        {},
        h("input", {
          type: "radio",
          name: "trend-metric",
          id: `trend-${k}`,
          value: k,
          checked: k === key,
          onchange: () => {
            state.trendMetric = k;
            render();
          },
        }),
        h("span", {}, m.name),
      ),
    ),
  );
  return section(
    "trend",
    "Trend",
    picker,
    ...chartWithTable("trend", chart, table("Scores by period, with 95 % intervals", ["Period", "Answers", "NPS", "CSAT", "CES"], rows)),
  );
}

function benchmarkSection(metrics) {
  const bench = metrics.benchmark;
  const parent = placeName(bench.parent);
  const here = placeName(metrics.scope);
  const rows = Object.keys(METRICS).map((key) => {
    const difference = bench.difference[key];
    const verdict =
      difference.value === null
        ? "nothing to compare"
        : difference.significant
          ? difference.value > 0
            ? "significantly better"
            : "significantly worse"
          : "no significant difference";
    return h(
      "tr",
      { dataset: { metric: key } },
      h("th", { scope: "row" }, METRICS[key].name),
      h("td", { class: "here" }, formatMetric(key, metrics[key].value)),
      h("td", { class: "parent" }, formatMetric(key, bench.parent_scores[key].value)),
      h("td", { class: "rest" }, formatMetric(key, bench.rest_of_parent[key].value)),
      h(
        "td",
        { class: "difference" },
        formatSigned(key, difference.value),
        difference.low === null ? "" : ` [${formatSigned(key, difference.low)}, ${formatSigned(key, difference.high)}]`,
      ),
      h("td", { class: difference.significant ? "verdict significant" : "verdict" }, verdict),
    );
  });
  const chart = intervalChart(
    [{ label: "NPS difference", ...bench.difference.nps, strong: bench.difference.nps.significant }],
    {
      width: chartWidth(),
      low: -200,
      high: 200,
      reference: 0,
      title: `NPS of ${here} minus the rest of ${parent}`,
      description: "The dot is the difference, the line its 95 % interval; crossing zero means no significant difference.",
      format: (v) => formatNumber(v, 0),
    },
  );
  return section(
    "benchmark",
    `Benchmark against ${parent}`,
    h(
      "p",
      { class: "hint" },
      `${here} is tested against the rest of ${parent} (its answers without ${here}'s), a 95 % test; ${parent} as a whole is shown beside it.`,
    ),
    h(
      "div",
      { class: "table-wrap", role: "region", tabindex: "0", "aria-label": "Benchmark table" },
      table(`${here} against ${parent}`, ["Metric", here, `${parent} (all)`, `Rest of ${parent}`, "Difference [95 %]", "Verdict"], rows, {
        id: "benchmark-table",
      }),
    ),
    h("div", { class: "figure", "aria-hidden": "true" }, chart),
  );
}

function driversSection(drivers) {
  const list = (names, kind) =>
    names.length
      ? h("ul", { class: `drivers ${kind}` }, names.map((name) => h("li", {}, name.replace(/_/g, " "))))
      : h("p", { class: "hint" }, "None in this period.");
  const body = drivers.ranked.length
    ? [
        h("div", { class: "two" }, h("div", {}, h("h3", {}, "Strengths"), list(drivers.strengths, "strengths")), h("div", {}, h("h3", {}, "Weaknesses"), list(drivers.weaknesses, "weaknesses"))),
        h(
          "div",
          { class: "table-wrap", role: "region", tabindex: "0", "aria-label": "Drivers table" },
          table(
            "Drivers ranked by their effect on NPS",
            ["Driver", "Answers", "Mean", "Effect on NPS [95 %]", "Penalty", "Reward"],
            drivers.ranked.map((d) =>
              h(
                "tr",
                {},
                h("th", { scope: "row" }, d.driver.replace(/_/g, " ")),
                h("td", {}, String(d.answers)),
                h("td", {}, formatNumber(d.mean, 2)),
                h("td", {}, formatSigned("nps", d.effect.value), d.effect.low === null ? "" : ` [${formatSigned("nps", d.effect.low)}, ${formatSigned("nps", d.effect.high)}]`),
                h("td", {}, formatNumber(d.penalty, 1)),
                h("td", {}, formatNumber(d.reward, 1)),
              ),
            ),
          ),
        ),
      ]
    : [h("p", { class: "hint" }, "No driver questions (such as cleanliness or waiting time) were answered in this period.")];
  return section("drivers", "Strengths and weaknesses", ...body);
}

function topicsSection(topics) {
  if (!topics.length) return section("topics", "Top topics", h("p", { class: "hint" }, "No comments with a topic in this period."));
  const chart = shareBars(
    topics.map((t) => ({ label: t.topic.replace(/_/g, " "), share: t.share ?? 0, negativeShare: t.negative_share ?? 0 })),
    {
      width: chartWidth(),
      title: "Topics by share of comments",
      description: "Each bar is the share of comments that mention the topic; its darker part, the mentions in a negative comment.",
    },
  );
  const rows = topics.map((t) =>
    h("tr", { dataset: { topic: t.topic } }, h("th", { scope: "row" }, t.topic.replace(/_/g, " ")), h("td", {}, String(t.mentions)), h("td", {}, share(t.share)), h("td", {}, share(t.negative_share))),
  );
  return section(
    "topics",
    "Top topics",
    h("p", { class: "legend" }, h("span", { class: "key bar" }), " mentions ", h("span", { class: "key negative" }), " in a negative comment"),
    ...chartWithTable("topics", chart, table("Topics in comments", ["Topic", "Mentions", "Share of comments", "Negative"], rows)),
  );
}

function detractorSection(detractors) {
  const personal = detractors.personal_data;
  if (!detractors.items.length) return section("detractors", "Detractors", h("p", { class: "hint" }, "No detractor tickets in this period."));
  const headers = ["Ticket", "Answered", "Place", "NPS", "CSAT", "CES", "Topics", "Status", "Owner"];
  if (personal) headers.push("Customer", "Comment");
  const rows = detractors.items.map((d) =>
    h(
      "tr",
      { dataset: { detractor: d.ticket_id } },
      h("th", { scope: "row" }, d.ticket_id),
      h("td", {}, dateTime(d.answered_at)),
      h("td", {}, placeName(`branch:${d.branch}`)),
      h("td", { class: "score" }, d.nps ?? "–"),
      h("td", {}, d.csat ?? "–"),
      h("td", {}, d.ces ?? "–"),
      h("td", {}, d.topics.map((t) => t.replace(/_/g, " ")).join(", ") || "–"),
      h("td", {}, statusName(d.status)),
      h("td", {}, personName(d.owner)),
      personal ? h("td", {}, d.customer?.name ?? "–", d.customer?.phone ? h("br") : null, d.customer?.phone ?? "") : null,
      personal ? h("td", { class: "comment" }, d.comment ?? "–") : null,
    ),
  );
  return section(
    "detractors",
    `Detractors (${detractors.items.length})`,
    personal ? null : h("p", { class: "hint" }, "Customer details stay with the branches that call customers back."),
    h(
      "div",
      { class: "table-wrap", role: "region", tabindex: "0", "aria-label": "Detractor list" },
      table("The latest detractor tickets, newest first", headers, rows, { id: "detractor-table" }),
    ),
  );
}

function statusName(status) {
  return STATUSES.find(([key]) => key === status)?.[1] ?? status;
}

function board(tickets, title, { showOwner }) {
  const now = Date.now();
  const columns = STATUSES.map(([status, name]) => {
    const inColumn = tickets.filter((t) => t.status === status);
    return h(
      "section",
      { class: "column", "aria-labelledby": `col-${status}`, dataset: { status } },
      h("h3", { id: `col-${status}` }, name, " ", h("span", { class: "count" }, String(inColumn.length))),
      inColumn.length
        ? h(
            "ul",
            {},
            inColumn.map((t) => {
              const open = !["resolved", "closed"].includes(t.status);
              const overdue = open && t.due_at && Date.parse(t.due_at) < now;
              return h(
                "li",
                { class: "ticket", dataset: { ticket: t.ticket_id } },
                h("p", { class: "ticket-head" }, h("strong", {}, t.ticket_id), " ", h("span", { class: `badge priority ${t.priority}` }, t.priority)),
                h("p", {}, `${t.ticket_type} · ${placeName(`branch:${t.branch}`)}`),
                h("p", {}, `NPS ${t.score?.nps ?? "–"} · CSAT ${t.score?.csat ?? "–"}`, t.customer?.name ? ` · ${t.customer.name}` : ""),
                h("p", { class: overdue ? "due overdue" : "due" }, overdue ? `Overdue since ${shortDate(t.due_at)}` : t.due_at ? `Due ${dateTime(t.due_at)}` : open ? "Clock paused" : `Closed ${shortDate(t.closed_at || t.updated_at)}`),
                showOwner ? h("p", { class: "owner" }, personName(t.owner)) : null,
              );
            }),
          )
        : h("p", { class: "hint" }, "None"),
    );
  });
  return section("board", `${title} (${tickets.length})`, h("div", { class: "board" }, columns));
}

function comparedSection(parts, title, kind) {
  const key = state.trendMetric;
  const metric = METRICS[key];
  const chart = intervalChart(
    parts.map((part) => ({ label: part.name, value: part.metrics[key].value, low: part.metrics[key].low, high: part.metrics[key].high })),
    {
      width: chartWidth(),
      low: metric.low,
      high: metric.high,
      title: `${metric.name} by ${kind}`,
      description: `Each ${kind}'s ${metric.name} with its 95 % interval.`,
      format: (v) => formatNumber(v, 0),
    },
  );
  const rows = parts.map((part) => {
    const m = part.metrics;
    const against = m.benchmark ? m.benchmark.difference.nps : null;
    return h(
      "tr",
      { dataset: { scope: part.scope } },
      h("th", { scope: "row" }, part.name),
      h("td", { class: "responses" }, String(m.responses)),
      ...Object.keys(METRICS).map((k) =>
        h("td", { class: k, dataset: { metric: k } }, h("span", { class: "value" }, formatMetric(k, m[k].value)), m[k].value === null ? "" : ` [${formatMetric(k, m[k].low)}, ${formatMetric(k, m[k].high)}]`, m[k].small_sample && m[k].n ? " *" : ""),
      ),
      h("td", {}, against?.value === null || !against ? "–" : against.significant ? (against.value > 0 ? "better" : "worse") : "no difference"),
    );
  });
  const versus = kind === "branch" ? "vs rest of region" : "vs rest of company";
  return section(
    "compared",
    title,
    h("p", { class: "hint" }, `The chart shows ${metric.name} (choose the metric under Trend). * fewer than 30 answers.`),
    ...chartWithTable(
      "compared",
      chart,
      table(title, [kind === "branch" ? "Branch" : "Country", "Answers", "NPS [95 %]", "CSAT [95 %]", "CES [95 %]", `NPS ${versus}`], rows, { id: "compared-table" }),
    ),
  );
}

function healthSection(report) {
  const row = report.rows.find((r) => r.key === state.person.user) ?? report.total;
  const rate = (r) => (r.rate === null ? "–" : `${Math.round(r.rate * 100)} % (${r.numerator} of ${r.denominator})`);
  const items = [
    ["opened", "Tickets opened", String(row.opened)],
    ["open", "Open now", String(row.backlog.open)],
    ["overdue", "Open and overdue", String(row.sla.open_overdue)],
    ["first-contact", `First contact within ${row.first_contact.target_business_hours} business hours`, rate(row.first_contact.within_target)],
    ["on-time", "Resolved on time", rate(row.sla.on_time)],
    ["recovery", "Detractors recovered", rate(row.recovery)],
    ["reopen", "Reopened", rate(row.reopen)],
  ];
  return section(
    "health",
    "My health",
    h("p", { class: "hint" }, `Your tickets from ${shortDate(report.from)} to ${shortDate(report.to)}.`),
    h("dl", { class: "health" }, items.map(([id, name, value]) => h("div", { dataset: { health: id } }, h("dt", {}, name), h("dd", {}, value)))),
  );
}

// --- wiring -------------------------------------------------------------------------------------

function debounce(fn, ms) {
  let handle;
  return () => {
    clearTimeout(handle);
    handle = setTimeout(fn, ms);
  };
}

async function boot() {
  $("sign-in-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const token = $("token").value.trim().replace(/^Bearer\s+/i, "");
    if (!token) {
      showSignIn("Paste your staff token first.");
      return;
    }
    if (start(token)) {
      // Into the dashboard once it is drawn; a refused token leaves the focus on the field.
      refresh().then(() => state.token && $("view-title")?.focus());
    }
  });
  $("sign-in-button").addEventListener("click", () => {
    $("sign-in-button").disabled = true; // one sign-in at a time; the page is about to leave
    beginSignIn(state.config).catch(() => {
      $("sign-in-button").disabled = false;
      showSignIn("Signing in could not start in this browser. Try again.");
    });
  });
  $("refresh").addEventListener("click", refresh);
  $("sign-out").addEventListener("click", () => {
    signOut();
    // The token is gone from this tab; the authorization server's session ends there too.
    const away = signOutUrl(state.config);
    if (away) window.location.assign(away);
  });
  $("period").addEventListener("change", refresh);
  window.addEventListener("focus", refresh);
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") refresh();
  });
  window.addEventListener("resize", debounce(render, 200));
  try {
    state.config = await loadConfig();
  } catch (error) {
    showNotice(explain(error));
    return;
  }
  let returned = null;
  if (usesOAuth(state.config)) {
    try {
      returned = await finishSignIn(state.config);
    } catch (error) {
      if (!(error instanceof SignInError)) throw error;
      forgetToken();
      showSignIn(error.message);
      return;
    }
  }
  if (returned) {
    if (start(returned)) refresh().then(() => state.token && $("view-title")?.focus());
    return;
  }
  const token = storedToken();
  if (token && start(token)) refresh();
  else showSignIn();
}

boot();
