/* The dashboard's maps: every element with data-map draws the JSON at its data-src
   (dashboard/maps.py) with the vendored Leaflet. No inline script (the CSP forbids it). */
(function () {
  "use strict";
  var FALLBACK_CENTRE = [31.24, 121.47];

  function popup(c) {
    var box = document.createElement("div");
    var link = document.createElement("a");
    link.href = c.url;
    link.textContent = c.number;
    box.appendChild(link);
    [c.status, c.problem_type, c.address].forEach(function (text) {
      if (!text) { return; }
      var line = document.createElement("div");
      line.textContent = text;
      box.appendChild(line);
    });
    return box;
  }

  function draw(el, d) {
    var map = L.map(el, {attributionControl: Boolean(d.tiles)});
    if (d.tiles) {
      L.tileLayer(d.tiles, {attribution: d.attribution || "", maxZoom: 18,
                            subdomains: "1234"}).addTo(map);
    } else {
      el.classList.add("no-tiles");
    }
    var areas = L.geoJSON(d.units, {
      style: {color: "#146c43", weight: 1.5, fillOpacity: 0.08, className: "unit-area"},
      onEachFeature: function (f, layer) { layer.bindTooltip(f.properties.name); }
    }).addTo(map);
    var points = L.featureGroup(d.cases.map(function (c) {
      return L.circleMarker([c.lat, c.lng], {
        radius: 7, color: "#fff", weight: 1.5, fillColor: c.colour, fillOpacity: 0.95,
        className: "case-point"
      }).bindPopup(popup(c));
    })).addTo(map);
    var bounds = areas.getBounds();
    if (points.getLayers().length) { bounds.extend(points.getBounds()); }
    if (bounds.isValid()) {
      map.fitBounds(bounds, {padding: [12, 12], maxZoom: 17});
    } else {
      map.setView(FALLBACK_CENTRE, 12);
    }
    el.dataset.areas = String(areas.getLayers().length);
    el.dataset.points = String(points.getLayers().length);
    el.dataset.state = "ready";
  }

  document.querySelectorAll("[data-map]").forEach(function (el) {
    fetch(el.dataset.src, {credentials: "same-origin", headers: {Accept: "application/json"}})
      .then(function (r) {
        if (!r.ok) { throw new Error("HTTP " + r.status); }
        return r.json();
      })
      .then(function (d) { draw(el, d); })
      .catch(function () {
        el.textContent = "地图数据加载失败，请刷新重试。";
        el.dataset.state = "failed";
      });
  });
})();
