// The RSVP form of an event page. The page is cached and the same for every visitor,
// so the form carries no CSRF token of its own: fetch this visitor's from the site when
// the form is first used. Without this script (or if the fetch fails) the form still
// works: the server sends it back once with the token, and one more press sends it.
(function () {
  "use strict";
  document.querySelectorAll("input[data-token-url]").forEach(function (input) {
    var form = input.form;
    var pending = null;
    function fetchToken() {
      if (pending === null) {
        pending = fetch(input.getAttribute("data-token-url"), {
          credentials: "same-origin",
          cache: "no-store",
          headers: { Accept: "application/json" }
        })
          .then(function (response) {
            if (!response.ok) {
              throw new Error("token: " + response.status);
            }
            return response.json();
          })
          .then(function (data) {
            input.value = data.csrf_token;
          })
          .catch(function () {
            pending = null; // try again on submit; the server asks again at worst
          });
      }
      return pending || Promise.resolve();
    }
    form.addEventListener("focusin", fetchToken);
    form.addEventListener("submit", function (event) {
      if (input.value) {
        return;
      }
      event.preventDefault();
      fetchToken().then(function () {
        // The form's own method: its button is named "submit" and hides form.submit.
        HTMLFormElement.prototype.submit.call(form);
      });
    });
  });
})();
