// The transcript editor: play from a segment, take times from the player,
// split at the text cursor and the player's position, highlight what plays.
(function () {
  "use strict";
  var player = document.getElementById("editor-player");
  var rows = Array.prototype.slice.call(document.querySelectorAll(".segment-row"));

  function now() { return player ? player.currentTime.toFixed(3) : ""; }

  // Coverage flags: play the recording from where the check found a problem.
  Array.prototype.forEach.call(document.querySelectorAll("[data-seek]"), function (button) {
    button.addEventListener("click", function () {
      if (!player) { return; }
      player.currentTime = parseFloat(button.dataset.seek);
      player.play().catch(function () { /* autoplay may be blocked; the position stays */ });
    });
  });

  rows.forEach(function (row) {
    var play = row.querySelector("[data-play]");
    if (play) {
      play.addEventListener("click", function () {
        if (!player) { return; }
        player.currentTime = parseFloat(row.dataset.start);
        player.play().catch(function () { /* autoplay may be blocked; the position stays */ });
      });
    }
    Array.prototype.forEach.call(row.querySelectorAll("[data-set]"), function (button) {
      button.addEventListener("click", function () {
        if (player) { row.querySelector("input[name=" + button.dataset.set + "]").value = now(); }
      });
    });
    var split = row.querySelector("[data-split]");
    var text = row.querySelector("textarea");
    if (split && text) {
      split.addEventListener("click", function () {
        row.querySelector("input[name=at_char]").value = String(text.selectionStart);
        var start = parseFloat(row.dataset.start), end = parseFloat(row.dataset.end);
        var at = player && player.currentTime > start && player.currentTime < end
          ? player.currentTime
          // No position inside the segment: cut where the cursor is, in proportion.
          : start + (end - start) * (text.selectionStart / Math.max(1, text.value.length));
        row.querySelector("input[name=at_time]").value = at.toFixed(3);
      });
    }
  });

  if (player) {
    player.addEventListener("timeupdate", function () {
      var t = player.currentTime;
      rows.forEach(function (row) {
        var on = t >= parseFloat(row.dataset.start) && t < parseFloat(row.dataset.end);
        row.classList.toggle("is-current", on);
      });
    });
  }
})();
