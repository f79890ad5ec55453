// Plan editor: drag (pointer) or move (arrow keys) a thread's entry or exit point on the marking map.
// The point's millimetre fields in the thread table are updated, then the form asks the server to
// check the plan again ("plan-changed"), which redraws the map with its danger-zone warnings.
(function () {
  "use strict";
  var lastFocus = null;

  function inverse(t) {  // t = [a, b, c, d, e, f]: px = (a x + b y + c, d x + e y + f)
    var det = t[0] * t[4] - t[1] * t[3];
    return function (px, py) {
      var u = px - t[2], v = py - t[5];
      return [(t[4] * u - t[1] * v) / det, (-t[3] * u + t[0] * v) / det];
    };
  }

  function field(form, thread, end, axis) {
    return form.querySelector('[name="set.' + CSS.escape(thread) + "." + end + "." + axis + '"]');
  }

  function bind() {
    var form = document.getElementById("plan-form");
    var svg = document.querySelector("#plan-editor svg[data-transform]");
    if (!form || !svg || svg.dataset.bound) { return; }
    svg.dataset.bound = "1";
    var toMm = inverse(svg.dataset.transform.split(" ").map(Number));
    var transform = svg.dataset.transform.split(" ").map(Number);

    function place(handle, x, y) {  // x, y in mm
      handle.setAttribute("cx", (transform[0] * x + transform[1] * y + transform[2]).toFixed(1));
      handle.setAttribute("cy", (transform[3] * x + transform[4] * y + transform[5]).toFixed(1));
      var fx = field(form, handle.dataset.thread, handle.dataset.end, "x_mm");
      var fy = field(form, handle.dataset.thread, handle.dataset.end, "y_mm");
      if (fx && fy) { fx.value = x.toFixed(1); fy.value = y.toFixed(1); }
    }

    function commit(handle) {
      lastFocus = { thread: handle.dataset.thread, end: handle.dataset.end };
      htmx.trigger(form, "plan-changed");
    }

    svg.querySelectorAll(".handle").forEach(function (handle) {
      handle.addEventListener("pointerdown", function (event) {
        event.preventDefault();
        try { handle.setPointerCapture(event.pointerId); } catch (ignored) { /* synthetic events */ }
        handle.focus();
        var move = function (e) {
          var point = svg.createSVGPoint();
          point.x = e.clientX; point.y = e.clientY;
          var local = point.matrixTransform(svg.getScreenCTM().inverse());
          var mm = toMm(local.x, local.y);
          place(handle, mm[0], mm[1]);
        };
        var up = function () {
          handle.removeEventListener("pointermove", move);
          handle.removeEventListener("pointerup", up);
          commit(handle);
        };
        handle.addEventListener("pointermove", move);
        handle.addEventListener("pointerup", up);
      });
      handle.addEventListener("keydown", function (event) {
        var steps = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
        var step = steps[event.key];
        if (!step) { return; }
        event.preventDefault();
        var size = event.shiftKey ? 5 : 1;
        var mm = toMm(parseFloat(handle.getAttribute("cx")), parseFloat(handle.getAttribute("cy")));
        // Arrow keys move on the screen; the face frame may be rotated, so move in screen space.
        var px = parseFloat(handle.getAttribute("cx")) + step[0] * size * Math.hypot(transform[0], transform[3]);
        var py = parseFloat(handle.getAttribute("cy")) + step[1] * size * Math.hypot(transform[1], transform[4]);
        mm = toMm(px, py);
        place(handle, mm[0], mm[1]);
      });
      handle.addEventListener("keyup", function (event) {
        if (event.key.indexOf("Arrow") === 0) { commit(handle); }
      });
    });

    if (lastFocus) {
      var again = svg.querySelector('.handle[data-thread="' + CSS.escape(lastFocus.thread) + '"][data-end="' +
                                    lastFocus.end + '"]');
      if (again) { again.focus(); }
      lastFocus = null;
    }
  }

  document.addEventListener("DOMContentLoaded", bind);
  document.addEventListener("htmx:afterSettle", bind);
})();
