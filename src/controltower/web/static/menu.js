/*
 * The "Menu" button of the navigation on narrow screens (see app.css): it shows and
 * hides the links, says whether they are shown (aria-expanded), and Escape hides them
 * again with the focus back on the button.
 *
 * Without JavaScript the button stays hidden and the links wrap under the brand, so
 * every page is reached either way. Loaded right after the navigation (not deferred),
 * so a narrow page never shows the links before folding them away.
 */
(function () {
  "use strict";

  var button = document.querySelector(".menu-toggle");
  var nav = document.getElementById("main-nav");
  if (!button || !nav) {
    return;
  }

  function show(open) {
    button.setAttribute("aria-expanded", open ? "true" : "false");
  }

  document.documentElement.classList.add("has-menu");
  button.hidden = false;
  button.addEventListener("click", function () {
    show(button.getAttribute("aria-expanded") !== "true");
  });
  nav.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
      show(false);
      button.focus();
    }
  });
})();
