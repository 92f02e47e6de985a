// Firm page and form helpers (no inline scripts: the CSP forbids them).
(function () {
  "use strict";
  // Ask before submitting forms that remove or archive something.
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.dataset.confirm)) { event.preventDefault(); }
    });
  });
  // "Select the whole page" box of the firm list's bulk assignment.
  document.querySelectorAll("input[data-select-all]").forEach(function (all) {
    all.addEventListener("change", function () {
      document.querySelectorAll('input[name="' + all.dataset.selectAll + '"]').forEach(
        function (box) { box.checked = all.checked; });
    });
  });
  // Refill the commune select when the province changes.
  document.querySelectorAll("select[data-communes-url]").forEach(function (province) {
    var commune = document.getElementById(province.dataset.communeSelect);
    if (!commune) { return; }
    province.addEventListener("change", function () {
      var url = province.dataset.communesUrl.replace(/0$/, province.value || "0");
      fetch(url, {credentials: "same-origin"})
        .then(function (resp) { return resp.ok ? resp.json() : []; })
        .then(function (rows) {
          commune.replaceChildren(new Option("—", ""));
          rows.forEach(function (row) { commune.add(new Option(row[1], row[0])); });
        });
    });
  });
})();
