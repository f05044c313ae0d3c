// A form that comes back with errors: a summary at the top of the page, each error linked to
// its field, and the cursor in the first field in error. Errors are found by Bootstrap's
// markup (a control marked .is-invalid, a message in .invalid-feedback, a form-level
// .alert-danger inside the form), so every form rendered with crispy forms or allauth's
// elements gets this without anything in its template. The heading comes translated from
// base.html: <main data-error-summary-title="...">.
document.addEventListener("DOMContentLoaded", function () {
  "use strict";

  var main = document.getElementById("main");
  if (!main || document.getElementById("form-error-summary")) { return; }

  var CONTROLS = "input:not([type=hidden]), select, textarea";
  var errors = [];
  var used = new Set();

  function text(element) {
    return (element ? element.textContent : "").replace(/\s+/g, " ").trim();
  }

  function shown(element) {
    return element.offsetParent !== null || getComputedStyle(element).display !== "none";
  }

  function boxOf(element) {
    return element.closest("[id^=div_id_], .mb-3, fieldset, [class*='col-'], .form-group") ||
      element.parentElement;
  }

  function labelOf(control) {
    var box = boxOf(control);
    var label = control.id && document.querySelector("label[for='" + control.id + "']");
    if (control.type === "radio" || control.type === "checkbox") {
      var group = box && box.querySelector("legend, label.form-label, .col-form-label");
      if (group && box.querySelectorAll("[name='" + control.name + "']").length > 1) {
        label = group;
      }
    }
    if (!label) { return ""; }
    var copy = label.cloneNode(true);
    copy.querySelectorAll(".asteriskField, .visually-hidden").forEach(function (mark) {
      mark.remove();
    });
    // "Label: message" reads badly after a label that ends a sentence.
    return text(copy).replace(/[\s*:.]+$/, "");
  }

  function messageNear(control) {
    var box = boxOf(control);
    var feedback = box && Array.prototype.find.call(
      box.querySelectorAll(".invalid-feedback"), function (item) { return !used.has(item); });
    if (feedback) { used.add(feedback); }
    return text(feedback);
  }

  // Form-level messages move into the summary: left where they were, they are read twice.
  var moved = [];
  main.querySelectorAll("form").forEach(function (form) {
    form.querySelectorAll(".alert-danger").forEach(function (alert) {
      if (text(alert)) {
        errors.push({message: text(alert), control: null, form: form});
        moved.push(alert);
      }
    });
    var names = new Set();
    form.querySelectorAll(".is-invalid, [aria-invalid=true]").forEach(function (control) {
      if (!control.matches(CONTROLS)) {
        control = control.querySelector(CONTROLS) || control;
      }
      var key = control.name || control.id;
      if (names.has(key)) { return; }
      names.add(key);
      errors.push({label: labelOf(control), message: messageNear(control), control: control});
    });
    // Messages written next to a field without marking the field itself.
    form.querySelectorAll(".invalid-feedback").forEach(function (feedback) {
      if (used.has(feedback) || !text(feedback) || !shown(feedback)) { return; }
      used.add(feedback);
      var control = boxOf(feedback).querySelector(CONTROLS);
      errors.push({label: control ? labelOf(control) : "", message: text(feedback),
                   control: control});
    });
  });
  if (errors.length === 0) { return; }

  var summary = document.createElement("div");
  summary.id = "form-error-summary";
  summary.className = "alert alert-danger";
  summary.setAttribute("role", "alert");
  summary.tabIndex = -1;
  var heading = document.createElement("h2");
  heading.className = "h6 alert-heading";
  heading.textContent = main.getAttribute("data-error-summary-title") || "";
  summary.appendChild(heading);
  var list = document.createElement("ul");
  list.className = "mb-0";
  errors.forEach(function (error) {
    var item = document.createElement("li");
    var words = error.label && error.message ? error.label + ": " + error.message
      : (error.message || error.label);
    if (error.control && error.control.id) {
      var link = document.createElement("a");
      link.href = "#" + error.control.id;
      link.className = "alert-link";
      link.textContent = words;
      link.addEventListener("click", function (event) {
        event.preventDefault();
        error.control.focus();
        error.control.scrollIntoView({block: "center"});
      });
      item.appendChild(link);
    } else {
      item.textContent = words;
    }
    list.appendChild(item);
  });
  summary.appendChild(list);
  // Above the form: at the top of a narrow column (the sign-in pages), else of the page.
  var narrow = main.querySelector(":scope > .auth-narrow, :scope > .auth-manage");
  var messages = main.querySelector(":scope > .messages");
  if (narrow) {
    narrow.insertBefore(summary, narrow.firstChild);
  } else {
    main.insertBefore(summary, messages ? messages.nextSibling : main.firstChild);
  }

  moved.forEach(function (alert) { alert.remove(); });

  var first = errors.find(function (error) { return error.control; });
  if (!first) {
    // Only the form as a whole was refused (a wrong password): the summary says why, and
    // the cursor goes to the form's first field, to try again.
    var refused = errors.find(function (error) { return error.form; });
    var field = refused && Array.prototype.find.call(
      refused.form.querySelectorAll(CONTROLS), shown);
    (field || summary).focus();
    return;
  }
  first.control.focus({preventScroll: true});
  // The summary and the field together when both fit on the screen; else the field.
  var bottom = first.control.getBoundingClientRect().bottom + window.scrollY;
  if (bottom + 40 < window.innerHeight) {
    window.scrollTo(0, 0);
  } else {
    first.control.scrollIntoView({block: "center"});
  }
});
