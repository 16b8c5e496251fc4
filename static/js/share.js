// "Copy link" and "Share…" for the address fields of templates/_macros/share.html.
// Without this script the field is still there to select and copy by hand. The
// address is read from the field, never rebuilt here: a private link's #fragment
// stays in this page and is sent to no server (design/security.md, decision 9).
(function () {
  "use strict";
  document.querySelectorAll("[data-share]").forEach(function (box) {
    // Panels that bring their own copy of this script must not double the buttons' work.
    if (box.hasAttribute("data-share-ready")) {
      return;
    }
    box.setAttribute("data-share-ready", "");
    var field = box.querySelector(".share-url");
    var actions = box.querySelector(".share-actions");
    var copy = box.querySelector(".share-copy");
    var share = box.querySelector(".share-native");
    var status = box.querySelector(".share-status");
    if (!field || !actions || !copy || !status) {
      return;
    }
    var timer = null;
    function say(text) {
      status.textContent = text;
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        status.textContent = "";
      }, 5000);
    }
    // A click in the field selects all of it: one step less on a phone.
    field.addEventListener("focus", function () {
      field.select();
    });
    if (navigator.clipboard && navigator.clipboard.writeText) {
      copy.addEventListener("click", function () {
        navigator.clipboard.writeText(field.value).then(
          function () {
            say(copy.getAttribute("data-copied"));
          },
          function () {
            field.focus();
            field.select();
            say(copy.getAttribute("data-copy-failed"));
          }
        );
      });
    } else {
      copy.hidden = true;
    }
    if (share && typeof navigator.share === "function") {
      share.hidden = false;
      share.addEventListener("click", function () {
        var data = { url: field.value };
        var title = share.getAttribute("data-title");
        if (title) {
          data.title = title;
        }
        // A dismissed share sheet rejects the promise: nothing to report.
        navigator.share(data).catch(function () {});
      });
    }
    if (!copy.hidden || (share && !share.hidden)) {
      actions.hidden = false;
    }
  });
})();
