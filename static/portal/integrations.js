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

  window.portal.copyButtons();

  var shown = {};
  window.portal.poll(run.dataset.statusUrl, 2000, function (data) {
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
  });
})();
