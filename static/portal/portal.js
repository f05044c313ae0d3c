// Behaviour that templates ask for with data attributes, so no page needs inline script
// (the Content-Security-Policy refuses it):
//   data-submit-on-change   on a form control: submits its form when the value changes
//   data-show-on-load       on a Bootstrap modal: opens it when the page has loaded
//   data-percent="42"       on a Bootstrap .progress-bar: sets its width
document.addEventListener("DOMContentLoaded", function () {
  "use strict";

  document.querySelectorAll("[data-submit-on-change]").forEach(function (control) {
    control.addEventListener("change", function () {
      if (control.form) { control.form.submit(); }
    });
  });

  document.querySelectorAll("[data-percent]").forEach(function (bar) {
    var percent = Math.max(0, Math.min(100, parseFloat(bar.getAttribute("data-percent")) || 0));
    bar.style.width = percent + "%";
  });

  document.querySelectorAll("[data-show-on-load]").forEach(function (element) {
    if (window.bootstrap && window.bootstrap.Modal) {
      window.bootstrap.Modal.getOrCreateInstance(element).show();
    }
  });
});
