// Copies a secret code from the URL fragment (#code) into the form field marked
// data-fragment-token, then removes it from the address bar and history.
// The fragment never reaches the server, its logs or a Referer header.
(function () {
  "use strict";
  var field = document.querySelector("[data-fragment-token]");
  var code = window.location.hash.slice(1);
  if (!field || !code) {
    return;
  }
  field.value = decodeURIComponent(code);
  history.replaceState(null, "", window.location.pathname + window.location.search);
})();
