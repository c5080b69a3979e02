// The dashboard while a pass runs: every few seconds its live part is fetched again from the
// server, already rendered, and put in place of the old one. Without this script the page
// is whole as served and its "Aggiorna" link reloads it (progressive enhancement).
(function () {
  "use strict";
  var part = document.getElementById("dal-vivo");
  if (!part || !window.fetch) {
    return;
  }
  var every = Math.max(parseInt(part.getAttribute("data-every"), 10) || 5, 1) * 1000;

  function later() {
    window.setTimeout(refresh, every);
  }

  function keyboardWithin() {
    var focused = document.activeElement;
    if (!focused || !part.contains(focused)) {
      return false;
    }
    try {
      return focused.matches(":focus-visible");   // a click's focus does not hold it
    } catch (unknownSelector) {
      return true;
    }
  }

  function refresh() {
    // A tab in the background asks nothing of the server; a keyboard's focus on a tile or
    // the table's summary is not pulled from under it: the part waits for it to move on.
    if (document.hidden || keyboardWithin()) {
      later();
      return;
    }
    fetch(part.getAttribute("data-live"), {credentials: "same-origin",
                                           headers: {"Accept": "text/html"}})
      .then(function (response) {
        // Logged out (the login page) or no longer allowed: stop, the page says what it last
        // knew. A server in trouble for a moment: try again at the next turn.
        if (response.redirected || response.status === 403 || response.status === 404) {
          throw new Error("stopped");
        }
        if (!response.ok) {
          throw new Error("not now");
        }
        return response.text();
      })
      .then(function (html) {
        var open = Array.prototype.map.call(part.querySelectorAll("details[open]"),
                                            function (details) { return details.id; });
        part.innerHTML = html;
        open.forEach(function (id) {
          var details = id && document.getElementById(id);
          if (details) {
            details.open = true;
          }
        });
        later();
      })
      .catch(function (error) {
        if (error.message !== "stopped") {
          later();   // the network or the server, for a moment
        }
      });
  }

  later();
}());
