/*
 * Draws the charts of a page with plotly.js (loaded before this file).
 *
 * The server renders each chart as an element holding the figure as JSON
 * (data-figure, with plotly's options in data-config); drawing it from here rather
 * than from an inline script keeps the pages' Content-Security-Policy free of inline
 * scripts.
 */
(function () {
  "use strict";

  function draw(element) {
    var figure = JSON.parse(element.getAttribute("data-figure"));
    var config = JSON.parse(element.getAttribute("data-config") || "{}");
    window.Plotly.newPlot(element, figure.data, figure.layout, config);
  }

  function drawAll() {
    var charts = document.querySelectorAll("[data-figure]");
    for (var i = 0; i < charts.length; i += 1) {
      draw(charts[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
