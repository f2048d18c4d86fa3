// samtykke staff pages: a little progressive JavaScript. Every page works
// without it; this only shows the notice's completeness as you type and a
// running campaign's progress as it goes.
"use strict";
(function () {
  // The notice editor: ask the server's own check (the one publishing
  // applies) after each pause in typing.
  var form = document.querySelector("form[data-check]");
  if (form) {
    var timer = null;
    var check = function () {
      var data = new URLSearchParams(new FormData(form));
      data.set("csrf", form.getAttribute("data-check-csrf"));
      fetch(form.getAttribute("data-check"), { method: "POST", body: data, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (res) {
          if (!res) { return; }
          var missing = {};
          res.missing.forEach(function (m) { missing[m] = true; });
          document.querySelectorAll("[data-item]").forEach(function (li) {
            var gone = !!missing[li.getAttribute("data-item")];
            li.className = gone ? "missing" : "ok";
            var state = li.querySelector(".vh");
            if (state) { state.textContent = gone ? res.words.missing : res.words.ok; }
          });
          var sum = document.getElementById("completeness-summary");
          if (sum) { sum.textContent = res.summary; }
        })
        .catch(function () {});
    };
    form.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(check, 400);
    });
  }
  // A running campaign: refresh the counts every two seconds until it ends.
  var live = document.querySelector("[data-progress]");
  if (live) {
    var poll = function () {
      fetch(live.getAttribute("data-progress"), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (res) {
          if (!res) { return; }
          Object.keys(res.counts).forEach(function (k) {
            var el = document.querySelector('[data-count="' + k + '"]');
            if (el) { el.textContent = res.counts[k]; }
          });
          var bar = document.getElementById("progress-bar");
          if (bar) { bar.value = res.progress; bar.textContent = res.percent; }
          var st = document.getElementById("campaign-status");
          if (st) { st.textContent = res.status_text; }
          var wait = document.getElementById("campaign-waiting");
          if (wait) { wait.textContent = res.waiting || ""; wait.hidden = !res.waiting; }
          if (res.status === "running") { setTimeout(poll, 2000); }
          else if (res.status !== live.getAttribute("data-status")) { window.location.reload(); }
        })
        .catch(function () { setTimeout(poll, 5000); });
    };
    if (live.getAttribute("data-status") === "running") { setTimeout(poll, 2000); }
  }
})();
