// Everything on our maps that folium does not render: the offline base layer
// (Natural Earth outlines and GeoNames city labels), the operator's optional
// street map (a vector archive from this site, or tiles behind a consent notice), the markers of /events.geojson (one per
// place) with popups that list the place's events, the "use my location" button
// and the organizer's point picker.
//
// Event text is only ever set with textContent, never as HTML: titles are
// written by anyone with an organizer account (design/security.md §3.1).
(function () {
  "use strict";

  var TILE_CONSENT_KEY = "vigil-street-tiles";

  function text(tag, value, className) {
    var element = document.createElement(tag);
    element.textContent = value;
    if (className) {
      element.className = className;
    }
    return element;
  }

  // Fill a translated template such as "{place}, {city} ({country})" with text in
  // <bdi> elements, so Latin names keep their order inside Persian sentences.
  function filled(tag, template, values, className) {
    var element = text(tag, "", className);
    template.split(/(\{[a-z]+\})/).forEach(function (part) {
      var name = part.match(/^\{([a-z]+)\}$/);
      element.appendChild(
        name && name[1] in values ? text("bdi", values[name[1]]) : document.createTextNode(part)
      );
    });
    return element;
  }

  function escapeHtml(value) {
    // Leaflet writes attributions as HTML; ours are plain text from settings.
    return value.replace(/[&<>"']/g, function (c) {
      return "&#" + c.charCodeAt(0) + ";";
    });
  }

  function getJson(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) {
          throw new Error(body && body.error ? body.error : String(response.status));
        }
        return body;
      });
    });
  }

  // --- Offline base layer ---------------------------------------------------

  function addCountries(map, frame) {
    map.createPane("countries");
    map.getPane("countries").style.zIndex = 150;
    getJson(frame.dataset.countries).then(function (countries) {
      L.geoJSON(countries, {
        pane: "countries",
        interactive: false,
        attribution: escapeHtml(frame.dataset.baseAttribution || ""),
        style: { color: "#9a968c", weight: 1, fillColor: "#f4f1ea", fillOpacity: 1 },
      }).addTo(map);
    });
  }

  // Where the street map is drawn, it labels cities itself (in the page's language).
  function addCityLabels(map, frame, streets) {
    var labels = L.layerGroup().addTo(map);
    var cities = [];
    var MAX_LABELS = 150;

    function rankShown(zoom) {
      return zoom < 4 ? 0 : zoom < 6 ? 1 : 2;
    }

    function refresh() {
      var bounds = map.getBounds().pad(0.1);
      var maxRank = rankShown(map.getZoom());
      var placed = [];
      labels.clearLayers();
      if (streets && streets(map.getCenter())) {
        return;
      }
      // Largest cities first; a label overlapping one already placed is left out.
      for (var i = 0; i < cities.length && placed.length < MAX_LABELS; i++) {
        var city = cities[i];
        if (city[3] > maxRank || !bounds.contains([city[1], city[2]])) {
          continue;
        }
        var at = map.latLngToContainerPoint([city[1], city[2]]);
        var half = city[0].length * 3.5 + 4;
        var box = L.bounds([at.x - half, at.y - 9], [at.x + half, at.y + 9]);
        if (placed.some(function (other) { return other.intersects(box); })) {
          continue;
        }
        placed.push(box);
        labels.addLayer(
          L.marker([city[1], city[2]], {
            icon: L.divIcon({ className: "city-label", html: text("span", city[0]), iconSize: null }),
            interactive: false,
            keyboard: false,
          })
        );
      }
    }

    getJson(frame.dataset.places).then(function (places) {
      cities = places;
      refresh();
      map.on("moveend", refresh);
    });
  }

  // --- Street map (optional): the operator's vector archive, from this site ----

  // protomaps-leaflet (static/vendor/protomaps-leaflet) reads the PMTiles archive with
  // range requests from our own origin and draws it on canvases. Its default theme's
  // labels use the page's system fonts ("sans-serif"): no fonts, sprites or glyphs are
  // loaded from anywhere. Returns whether a map point is drawn by it, or null.
  function addStreets(map, frame) {
    var url = frame.dataset.streetsUrl;
    if (!url || !window.protomapsL) {
      return null;
    }
    var edges = frame.dataset.streetsBounds.split(",").map(Number); // west,south,east,north
    var bounds = L.latLngBounds([edges[1], edges[0]], [edges[3], edges[2]]);
    var minZoom = Number(frame.dataset.streetsMinZoom);
    var layer = protomapsL.leafletLayer({
      url: url,
      flavor: "light",
      lang: document.documentElement.lang || "en",
      maxDataZoom: Number(frame.dataset.streetsMaxDataZoom),
      minZoom: minZoom,
      bounds: bounds,
      // Ours is plain text; without one protomaps-leaflet would link to other sites.
      attribution: escapeHtml(frame.dataset.streetsAttribution || ""),
    });
    // Transparent where the archive has no tiles, so the offline layer shows through.
    layer.backgroundColor = undefined;
    layer.addTo(map);
    frame.classList.add("has-streets");
    function covers(latlng) {
      return map.getZoom() >= minZoom && bounds.contains(latlng);
    }
    // A venue map shows its country on the offline layer, its streets when it has them.
    if (frame.dataset.detailZoom && bounds.contains(map.getCenter())) {
      map.setZoom(Number(frame.dataset.detailZoom));
    }
    return covers;
  }

  // --- Street tiles (optional, operator's server) ----------------------------

  function addTiles(map, frame) {
    var url = frame.dataset.tileUrl;
    if (!url) {
      return;
    }
    function load() {
      L.tileLayer(url, {
        attribution: escapeHtml(frame.dataset.tileAttribution || ""),
        maxZoom: 18,
      }).addTo(map);
      frame.classList.add("has-tiles");
      // A venue map shows its country on the offline layer, its streets with tiles.
      if (frame.dataset.detailZoom) {
        map.setZoom(Number(frame.dataset.detailZoom));
      }
    }
    if (frame.dataset.tileConsent !== "true") {
      load();
      return;
    }
    var notice = frame.nextElementSibling;
    if (sessionStorage.getItem(TILE_CONSENT_KEY) === "yes") {
      load();
      return;
    }
    if (!notice || !notice.classList.contains("tile-consent")) {
      return;
    }
    notice.hidden = false;
    notice.querySelector(".load-tiles").addEventListener("click", function () {
      sessionStorage.setItem(TILE_CONSENT_KEY, "yes");
      notice.hidden = true;
      load();
    });
  }

  // --- Event markers: one per place ---------------------------------------------

  // A place's events as a list: title (a link to its page), cancelled badge, kind and time.
  function eventList(events, frame) {
    var list = text("ol", "", "venue-events");
    events.forEach(function (event) {
      var item = text("li", "", event.cancelled ? "venue-event is-cancelled" : "venue-event");
      item.dir = "auto";
      var link = text("a", event.title);
      link.href = event.url;
      item.appendChild(link);
      if (event.cancelled) {
        item.appendChild(text("span", frame.dataset.labelCancelled, "badge badge-cancelled"));
      }
      item.appendChild(
        filled("p", frame.dataset.labelEvent, { kind: event.kind_label, when: event.when }, "when")
      );
      list.appendChild(item);
    });
    return list;
  }

  // The popup of a place: its name, its first events, and "show all N" that fetches the
  // rest from the place's own document (kept for the next time the popup opens).
  function popupContent(marker, frame) {
    var properties = marker.feature.properties;
    var box = text("div", "", "map-popup");
    var heading = filled("h3", frame.dataset.labelWhere, {
      place: properties.venue,
      city: properties.city,
      country: properties.country,
    });
    heading.dir = "auto";
    box.appendChild(heading);
    var list = eventList(marker.allEvents || properties.events, frame);
    box.appendChild(list);
    var status = text("p", "", "popup-status");
    status.setAttribute("role", "status");
    if (marker.allEvents && marker.allEvents.length < marker.allCount) {
      status.textContent = frame.dataset.labelShown
        .replace("{shown}", marker.allEvents.length)
        .replace("{n}", marker.allCount);
    }
    if (!marker.allEvents && properties.event_count > properties.events.length) {
      var more = text(
        "button",
        frame.dataset.labelShowAll.replace("{n}", properties.event_count),
        "show-all"
      );
      more.type = "button";
      more.addEventListener("click", function () {
        more.disabled = true;
        status.textContent = frame.dataset.labelLoading;
        getJson(properties.events_url)
          .then(function (place) {
            marker.allEvents = place.events;
            marker.allCount = place.event_count;
            var popup = marker.getPopup();
            if (popup) {
              popup.setContent(popupContent(marker, frame));
              popup.update();
              // Keyboard users go on where the list grew: the first event just loaded.
              var links = popup.getElement().querySelectorAll(".venue-events a");
              if (links[properties.events.length]) {
                links[properties.events.length].focus();
              }
            }
          })
          .catch(function (error) {
            more.disabled = false;
            status.textContent = frame.dataset.labelError + " " + error.message;
          });
      });
      box.appendChild(more);
    }
    box.appendChild(status);
    return box;
  }

  function sizeClass(count) {
    return count < 10 ? "small" : count < 100 ? "medium" : "large";
  }

  // The marker of a place: a disc with its number of events, larger for more; hollow
  // with a dashed red ring when every one of them is cancelled, a red mark when some are.
  function placeIcon(properties) {
    var count = properties.event_count;
    var size = sizeClass(count);
    var cancelled =
      properties.cancelled_count === count
        ? " marker-cancelled"
        : properties.cancelled_count > 0
          ? " marker-some-cancelled"
          : "";
    var diameter = { small: 28, medium: 34, large: 42 }[size];
    return L.divIcon({
      className: "place-marker place-marker-" + size + cancelled,
      html: text("span", String(count)),
      iconSize: [diameter, diameter],
    });
  }

  // A cluster shows how many events its places hold, not how many places.
  function clusterIcon(cluster) {
    var total = cluster.getAllChildMarkers().reduce(function (sum, marker) {
      return sum + marker.feature.properties.event_count;
    }, 0);
    var inner = text("div", "");
    inner.appendChild(text("span", String(total)));
    return L.divIcon({
      className: "marker-cluster marker-cluster-" + sizeClass(total),
      html: inner,
      iconSize: [40, 40],
    });
  }

  function addEvents(map, frame) {
    var cluster = window.marker_cluster_events;
    var status = document.querySelector(".map-status");
    cluster.options.iconCreateFunction = clusterIcon;
    getJson(frame.dataset.geojson)
      .then(function (collection) {
        var events = 0;
        var markers = collection.features.map(function (feature) {
          var properties = feature.properties;
          var coordinates = feature.geometry.coordinates;
          events += properties.event_count;
          var title = properties.cancelled_count
            ? frame.dataset.labelPlaceCancelled.replace("{cancelled}", properties.cancelled_count)
            : frame.dataset.labelPlace;
          var marker = L.marker([coordinates[1], coordinates[0]], {
            icon: placeIcon(properties),
            // The place's name goes in last and by a function: a name holding "{n}" or "$&"
            // stays as written.
            title: title.replace("{n}", properties.event_count).replace("{place}", function () {
              return properties.venue;
            }),
          });
          marker.feature = feature;
          marker.bindPopup(function () {
            return popupContent(marker, frame);
          });
          return marker;
        });
        cluster.addLayers(markers);
        frame.dataset.loadedPlaces = String(markers.length);
        frame.dataset.loaded = String(events);
        if (status) {
          status.textContent = frame.dataset.labelCount.replace("{n}", events);
        }
      })
      .catch(function (error) {
        frame.dataset.loaded = "error";
        if (status) {
          status.textContent = frame.dataset.labelError + " " + error.message;
        }
      });
  }

  // --- "Use my location": only when clicked, rounded to about a kilometre -----

  function setUpLocate() {
    var button = document.querySelector(".near-search .locate");
    if (!button || !navigator.geolocation) {
      return;
    }
    var form = button.form;
    var status = form.querySelector(".locate-status");
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(
        function (position) {
          form.elements.near.value =
            position.coords.latitude.toFixed(2) + "," + position.coords.longitude.toFixed(2);
          form.submit();
        },
        function (error) {
          status.textContent = error.message;
        },
        { enableHighAccuracy: false, timeout: 15000, maximumAge: 600000 }
      );
    });
  }

  // --- Organizer's point picker ------------------------------------------------

  function setUpPicker(map, frame) {
    var latitude = document.getElementById(frame.dataset.latitudeField);
    var longitude = document.getElementById(frame.dataset.longitudeField);
    if (!latitude || !longitude) {
      return;
    }
    var marker = null;
    function place(latlng) {
      if (marker) {
        marker.setLatLng(latlng);
      } else {
        marker = L.marker(latlng, { keyboard: false }).addTo(map);
      }
    }
    // Inside a closed <details> the map has no size until it is opened.
    var details = frame.closest("details");
    if (details) {
      details.addEventListener("toggle", function () {
        map.invalidateSize();
      });
    }
    var lat = parseFloat(latitude.value);
    var lon = parseFloat(longitude.value);
    if (isFinite(lat) && isFinite(lon)) {
      place([lat, lon]);
    }
    map.on("click", function (event) {
      var point = event.latlng.wrap();
      latitude.value = point.lat.toFixed(5);
      longitude.value = point.lng.toFixed(5);
      place(point);
      latitude.dispatchEvent(new Event("change", { bubbles: true }));
    });
  }

  document.querySelectorAll(".map-frame").forEach(function (frame) {
    var map = window["map_" + frame.dataset.map];
    if (!map) {
      return;
    }
    addCountries(map, frame);
    addCityLabels(map, frame, addStreets(map, frame));
    addTiles(map, frame);
    if (frame.dataset.geojson) {
      addEvents(map, frame);
    }
    if (frame.dataset.latitudeField) {
      setUpPicker(map, frame);
    }
  });
  setUpLocate();
})();
