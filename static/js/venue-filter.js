// Progressive enhancement for the place picker: a search box that narrows the
// <select> of missions by city, country or name. Without JavaScript the select
// still works (typing jumps through the options).
(function () {
  "use strict";
  var wrapper = document.querySelector(".venue-filter");
  var input = document.querySelector("[data-filters=venue]");
  var select = document.getElementById("venue");
  if (!wrapper || !input || !select) {
    return;
  }
  wrapper.hidden = false;
  var options = Array.prototype.slice.call(select.options);
  input.addEventListener("input", function () {
    var needle = input.value.trim().toLocaleLowerCase();
    options.forEach(function (option) {
      var keep = !option.value || option.value === "other" ||
        option.textContent.toLocaleLowerCase().indexOf(needle) !== -1;
      option.hidden = !keep;
      option.disabled = !keep && option !== select.selectedOptions[0];
    });
  });
})();
