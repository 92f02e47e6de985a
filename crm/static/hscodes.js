// HS suggestions beside a product form's HS field (templates/hscodes/_field.html).
// Asks the server again as the product name is typed; one click fills the HS field.
(function () {
  "use strict";
  document.querySelectorAll(".hs-suggest[data-url]").forEach(function (box) {
    var form = box.closest("form");
    if (!form) { return; }
    var hs = form.querySelector("[name=hs_code]");
    var names = ["name", "name_en"].map(function (n) { return form.querySelector("[name=" + n + "]"); })
      .filter(Boolean);
    var list = box.querySelector(".hs-suggest-list");
    var timer = null;
    var asked = "";

    function text() {
      return names.map(function (el) { return el.value.trim(); }).filter(Boolean).join(" ");
    }
    function show() { box.hidden = !!hs.value.trim() || !list.children.length; }
    function render(rows) {
      list.replaceChildren();
      rows.forEach(function (row) {
        var line = document.createElement("div");
        var pick = document.createElement("button");
        pick.type = "button";
        pick.className = "btn btn-sm btn-outline-primary hs-suggest-pick";
        pick.dataset.code = row.shown;
        pick.textContent = row.shown;
        var title = document.createElement("span");
        title.className = "small ms-1";
        title.textContent = row.title;
        var why = document.createElement("span");
        why.className = "small text-muted ms-1";
        why.textContent = "(" + row.why + ")";
        line.append(pick, title, why);
        list.append(line);
      });
      show();
    }
    function ask() {
      var q = text();
      if (hs.value.trim() || q === asked) { show(); return; }
      asked = q;
      if (!q) { render([]); return; }
      fetch(box.dataset.url + "?q=" + encodeURIComponent(q), {credentials: "same-origin"})
        .then(function (resp) { return resp.ok ? resp.json() : {suggestions: []}; })
        .then(function (data) { if (q === asked) { render(data.suggestions || []); } })
        .catch(function () { /* no suggestions: the field still takes a code by hand */ });
    }
    asked = text();  // the server rendered the suggestions for the name as it came
    names.forEach(function (el) {
      el.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(ask, 350); });
    });
    hs.addEventListener("input", function () { if (!hs.value.trim()) { ask(); } show(); });
    list.addEventListener("click", function (event) {
      var pick = event.target.closest(".hs-suggest-pick");
      if (!pick) { return; }
      hs.value = pick.dataset.code;
      hs.dispatchEvent(new Event("change", {bubbles: true}));
      hs.focus();
      show();
    });
  });
})();
