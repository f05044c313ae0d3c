// Behaviour that templates ask for with data attributes, so no page needs inline script
// (the Content-Security-Policy refuses it):
//   data-show-on-load       on a Bootstrap modal: opens it when the page has loaded
//   data-percent="42"       on a Bootstrap .progress-bar: sets its width
//   data-check-all="form-id" on a checkbox: checks or clears every checkbox of that form
//   data-print              on a button: opens the browser's print dialog for the page
//   data-focus-first        on a page's content: the keyboard starts in its first field (the
//                           sign-in, second-factor and confirm-it-is-you pages are there for it)
document.addEventListener("DOMContentLoaded", function () {
  "use strict";

  document.querySelectorAll("[data-check-all]").forEach(function (all) {
    var boxes = document.querySelectorAll(
      'input[type="checkbox"][form="' + all.getAttribute("data-check-all") + '"]');
    all.addEventListener("change", function () {
      boxes.forEach(function (box) { box.checked = all.checked; });
    });
  });

  // Unless something took the focus already (the first field with an error does).
  var first = document.querySelector(
    "[data-focus-first] form input:not([type=hidden]):not([disabled]), " +
    "[data-focus-first] form select, [data-focus-first] form textarea");
  if (first && (!document.activeElement || document.activeElement === document.body)) {
    first.focus({preventScroll: true});
  }

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
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

// A form is posted once: a second click, or Enter, before the next page arrives does not
// post it again, so a double click adds one key, one invitation, one test invoice. A post
// answered with a download leaves the page as it was, so the form may be posted again after
// a moment, and on a page the Back button brings back.
var POSTED_AGAIN_AFTER = 4000;
document.addEventListener("submit", function (event) {
  "use strict";
  var form = event.target;
  var method = (event.submitter && event.submitter.getAttribute("formmethod")) ||
    form.getAttribute("method") || "";
  if (event.defaultPrevented || method.toLowerCase() !== "post") {
    return;
  }
  if (form.hasAttribute("data-posted")) {
    event.preventDefault();
    return;
  }
  form.setAttribute("data-posted", "");
  window.setTimeout(function () { form.removeAttribute("data-posted"); }, POSTED_AGAIN_AFTER);
});
window.addEventListener("pageshow", function () {
  "use strict";
  document.querySelectorAll("form[data-posted]").forEach(function (form) {
    form.removeAttribute("data-posted");
  });
});

// Helpers that page scripts call (this file loads before them):
//   portal.copyButtons()            every [data-copy="#field"] button copies that field's value,
//                                   and says data-copied in a status region
//   portal.poll(url, ms, onData)    fetches JSON from url every ms while the page is visible
window.portal = {
  copyButtons: function () {
    "use strict";
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      button.addEventListener("click", function () {
        var field = document.querySelector(button.dataset.copy);
        var label = button.textContent;
        var done = function () {
          button.textContent = "✓";
          setTimeout(function () { button.textContent = label; }, 1500);
          // Said to screen readers too, which do not see the tick.
          var status = document.getElementById("copy-status");
          if (!status) {
            status = document.createElement("span");
            status.id = "copy-status";
            status.className = "visually-hidden";
            status.setAttribute("role", "status");
            document.body.appendChild(status);
          }
          status.textContent = button.dataset.copied || "✓";
        };
        // Selecting the field (for execCommand, and to show what was copied) takes the
        // focus: it goes back to the button, where the keyboard user pressed.
        var copied = function () {
          button.focus();
          done();
        };
        field.select();
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(field.value).then(copied, function () {
            document.execCommand("copy");
            copied();
          });
        } else {
          document.execCommand("copy");
          copied();
        }
      });
    });
  },

  poll: function (url, ms, onData) {
    "use strict";
    var timer = setInterval(function () {
      if (document.hidden) {
        return;
      }
      fetch(url, { credentials: "same-origin" })
        .then(function (response) {
          // Gone or no longer allowed (a partnership that ended, a sign-out elsewhere): the
          // page itself says why once it is loaded again.
          if (response.status === 403 || response.status === 404 || response.redirected) {
            clearInterval(timer);
            window.location.reload();
            return null;
          }
          return response.ok ? response.json() : null;
        })
        .then(function (data) {
          if (data) {
            onData(data);
          }
        })
        .catch(function () { /* the next poll tries again */ });
    }, ms);
  },
};
