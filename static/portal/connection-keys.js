// Copy buttons, and the key's status kept current while the software runs its test.
(function () {
  "use strict";

  // The Secret arrives in the answer to the form; a reload must not post the form again
  // (another key) but open the key's page, which no longer has the Secret.
  var shown = document.querySelector("[data-page-url]");
  if (shown && window.history.replaceState) {
    window.history.replaceState(null, "", shown.dataset.pageUrl);
  }

  window.portal.copyButtons();

  var status = document.getElementById("key-status");
  if (!status) {
    return;
  }
  var lastTested = status.querySelector('[data-field="last_tested"]');
  var lastUsed = status.querySelector('[data-field="last_used"]');
  var seen = null;

  window.portal.poll(status.dataset.statusUrl, 1000, function (data) {
    if (data.last_used) {
      lastUsed.textContent = data.last_used;
    }
    if (data.last_tested && data.last_tested !== seen) {
      seen = data.last_tested;
      lastTested.textContent = "";
      var mark = document.createElement("span");
      mark.className = "text-success";
      mark.textContent = "✓ " + data.last_tested;
      lastTested.appendChild(mark);
    }
  });
})();
