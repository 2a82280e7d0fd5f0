// The "use it" block names files relative to this page; show the full address it was opened
// from (http(s):// or file://), so the curl line can be copied as it is.
(function () {
  "use strict";
  document.querySelectorAll(".site-url").forEach(function (el) {
    el.textContent = new URL(el.dataset.path, document.baseURI).href;
  });
})();
