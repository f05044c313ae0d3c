// Follows a background job: polls its status URL, moves the bar, reloads when it is done.
(function () {
  "use strict";
  document.querySelectorAll("[data-progress-url]").forEach(function (box) {
    var url = box.getAttribute("data-progress-url");
    var message = box.querySelector("[data-progress-message]");
    var note = box.querySelector("[data-progress-note]");
    var meter = box.querySelector("[role=progressbar]");
    var bar = meter && meter.querySelector(".progress-bar");

    function poll() {
      fetch(url, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
        .then(function (response) {
          if (!response.ok) { throw new Error(response.status); }
          return response.json();
        })
        .then(function (status) {
          if (message) { message.textContent = status.message; }
          if (note) { note.textContent = status.note || ""; }
          if (bar && status.percent === null) {
            // Going on, without a share to show: a full, moving bar and no value.
            bar.style.width = "100%";
            meter.removeAttribute("aria-valuenow");
          } else if (bar) {
            bar.style.width = status.percent + "%";
            meter.setAttribute("aria-valuenow", status.percent);
          }
          if (status.running) {
            window.setTimeout(poll, 1000);
          } else {
            window.location.reload();
          }
        })
        .catch(function () { window.setTimeout(poll, 3000); });
    }
    window.setTimeout(poll, 500);
  });
})();
