/* 统计看板: the charts of /admin/dashboards (vendored ECharts), from
   /admin/dashboards/data.json; no inline script (the page's CSP). */
(function () {
  "use strict";
  var el = document.getElementById("dashboards");
  if (!el || !window.echarts) { return; }
  var charts = [];

  function node(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }
  function total(label, value) {
    var t = node("span", "total");
    t.appendChild(node("span", "label", label));
    t.appendChild(node("strong", "", value === null || value === undefined ? "—" : String(value)));
    return t;
  }
  function pct(v) { return v === null || v === undefined ? null : v + "%"; }

  function option(c) {
    var tools = {feature: {saveAsImage: {title: "导出图片", name: c.id, pixelRatio: 2,
                                         backgroundColor: "#fff"}}};
    if (c.kind === "pie") {
      return {toolbox: tools, tooltip: {trigger: "item"}, legend: {bottom: 0, type: "scroll"},
              series: [{type: "pie", radius: ["30%", "62%"], center: ["50%", "45%"],
                        label: {formatter: "{b}：{c}"},
                        data: c.items.map(function (i) {
                          return {name: i.label, value: i.value};
                        })}]};
    }
    if (c.kind === "ranking") {
      // Names down the side, first place on top: long worker names never share a line.
      return {toolbox: tools, tooltip: {trigger: "axis", axisPointer: {type: "shadow"}},
              grid: {left: 8, right: 40, top: 30, bottom: 8, containLabel: true},
              yAxis: {type: "category", inverse: true,
                      data: c.items.map(function (i) { return i.label; }),
                      axisTick: {show: false},
                      axisLabel: {interval: 0, width: 260, overflow: "truncate"}},
              xAxis: {type: "value", minInterval: 1},
              series: [{type: "bar", itemStyle: {color: "#2f6fb3"}, barMaxWidth: 16,
                        label: {show: true, position: "right"},
                        data: c.items.map(function (i) { return i.value; })}]};
    }
    return {toolbox: tools, tooltip: {trigger: "axis"},
            grid: {left: 40, right: 16, top: 30, bottom: 60},
            xAxis: {type: "category", data: c.items.map(function (i) { return i.label; }),
                    axisLabel: {interval: 0, rotate: c.items.length > 5 ? 30 : 0}},
            yAxis: {type: "value", minInterval: 1},
            series: [{type: "bar", itemStyle: {color: "#2f6fb3"},
                      label: {show: true, position: "top"},
                      data: c.items.map(function (i) { return i.value; })}]};
  }

  function table(c) {
    var t = node("table", "list chart-data");
    var head = node("tr");
    head.appendChild(node("th", "", "项目")); head.appendChild(node("th", "", "数量"));
    t.appendChild(head);
    c.items.forEach(function (i) {
      var tr = node("tr");
      tr.appendChild(node("td", "", i.label)); tr.appendChild(node("td", "", String(i.value)));
      t.appendChild(tr);
    });
    return t;
  }

  function exportXlsx(chartId) {
    var form = document.getElementById("chart-export");
    form.elements.chart.value = chartId;
    form.submit();
  }

  function draw(data) {
    var h = data.hotline, v = data.visits;
    document.getElementById("dash-hotline-totals").replaceChildren(
      total("受理", h.received), total("办结", h.closed), total("逾期未办结", h.overdue),
      total("超时办结", h.closed_late), total("满意率", pct(h.satisfaction_rate)),
      total("办结用时中位数（小时）", h.median_hours));
    document.getElementById("dash-visit-totals").replaceChildren(
      total("走访次数", v.visits),
      total("人员覆盖率", pct(v.people_rate)), total("已走访人员", v.people_visited + " / " + v.people),
      total("户覆盖率", pct(v.households_rate)),
      total("已走访户", v.households_visited + " / " + v.households));
    var boxes = {hotline: document.getElementById("dash-hotline"),
                 visits: document.getElementById("dash-visits")};
    data.charts.forEach(function (c) {
      var card = node("figure", "chart");
      card.id = "chart-" + c.id;
      var head = node("figcaption", "", c.title);
      var xlsx = node("button", "small", "导出 Excel");
      xlsx.type = "button";
      xlsx.addEventListener("click", function () { exportXlsx(c.id); });
      head.appendChild(xlsx);
      card.appendChild(head);
      var box = node("div", "chart-box");
      if (c.kind === "ranking") {
        card.className = "chart ranking";
        box.style.height = Math.max(240, 60 + 22 * c.items.length) + "px";
      }
      card.appendChild(box);
      var more = node("details");
      more.appendChild(node("summary", "", "数据"));
      more.appendChild(table(c));
      card.appendChild(more);
      boxes[c.section].appendChild(card);
      var chart = echarts.init(box, null, {renderer: "canvas"});
      chart.setOption(option(c));
      charts.push(chart);
    });
  }

  var url = "/admin/dashboards/data.json?period=custom&since="
    + encodeURIComponent(el.dataset.since) + "&until=" + encodeURIComponent(el.dataset.until);
  fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
    .then(function (r) { if (!r.ok) { throw new Error("HTTP " + r.status); } return r.json(); })
    .then(draw)
    .catch(function () {
      el.replaceChildren(node("p", "error", "数据加载失败，请刷新页面重试"));
    });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
}());
