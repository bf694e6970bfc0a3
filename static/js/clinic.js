// After HTMX swaps in new content, move keyboard focus to its heading so screen readers
// and keyboard users land on what changed. Loaded as a file: no inline script anywhere.
document.addEventListener("htmx:afterSettle", function (event) {
  var target = event.detail.elt && event.detail.elt.querySelector
    ? event.detail.elt.querySelector("[data-focus-after-swap]")
    : null;
  if (!target) {
    target = document.querySelector("[data-focus-after-swap]");
  }
  if (target) {
    target.focus();
  }
});
