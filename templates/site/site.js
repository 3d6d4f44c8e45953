// pm site: filters and full-text search for the index of postmortems.
// Without this script the index is the full table. It reads the table and, on the first
// search, the prebuilt index in search/*.js (one file per month of incidents); it never
// fetches anything else, evaluates no text and writes text only with textContent.
(function () {
  "use strict";
  var form = document.getElementById("pm-filters");
  var table = document.getElementById("pm-list");
  if (!form || !table) {
    return;
  }
  var rows = Array.prototype.slice.call(table.tBodies[0].rows);
  var query = document.getElementById("pm-q");
  var count = document.getElementById("pm-count");
  var selects = Array.prototype.slice.call(form.querySelectorAll("select[data-filter]"));
  var shards = (form.getAttribute("data-shards") || "").split(" ").filter(Boolean);
  var texts = null; // id -> searchable text, once every shard has loaded
  var loading = false;
  var failed = false;
  var pending = {};
  var timer = null;

  function lists(row, name) {
    var raw = row.getAttribute("data-" + name);
    try {
      return raw ? JSON.parse(raw) : [];
    } catch (error) {
      return [];
    }
  }

  function matches(row, filters, terms) {
    for (var i = 0; i < filters.length; i++) {
      var name = filters[i][0];
      var wanted = filters[i][1];
      if (name === "service" || name === "tag") {
        if (lists(row, name).indexOf(wanted) === -1) {
          return false;
        }
      } else if (row.getAttribute("data-" + name) !== wanted) {
        return false;
      }
    }
    if (!terms.length) {
      return true;
    }
    var text = texts[row.getAttribute("data-id")] || "";
    for (var j = 0; j < terms.length; j++) {
      if (text.indexOf(terms[j]) === -1) {
        return false;
      }
    }
    return true;
  }

  function apply() {
    var filters = selects
      .filter(function (select) { return select.value !== ""; })
      .map(function (select) { return [select.getAttribute("data-filter"), select.value]; });
    var terms = query.value.toLowerCase().split(/\s+/).filter(Boolean);
    if (terms.length && !texts) {
      load();
      if (!texts) {
        count.textContent = failed ? "The search index could not be loaded." : "Loading the search index...";
        return;
      }
    }
    var shown = 0;
    rows.forEach(function (row) {
      var visible = matches(row, filters, terms);
      row.hidden = !visible;
      if (visible) {
        shown += 1;
      }
    });
    count.textContent = shown + " of " + rows.length + " postmortem" + (rows.length === 1 ? "" : "s") + " shown";
  }

  function later() {
    if (timer !== null) {
      window.clearTimeout(timer);
    }
    timer = window.setTimeout(apply, 120);
  }

  // Each search/*.js file calls pmSearch.add([[id, text], ...]).
  window.pmSearch = {
    add: function (entries) {
      entries.forEach(function (entry) {
        pending[entry[0]] = entry[1];
      });
    }
  };

  function load() {
    if (loading) {
      return;
    }
    loading = true;
    var left = shards.length;
    function done() {
      left -= 1;
      if (left <= 0) {
        texts = pending;
        apply();
      }
    }
    if (!left) {
      texts = pending;
      return;
    }
    var base = document.querySelector("script[src$='assets/site.js']").getAttribute("src").replace(/assets\/site\.js$/, "");
    shards.forEach(function (name) {
      var script = document.createElement("script");
      script.src = base + "search/" + name + ".js";
      script.onload = done;
      script.onerror = function () {
        failed = true;
        count.textContent = "The search index could not be loaded.";
      };
      document.head.appendChild(script);
    });
  }

  form.hidden = false;
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  query.addEventListener("input", later);
  selects.forEach(function (select) { select.addEventListener("change", apply); });
  apply();
}());
