// The reception's day grid (templates/desk/_day.html): fills the window, opens at the
// current time (today) or the first visit, draws the now-line, books a free time where it
// is clicked and moves a booked session where it is dropped (asking why first). Loaded as a file: the CSP
// allows no inline script. Without it the grid still works: free cells are links to the
// booking, and each session's page has Move.
(function () {
  "use strict";

  var ROW_MINUTES = 15;
  var DRAG_START_PX = 6;
  var clockOffset = 0; // the clinic server's clock minus this browser's, in seconds
  var dragging = null;

  function grid() {
    return document.querySelector("#desk-grid .day-grid");
  }

  function nowSeconds() {
    return Date.now() / 1000 + clockOffset;
  }

  function setServerNow(seconds) {
    if (seconds && !isNaN(seconds)) {
      clockOffset = Number(seconds) - Date.now() / 1000;
    }
  }

  // Wall-clock "HH:MM" plus minutes (the grid's rows are wall-clock quarter hours).
  function addMinutes(label, minutes) {
    var parts = label.split(":");
    var total = (Number(parts[0]) * 60 + Number(parts[1]) + minutes) % (24 * 60);
    var h = Math.floor(total / 60);
    var m = total % 60;
    return (h < 10 ? "0" : "") + h + ":" + (m < 10 ? "0" : "") + m;
  }

  function box() {
    return document.querySelector("#desk-grid .grid-scroll");
  }

  // The grid uses the window's height below its top, not a fixed box.
  function fitBox() {
    var b = box();
    if (!b) return;
    var top = b.getBoundingClientRect().top + window.scrollY;
    var room = window.innerHeight - Math.min(top, window.innerHeight * 0.4) - 16;
    b.style.maxHeight = Math.max(320, room) + "px";
  }

  // Where a moment falls in the table: the pixel offset from the table's top.
  function offsetOf(table, seconds) {
    var lo = Number(table.dataset.lo);
    var step = Number(table.dataset.rowSeconds);
    var rows = table.tBodies[0].rows;
    var index = Math.floor((seconds - lo) / step);
    if (index < 0 || index >= rows.length) return null;
    var row = rows[index];
    return row.offsetTop + ((seconds - lo - index * step) / step) * row.offsetHeight;
  }

  function drawNowLine() {
    var table = grid();
    var line = document.querySelector("#desk-grid .now-line");
    if (!table || !line) return null;
    var now = nowSeconds();
    var top = now < Number(table.dataset.hi) ? offsetOf(table, now) : null;
    if (top === null) {
      line.hidden = true;
      return null;
    }
    var minutes = Math.floor((now - Number(table.dataset.lo)) / 60);
    line.querySelector(".now-label").textContent = addMinutes(table.dataset.loLabel, minutes);
    line.style.top = top + "px";
    line.hidden = false;
    return top;
  }

  // Today: the current time a quarter down the box; another day: its first visit.
  function scrollToStart() {
    var b = box();
    var table = grid();
    if (!b || !table) return;
    var top = drawNowLine();
    if (top === null) {
      var first = table.querySelector("td.appt");
      top = first ? first.offsetTop : null;
    }
    if (top !== null) {
      b.scrollTop = Math.max(0, top - b.clientHeight / 4);
    }
  }

  // The row of a free cell under a pointer: its wall-clock time and epoch seconds.
  function timeInCell(cell, clientY) {
    var table = grid();
    var rows = Number(cell.dataset.rows);
    var rect = cell.getBoundingClientRect();
    var row = Math.min(rows - 1, Math.max(0, Math.floor(((clientY - rect.top) / rect.height) * rows)));
    var start = Number(cell.dataset.start) + row * ROW_MINUTES * 60;
    var minutes = Math.round((start - Number(table.dataset.lo)) / 60);
    return { seconds: start, label: addMinutes(table.dataset.loLabel, minutes) };
  }

  function dayOfLink(link) {
    return new URL(link.href, window.location.href).searchParams.get("at").slice(0, 10);
  }

  // Click to book: the free cell's link, with the time of the row clicked.
  document.addEventListener("click", function (event) {
    var cell = event.target.closest && event.target.closest("#desk-grid td.free");
    if (!cell || event.button !== 0) return;
    var link = cell.querySelector("a.free-book");
    if (!link || event.detail === 0) return; // the keyboard follows the link as it is
    event.preventDefault();
    var url = new URL(link.href, window.location.href);
    url.searchParams.set("at", dayOfLink(link) + "T" + timeInCell(cell, event.clientY).label);
    window.location.assign(url.toString());
  });

  // --- Drag to move ----------------------------------------------------------------

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];
    } catch (e) {
      return "";
    }
  }

  function clearTarget() {
    document.querySelectorAll("#desk-grid td.drop-target").forEach(function (td) {
      td.classList.remove("drop-target");
    });
  }

  function targetAt(x, y) {
    var under = document.elementFromPoint(x, y);
    var cell = under && under.closest && under.closest("#desk-grid td.free");
    return cell || null;
  }

  function startDrag(d, event) {
    d.active = true;
    d.ghost = document.createElement("div");
    d.ghost.className = "drag-ghost";
    d.ghost.setAttribute("aria-hidden", "true");
    d.ghost.textContent = d.cell.querySelector(".appt-who").textContent;
    d.when = document.createElement("span");
    d.when.className = "drag-when";
    d.ghost.appendChild(d.when);
    document.body.appendChild(d.ghost);
    d.cell.classList.add("dragging");
    moveGhost(d, event);
  }

  function moveGhost(d, event) {
    d.ghost.style.left = event.clientX + 12 + "px";
    d.ghost.style.top = event.clientY + 12 + "px";
    clearTarget();
    var target = targetAt(event.clientX, event.clientY);
    d.target = target;
    d.when.textContent = "";
    if (target) {
      target.classList.add("drop-target");
      d.when.textContent = " → " + timeInCell(target, event.clientY).label;
    }
  }

  function endDrag(d) {
    clearTarget();
    if (d.ghost) d.ghost.remove();
    d.cell.classList.remove("dragging");
    dragging = null;
  }

  function replaceGrid(html) {
    var template = document.createElement("template");
    template.innerHTML = html.trim();
    var fresh = template.content.querySelector("#desk-grid");
    var old = document.getElementById("desk-grid");
    if (!fresh || !old) return;
    var keep = box() ? box().scrollTop : 0;
    old.replaceWith(fresh);
    if (window.htmx) window.htmx.process(fresh);
    fitBox();
    drawNowLine();
    if (box()) box().scrollTop = keep;
    var notice = fresh.querySelector(".grid-notice");
    if (notice) {
      notice.setAttribute("tabindex", "-1");
      notice.focus({ preventScroll: true });
    }
  }

  // Why the session moves: the dialog under the grid (templates/desk/day.html) with the
  // manager's reasons, the first one chosen already, so Enter moves at once. Escape or
  // "Keep it where it was" leaves the session where it was.
  function askReason(what, send) {
    var dialog = document.getElementById("drop-reason");
    if (!dialog || typeof dialog.showModal !== "function") return;
    var select = dialog.querySelector("select[name=reason_id]");
    var note = dialog.querySelector("[name=reason]");
    dialog.querySelector("#drop-reason-what").textContent = what;
    if (select) select.selectedIndex = 0;
    if (note) note.value = "";
    dialog.returnValue = "";
    noteNeeded(dialog, false);
    dialog.addEventListener("close", function () {
      if (dialog.returnValue !== "move") return;
      send(select ? select.value : "", note ? note.value : "");
    }, { once: true });
    dialog.showModal();
    if (select) select.focus();
  }

  function noteNeeded(dialog, shown) {
    var message = dialog.querySelector("#drop-note-needed");
    var note = dialog.querySelector("[name=reason]");
    if (message) message.hidden = !shown;
    if (note) {
      if (shown) note.setAttribute("aria-invalid", "true");
      else note.removeAttribute("aria-invalid");
    }
  }

  // A reason that needs a note ("Other") keeps the dialog open until one is written,
  // as the server would refuse it anyway.
  document.addEventListener("submit", function (event) {
    var dialog = event.target.closest && event.target.closest("#drop-reason");
    if (!dialog || !event.submitter || event.submitter.value !== "move") return;
    var select = dialog.querySelector("select[name=reason_id]");
    var note = dialog.querySelector("[name=reason]");
    var chosen = select && select.options[select.selectedIndex];
    if (chosen && chosen.hasAttribute("data-needs-note") && !note.value.trim()) {
      event.preventDefault();
      noteNeeded(dialog, true);
      note.focus();
    }
  });

  function drop(d, event) {
    var table = grid();
    var target = d.target;
    var when = timeInCell(target, event.clientY);
    var link = target.querySelector("a.free-book");
    var body = new URLSearchParams();
    body.set("at", dayOfLink(link) + "T" + when.label);
    body.set("by", table.dataset.by);
    body.set("column", target.dataset.col);
    var url = table.dataset.dropUrl.replace("/0/drop/", "/" + d.cell.dataset.appt + "/drop/");
    var who = d.cell.querySelector(".appt-who").textContent.trim();
    askReason(who + " → " + when.label, function (reasonId, note) {
      body.set("reason_id", reasonId);
      body.set("reason", note);
      send(url, body);
    });
  }

  function send(url, body) {
    var table = grid();
    if (table) table.setAttribute("aria-busy", "true");
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "HX-Request": "true" },
      body: body,
    })
      .then(function (response) {
        setServerNow(Number(response.headers.get("X-Clinic-Now")));
        return response.text();
      })
      .then(replaceGrid)
      .catch(function () {
        if (grid()) grid().removeAttribute("aria-busy"); // the session stays where it was
      });
  }

  document.addEventListener("pointerdown", function (event) {
    var cell = event.target.closest && event.target.closest("#desk-grid td.appt[data-appt]");
    if (!cell || event.button !== 0) return;
    dragging = { cell: cell, x: event.clientX, y: event.clientY, active: false, target: null };
  });

  document.addEventListener("pointermove", function (event) {
    var d = dragging;
    if (!d) return;
    if (!d.active) {
      if (Math.abs(event.clientX - d.x) + Math.abs(event.clientY - d.y) < DRAG_START_PX) return;
      startDrag(d, event);
    }
    event.preventDefault();
    moveGhost(d, event);
  });

  document.addEventListener("pointerup", function (event) {
    var d = dragging;
    if (!d) return;
    var moved = d.active && d.target;
    if (d.active) {
      // The click that follows a drag must not open the session's links.
      d.cell.addEventListener("click", function (e) { e.preventDefault(); }, { once: true, capture: true });
    }
    endDrag(d);
    if (moved) drop(d, event);
  });

  // A link inside the session would start the browser's own drag (of its address).
  document.addEventListener("dragstart", function (event) {
    if (event.target.closest && event.target.closest("#desk-grid td.appt[data-appt]")) {
      event.preventDefault();
    }
  });

  document.addEventListener("pointercancel", function () {
    if (dragging) endDrag(dragging);
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && dragging) endDrag(dragging);
  });

  // --- Live updates: HTMX polls the day's version (the poll element in the grid) -----

  var keptScroll = null;

  document.addEventListener("htmx:beforeRequest", function (event) {
    var poll = event.detail.elt.classList && event.detail.elt.classList.contains("desk-poll");
    var asking = document.getElementById("drop-reason");
    // Not while a session is held, nor while the desk says why it moves.
    if (poll && (dragging || (asking && asking.open))) event.preventDefault();
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var xhr = event.detail.xhr;
    if (xhr) setServerNow(Number(xhr.getResponseHeader("X-Clinic-Now")));
  });

  document.addEventListener("htmx:beforeSwap", function (event) {
    var poll = event.detail.requestConfig && event.detail.requestConfig.elt.classList.contains("desk-poll");
    keptScroll = poll && box() ? box().scrollTop : null;
  });

  document.addEventListener("htmx:afterSettle", function () {
    if (!grid() && !box()) return;
    fitBox();
    if (keptScroll !== null) {
      drawNowLine();
      if (box()) box().scrollTop = keptScroll;
      keptScroll = null;
    } else {
      scrollToStart();
    }
  });

  function init() {
    var live = document.querySelector(".desk-live");
    if (live) setServerNow(Number(live.dataset.now));
    fitBox();
    scrollToStart();
    window.setInterval(drawNowLine, 30000);
    window.addEventListener("resize", function () {
      fitBox();
      drawNowLine();
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
