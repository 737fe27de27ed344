(function () {
  "use strict";
  // Runs first, alone: whatever goes wrong later (a syntax error in the
  // page's script, a rejected promise, a blocked script) is written into the
  // page, where a reader and the browser test see it.
  function note(msg) {
    var box = document.getElementById("script-errors");
    if (!box) {
      box = document.createElement("div");
      box.id = "script-errors";
      box.className = "alarm";
      box.setAttribute("role", "alert");
      (document.body || document.documentElement).appendChild(box);
    }
    var p = document.createElement("p");
    p.textContent = String(msg);
    box.appendChild(p);
  }
  window.tlsconformError = note;
  window.addEventListener("error", function (e) {
    note("script error: " + (e.message || e.type) + (e.filename ? " (" + e.filename + ":" + e.lineno + ")" : ""));
  });
  window.addEventListener("unhandledrejection", function (e) {
    var r = e.reason;
    note("script error: " + ((r && r.stack) || r));
  });
  document.addEventListener("securitypolicyviolation", function (e) {
    note("blocked by the page's security policy: " + e.violatedDirective + " " + (e.blockedURI || ""));
  });
})();
