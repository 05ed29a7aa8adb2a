// A clip plays only its range: it starts at data-start, and playback stops at
// data-end (the #t= media fragment alone is not honoured by every browser, nor
// after a seek).
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll(".clip-player"), function (player) {
    var start = parseFloat(player.dataset.start || "0");
    var end = parseFloat(player.dataset.end || "0");
    if (!(end > start)) { return; }
    function toStart() { player.currentTime = start; }
    if (player.readyState >= 1) { toStart(); } else { player.addEventListener("loadedmetadata", toStart, { once: true }); }
    player.addEventListener("play", function () {
      if (player.currentTime < start - 0.05 || player.currentTime >= end - 0.01) { toStart(); }
    });
    function check() {
      if (player.currentTime >= end) {
        player.pause();
        player.currentTime = end;
        player.dataset.stopped = "end";
      } else if (!player.paused) {
        window.requestAnimationFrame(check);
      }
    }
    player.addEventListener("playing", function () { delete player.dataset.stopped; window.requestAnimationFrame(check); });
    player.addEventListener("timeupdate", check);
    player.addEventListener("seeking", function () {
      if (player.currentTime < start) { player.currentTime = start; }
      if (player.currentTime > end) { player.currentTime = end; }
    });
  });
})();
