// After a form comes back with errors, move keyboard focus to the first field
// that needs correcting, so keyboard and screen-reader users land on it.
(function () {
  "use strict";
  var invalid = document.querySelector("[aria-invalid=true]");
  if (invalid && typeof invalid.focus === "function") {
    invalid.focus();
  }
})();
