// After HTMX swaps in new content, move keyboard focus to its heading so screen readers
// and keyboard users land on what changed. Loaded as a file: no inline script anywhere.
// Not after a live refresh (the desk grid's poll): nobody asked for it, so focus stays.
document.addEventListener("htmx:afterSettle", function (event) {
  var asker = event.detail.requestConfig && event.detail.requestConfig.elt;
  if (asker && asker.closest && asker.closest(".desk-poll")) {
    return;
  }
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
