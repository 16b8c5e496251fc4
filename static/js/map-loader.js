// An event page's venue map loads Leaflet only when the visitor asks for it: the
// page stays small, and those who do not open the map download none of it.
(function () {
  "use strict";

  function load(tag, properties) {
    return new Promise(function (resolve, reject) {
      var element = document.createElement(tag);
      Object.keys(properties).forEach(function (name) {
        element[name] = properties[name];
      });
      element.onload = resolve;
      element.onerror = reject;
      document.head.appendChild(element);
    });
  }

  document.querySelectorAll(".map-frame.is-lazy").forEach(function (frame) {
    var button = frame.querySelector(".show-map");
    button.hidden = false;
    button.addEventListener("click", function () {
      button.disabled = true;
      frame.classList.add("is-shown");
      // In order: Leaflet (and the street map's renderer, if there is one), then
      // folium's script for this map, then ours (maps.js).
      load("link", { rel: "stylesheet", href: frame.dataset.leafletCss })
        .then(function () {
          return load("script", { src: frame.dataset.leaflet });
        })
        .then(function () {
          var renderer = frame.dataset.streetsRenderer;
          return renderer ? load("script", { src: renderer }) : null;
        })
        .then(function () {
          return load("script", { src: frame.dataset.script });
        })
        .then(function () {
          return load("script", { src: frame.dataset.maps });
        })
        .then(function () {
          button.remove();
        })
        .catch(function () {
          frame.classList.remove("is-shown");
          button.disabled = false;
        });
    });
  });
})();
