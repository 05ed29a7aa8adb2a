// "Add this moment to a collection": in and out points from the player's position.
(function () {
  "use strict";
  var player = document.getElementById("player");
  Array.prototype.forEach.call(document.querySelectorAll(".add-to-collection"), function (form) {
    function set(selector) {
      return function () {
        if (!player) { return; }
        form.querySelector(selector).value = (Math.round(player.currentTime * 10) / 10).toFixed(1);
      };
    }
    var setIn = form.querySelector(".set-in");
    var setOut = form.querySelector(".set-out");
    if (setIn) { setIn.addEventListener("click", set(".clip-in")); }
    if (setOut) { setOut.addEventListener("click", set(".clip-out")); }
  });
})();
