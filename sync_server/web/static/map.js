/* 态势一张图: the map (Leaflet) and the panels (ECharts) of /admin/map.
   Everything comes from the server's own endpoints; no inline script (the page's CSP). */
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el || !window.L || !window.echarts) { return; }
  var tiles = el.dataset.tiles, mayEdit = el.dataset.edit === "yes";
  var map = L.map(el, {attributionControl: false, zoomSnap: 0.25});
  if (tiles) { L.tileLayer(tiles, {maxZoom: 19}).addTo(map); }
  var areas = L.layerGroup().addTo(map), places = L.layerGroup().addTo(map);
  var charts = [];
  var current = null;

  function enc(v) { return encodeURIComponent(v); }
  function getJSON(url) {
    return fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); });
  }
  function node(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }
  function link(href, text) { var a = node("a", "", text); a.href = href; return a; }
  function failed(where) {
    return function () { where.replaceChildren(node("p", "error", "数据加载失败，请刷新页面重试")); };
  }

  function colour(n, max) {
    var t = max > 0 ? n / max : 0;
    var r = Math.round(222 - t * 190), g = Math.round(235 - t * 140), b = Math.round(247 - t * 60);
    return "rgb(" + r + "," + g + "," + b + ")";
  }

  function go(nodeId) {
    current = nodeId;
    history.replaceState(null, "", "/admin/map?node=" + enc(nodeId));
    drawAreas(nodeId);
    drawPanels(nodeId);
  }

  function drawAreas(nodeId) {
    var detail = document.getElementById("map-detail");
    getJSON("/admin/map/nodes.geojson?node=" + enc(nodeId)).then(function (fc) {
      if (current !== nodeId) { return; }
      areas.clearLayers(); places.clearLayers(); detail.replaceChildren();
      var max = 0, parent = null;
      fc.features.forEach(function (f) {
        if (f.properties.role === "child") { max = Math.max(max, f.properties.people); }
        else { parent = f; }
      });
      var layer = L.geoJSON(fc, {
        style: function (f) {
          return f.properties.role === "parent"
            ? {color: "#444", weight: 2, dashArray: "6 4", fill: f.properties.level === "grid",
               fillColor: "#eef3f8", fillOpacity: 0.4}
            : {color: "#1f5fa8", weight: 1.5, fillColor: colour(f.properties.people, max),
               fillOpacity: 0.7};
        },
        onEachFeature: function (f, lyr) {
          if (f.properties.role !== "child") { return; }
          lyr.bindTooltip(f.properties.name + " " + f.properties.people + "人",
                          {permanent: true, direction: "center", className: "area-label"});
          lyr.on("click", function () { go(f.properties.id); });
          lyr.on("add", function () {
            var p = lyr.getElement();
            if (p) { p.setAttribute("data-node", f.properties.id);
                     p.setAttribute("aria-label", f.properties.name); }
          });
        }
      }).addTo(areas);
      if (fc.features.length) { map.fitBounds(layer.getBounds(), {padding: [12, 12]}); }
      else { detail.replaceChildren(node("p", "empty", "该区域还没有边界")); }
      if (parent && parent.properties.level === "grid") { drawPoints(nodeId); }
    }).catch(failed(detail));
  }

  function drawPoints(gridId) {
    getJSON("/admin/map/points.geojson?grid=" + enc(gridId)).then(function (fc) {
      if (current !== gridId) { return; }
      L.geoJSON(fc, {
        pointToLayer: function (f, latlng) {
          var building = f.properties.kind === "building";
          return L.circleMarker(latlng, {radius: building ? 7 : 5, weight: 1, color: "#333",
            fillColor: building ? "#1f5fa8" : "#d9822b", fillOpacity: 0.9});
        },
        onEachFeature: function (f, lyr) {
          lyr.bindTooltip(f.properties.name);
          lyr.on("click", function () { showHouses(f.properties); });
          lyr.on("add", function () {
            var p = lyr.getElement();
            if (p) { p.setAttribute("data-place", f.properties.id);
                     p.setAttribute("data-kind", f.properties.kind);
                     p.setAttribute("aria-label", f.properties.name); }
          });
        }
      }).addTo(places);
    });
  }

  function showHouses(props) {
    var detail = document.getElementById("map-detail");
    var url = "/admin/map/houses.json?" + (props.kind === "building" ? "building=" : "house=")
      + enc(props.id);
    getJSON(url).then(function (data) {
      var box = node("div", "houses");
      box.appendChild(node("h3", "", data.title));
      var list = node("ul", "house-list");
      data.houses.forEach(function (h) {
        var li = node("li");
        li.appendChild(node("span", "", h.name + "：" + h.people + " 人 "));
        var a = link(h.link, "查看居民");
        a.setAttribute("data-house", h.id);
        li.appendChild(a);
        list.appendChild(li);
      });
      box.appendChild(list);
      detail.replaceChildren(box);
    }).catch(failed(detail));
  }

  function drawCrumbs(data) {
    var nav = document.getElementById("map-crumbs");
    nav.replaceChildren();
    data.crumbs.forEach(function (c, i) {
      if (i) { nav.appendChild(node("span", "sep", " › ")); }
      var b = node("button", "link", c.name);
      b.type = "button";
      b.setAttribute("data-node", c.id);
      if (c.id === data.node.id) { b.setAttribute("aria-current", "page"); }
      b.addEventListener("click", function () { go(c.id); });
      nav.appendChild(b);
    });
    if (mayEdit && (data.crumbs.length > 1 || data.node.level === "county")) {
      nav.appendChild(node("span", "sep", "  "));
      nav.appendChild(link("/admin/map/boundary/" + enc(data.node.id), "编辑边界"));
    }
  }

  function drawTotals(data) {
    var box = document.getElementById("map-totals");
    box.replaceChildren();
    [["people", "人口"], ["households", "户"], ["houses", "房屋"], ["buildings", "建筑"]]
      .forEach(function (t) {
        var d = node("div", "total");
        d.appendChild(node("span", "label", t[1]));
        var v = node("strong", "value", String(data.totals[t[0]]));
        v.setAttribute("data-total", t[0]);
        d.appendChild(v);
        box.appendChild(d);
      });
    box.appendChild(link(data.people_link, "人员名单"));
  }

  function option(c) {
    var base = {tooltip: {trigger: "axis", axisPointer: {type: "shadow"}},
                grid: {left: 8, right: 16, top: 28, bottom: 8, containLabel: true}};
    if (c.kind === "pyramid") {
      base.legend = {data: ["男", "女"], top: 0};
      base.yAxis = {type: "category", data: c.bands, axisTick: {show: false},
                    axisLabel: {interval: 0, fontSize: 10}};
      base.xAxis = {type: "value", axisLabel: {formatter: function (v) { return Math.abs(v); }}};
      base.tooltip.valueFormatter = function (v) { return Math.abs(v); };
      base.series = [
        {name: "男", type: "bar", stack: "all", data: c.male.map(function (v) { return -v; }),
         itemStyle: {color: "#1f5fa8"}},
        {name: "女", type: "bar", stack: "all", data: c.female, itemStyle: {color: "#d9534f"}}];
    } else if (c.kind === "line") {
      base.legend = {top: 0};
      base.xAxis = {type: "category", data: c.months};
      base.yAxis = {type: "value", minInterval: 1};
      base.series = c.series.map(function (s) { return {name: s.name, type: "line", data: s.data}; });
    } else {
      base.xAxis = {type: "category", data: c.items.map(function (i) { return i.label; }),
                    axisLabel: {interval: 0, rotate: c.items.length > 5 ? 30 : 0}};
      base.yAxis = {type: "value", minInterval: 1};
      base.series = [{type: "bar", data: c.items.map(function (i) { return i.value; }),
                      itemStyle: {color: "#1f5fa8"}, label: {show: true, position: "top"}}];
    }
    return base;
  }

  function linkOf(c, p) {
    if (c.kind === "pyramid") { return c.links[p.seriesIndex === 0 ? "male" : "female"][p.dataIndex]; }
    if (c.kind === "line") { return c.series[p.seriesIndex].links[p.dataIndex]; }
    return c.items[p.dataIndex] && c.items[p.dataIndex].link;
  }

  function table(c) {
    var t = node("table", "list chart-data");
    var rows = [];
    if (c.kind === "pyramid") {
      rows.push(["年龄段", "男", "女"]);
      c.bands.forEach(function (b, i) {
        rows.push([b, [c.male[i], c.links.male[i]], [c.female[i], c.links.female[i]]]);
      });
    } else if (c.kind === "line") {
      rows.push(["月份"].concat(c.series.map(function (s) { return s.name; })));
      c.months.forEach(function (m, i) {
        rows.push([m].concat(c.series.map(function (s) { return [s.data[i], s.links[i]]; })));
      });
    } else {
      rows.push(["项目", "数量"]);
      c.items.forEach(function (i) { rows.push([i.label, [i.value, i.link]]); });
    }
    rows.forEach(function (r, i) {
      var tr = node("tr");
      r.forEach(function (cell) {
        var td = node(i ? "td" : "th");
        if (Array.isArray(cell)) {
          var a = link(cell[1], String(cell[0]));
          a.setAttribute("data-chart", c.id);
          td.appendChild(a);
        } else { td.textContent = cell; }
        tr.appendChild(td);
      });
      t.appendChild(tr);
    });
    return t;
  }

  function exportXlsx(chartId) {
    var form = document.getElementById("chart-export");
    form.elements.node.value = current;
    form.elements.chart.value = chartId;
    form.submit();
  }

  function drawPanels(nodeId) {
    var pop = document.getElementById("panel-population");
    var bld = document.getElementById("panel-buildings");
    getJSON("/admin/map/figures.json?node=" + enc(nodeId)).then(function (data) {
      if (current !== nodeId) { return; }
      charts.forEach(function (c) { c.dispose(); });
      charts = [];
      pop.replaceChildren(); bld.replaceChildren();
      drawCrumbs(data);
      drawTotals(data);
      data.charts.forEach(function (c) {
        var card = node("figure", "chart");
        card.id = "chart-" + c.id;
        var head = node("figcaption", "", c.title);
        var png = node("button", "small", "导出图片");
        png.type = "button";
        var xlsx = node("button", "small", "导出 Excel");
        xlsx.type = "button";
        xlsx.addEventListener("click", function () { exportXlsx(c.id); });
        head.appendChild(png); head.appendChild(xlsx);
        card.appendChild(head);
        var box = node("div", c.kind === "pyramid" ? "chart-box tall" : "chart-box");
        card.appendChild(box);
        var more = node("details");
        more.appendChild(node("summary", "", "数据"));
        more.appendChild(table(c));
        card.appendChild(more);
        (c.panel === "buildings" ? bld : pop).appendChild(card);
        var chart = echarts.init(box, null, {renderer: "canvas"});
        chart.setOption(option(c));
        chart.on("click", function (p) { var href = linkOf(c, p); if (href) { location.href = href; } });
        png.addEventListener("click", function () {
          var a = link(chart.getDataURL({type: "png", pixelRatio: 2, backgroundColor: "#fff"}), "");
          a.download = c.id + ".png";
          document.body.appendChild(a); a.click(); a.remove();
        });
        charts.push(chart);
      });
    }).catch(failed(pop));
  }

  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  go(el.dataset.node);
}());
