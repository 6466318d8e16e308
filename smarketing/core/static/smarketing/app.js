// Small behaviours shared by every page. Scripts are files, never inline handlers: the
// Content-Security-Policy refuses inline scripts.
(function () {
  // <select data-autosubmit>: choosing an option submits its form (e.g. a results filter).
  document.querySelectorAll("[data-autosubmit]").forEach(function (field) {
    field.addEventListener("change", function () { field.form.submit(); });
  });
})();
