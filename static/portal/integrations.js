// A guided setup: copy buttons for the values, and each step's status kept current while
// the user works in their software, without reloading.
(function () {
  "use strict";

  var run = document.getElementById("run");
  if (!run) {
    return;
  }
  // The page that shows a new Secret answers a form (or the password asked before it); a
  // reload must fetch the setup's page, not post the form again (that would make another
  // key).
  if (window.history.replaceState) {
    window.history.replaceState(null, "", run.dataset.pageUrl);
  }

  window.portal.copyButtons();

  // A step's box is rewritten only when what it shows changed: rewriting it unchanged
  // would drop the keyboard focus of whoever is on one of its links.
  var parsed = document.createElement("div");
  window.portal.poll(run.dataset.statusUrl, 2000, function (data) {
    Object.keys(data.steps).forEach(function (key) {
      var box = run.querySelector('[data-step-status="' + key + '"]');
      if (!box) {
        return;
      }
      parsed.innerHTML = data.steps[key].html;
      if (parsed.innerHTML === box.innerHTML) {
        return;
      }
      var focused = box.contains(document.activeElement) ? document.activeElement : null;
      var again = focused && (focused.getAttribute("href") || focused.textContent);
      box.innerHTML = parsed.innerHTML;
      if (focused) {
        // Back on the same link or button, when the new status still has it.
        var same = Array.prototype.find.call(box.querySelectorAll("a, button"), function (el) {
          return (el.getAttribute("href") || el.textContent) === again;
        });
        (same || box).focus();
      }
    });
    var complete = document.getElementById("run-complete");
    if (data.complete && complete.classList.contains("d-none")) {
      // Said to screen readers too: a paragraph that appears is not announced.
      document.getElementById("run-complete-said").textContent = complete.textContent;
    }
    complete.classList.toggle("d-none", !data.complete);
  });
})();
