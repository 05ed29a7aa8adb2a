// Sends a recording or a chosen file in chunks (protocol: archive/submissions/uploads.py).
// The upload's address is remembered in localStorage and a recording is kept
// in IndexedDB until it has arrived, so a dropped connection or a reload
// continues from the server's offset instead of starting over.
(function () {
  "use strict";
  const app = document.getElementById("submit-app");
  if (!app) return;
  const strings = JSON.parse(document.getElementById("submit-strings").textContent);
  const uploadsUrl = app.dataset.uploadsUrl;
  const chunkSize = parseInt(app.dataset.chunkSize, 10);
  const csrf = app.dataset.csrf;
  const storageKey = "testimonio-upload:" + uploadsUrl;
  const $ = (id) => document.getElementById(id);
  const sendButton = $("send"), progress = $("progress"), status = $("status"), fileInput = $("file");
  let chosen = null; // {blob, name, recorded}
  let sending = false;

  function say(text, isError) {
    status.textContent = text;
    status.classList.toggle("is-error", Boolean(isError));
  }
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  // --- a recording survives a reload in IndexedDB ------------------------
  function idb() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open("testimonio", 1);
      request.onupgradeneeded = () => request.result.createObjectStore("pending");
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }
  async function idbDo(mode, action) {
    try {
      const db = await idb();
      return await new Promise((resolve, reject) => {
        const store = db.transaction("pending", mode).objectStore("pending");
        const request = action(store);
        request.onsuccess = () => resolve(request.result);
        request.onerror = () => reject(request.error);
      });
    } catch (error) {
      return null; // private browsing may refuse storage: resuming then needs the file again
    }
  }
  const keepRecording = (item) => idbDo("readwrite", (s) => s.put(item, storageKey));
  const loadRecording = () => idbDo("readonly", (s) => s.get(storageKey));
  const forgetRecording = () => idbDo("readwrite", (s) => s.delete(storageKey));

  function remembered() {
    try { return JSON.parse(localStorage.getItem(storageKey) || "null"); } catch (e) { return null; }
  }
  function remember(state) { localStorage.setItem(storageKey, JSON.stringify(state)); }
  function forget() { localStorage.removeItem(storageKey); forgetRecording(); }

  async function sha256(blob) {
    const digest = await crypto.subtle.digest("SHA-256", await blob.arrayBuffer());
    return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function showProgress(offset, size) {
    const percent = size ? Math.floor((offset / size) * 100) : 0;
    progress.value = percent;
    progress.textContent = percent + "%";
    say(strings.sending.replace("%(percent)s", percent).replace("%%", "%"));
  }

  function waitOnline() {
    if (navigator.onLine) return Promise.resolve();
    return new Promise((resolve) => window.addEventListener("online", resolve, { once: true }));
  }

  async function request(url, options) {
    const headers = Object.assign({ "X-CSRFToken": csrf }, options.headers || {});
    return fetch(url, Object.assign({}, options, { headers: headers, credentials: "same-origin", cache: "no-store" }));
  }

  async function serverState(url) {
    const response = await request(url, { method: "GET" });
    if (response.status === 404 || response.status === 410) return null;
    if (!response.ok) throw new Error("HTTP " + response.status);
    return response.json();
  }

  async function start(blob, name) {
    const response = await request(uploadsUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ filename: name, size: blob.size, sha256: await sha256(blob) }),
    });
    const body = await response.json();
    if (!response.ok) throw Object.assign(new Error(body.error), { final: true });
    return body;
  }

  function finish(body) {
    if (body.status === "ingested") {
      forget();
      progress.value = 100;
      say(strings.done);
      window.location.assign(body.next);
      return true;
    }
    if (body.status === "failed") {
      forget();
      say(strings.failed + " " + body.error, true);
      return true;
    }
    return false;
  }

  async function send(item) {
    if (sending) return;
    sending = true;
    sendButton.disabled = true;
    try {
      say(strings.processing);
      const digest = await sha256(item.blob);
      let state = remembered();
      if (!state || state.sha256 !== digest || state.size !== item.blob.size) {
        const created = await start(item.blob, item.name);
        state = { url: created.url, sha256: digest, size: item.blob.size, name: item.name };
        remember(state);
        if (item.recorded) await keepRecording({ blob: item.blob, name: item.name });
      }
      let offset = null, delay = 1000;
      while (true) {
        try {
          await waitOnline();
          if (offset === null) {
            const known = await serverState(state.url);
            if (known === null) {           // the server forgot it: start again
              const created = await start(item.blob, item.name);
              state = { url: created.url, sha256: digest, size: item.blob.size, name: item.name };
              remember(state);
              offset = 0;
              continue;
            }
            if (finish(known)) return;
            offset = known.offset;
          }
          showProgress(offset, state.size);
          if (offset >= state.size) { offset = null; await sleep(delay); continue; }
          const response = await request(state.url, {
            method: "PATCH",
            headers: { "Upload-Offset": String(offset), "Content-Type": "application/offset+octet-stream" },
            body: item.blob.slice(offset, offset + chunkSize),
          });
          if (response.status === 204) {
            offset = parseInt(response.headers.get("Upload-Offset"), 10);
            delay = 1000;
            continue;
          }
          if (response.status === 200 || response.status === 422) {
            showProgress(state.size, state.size);
            if (finish(await response.json())) return;
          }
          if (response.status === 409 || response.status === 423) {
            offset = null; await sleep(500); continue;
          }
          if (response.status === 429) {
            await sleep(1000 * (parseInt(response.headers.get("Retry-After"), 10) || 30));
            continue;
          }
          const body = await response.json().catch(() => ({}));
          if (response.status >= 500) throw new Error(body.error || "HTTP " + response.status);
          forget();
          say(strings.failed + " " + (body.error || response.status), true);
          return;
        } catch (error) {
          // A dropped connection: ask the server where it is once we can reach it.
          say(navigator.onLine ? strings.resuming : strings.offline);
          offset = null;
          await sleep(delay);
          delay = Math.min(delay * 2, 15000);
        }
      }
    } catch (error) {
      say(strings.failed + " " + error.message, true);
    } finally {
      sending = false;
      sendButton.disabled = false;
    }
  }

  app.addEventListener("testimonio:recording", (event) => {
    chosen = event.detail ? { blob: event.detail.blob, name: event.detail.name, recorded: true } : null;
    if (chosen) fileInput.value = "";
  });
  fileInput.addEventListener("change", () => {
    const file = fileInput.files[0];
    chosen = file ? { blob: file, name: file.name, recorded: false } : null;
  });
  sendButton.addEventListener("click", () => {
    if (!chosen) { say(strings.noFile, true); return; }
    send(chosen);
  });

  // After a reload: a recording kept in IndexedDB goes on by itself; a chosen
  // file must be chosen again (browsers cannot reopen it), then continues.
  (async function resume() {
    const state = remembered();
    if (!state) return;
    try {
      // The answer to the last chunk may have been lost: it may be done already.
      const known = await serverState(state.url);
      if (known === null) { forget(); return; }
      if (known.status === "expired") {
        // The server deleted the unfinished copy; a recording kept here is sent anew.
        localStorage.removeItem(storageKey);
        say(known.error, true);
        const again = await loadRecording();
        if (again && again.blob) chosen = { blob: again.blob, name: again.name, recorded: true };
        return;
      }
      if (finish(known)) return;
    } catch (error) {
      // Offline now: send() below waits for the connection.
    }
    const kept = await loadRecording();
    if (kept && kept.blob) {
      chosen = { blob: kept.blob, name: kept.name, recorded: true };
      say(strings.resuming);
      send(chosen);
    } else {
      say(strings.chooseAgain || strings.resuming);
    }
  })();
})();
