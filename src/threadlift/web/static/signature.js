// Signature pad: pointer drawing on a canvas; or, from the keyboard, the typed name drawn as the signature.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var canvas = document.getElementById("signature-pad");
    var form = document.getElementById("consent-form");
    if (!canvas || !form) { return; }
    var ctx = canvas.getContext("2d");
    var drawn = false, drawing = false;
    function reset() {
      ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.strokeStyle = "#111"; ctx.lineWidth = 2.5; ctx.lineCap = "round"; drawn = false;
    }
    function at(event) {
      var box = canvas.getBoundingClientRect();
      return [(event.clientX - box.left) * canvas.width / box.width, (event.clientY - box.top) * canvas.height / box.height];
    }
    reset();
    canvas.addEventListener("pointerdown", function (e) {
      drawing = true; canvas.setPointerCapture(e.pointerId);
      var p = at(e); ctx.beginPath(); ctx.moveTo(p[0], p[1]);
    });
    canvas.addEventListener("pointermove", function (e) {
      if (!drawing) { return; }
      var p = at(e); ctx.lineTo(p[0], p[1]); ctx.stroke(); drawn = true;
    });
    canvas.addEventListener("pointerup", function () { drawing = false; });
    document.getElementById("signature-clear").addEventListener("click", reset);
    document.getElementById("signature-typed").addEventListener("click", function () {
      var name = document.getElementById("f-typed_name").value.trim();
      reset();
      if (!name) { document.getElementById("f-typed_name").focus(); return; }
      ctx.fillStyle = "#111"; ctx.font = "italic 48px 'DejaVu Serif', Georgia, serif";
      ctx.fillText(name, 24, 110); drawn = true;
    });
    form.addEventListener("submit", function () {
      document.getElementById("signature-data").value = drawn ? canvas.toDataURL("image/png") : "";
    });
  });
})();
