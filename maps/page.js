/* CSO Console map page: street names, live incident and unit markers, and the bridge to Qt. */
(function () {
  "use strict";

  // Street-name font size in px by rank (primary, secondary, tertiary, minor).
  var LABEL_FONT = [13, 12, 11.5, 11];
  // Spacing of incidents spread out from a shared spot, and of units stacked under them.
  var COLUMN_MAX = 5;
  var INCIDENT_ROW_PX = 36;
  var UNIT_COLUMN_MAX = 4;
  var UNIT_COLUMN_PX = 38;
  var UNIT_ROW_PX = 21;
  var Z_UNIT = 10000;
  var Z_INCIDENT = 20000;
  var Z_SELECTED = 100000;
  var Z_CAUTION = 5000; // under incidents and units: the caution marks the place, the call on it stays on top

  function esc(text) {
    return String(text === null || text === undefined ? "" : text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function duration(ms) {
    var minutes = Math.max(0, Math.floor(ms / 60000));
    if (minutes < 1) return "under a minute";
    if (minutes < 60) return minutes + " min";
    var m = minutes % 60;
    return Math.floor(minutes / 60) + " h " + (m < 10 ? "0" : "") + m + " min";
  }

  function csoCreateMap(map, layers, config) {
    var container = map.getContainer();
    document.documentElement.setAttribute("lang", "en"); // read in the console's language (WCAG 3.1.1)
    // The container takes focus for Leaflet's keys (arrows pan, + and - zoom): a named application.
    container.setAttribute("role", "application");
    container.setAttribute("aria-label", "City map: arrow keys pan, plus and minus zoom, Tab goes to the markers");
    var state = {
      startedAt: performance.now(),
      readyAt: null,
      ready: false,
      readySent: false,
      bridge: null,
      selected: null,
      incidents: {},
      units: {},
      cautions: {},
      clockOffset: 0,
      lastEvent: null,
      pin: null,
      pinTimer: null,
      labelTimer: null,
      autoView: true,
    };
    var cautionLayer = L.layerGroup().addTo(map);
    var incidentLayer = L.layerGroup().addTo(map);
    var unitLayer = L.layerGroup().addTo(map);
    var statusLabels = config.statusLabels || {};

    // ------------------------------------------------------------------ base map

    var casings = {};
    Object.keys(layers.streets).forEach(function (cls) {
      // Casings reuse the fill layer's coordinate arrays, so the street data is embedded once.
      var casing = L.featureGroup();
      layers.streets[cls].eachLayer(function (line) {
        casing.addLayer(
          L.polyline(line.getLatLngs(), { pane: "csoCasing", interactive: false, smoothFactor: 0.5, lineCap: "round" })
        );
      });
      layers.streetGroup.addLayer(casing);
      casings[cls] = casing;
    });

    function widthAt(cls, zoom) {
      var widths = config.streetStyles[cls].widths;
      var i = Math.max(0, Math.min(widths.length - 1, Math.round(zoom) - config.firstZoom));
      return widths[i];
    }

    function styleStreets() {
      var z = map.getZoom();
      Object.keys(layers.streets).forEach(function (cls) {
        var spec = config.streetStyles[cls];
        var w = widthAt(cls, z);
        layers.streets[cls].setStyle({ weight: w, color: spec.color, opacity: 1 });
        casings[cls].setStyle({ weight: w + (z >= 15 ? 2 : 1.5), color: spec.casing, opacity: 1 });
      });
    }

    function zoomClasses() {
      var z = Math.round(map.getZoom());
      for (var i = 10; i <= 20; i++) container.classList.toggle("cso-z" + i, i === z);
      container.classList.toggle("cso-near", z >= 16);
    }

    // Street names: candidates come ranked from Python; each pass places what fits, most important first.
    var labels = config.streetLabels.map(function (a) {
      return { lat: a[0], lon: a[1], text: a[2], angle: a[3], rank: a[4], minZoom: a[5], marker: null };
    });

    function labelMarker(l) {
      var html =
        '<div class="cso-street-label r' + l.rank + '" style="transform:translate(-50%,-50%) rotate(' +
        l.angle + 'deg)">' + esc(l.text) + "</div>";
      return L.marker([l.lat, l.lon], {
        icon: L.divIcon({ className: "cso-anchor", html: html, iconSize: [0, 0] }),
        interactive: false,
        keyboard: false,
        pane: "csoLabels",
      });
    }

    // Markers and the other labels a street name must not cover, as layer-pixel boxes.
    function obstacles(view) {
      var out = [];
      function add(lat, lon, x0, y0, x1, y1) {
        if (!view.contains([lat, lon])) return;
        var p = map.latLngToLayerPoint([lat, lon]);
        out.push([p.x + x0, p.y + y0, p.x + x1, p.y + y1]);
      }
      var near = map.getZoom() >= 16;
      (config.zoneLabels || []).forEach(function (z) {
        if (z[3] > Math.round(map.getZoom())) return;
        var half = z[2].length * 5.5;
        add(z[0], z[1], -half, -11, half, 11);
      });
      (config.landmarks || []).forEach(function (m) {
        add(m[0], m[1], -10, -10, near ? 14 + m[2].length * 6.2 : 10, 10);
      });
      Object.keys(state.incidents).forEach(function (id) {
        var rec = state.incidents[id];
        add(rec.data.lat, rec.data.lon, rec.off[0] - 17, rec.off[1] - 24, rec.off[0] + 50, rec.off[1] + 19);
      });
      Object.keys(state.units).forEach(function (id) {
        var rec = state.units[id];
        if (rec.ll) add(rec.ll[0], rec.ll[1], rec.off[0] - 36, rec.off[1] - 11, rec.off[0] + 36, rec.off[1] + 11);
      });
      return out;
    }

    function layoutLabels() {
      clearTimeout(state.labelTimer);
      var z = Math.round(map.getZoom());
      var view = map.getBounds().pad(0.2);
      var on = map.hasLayer(layers.streetNames);
      var boxes = on ? obstacles(view) : [];
      var seen = {};
      labels.forEach(function (l) {
        var show = false;
        if (on && l.minZoom <= z && view.contains([l.lat, l.lon])) {
          var p = map.latLngToLayerPoint([l.lat, l.lon]);
          var size = LABEL_FONT[l.rank];
          var w = l.text.length * size * 0.56 + 10;
          var h = size + 8;
          var r = (l.angle * Math.PI) / 180;
          var c = Math.abs(Math.cos(r));
          var s = Math.abs(Math.sin(r));
          var bw = w * c + h * s;
          var bh = w * s + h * c;
          var box = [p.x - bw / 2, p.y - bh / 2, p.x + bw / 2, p.y + bh / 2];
          var clear = boxes.every(function (b) {
            return box[2] < b[0] || box[0] > b[2] || box[3] < b[1] || box[1] > b[3];
          });
          // The same name twice within a short stretch (divided roads, tier changes) is clutter.
          var near = (seen[l.text] || []).some(function (q) {
            return Math.abs(q.x - p.x) + Math.abs(q.y - p.y) < 220;
          });
          if (clear && !near) {
            boxes.push(box);
            (seen[l.text] = seen[l.text] || []).push(p);
            show = true;
          }
        }
        if (show && !l.marker) {
          l.marker = labelMarker(l);
          layers.streetNames.addLayer(l.marker);
        } else if (!show && l.marker) {
          layers.streetNames.removeLayer(l.marker);
          l.marker = null;
        }
      });
    }

    // ------------------------------------------------------------------ bridge to Qt

    function send(method) {
      var args = Array.prototype.slice.call(arguments, 1);
      state.lastEvent = [method].concat(args);
      if (state.bridge && typeof state.bridge[method] === "function") {
        state.bridge[method].apply(state.bridge, args);
      }
    }

    function announceReady() {
      if (state.ready && state.bridge && !state.readySent) {
        state.readySent = true;
        send("mapReady");
      }
    }

    if (typeof QWebChannel !== "undefined" && typeof qt !== "undefined" && qt.webChannelTransport) {
      new QWebChannel(qt.webChannelTransport, function (channel) {
        state.bridge = channel.objects.bridge || null;
        announceReady();
      });
    }

    function clearPin() {
      if (state.pin) map.removeLayer(state.pin);
      state.pin = null;
      clearTimeout(state.pinTimer);
    }

    map.on("contextmenu", function (e) {
      clearPin();
      state.pin = L.circleMarker(e.latlng, {
        radius: 7,
        color: "#111",
        weight: 2,
        dashArray: "3 2",
        fillColor: "#ffeb3b",
        fillOpacity: 0.9,
        interactive: false,
      }).addTo(map);
      state.pinTimer = setTimeout(clearPin, 6000);
      send("mapContextMenu", e.latlng.lat, e.latlng.lng);
    });
    map.on("click", clearPin);

    // ------------------------------------------------------------------ live markers

    function now() {
      return Date.now() + state.clockOffset;
    }

    function statusName(code) {
      return statusLabels[code] || code;
    }

    function incidentTip(d) {
      var lines = ["<b>" + esc(d.number) + "</b> · P" + d.priority + " · " + esc(statusName(d.status))];
      lines.push(esc(d.type));
      lines.push('<span class="cso-tip-sub">' + esc(d.location) + "</span>");
      if (d.units && d.units.length) lines.push("Units: " + esc(d.units.join(", ")));
      return lines.join("<br>");
    }

    function unitTip(u) {
      var since = Date.parse(u.since);
      var lines = ["<b>" + esc(u.call_sign) + "</b> · " + esc(u.label) + (isNaN(since) ? "" : " for " + duration(now() - since))];
      if (u.incident_number) lines.push("On " + esc(u.incident_number));
      if (u.crew && u.crew.length) lines.push('<span class="cso-tip-sub">' + esc(u.crew.join(", ")) + "</span>");
      return lines.join("<br>");
    }

    // What a screen reader reads for a marker (it gets focus by Tab; Enter selects, as a click does).
    function incidentLabel(d) {
      return (
        "Incident " + d.number + ", priority " + d.priority + ", " + statusName(d.status) + ", " + d.type + ", " +
        d.location + (d.units && d.units.length ? ", units " + d.units.join(", ") : "")
      );
    }

    function unitLabel(u) {
      return "Unit " + u.call_sign + ", " + u.label + (u.incident_number ? ", on " + u.incident_number : "");
    }

    // Enter or Space on a focused marker acts as a click (Leaflet's keyboard option only makes it focusable).
    function pressable(marker, kind, id) {
      marker.on("keydown", function (e) {
        var key = e.originalEvent.key;
        if (key !== "Enter" && key !== " ") return;
        e.originalEvent.preventDefault();
        send(kind, id);
      });
    }

    function nameMarker(rec) {
      var el = rec.marker.getElement();
      if (el) el.setAttribute("aria-label", rec.kind === "unit" ? unitLabel(rec.data) : incidentLabel(rec.data));
    }

    function incidentHtml(rec) {
      var d = rec.data;
      var cls = "cso-inc p" + d.priority + " st-" + d.status + (state.selected === d.id ? " sel" : "");
      return (
        '<div class="' + cls + '" style="transform:translate(' + rec.off[0] + "px," + rec.off[1] + 'px)">' +
        '<div class="cso-inc-shape"></div><span class="cso-inc-pr">' + d.priority + "</span>" +
        '<span class="cso-inc-st">' + esc(d.letter) + '</span><span class="cso-inc-no">' + esc(d.short) +
        "</span></div>"
      );
    }

    function unitHtml(rec) {
      var u = rec.data;
      return (
        '<div class="cso-unit us-' + u.status + '" style="transform:translate(calc(-50% + ' + rec.off[0] +
        "px),calc(-50% + " + rec.off[1] + 'px))"><b>' + esc(u.call_sign) + "</b><i>" + esc(u.short) + "</i></div>"
      );
    }

    function blankIcon() {
      return L.divIcon({ className: "cso-anchor", html: "", iconSize: [0, 0] });
    }

    function refresh(rec, html) {
      if (rec.html !== html) {
        rec.html = html;
        // Rewriting the icon's content is much cheaper than setIcon, which rebuilds the element;
        // the icon keeps the html too, for when the layer is added again.
        rec.marker.options.icon.options.html = html;
        var el = rec.marker.getElement();
        if (el) el.innerHTML = html;
      }
      nameMarker(rec);
      var tip = rec.marker.getTooltip();
      if (tip) tip.options.offset = L.point(rec.off[0], rec.off[1] - (rec.kind === "unit" ? 12 : 18));
    }

    function place(marker, lat, lon) {
      var ll = marker.getLatLng();
      if (!ll || ll.lat !== lat || ll.lng !== lon) marker.setLatLng([lat, lon]);
    }

    function incidentZ(rec) {
      return state.selected === rec.data.id ? Z_SELECTED : Z_INCIDENT + (5 - rec.data.priority) * 1000;
    }

    function upsertIncident(d) {
      var rec = state.incidents[d.id];
      if (!rec) {
        rec = state.incidents[d.id] = { kind: "incident", data: d, off: [0, 0], html: null, marker: null };
        rec.marker = L.marker([d.lat, d.lon], {
          icon: blankIcon(),
          keyboard: true,
          riseOnHover: true,
        });
        rec.marker.on("click", function () {
          send("incidentClicked", d.id);
        });
        rec.marker.on("add", nameMarker.bind(null, rec));
        pressable(rec.marker, "incidentClicked", d.id);
        rec.marker.bindTooltip(
          function () {
            return incidentTip(state.incidents[d.id] ? state.incidents[d.id].data : d);
          },
          { direction: "top", offset: [0, -18], opacity: 0.96 }
        );
        incidentLayer.addLayer(rec.marker);
      } else {
        rec.data = d;
        place(rec.marker, d.lat, d.lon);
      }
      if (rec.marker.options.zIndexOffset !== incidentZ(rec)) rec.marker.setZIndexOffset(incidentZ(rec));
    }

    function removeIncident(id) {
      var rec = state.incidents[id];
      if (!rec) return;
      incidentLayer.removeLayer(rec.marker);
      delete state.incidents[id];
    }

    function unitLatLng(u) {
      if (u.lat !== null && u.lat !== undefined && u.lon !== null && u.lon !== undefined) return [u.lat, u.lon];
      // No position reported yet: a unit on a call is shown at its incident.
      var inc = u.incident_id !== null && u.incident_id !== undefined ? state.incidents[u.incident_id] : null;
      return inc ? [inc.data.lat, inc.data.lon] : null;
    }

    function upsertUnit(u) {
      var rec = state.units[u.id];
      if (!rec) {
        rec = state.units[u.id] = { kind: "unit", data: u, off: [0, 0], html: null, marker: null, ll: null };
        rec.marker = L.marker([0, 0], {
          icon: blankIcon(),
          keyboard: true,
          riseOnHover: true,
          zIndexOffset: Z_UNIT,
        });
        rec.marker.on("click", function () {
          send("unitClicked", u.id);
        });
        rec.marker.on("add", nameMarker.bind(null, rec));
        pressable(rec.marker, "unitClicked", u.id);
        rec.marker.bindTooltip(
          function () {
            return unitTip(state.units[u.id] ? state.units[u.id].data : u);
          },
          { direction: "top", offset: [0, -12], opacity: 0.96 }
        );
      } else {
        rec.data = u;
      }
    }

    function removeUnit(id) {
      var rec = state.units[id];
      if (!rec) return;
      unitLayer.removeLayer(rec.marker);
      delete state.units[id];
    }

    // Each marker's footprint around its point, in pixels: [left, top, right, bottom].
    function footprint(rec) {
      if (rec.kind === "incident") return [-16, -16, 34 + 7 * String(rec.data.short).length, 16];
      var half = (rec.data.call_sign.length + rec.data.short.length) * 3.9 + 8;
      return [-half, -10, half, 10];
    }

    // Lay out one group of overlapping markers around its centre; returns the pixel box it covers.
    function spread(group) {
      var incs = group.filter(function (it) {
        return it.rec.kind === "incident";
      });
      var units = group.filter(function (it) {
        return it.rec.kind === "unit";
      });
      if (group.length === 1) {
        group[0].rec.off = [0, 0];
      } else {
        incs.sort(function (a, b) {
          return a.rec.data.priority - b.rec.data.priority || a.rec.data.id - b.rec.data.id;
        });
        units.sort(function (a, b) {
          return a.rec.data.call_sign < b.rec.data.call_sign ? -1 : 1;
        });
        var cx = 0;
        var cy = 0;
        group.forEach(function (it) {
          cx += it.p.x / group.length;
          cy += it.p.y / group.length;
        });
        // A few incidents stack in a column (each number tab stays readable); many fill a
        // sunflower spiral, which stays compact.
        var extent = 0;
        incs.forEach(function (it, i) {
          var x = cx;
          var y = cy;
          if (incs.length <= COLUMN_MAX) {
            y = cy + (i - (incs.length - 1) / 2) * INCIDENT_ROW_PX;
          } else {
            var r = 30 * Math.sqrt(i + 0.5);
            x = cx + r * Math.cos(i * 2.39996);
            y = cy + r * Math.sin(i * 2.39996);
          }
          extent = Math.max(extent, y - cy);
          it.rec.off = [Math.round(x - it.p.x), Math.round(y - it.p.y)];
        });
        // Units line up under the incidents they share a spot with, or stack when alone together;
        // more than a few stand in two columns.
        var columns = units.length > UNIT_COLUMN_MAX ? 2 : 1;
        var rows = Math.ceil(units.length / columns);
        var top = incs.length ? extent + 29 : -((rows - 1) * UNIT_ROW_PX) / 2;
        units.forEach(function (it, i) {
          var x = columns === 1 ? 0 : (i % 2 === 0 ? -1 : 1) * UNIT_COLUMN_PX;
          var row = columns === 1 ? i : Math.floor(i / 2);
          it.rec.off = [Math.round(cx + x - it.p.x), Math.round(cy + top + row * UNIT_ROW_PX - it.p.y)];
        });
      }
      var box = [Infinity, Infinity, -Infinity, -Infinity];
      group.forEach(function (it) {
        var x = it.p.x + it.rec.off[0];
        var y = it.p.y + it.rec.off[1];
        box = [Math.min(box[0], x + it.f[0]), Math.min(box[1], y + it.f[1]), Math.max(box[2], x + it.f[2]), Math.max(box[3], y + it.f[3])];
      });
      return box;
    }

    // Place every marker: its own point, or spread out with the markers it would overlap.
    function relayout() {
      var z = map.getZoom();
      var items = [];
      Object.keys(state.incidents).forEach(function (id) {
        var rec = state.incidents[id];
        items.push({ rec: rec, p: map.project([rec.data.lat, rec.data.lon], z), f: footprint(rec) });
      });
      Object.keys(state.units).forEach(function (id) {
        var rec = state.units[id];
        rec.ll = unitLatLng(rec.data);
        if (!rec.ll) {
          if (unitLayer.hasLayer(rec.marker)) unitLayer.removeLayer(rec.marker);
          return;
        }
        place(rec.marker, rec.ll[0], rec.ll[1]);
        if (!unitLayer.hasLayer(rec.marker)) unitLayer.addLayer(rec.marker);
        items.push({ rec: rec, p: map.project(rec.ll, z), f: footprint(rec) });
      });
      // Union markers whose footprints overlap, through a grid of cells as large as a footprint.
      var cell = 64;
      var parent = items.map(function (_, i) {
        return i;
      });
      function find(i) {
        while (parent[i] !== i) i = parent[i] = parent[parent[i]];
        return i;
      }
      function overlap(a, b) {
        return (
          a.p.x + a.f[0] < b.p.x + b.f[2] &&
          b.p.x + b.f[0] < a.p.x + a.f[2] &&
          a.p.y + a.f[1] < b.p.y + b.f[3] &&
          b.p.y + b.f[1] < a.p.y + a.f[3]
        );
      }
      var grid = {};
      items.forEach(function (it, i) {
        var cx = Math.floor(it.p.x / cell);
        var cy = Math.floor(it.p.y / cell);
        for (var dx = -1; dx <= 1; dx++) {
          for (var dy = -1; dy <= 1; dy++) {
            (grid[cx + dx + ":" + (cy + dy)] || []).forEach(function (j) {
              if (overlap(it, items[j])) parent[find(i)] = find(j);
            });
          }
        }
        (grid[cx + ":" + cy] = grid[cx + ":" + cy] || []).push(i);
      });
      var byRoot = {};
      items.forEach(function (it, i) {
        (byRoot[find(i)] = byRoot[find(i)] || []).push(it);
      });
      var groups = Object.keys(byRoot).map(function (k) {
        return byRoot[k];
      });
      // Spreading a group can make it cover a neighbour: merge such groups and lay them out again.
      var merged = false;
      for (var round = 0; round < 6; round++) {
        var boxes = groups.map(spread);
        merged = false;
        for (var a = 0; a < groups.length; a++) {
          if (!groups[a]) continue;
          for (var b = a + 1; b < groups.length; b++) {
            if (!groups[b] || groups[a].length + groups[b].length < 2) continue;
            var A = boxes[a];
            var B = boxes[b];
            if (A[0] < B[2] && B[0] < A[2] && A[1] < B[3] && B[1] < A[3]) {
              groups[a] = groups[a].concat(groups[b]);
              groups[b] = null;
              A = boxes[a] = [Math.min(A[0], B[0]), Math.min(A[1], B[1]), Math.max(A[2], B[2]), Math.max(A[3], B[3])];
              merged = true;
            }
          }
        }
        groups = groups.filter(function (g) {
          return g !== null;
        });
        if (!merged) break;
      }
      if (merged) groups.forEach(spread);
      Object.keys(state.incidents).forEach(function (id) {
        var rec = state.incidents[id];
        refresh(rec, incidentHtml(rec));
      });
      Object.keys(state.units).forEach(function (id) {
        var rec = state.units[id];
        if (rec.ll) refresh(rec, unitHtml(rec));
      });
      // Street names make way for markers; a burst of updates re-places them once.
      clearTimeout(state.labelTimer);
      state.labelTimer = setTimeout(layoutLabels, 120);
    }

    // ------------------------------------------------------------------ cautions

    function cautionTip(c) {
      var lines = ['<b class="cso-caution-tip">CAUTION · ' + esc(c.text) + "</b>"];
      lines.push('<span class="cso-tip-sub">' + esc(c.location) + " · within " + Math.round(c.radius) + " m</span>");
      var until = Date.parse(c.expires);
      if (!isNaN(until)) lines.push('<span class="cso-tip-sub">until ' + esc(new Date(until).toLocaleDateString()) + "</span>");
      return lines.join("<br>");
    }

    function cautionHtml(c) {
      return '<div class="cso-caution' + (c.sheriff_first ? " first" : "") + '" title="Caution">!</div>';
    }

    function drawCaution(c) {
      var circle = L.circle([c.lat, c.lon], {
        radius: c.radius,
        color: "#c62828",
        weight: 2,
        dashArray: "4 3",
        fillColor: "#e53935",
        fillOpacity: 0.12,
        interactive: false,
      });
      var html = cautionHtml(c);
      var marker = L.marker([c.lat, c.lon], {
        icon: L.divIcon({ className: "cso-anchor", html: html, iconSize: [0, 0] }),
        keyboard: false,
        zIndexOffset: Z_CAUTION,
      });
      marker.bindTooltip(cautionTip(c), { direction: "top", offset: [0, -14], opacity: 0.96 });
      cautionLayer.addLayer(circle);
      cautionLayer.addLayer(marker);
      state.cautions[c.id] = { data: c, circle: circle, marker: marker, html: html };
    }

    // ------------------------------------------------------------------ API

    var api = { map: map };

    api.ready = function () {
      return state.ready;
    };

    api.setNow = function (iso) {
      var t = Date.parse(iso);
      if (!isNaN(t)) state.clockOffset = t - Date.now();
    };

    api.apply = function (batch) {
      if (batch.now) api.setNow(batch.now);
      if (batch.replace) {
        Object.keys(state.incidents).forEach(removeIncident);
        Object.keys(state.units).forEach(removeUnit);
      }
      (batch.removeIncidents || []).forEach(removeIncident);
      (batch.incidents || []).forEach(upsertIncident);
      (batch.removeUnits || []).forEach(removeUnit);
      (batch.units || []).forEach(upsertUnit);
      relayout();
      return { incidents: Object.keys(state.incidents).length, units: Object.keys(state.units).length };
    };

    api.setIncidents = function (list) {
      var keep = {};
      list.forEach(function (d) {
        keep[d.id] = true;
      });
      Object.keys(state.incidents).forEach(function (id) {
        if (!keep[id]) removeIncident(id);
      });
      return api.apply({ incidents: list });
    };
    api.upsertIncidents = function (list) {
      return api.apply({ incidents: list });
    };
    api.removeIncidents = function (ids) {
      return api.apply({ removeIncidents: ids });
    };
    api.setUnits = function (list) {
      var keep = {};
      list.forEach(function (u) {
        keep[u.id] = true;
      });
      Object.keys(state.units).forEach(function (id) {
        if (!keep[id]) removeUnit(id);
      });
      return api.apply({ units: list });
    };
    api.upsertUnits = function (list) {
      return api.apply({ units: list });
    };
    api.removeUnits = function (ids) {
      return api.apply({ removeUnits: ids });
    };

    // Active cautions, all at once (they are few and change rarely).
    api.setCautions = function (list) {
      cautionLayer.clearLayers();
      state.cautions = {};
      (list || []).forEach(drawCaution);
      return Object.keys(state.cautions).length;
    };

    api.select = function (id) {
      var previous = state.selected;
      state.selected = id === null || id === undefined ? null : Number(id);
      [previous, state.selected].forEach(function (x) {
        var rec = x === null ? null : state.incidents[x];
        if (rec) {
          rec.marker.setZIndexOffset(incidentZ(rec));
          refresh(rec, incidentHtml(rec));
        }
      });
      var rec = state.selected === null ? null : state.incidents[state.selected];
      if (rec) {
        var ll = L.latLng(rec.data.lat, rec.data.lon);
        // Pan only when the incident is near the edge or off screen: a visible one stays put.
        if (!map.getBounds().pad(-0.15).contains(ll)) {
          state.autoView = false;
          map.panTo(ll);
        }
      }
      return !!rec;
    };

    api.fitCity = function () {
      state.autoView = true;
      map.fitBounds(config.cityBounds, { padding: [12, 12], animate: false });
    };

    api.setView = function (lat, lon, zoom) {
      map.setView([lat, lon], zoom === undefined ? map.getZoom() : zoom, { animate: false });
    };

    api.incidentMarker = function (id) {
      return state.incidents[id] ? state.incidents[id].marker : null;
    };
    api.unitMarker = function (id) {
      return state.units[id] ? state.units[id].marker : null;
    };

    // A plain snapshot of what is drawn, for tests and diagnostics.
    api.state = function () {
      var out = {
        ready: state.ready,
        bridge: !!state.bridge,
        timing: { started: state.startedAt, ready: state.readyAt, now: performance.now() },
        selected: state.selected,
        zoom: map.getZoom(),
        lastEvent: state.lastEvent,
        streetNames: labels.filter(function (l) {
          return !!l.marker;
        }).length,
        incidents: {},
        units: {},
        cautions: {},
      };
      Object.keys(state.cautions).forEach(function (id) {
        var c = state.cautions[id];
        out.cautions[id] = {
          lat: c.data.lat,
          lon: c.data.lon,
          radius: c.data.radius,
          text: c.data.text,
          sheriff_first: c.data.sheriff_first,
          html: c.html,
          shown: map.hasLayer(c.marker),
        };
      });
      Object.keys(state.incidents).forEach(function (id) {
        var rec = state.incidents[id];
        var d = rec.data;
        out.incidents[id] = {
          number: d.number,
          priority: d.priority,
          status: d.status,
          letter: d.letter,
          lat: d.lat,
          lon: d.lon,
          offset: rec.off,
          selected: state.selected === d.id,
          html: rec.html,
        };
      });
      Object.keys(state.units).forEach(function (id) {
        var rec = state.units[id];
        var u = rec.data;
        out.units[id] = {
          call_sign: u.call_sign,
          status: u.status,
          short: u.short,
          shown: !!rec.ll,
          lat: rec.ll ? rec.ll[0] : null,
          lon: rec.ll ? rec.ll[1] : null,
          at_incident: !!rec.ll && (u.lat === null || u.lat === undefined),
          offset: rec.off,
          tooltip: unitTip(u),
        };
      });
      return out;
    };

    // ------------------------------------------------------------------ key

    function legendHtml() {
      var pr = [1, 2, 3, 4]
        .map(function (p) {
          return '<span class="cso-key-inc p' + p + '">' + p + "</span>";
        })
        .join("");
      var st = [
        ["pending", "P"],
        ["dispatched", "D"],
        ["enroute", "E"],
        ["onscene", "O"],
      ]
        .map(function (s) {
          return '<span class="cso-key-st st-' + s[0] + '"><i></i><b>' + s[1] + "</b>" + esc(statusName(s[0])) + "</span>";
        })
        .join("");
      var un = ["available", "dispatched", "enroute", "onscene", "busy", "meal", "out_of_service"]
        .map(function (s) {
          return '<span class="cso-key-unit us-' + s + '">' + esc(statusName(s)) + "</span>";
        })
        .join("");
      return (
        '<button type="button" class="cso-key-title" aria-expanded="true">Key</button>' +
        '<div class="cso-key-body" role="group" aria-label="Map key">' +
        '<div><em>Priority</em>' + pr + "</div><div><em>Status</em>" + st + "</div><div><em>Units</em>" + un +
        '</div><div><em>Place</em><span class="cso-key-caution">!</span>Caution (red ring: its radius)</div></div>'
      );
    }

    var legend = L.control({ position: "bottomleft" });
    legend.onAdd = function () {
      var div = L.DomUtil.create("div", "cso-key");
      div.innerHTML = legendHtml();
      var button = div.firstChild;
      function fold(folded) {
        div.classList.toggle("cso-key-folded", folded);
        button.setAttribute("aria-expanded", folded ? "false" : "true");
      }
      fold(container.clientWidth < 700 || container.clientHeight < 560);
      L.DomEvent.disableClickPropagation(div);
      // A real button: Tab reaches it, Enter and Space fold and unfold it, a screen reader hears its state.
      L.DomEvent.on(button, "click", function () {
        fold(!div.classList.contains("cso-key-folded"));
      });
      return div;
    };

    // ------------------------------------------------------------------ start

    (config.attribution || []).forEach(function (text) {
      map.attributionControl.addAttribution(esc(text));
    });
    legend.addTo(map);
    layers.control.addOverlay(incidentLayer, "Incidents");
    layers.control.addOverlay(unitLayer, "Units");
    layers.control.addOverlay(cautionLayer, "Cautions");
    map.on("overlayadd overlayremove", function (e) {
      if (e.layer === layers.tiles) container.classList.toggle("cso-tiles", e.type === "overlayadd");
      if (e.layer === layers.streetNames) layoutLabels();
    });
    map.on("zoomend", function () {
      zoomClasses();
      styleStreets();
      relayout();
    });
    map.on("moveend", layoutLabels);

    // The page fitted the city before drawing. Until the dispatcher pans or zooms, the city stays
    // fitted as the pane is resized (a dock often gets its final size after the page loaded).
    map.on("resize", function () {
      if (state.autoView) api.fitCity();
    });
    map.on("dragstart", function () {
      state.autoView = false;
    });
    container.addEventListener("wheel", function () {
      state.autoView = false;
    });
    map.zoomControl.getContainer().addEventListener("click", function () {
      state.autoView = false;
    });
    zoomClasses();
    styleStreets();
    layoutLabels();
    api.apply({ incidents: config.incidents || [], units: config.units || [] });

    function markReady() {
      if (state.ready) return;
      state.ready = true;
      state.readyAt = performance.now();
      announceReady();
    }
    // Two frames: the canvas layers paint on the next animation frame. The timer covers a hidden
    // page, where animation frames do not run.
    L.Util.requestAnimFrame(function () {
      L.Util.requestAnimFrame(markReady);
    });
    setTimeout(markReady, 400);
    return api;
  }

  window.csoCreateMap = csoCreateMap;
})();
