// ThreadLift page helpers: live clocks, the before/after slider, focus after htmx swaps. No framework.
(function () {
  "use strict";

  function pad(n) { return String(n).padStart(2, "0"); }

  // <button data-print>: print the page (no inline handlers: the Content-Security-Policy allows none).
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-print]");
    if (button) { window.print(); }
  });

  // <span class="clock" data-since="ISO" data-limit-minutes="60">: elapsed time, amber past the limit.
  function tickClocks() {
    document.querySelectorAll(".clock[data-since]").forEach(function (el) {
      var since = Date.parse(el.dataset.since);
      if (isNaN(since)) { return; }
      var seconds = Math.max(0, Math.floor((Date.now() - since) / 1000));
      var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
      el.textContent = (h ? h + ":" + pad(m) : m) + ":" + pad(s);
      var limit = parseFloat(el.dataset.limitMinutes || "");
      el.classList.toggle("over", !isNaN(limit) && seconds > limit * 60);
      el.setAttribute("title", Math.floor(seconds / 60) + " minutes");
    });
  }
  setInterval(tickClocks, 1000);
  document.addEventListener("DOMContentLoaded", tickClocks);
  document.addEventListener("htmx:afterSwap", tickClocks);

  // Before/after slider: <div class="slider" id=S><img before><div class="after"><img after></div></div>
  // and <input type=range data-slider=S>: the after photo shows to the right of the handle.
  function bindSliders(root) {
    root.querySelectorAll("input[type=range][data-slider]").forEach(function (range) {
      var slider = document.getElementById(range.dataset.slider);
      var after = slider && slider.querySelector(".after");
      if (!after) { return; }
      var update = function () { after.style.clipPath = "inset(0 0 0 " + range.value + "%)"; };
      range.addEventListener("input", update);
      update();
    });
  }
  document.addEventListener("DOMContentLoaded", function () { bindSliders(document); });
  document.addEventListener("htmx:afterSwap", function (event) { bindSliders(event.target); });

  // Procedure day: choosing a planned thread fills the placement's fields with the plan's values, as
  // defaults to confirm (<option data-area=... data-anchored=...>), and says so next to them.
  document.addEventListener("change", function (event) {
    var select = event.target;
    if (!select || select.id !== "f-planned") { return; }
    var form = select.form, chosen = select.options[select.selectedIndex];
    ["area", "side", "vector", "entry_to_exit_mm", "anchored"].forEach(function (name) {
      var input = form.elements[name];
      if (input) { input.value = chosen.dataset[name] || ""; }
    });
    var note = document.getElementById("thread-defaults");
    if (note) { note.hidden = !select.value; }
  });

  // Every form that records something carries a one-time token: sent twice (a double tap, a reload),
  // it is recorded once and the second sending gets the first one's answer (web/idempotency.py).
  function tokenForms(root) {
    root.querySelectorAll('form[method="post"]').forEach(function (form) {
      if (form.querySelector('input[name="form_token"]')) { return; }
      var token = document.createElement("input");
      token.type = "hidden"; token.name = "form_token";
      token.value = (window.crypto && crypto.randomUUID) ? crypto.randomUUID() :
        String(Date.now()) + "-" + Math.random().toString(36).slice(2);
      form.insertBefore(token, form.firstChild);  // first, so the server finds it early in a multipart body
    });
  }
  document.addEventListener("DOMContentLoaded", function () { tokenForms(document); });
  document.addEventListener("htmx:afterSwap", function (event) { tokenForms(event.target); });

  // A refusal the server explains (422: the form's or the photo's problems, drawn as HTML) is shown in
  // place like any answer; htmx would otherwise drop every 4xx response and show nothing.
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr && event.detail.xhr.status === 422) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // Move focus to an error summary that a swap or a reload brought in, so screen readers announce it.
  document.addEventListener("DOMContentLoaded", function () {
    var problems = document.getElementById("problems");
    if (problems) { problems.focus(); }
  });
})();
