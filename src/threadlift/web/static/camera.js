// Camera capture for the photo form: getUserMedia preview, the baseline of the same view as a ghost,
// and the taken frame put into the form's file field (so it is checked and stored like an upload).
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var start = document.getElementById("camera-start");
    var take = document.getElementById("camera-take");
    var video = document.getElementById("camera-video");
    var status = document.getElementById("camera-status");
    var fileInput = document.getElementById("f-file");
    var viewSelect = document.getElementById("f-view");
    var stageSelect = document.getElementById("f-stage");
    if (!start || !video || !fileInput) { return; }

    function showGhost() {
      var followUp = stageSelect && stageSelect.value === "follow_up";
      document.querySelectorAll(".camera img.ghost").forEach(function (img) {
        img.hidden = !(followUp && img.dataset.view === viewSelect.value);
      });
    }
    if (viewSelect) { viewSelect.addEventListener("change", showGhost); }
    if (stageSelect) { stageSelect.addEventListener("change", showGhost); }
    showGhost();

    start.addEventListener("click", function () {
      if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
        status.textContent = "This browser offers no camera here (it needs HTTPS or localhost); choose a file instead.";
        return;
      }
      navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 3840 }, height: { ideal: 2160 } }, audio: false })
        .then(function (stream) {
          video.srcObject = stream;
          return video.play();
        })
        .then(function () { take.disabled = false; status.textContent = "Camera on."; })
        .catch(function (error) { status.textContent = "The camera could not start: " + error.message; });
    });

    take.addEventListener("click", function () {
      var canvas = document.createElement("canvas");
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      canvas.getContext("2d").drawImage(video, 0, 0);
      canvas.toBlob(function (blob) {
        var file = new File([blob], "camera.jpg", { type: "image/jpeg" });
        var transfer = new DataTransfer();
        transfer.items.add(file);
        fileInput.files = transfer.files;
        status.textContent = "Photo taken (" + canvas.width + " x " + canvas.height + "): check it, then accept it.";
      }, "image/jpeg", 0.95);
    });
  });
})();
