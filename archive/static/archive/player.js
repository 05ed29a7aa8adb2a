// Synchronises the player with its transcript: timecodes seek, the spoken
// segment is highlighted, and ?t=SECONDS starts playback there.
(function () {
  "use strict";
  var player = document.getElementById("player");
  var transcript = document.getElementById("transcript");
  if (!player) { return; }
  var segments = transcript ? Array.prototype.slice.call(transcript.querySelectorAll(".segment")) : [];

  // The player preloads nothing: the media is fetched (and, for restricted
  // testimony, audited as played) only once someone presses play. Before that,
  // currentTime is the position playback will start from.
  function seek(seconds, play) {
    player.currentTime = seconds;
    if (play) { player.play().catch(function () { /* autoplay may be blocked; the position stays */ }); }
  }

  // "Cite this" cites where the player is, not where the page was opened.
  // Pausing and then seeking sends two requests; only the last one may fill
  // the citation, or a slow answer for the old position would overwrite it.
  var cite = document.querySelector("details.cite[data-cite-url]");
  var pendingCitation = null;
  function refreshCitation() {
    if (!cite || !cite.open) { return; }
    var url = new URL(cite.dataset.citeUrl, window.location.href);
    url.searchParams.set("t", String(Math.floor(player.currentTime + 1e-6)));
    url.searchParams.set("all", "1");
    if (pendingCitation) { pendingCitation.abort(); }
    var request = new AbortController();
    pendingCitation = request;
    fetch(url, { credentials: "same-origin", signal: request.signal }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (data) {
      if (!data || pendingCitation !== request) { return; }
      pendingCitation = null;
      cite.querySelector(".cite-chicago").textContent = data.chicago;
      cite.querySelector(".cite-apa").textContent = data.apa;
      cite.querySelector(".cite-csl").textContent = JSON.stringify([data.csl], null, 2);
      cite.dataset.citedAt = url.searchParams.get("t");
    }).catch(function () { /* the citation of the page's moment stays */ });
  }
  if (cite) {
    cite.addEventListener("toggle", refreshCitation);
    player.addEventListener("pause", refreshCitation);
    player.addEventListener("seeked", refreshCitation);
  }

  function highlight() {
    var t = player.currentTime;
    segments.forEach(function (el) {
      var on = t >= parseFloat(el.dataset.start) && t < parseFloat(el.dataset.end);
      el.classList.toggle("is-current", on);
      if (on) { el.setAttribute("aria-current", "true"); } else { el.removeAttribute("aria-current"); }
    });
  }

  segments.forEach(function (el) {
    var link = el.querySelector(".timecode");
    if (!link) { return; }
    link.addEventListener("click", function (event) {
      event.preventDefault();
      var start = parseFloat(el.dataset.start);
      seek(start, true);
      var url = new URL(window.location.href);
      // Hundredths, rounded up: whole seconds down would start in the line before.
      url.searchParams.set("t", String(Math.ceil(start * 100 - 1e-6) / 100));
      window.history.replaceState(null, "", url);
    });
  });

  player.addEventListener("timeupdate", highlight);
  player.addEventListener("seeked", highlight);
  var startAt = parseFloat(player.dataset.start || "0");
  if (startAt > 0) { seek(startAt, false); }
})();
