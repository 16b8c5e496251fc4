// On an event's page, adds the visitor's own time under each date when the browser's
// time zone gives a different wall time than the venue's. The page itself always shows
// venue time (STYLE.md rule 4); this is only an aid, and nothing is sent anywhere.
// Reads the UTC instant from each <time datetime> inside [data-venue-zone].
(function () {
  "use strict";
  var box = document.querySelector("[data-venue-zone]");
  if (!box || !window.Intl || !Intl.DateTimeFormat) {
    return;
  }
  var venueZone = box.getAttribute("data-venue-zone");
  var template = box.getAttribute("data-visitor-time") || "{time}";
  var lang = document.documentElement.lang || undefined;
  // The same instant as numbers in both zones: equal strings mean the same wall time.
  var parts = {
    year: "numeric", month: "numeric", day: "numeric",
    hour: "numeric", minute: "numeric", hourCycle: "h23"
  };
  var inVenue, inVisitor, shown;
  try {
    inVenue = new Intl.DateTimeFormat("en", Object.assign({ timeZone: venueZone }, parts));
    inVisitor = new Intl.DateTimeFormat("en", parts);
    shown = new Intl.DateTimeFormat(lang, {
      weekday: "short", day: "numeric", month: "short",
      hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZoneName: "short"
    });
  } catch (error) {
    return; // a zone this browser does not know: the venue time stands alone
  }
  box.querySelectorAll("time[datetime]").forEach(function (time) {
    var instant = new Date(time.getAttribute("datetime"));
    if (isNaN(instant.getTime()) || inVenue.format(instant) === inVisitor.format(instant)) {
      return;
    }
    var note = document.createElement("span");
    note.className = "visitor-time";
    note.textContent = template.replace("{time}", shown.format(instant));
    var line = time.closest("li") || time.parentNode;
    line.appendChild(note);
  });
})();
