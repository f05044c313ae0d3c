// Copy buttons, and the key's status kept current while the software runs its test.
(function () {
  "use strict";

  // The Secret arrives in the answer to the form; a reload must not post the form again
  // (another key) but open the key's page, which no longer has the Secret.
  var shown = document.querySelector("[data-page-url]");
  if (shown && window.history.replaceState) {
    window.history.replaceState(null, "", shown.dataset.pageUrl);
  }

  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var field = document.querySelector(button.dataset.copy);
      var label = button.textContent;
      field.select();
      var done = function () {
        button.textContent = "✓";
        setTimeout(function () { button.textContent = label; }, 1500);
      };
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

  var status = document.getElementById("key-status");
  if (!status) {
    return;
  }
  var lastTested = status.querySelector('[data-field="last_tested"]');
  var lastUsed = status.querySelector('[data-field="last_used"]');
  var seen = null;

  function refresh() {
    if (document.hidden) {
      return;
    }
    fetch(status.dataset.statusUrl, { credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) {
          return;
        }
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
      })
      .catch(function () { /* the next poll tries again */ });
  }

  setInterval(refresh, 1000);
})();
