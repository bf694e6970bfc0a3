/* The on-screen signature pad of the consent pages (no library, no inline script).
 *
 * <canvas data-signature-pad="ID"> draws with pointer events, so a finger, a stylus and a
 * mouse all work; every finished stroke writes the drawing, as a PNG data URL, into the
 * hidden input #ID. <button data-signature-clear="ID"> empties both. An empty pad sends an
 * empty value, which the server refuses with a message beside the pad.
 */
(function () {
  "use strict";

  function setUp(canvas) {
    var input = document.getElementById(canvas.dataset.signaturePad);
    var ctx = canvas.getContext("2d");
    var drawing = false;
    var inked = false;
    var last = null;

    // The backing store matches the shown size times the screen's density: sharp lines.
    function fit() {
      var ratio = window.devicePixelRatio || 1;
      var box = canvas.getBoundingClientRect();
      canvas.width = Math.round(box.width * ratio);
      canvas.height = Math.round(box.height * ratio);
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx.lineWidth = 2.5;
      ctx.lineCap = "round";
      ctx.lineJoin = "round";
      ctx.strokeStyle = "#111";
      inked = false;
      input.value = "";
    }

    function point(event) {
      var box = canvas.getBoundingClientRect();
      return { x: event.clientX - box.left, y: event.clientY - box.top };
    }

    canvas.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      canvas.setPointerCapture(event.pointerId);
      drawing = true;
      last = point(event);
      ctx.beginPath();
      ctx.arc(last.x, last.y, ctx.lineWidth / 2, 0, 2 * Math.PI);
      ctx.fillStyle = ctx.strokeStyle;
      ctx.fill();
      inked = true;
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) return;
      event.preventDefault();
      var next = point(event);
      ctx.beginPath();
      ctx.moveTo(last.x, last.y);
      ctx.lineTo(next.x, next.y);
      ctx.stroke();
      last = next;
    });
    function finish() {
      if (!drawing) return;
      drawing = false;
      if (inked) input.value = canvas.toDataURL("image/png");
    }
    canvas.addEventListener("pointerup", finish);
    canvas.addEventListener("pointercancel", finish);
    canvas.addEventListener("pointerleave", finish);

    document.querySelectorAll('[data-signature-clear="' + canvas.dataset.signaturePad + '"]')
      .forEach(function (button) {
        button.addEventListener("click", function () {
          ctx.clearRect(0, 0, canvas.width, canvas.height);
          inked = false;
          input.value = "";
        });
      });
    fit();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("canvas[data-signature-pad]").forEach(setUp);
  });
})();
