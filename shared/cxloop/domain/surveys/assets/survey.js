(function () {
  "use strict";
  var form = document.getElementById("survey");
  if (!form) return;
  document.documentElement.className += " js";
  var DAY = 864e5, KEEP_DAYS = 30, PREFIX = "cxloop:draft:";
  var draft = form.getAttribute("data-draft");
  var store = draft ? storage() : null;
  var key = PREFIX + draft;

  function storage() {
    try {
      var s = window.localStorage;
      s.setItem(PREFIX + "probe", "1");
      s.removeItem(PREFIX + "probe");
      return s;
    } catch (e) {
      return null;
    }
  }
  function each(list, fn) { Array.prototype.forEach.call(list, fn); }
  function valueOf(name) {
    var field = form.elements.namedItem(name);
    return field ? field.value : "";
  }
  function holds(rule, raw) {
    if (raw === "") return false;
    var want = rule.value, got = raw;
    if (typeof want === "boolean") {
      if (raw !== "yes" && raw !== "no") return false;
      got = raw === "yes";
    } else if (typeof want === "number") {
      got = Number(raw);
      if (isNaN(got)) return false;
    }
    switch (rule.op) {
      case "<": return got < want;
      case "<=": return got <= want;
      case ">": return got > want;
      case ">=": return got >= want;
      case "==": return got === want;
      case "!=": return got !== want;
    }
    return false;
  }
  function update() {
    var shown = {};
    each(form.querySelectorAll("[data-q]"), function (question) {
      var rule = question.getAttribute("data-show-if");
      var visible = true;
      if (rule) {
        rule = JSON.parse(rule);
        visible = shown[rule.field] === true && holds(rule, valueOf(rule.field));
      }
      shown[question.getAttribute("data-q")] = visible;
      question.hidden = !visible;
      each(question.querySelectorAll("input,textarea"), function (control) {
        control.disabled = !visible;
      });
    });
  }
  function answers() {
    var found = {};
    each(form.querySelectorAll("input,textarea"), function (control) {
      if (control.type === "checkbox") {
        if (control.checked) (found[control.name] = found[control.name] || []).push(control.value);
      } else if (control.type === "radio" ? control.checked : control.value) {
        found[control.name] = control.value;
      }
    });
    return found;
  }
  function restoreBoxes(name, values) {
    var boxes = form.querySelectorAll('input[type="checkbox"]');
    var ticked = false;
    each(boxes, function (box) { if (box.name === name && box.checked) ticked = true; });
    if (ticked) return;
    each(boxes, function (box) {
      if (box.name === name && values.indexOf(box.value) !== -1) box.checked = true;
    });
  }
  function save() {
    if (!store) return;
    try {
      store.setItem(key, JSON.stringify({ at: Date.now(), answers: answers() }));
    } catch (e) {}
  }
  function forgetOld() {
    for (var i = store.length - 1; i >= 0; i--) {
      var name = store.key(i);
      if (!name || name.indexOf(PREFIX) !== 0) continue;
      var saved = null;
      try { saved = JSON.parse(store.getItem(name)); } catch (e) {}
      if (!saved || !(Date.now() - saved.at < KEEP_DAYS * DAY)) store.removeItem(name);
    }
  }
  function restore() {
    if (!store) return;
    forgetOld();
    var saved = null;
    try { saved = JSON.parse(store.getItem(key)); } catch (e) {}
    var kept = saved && saved.answers;
    if (!kept || typeof kept !== "object") return;
    Object.keys(kept).forEach(function (name) {
      if (Array.isArray(kept[name])) return restoreBoxes(name, kept[name]);
      var field = form.elements.namedItem(name);
      if (field && field.value === "" && typeof kept[name] === "string") field.value = kept[name];
    });
  }
  restore();
  update();
  form.addEventListener("change", function () { update(); save(); });
  form.addEventListener("input", save);
  form.addEventListener("submit", function () {
    if (store) store.removeItem(key);
  });
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();
