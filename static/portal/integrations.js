// A guided setup: copy buttons for the values, and each step's status kept current while
// the user works in their software, without reloading.
(function () {
  "use strict";

  var run = document.getElementById("run");
  if (!run) {
    return;
  }
  // The page that shows a new Secret answers a form; a reload must fetch the page, not post
  // the form again (that would make another key).
  if (window.history.replaceState) {
    window.history.replaceState(null, "", window.location.pathname);
  }

  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var field = document.querySelector(button.dataset.copy);
      var label = button.textContent;
      var done = function () {
        button.textContent = "✓";
        setTimeout(function () { button.textContent = label; }, 1500);
      };
      field.select();
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(done, function () {
          document.execCommand("copy");
          done();
        });
      } else {
        document.execCommand("copy");
        done();
      }
    });
  });

  var shown = {};
  function refresh() {
    if (document.hidden) {
      return;
    }
    fetch(run.dataset.statusUrl, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) {
          return;
        }
        Object.keys(data.steps).forEach(function (key) {
          var step = data.steps[key];
          if (shown[key] === step.html) {
            return;
          }
          shown[key] = step.html;
          var box = run.querySelector('[data-step-status="' + key + '"]');
          if (box) {
            box.innerHTML = step.html;
          }
        });
        document.getElementById("run-complete").classList.toggle("d-none", !data.complete);
      })
      .catch(function () { /* the next poll tries again */ });
  }

  setInterval(refresh, 2000);
})();
