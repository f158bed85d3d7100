/* The boundary editor (/admin/map/boundary/<node>): draw a new polygon or move the vertices of
   the current one on a vendored Leaflet map with Leaflet-Geoman; the parent's outline (dashed)
   and the siblings (grey) come from /admin/map/nodes.geojson. What is drawn is written into the
   form's GeoJSON field; the server checks it on saving. No inline script (the page's CSP). */
(function () {
  "use strict";
  var el = document.getElementById("boundary-map");
  var input = document.getElementById("f-geojson");
  if (!el || !input || !window.L || !L.PM) { return; }
  var map = L.map(el, {attributionControl: false, zoomSnap: 0.25});
  el.boundaryMap = map;  // tests turn coordinates into points to click
  if (el.dataset.tiles) { L.tileLayer(el.dataset.tiles, {maxZoom: 19}).addTo(map); }
  map.pm.setLang("zh");
  map.pm.setGlobalOptions({allowSelfIntersection: false, snappable: false});
  var hint = document.getElementById("b-hint");
  var drawBtn = document.getElementById("b-draw"), editBtn = document.getElementById("b-edit");
  var shape = null, editing = false;
  var STYLE = {color: "#c0392b", weight: 2, fillColor: "#e67e22", fillOpacity: 0.25};

  function polygonOf(text) {
    try {
      var d = JSON.parse(text);
      if (d && d.type === "FeatureCollection" && d.features && d.features.length === 1) {
        d = d.features[0];
      }
      if (d && d.type === "Feature") { d = d.geometry; }
      return d && d.type === "Polygon" ? d : null;
    } catch (e) { return null; }
  }
  function write() {
    input.value = shape ? JSON.stringify(shape.toGeoJSON().geometry) : "";
  }
  function stopEditing() {
    if (shape && editing) { shape.pm.disable(); }
    editing = false;
    editBtn.textContent = "编辑顶点";
  }
  function setShape(layer) {
    stopEditing();
    if (shape) { map.removeLayer(shape); }
    shape = layer;
    if (shape) {
      shape.setStyle(STYLE);
      shape.addTo(map);
      shape.on("pm:edit", write);
      shape.on("pm:intersect", function () { hint.textContent = "边界线不能自相交"; });
    }
    write();
  }
  function fromText() {
    var geom = polygonOf(input.value);
    setShape(geom ? L.geoJSON(geom).getLayers()[0] : null);
    if (shape) { write(); }
  }

  map.on("pm:create", function (e) {
    map.pm.disableDraw();
    setShape(e.layer);
    hint.textContent = "已绘制，可编辑顶点或保存";
  });
  drawBtn.addEventListener("click", function () {
    setShape(null);
    map.pm.enableDraw("Polygon", {allowSelfIntersection: false, snappable: false,
                                  pathOptions: STYLE});
    hint.textContent = "点击地图逐个添加顶点，点击第一个顶点闭合";
  });
  editBtn.addEventListener("click", function () {
    if (!shape) { hint.textContent = "还没有边界，请先绘制"; return; }
    if (editing) { stopEditing(); write(); return; }
    shape.pm.enable({allowSelfIntersection: false});
    editing = true;
    editBtn.textContent = "完成编辑";
    hint.textContent = "拖动顶点修改边界，拖动边的中点增加顶点";
  });
  document.getElementById("b-clear").addEventListener("click", function () {
    map.pm.disableDraw();
    setShape(null);
  });
  input.addEventListener("change", fromText);
  input.form.addEventListener("submit", function () { if (editing) { write(); } });

  fromText();
  var context = L.layerGroup().addTo(map);
  function fit(group) {
    var bounds = shape ? shape.getBounds() : null;
    if (group && group.getLayers().length) {
      bounds = bounds ? bounds.extend(group.getBounds()) : group.getBounds();
    }
    if (bounds && bounds.isValid()) { map.fitBounds(bounds, {padding: [12, 12], animate: false}); }
    else { map.setView([42.79, 88.65], 9); }
    el.setAttribute("data-ready", "yes");
  }
  if (!el.dataset.parent) { fit(null); return; }
  fetch("/admin/map/nodes.geojson?node=" + encodeURIComponent(el.dataset.parent),
        {credentials: "same-origin", headers: {"Accept": "application/json"}})
    .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
    .then(function (fc) {
      fc.features = fc.features.filter(function (f) { return f.properties.id !== el.dataset.node; });
      var layer = L.geoJSON(fc, {
        pmIgnore: true, interactive: false,
        style: function (f) {
          return f.properties.role === "parent"
            ? {color: "#444", weight: 2, dashArray: "6 4", fill: false}
            : {color: "#888", weight: 1, fillColor: "#bbb", fillOpacity: 0.35};
        }
      }).addTo(context);
      context.eachLayer(function (l) { l.bringToBack(); });
      fit(layer);
    })
    .catch(function () { fit(null); });
}());
