// Progressive enhancement for the place picker (templates/_macros/forms.html,
// venue_filter): a search box that narrows the <select> of places by city, country
// or name, and a button that sorts it by distance from the visitor. Without
// JavaScript the select still works (typing jumps through the options).
//
// The position is asked for only when the button is clicked, and it never leaves
// the browser: each option carries its place's position (data-lat, data-lon) and
// the distances are computed here. Nothing is chosen for the visitor.
(function () {
  "use strict";
  var EARTH_RADIUS_KM = 6371.0088; // as app.venues.geo
  // Unicode isolates around a place's name inside a sentence: a Latin name on a
  // Persian page keeps its own direction (an <option> cannot hold a <bdi>).
  var ISOLATE_START = "\u2068";
  var ISOLATE_END = "\u2069";

  var wrapper = document.querySelector(".venue-filter");
  var input = document.querySelector("[data-filters=venue]");
  var select = document.getElementById("venue");
  if (!wrapper || !input || !select) {
    return;
  }
  wrapper.hidden = false;
  var options = Array.prototype.slice.call(select.options);
  // The labels as served: the search matches these, never the distances added.
  var labels = options.map(function (option) {
    return option.textContent;
  });

  function isFixed(option) {
    // "Choose…" stays first and "Another address" last, whatever the search or order.
    return !option.value || option.value === "other";
  }

  input.addEventListener("input", function () {
    var needle = input.value.trim().toLocaleLowerCase();
    options.forEach(function (option, index) {
      var keep = isFixed(option) || labels[index].toLocaleLowerCase().indexOf(needle) !== -1;
      option.hidden = !keep;
      option.disabled = !keep && option !== select.selectedOptions[0];
    });
  });

  // --- "Sort by distance from me" ---------------------------------------------

  var button = wrapper.querySelector(".venue-sort");
  var hint = document.getElementById("venue-sort-hint");
  var status = wrapper.querySelector(".venue-sort-status");
  if (!button || !status || !navigator.geolocation) {
    return;
  }
  button.hidden = false;
  if (hint) {
    hint.hidden = false;
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? values[name] : whole;
    });
  }

  function isolate(text) {
    return ISOLATE_START + text + ISOLATE_END;
  }

  function distanceKm(lat1, lon1, lat2, lon2) {
    var rad = Math.PI / 180;
    var dLat = (lat2 - lat1) * rad;
    var dLon = (lon2 - lon1) * rad;
    var a = Math.pow(Math.sin(dLat / 2), 2) +
      Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.pow(Math.sin(dLon / 2), 2);
    return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(a)));
  }

  // As app.dates.format_distance: tenths below 10 km, whole kilometres above, in the
  // page language's digits (Persian pages write Persian ones).
  var language = document.documentElement.lang || undefined;
  function formatKm(km) {
    var value = km < 10 ? Math.round(km * 10) / 10 : Math.round(km);
    try {
      return new Intl.NumberFormat(language, { maximumFractionDigits: 1 }).format(value);
    } catch (error) {
      return String(value);
    }
  }

  function sortFrom(latitude, longitude) {
    var chosen = select.value;
    var first = [];
    var placed = [];
    var unplaced = [];
    var last = [];
    options.forEach(function (option, index) {
      var lat = parseFloat(option.dataset.lat);
      var lon = parseFloat(option.dataset.lon);
      if (!option.value) {
        first.push(option);
      } else if (option.value === "other") {
        last.push(option);
      } else if (isFinite(lat) && isFinite(lon)) {
        placed.push({ option: option, index: index, km: distanceKm(latitude, longitude, lat, lon) });
      } else {
        option.textContent = labels[index];
        unplaced.push(option);
      }
    });
    if (!placed.length) {
      status.textContent = wrapper.dataset.labelUnplaced;
      return;
    }
    placed.sort(function (a, b) {
      return a.km - b.km || a.index - b.index;
    });
    placed.forEach(function (entry) {
      entry.shown = formatKm(entry.km);
      entry.option.textContent = fill(wrapper.dataset.labelDistance, {
        place: isolate(labels[entry.index]),
        km: entry.shown
      });
    });
    first.concat(placed.map(function (entry) {
      return entry.option;
    }), unplaced, last).forEach(function (option) {
      select.appendChild(option);
    });
    select.value = chosen; // the order changed, the choice did not
    // The nearest of those the search leaves in the list.
    var nearest = placed.filter(function (entry) {
      return !entry.option.hidden;
    })[0] || placed[0];
    status.textContent = fill(wrapper.dataset.labelSorted, {
      place: isolate(nearest.option.dataset.name || labels[nearest.index]),
      km: nearest.shown
    });
  }

  button.addEventListener("click", function () {
    status.textContent = "";
    navigator.geolocation.getCurrentPosition(
      function (position) {
        sortFrom(position.coords.latitude, position.coords.longitude);
      },
      function () {
        status.textContent = wrapper.dataset.labelNotShared;
      },
      { enableHighAccuracy: false, timeout: 15000, maximumAge: 600000 }
    );
  });
})();
