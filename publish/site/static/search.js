// Search and filters for the catalog's index. Without JavaScript the whole list shows and the
// form stays hidden; with it, typing or choosing narrows the list and the count is announced.
(function () {
  "use strict";
  var form = document.getElementById("filters");
  var items = Array.prototype.slice.call(document.querySelectorAll("#datasets > li"));
  var count = document.getElementById("count");
  var none = document.getElementById("none");
  if (!form || !items.length) return;
  form.hidden = false;
  var keys = ["theme", "publisher", "format", "frequency"];

  function words(text) {
    return text.toLowerCase().split(/\s+/).filter(Boolean);
  }

  function apply() {
    var query = words(form.elements.q.value);
    var shown = 0;
    items.forEach(function (li) {
      var text = li.dataset.search;
      var ok = query.every(function (w) { return text.indexOf(w) !== -1; });
      keys.forEach(function (k) {
        var want = form.elements[k].value;
        if (!want) return;
        var have = k === "publisher" ? [li.dataset[k]] : li.dataset[k].split(" ");
        if (have.indexOf(want) === -1) ok = false;
      });
      li.hidden = !ok;
      if (ok) shown += 1;
    });
    count.textContent = count.dataset.template.replace("{n}", shown).replace("{total}", count.dataset.total);
    none.hidden = shown !== 0;
  }

  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (e) { e.preventDefault(); apply(); });
})();
