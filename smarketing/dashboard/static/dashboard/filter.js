// The period picker: the custom range's dates show only when "Custom range" is chosen. The form
// is submitted only by its button (changing a select never navigates: WCAG 3.2.2).
(function () {
  "use strict";
  const grain = document.getElementById("filter-grain");
  if (!grain) return;
  const form = grain.form;
  function show() {
    const custom = grain.value === "custom";
    form.querySelectorAll(".filter-custom").forEach(function (field) { field.hidden = !custom; });
    form.querySelectorAll(".filter-standard").forEach(function (field) {
      field.hidden = custom;
      field.querySelectorAll("select").forEach(function (select) { select.disabled = custom; });
    });
  }
  grain.addEventListener("change", show);
  show();
})();
