// The HTTP API as the page uses it: the optional API key, JSON calls, server-sent events over fetch
// (POST bodies, which EventSource cannot send), and errors as one Japanese message each.

const KEY_STORAGE = "govrag.apiKey";

export function apiKey() {
  try { return sessionStorage.getItem(KEY_STORAGE) || ""; } catch { return ""; }
}

export function setApiKey(value) {
  try {
    if (value) sessionStorage.setItem(KEY_STORAGE, value);
    else sessionStorage.removeItem(KEY_STORAGE);
  } catch { /* storage disabled: the key lives for this call only */ }
}

function headers(extra = {}) {
  const out = { ...extra };
  const key = apiKey();
  if (key) out["X-API-Key"] = key;
  return out;
}

export class ApiError extends Error {
  constructor(status, detail, retryAfter = null) {
    super(describe(status, detail, retryAfter));
    this.status = status;
    this.detail = detail;
  }
}

function detailText(detail) {
  if (detail == null) return "";
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) {  // FastAPI's validation errors
    return detail.map((d) => {
      const where = Array.isArray(d.loc) ? d.loc.filter((x) => x !== "body").join(".") : "";
      return where ? `${where}: ${d.msg}` : String(d.msg ?? JSON.stringify(d));
    }).join(" / ");
  }
  return JSON.stringify(detail);
}

function describe(status, detail, retryAfter) {
  const text = detailText(detail);
  switch (status) {
    case 0: return "サーバーに接続できません。ネットワークとサーバーの状態を確認してください。";
    case 401: return `APIキーが必要です（または無効です）。画面右上の「APIキー」に有効なキーを入力してください。${text ? `（${text}）` : ""}`;
    case 403: return `この操作は許可されていません。${text ? `（${text}）` : ""}`;
    case 404: return `見つかりません。${text ? `（${text}）` : ""}`;
    case 413: return "入力が大きすぎます。質問を短くしてください。";
    case 422: return `入力を確認してください：${text}`;
    case 429: return `利用回数の上限に達しました。${retryAfter ? `${retryAfter} 秒後に` : "しばらくしてから"}もう一度お試しください。`;
    case 503: return `サーバーのデータに問題があります：${text}`;
    default: return `サーバーでエラーが発生しました（${status}）。${text}`;
  }
}

async function fail(response) {
  let detail = null;
  try {
    const body = await response.json();
    detail = body && "detail" in body ? body.detail : body;
  } catch { detail = response.statusText; }
  throw new ApiError(response.status, detail, response.headers.get("Retry-After"));
}

async function send(method, path, body, { signal, accept } = {}) {
  const init = { method, signal, headers: headers(accept ? { Accept: accept } : {}) };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers["Content-Type"] = "application/json";
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (err) {
    if (err && err.name === "AbortError") throw err;
    throw new ApiError(0, String(err));
  }
  if (!response.ok) await fail(response);
  return response;
}

export async function getJSON(path, options) {
  return (await send("GET", path, undefined, options)).json();
}

export async function postJSON(path, body, options) {
  return (await send("POST", path, body, options)).json();
}

export async function del(path, options) {
  await send("DELETE", path, undefined, options);
}

/** The body of a GET as a Blob (for downloads and pages that need the key header). */
export async function getBlob(path, options) {
  return (await send("GET", path, undefined, options)).blob();
}

/**
 * POST a JSON body and read the `text/event-stream` reply: `onEvent(name, data)` for each event, in
 * order. Resolves when the stream ends; rejects with ApiError for a 4xx/5xx before the stream starts.
 * A JSON reply (a server that does not stream) is passed on as one event named `json`.
 */
export async function postSSE(path, body, onEvent, { signal } = {}) {
  const response = await send("POST", path, body, { signal, accept: "text/event-stream" });
  const type = response.headers.get("Content-Type") || "";
  if (!type.includes("text/event-stream")) {
    onEvent("json", await response.json());
    return;
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder("utf-8");
  let buffer = "";
  const flush = (block) => {
    let name = "message";
    const data = [];
    for (const raw of block.split(/\r?\n/)) {
      if (!raw || raw.startsWith(":")) continue;
      const colon = raw.indexOf(":");
      const field = colon < 0 ? raw : raw.slice(0, colon);
      let value = colon < 0 ? "" : raw.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "event") name = value;
      else if (field === "data") data.push(value);
    }
    if (!data.length) return;
    let parsed;
    try { parsed = JSON.parse(data.join("\n")); } catch { parsed = data.join("\n"); }
    onEvent(name, parsed);
  };
  for (;;) {
    const { value, done } = await reader.read();
    buffer += decoder.decode(value || new Uint8Array(), { stream: !done });
    let cut;
    while ((cut = buffer.search(/\r?\n\r?\n/)) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut).replace(/^\r?\n\r?\n/, "");
      flush(block);
    }
    if (done) break;
  }
  if (buffer.trim()) flush(buffer);
}

let schemaPromise = null;

/** /openapi.json, fetched once (open without a key). */
export function openapi() {
  if (!schemaPromise) schemaPromise = getJSON("/openapi.json").catch(() => ({}));
  return schemaPromise;
}

/** The server's FiltersIn properties: which filters it accepts, and their types. */
export async function filterSchema() {
  const s = await openapi();
  return s?.components?.schemas?.FiltersIn?.properties || {};
}
