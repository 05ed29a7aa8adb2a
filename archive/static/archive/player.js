// Synchronises the player with its transcript: timecodes seek, the spoken
// segment is highlighted, and ?t=SECONDS starts playback there.
(function () {
  "use strict";
  var player = document.getElementById("player");
  var transcript = document.getElementById("transcript");
  if (!player) { return; }
  var segments = transcript ? Array.prototype.slice.call(transcript.querySelectorAll(".segment")) : [];

  function seek(seconds, play) {
    var go = function () {
      player.currentTime = seconds;
      if (play) { player.play().catch(function () { /* autoplay may be blocked; the position stays */ }); }
    };
    if (player.readyState >= 1) { go(); } else { player.addEventListener("loadedmetadata", go, { once: true }); }
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
      url.searchParams.set("t", String(Math.floor(start)));
      window.history.replaceState(null, "", url);
    });
  });

  player.addEventListener("timeupdate", highlight);
  player.addEventListener("seeked", highlight);
  var startAt = parseFloat(player.dataset.start || "0");
  if (startAt > 0) { seek(startAt, false); }
})();
