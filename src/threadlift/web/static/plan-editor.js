// Plan editor: drag (pointer) or move (arrow keys) a thread's entry or exit point on the marking map.
// The point's millimetre fields in the thread table are updated, then the form asks the server to
// check the plan again ("plan-changed"), which redraws the map with its danger-zone warnings.
// Listeners sit on the document, so a map redrawn by htmx works at once (no re-binding race).
//
// Points that lie together (a shared entry point of several threads) move together. Key presses are
// gathered: the check is asked for once the keys rest (KEY_REST_MS), and a redraw that arrives after the
// form changed again is dropped, so no press or typed value is lost; the focus stays on the point moved.
(function () {
  "use strict";
  var lastFocus = null;
  var pending = null;  // timer of a check waiting for the keys to rest
  var KEY_REST_MS = 350;
  var SAME_POINT_PX = 0.6;

  function transformOf(svg) {  // [a, b, c, d, e, f]: px = (a x + b y + c, d x + e y + f)
    return svg.dataset.transform.split(" ").map(Number);
  }

  function toMm(t, px, py) {
    var det = t[0] * t[4] - t[1] * t[3];
    var u = px - t[2], v = py - t[5];
    return [(t[4] * u - t[1] * v) / det, (-t[3] * u + t[0] * v) / det];
  }

  function handleOf(target) {
    return target && target.classList && target.classList.contains("handle") &&
      target.closest("#plan-editor svg[data-transform]") ? target : null;
  }

  function together(handle) {  // the handle and every other one at the same place (a shared point)
    var x = parseFloat(handle.getAttribute("cx")), y = parseFloat(handle.getAttribute("cy"));
    return Array.prototype.filter.call(handle.ownerSVGElement.querySelectorAll(".handle"), function (h) {
      return Math.abs(parseFloat(h.getAttribute("cx")) - x) < SAME_POINT_PX &&
        Math.abs(parseFloat(h.getAttribute("cy")) - y) < SAME_POINT_PX;
    });
  }

  function place(group, x, y) {  // x, y in mm: move the circles and write each thread's fields
    var t = transformOf(group[0].ownerSVGElement);
    var form = document.getElementById("plan-form");
    group.forEach(function (handle) {
      handle.setAttribute("cx", (t[0] * x + t[1] * y + t[2]).toFixed(1));
      handle.setAttribute("cy", (t[3] * x + t[4] * y + t[5]).toFixed(1));
      var prefix = "set." + handle.dataset.thread + "." + handle.dataset.end + ".";
      var fx = form.querySelector('[name="' + CSS.escape(prefix + "x_mm") + '"]');
      var fy = form.querySelector('[name="' + CSS.escape(prefix + "y_mm") + '"]');
      if (fx && fy) { fx.value = x.toFixed(1); fy.value = y.toFixed(1); }
    });
  }

  function commit(handle) {
    lastFocus = { thread: handle.dataset.thread, end: handle.dataset.end };
    if (pending) { clearTimeout(pending); pending = null; }
    htmx.trigger(document.getElementById("plan-form"), "plan-changed");
  }

  document.addEventListener("pointerdown", function (event) {
    var handle = handleOf(event.target);
    if (!handle) { return; }
    event.preventDefault();
    var svg = handle.ownerSVGElement;
    var group = together(handle);
    try { handle.setPointerCapture(event.pointerId); } catch (ignored) { /* synthetic events */ }
    handle.focus();
    var move = function (e) {
      var point = svg.createSVGPoint();
      point.x = e.clientX; point.y = e.clientY;
      var local = point.matrixTransform(svg.getScreenCTM().inverse());
      var mm = toMm(transformOf(svg), local.x, local.y);
      place(group, mm[0], mm[1]);
    };
    var up = function () {
      handle.removeEventListener("pointermove", move);
      handle.removeEventListener("pointerup", up);
      commit(handle);
    };
    handle.addEventListener("pointermove", move);
    handle.addEventListener("pointerup", up);
  });

  var STEPS = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };

  document.addEventListener("keydown", function (event) {
    var handle = handleOf(event.target);
    var step = STEPS[event.key];
    if (!handle || !step) { return; }
    event.preventDefault();
    var t = transformOf(handle.ownerSVGElement);
    var size = event.shiftKey ? 5 : 1;  // millimetres, along the screen's axes
    var px = parseFloat(handle.getAttribute("cx")) + step[0] * size * Math.hypot(t[0], t[3]);
    var py = parseFloat(handle.getAttribute("cy")) + step[1] * size * Math.hypot(t[1], t[4]);
    var mm = toMm(t, px, py);
    place(together(handle), mm[0], mm[1]);
    lastFocus = { thread: handle.dataset.thread, end: handle.dataset.end };
    if (pending) { clearTimeout(pending); }
    pending = setTimeout(function () { commit(handle); }, KEY_REST_MS);
  });

  function formState() {
    var form = document.getElementById("plan-form");
    return form ? new URLSearchParams(new FormData(form)).toString() : "";
  }

  // A check answers for the form as it was sent. Its redraw also rewrites the thread table, so if the
  // form changed meanwhile (presses waiting, a field typed into) it would put back the old values: drop
  // it, since the newer edit asks for (or will ask for) a check of its own.
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (event.detail.elt && event.detail.elt.closest && event.detail.elt.closest("#plan-form")) {
      event.detail.xhr.threadliftSent = formState();
    }
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    if (!event.detail.target || event.detail.target.id !== "plan-editor") { return; }
    var sent = event.detail.xhr && event.detail.xhr.threadliftSent;
    if (pending || (sent !== undefined && sent !== formState())) {
      event.detail.shouldSwap = false;
    }
  });

  // After the map is redrawn, give the focus back to the point that was being moved.
  document.addEventListener("htmx:afterSettle", function () {
    if (!lastFocus) { return; }
    var again = document.querySelector('#plan-editor .handle[data-thread="' + CSS.escape(lastFocus.thread) +
                                       '"][data-end="' + lastFocus.end + '"]');
    if (again) { again.focus(); lastFocus = null; }
  });
})();
