/*
 * Type-ahead for the search box: suggestions from /api/search as the person types.
 *
 * The box is a combobox (WAI-ARIA 1.2): the suggestions are a listbox below it, each an
 * option naming its kind, code and a few words, and linking to its page. Arrow keys move
 * through them (focus stays in the box), Enter opens the one chosen (or, with none
 * chosen, the search page), Escape closes the list. Requests wait until typing pauses,
 * and an answer that arrives after a newer one was asked for is dropped.
 *
 * No dependencies: served from the package like the rest of the pages.
 */
(function () {
  "use strict";

  var PAUSE_MS = 150;
  var SUGGESTIONS = 8;

  function attach(form) {
    var input = form.querySelector("input[name=q]");
    var list = form.querySelector("[role=listbox]");
    if (!input || !list) {
      return;
    }
    var endpoint = form.getAttribute("data-typeahead");
    var status = document.createElement("span");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    form.appendChild(status);

    var timer = null;
    var asked = 0;
    var shown = [];
    var active = -1;

    function close() {
      list.hidden = true;
      list.textContent = "";
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      shown = [];
      active = -1;
    }

    function choose(index) {
      var options = list.querySelectorAll("[role=option]");
      if (!options.length) {
        return;
      }
      active = (index + options.length) % options.length;
      options.forEach(function (option, position) {
        option.setAttribute("aria-selected", position === active ? "true" : "false");
      });
      input.setAttribute("aria-activedescendant", options[active].id);
      options[active].scrollIntoView({ block: "nearest" });
    }

    function option(match, index) {
      var item = document.createElement("li");
      item.id = "search-suggestion-" + index;
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", "false");
      item.setAttribute("data-kind", match.kind);
      var link = document.createElement("a");
      link.href = match.url;
      link.tabIndex = -1;
      var kind = document.createElement("span");
      kind.className = "kind";
      kind.textContent = match.kind_label;
      var code = document.createElement("span");
      code.className = "code";
      code.textContent = match.code;
      var label = document.createElement("span");
      label.className = "label";
      label.textContent = match.label;
      link.append(kind, code, label);
      item.appendChild(link);
      return item;
    }

    function show(text, matches) {
      list.textContent = "";
      shown = matches;
      active = -1;
      input.removeAttribute("aria-activedescendant");
      if (!matches.length) {
        var none = document.createElement("li");
        none.className = "none";
        none.textContent = "Nothing you can see starts with “" + text + "”";
        list.appendChild(none);
      }
      matches.forEach(function (match, index) {
        list.appendChild(option(match, index));
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      status.textContent = matches.length
        ? matches.length + " suggestion" + (matches.length === 1 ? "" : "s")
        : "No suggestions";
    }

    function ask() {
      var text = input.value.trim();
      var mine = ++asked;
      if (!text) {
        close();
        return;
      }
      var query = new URLSearchParams({ q: text, limit: String(SUGGESTIONS) });
      fetch(endpoint + "?" + query.toString(), {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      })
        .then(function (response) {
          return response.ok ? response.json() : null;
        })
        .then(function (body) {
          if (mine === asked && body && document.activeElement === input) {
            show(text, body.items);
          }
        })
        .catch(function () {
          if (mine === asked) {
            close();
          }
        });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(ask, PAUSE_MS);
    });

    input.addEventListener("keydown", function (event) {
      var open = !list.hidden && shown.length > 0;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (open) {
          event.preventDefault();
          choose(event.key === "ArrowDown" ? active + 1 : active < 0 ? -1 : active - 1);
        } else if (input.value.trim()) {
          event.preventDefault();
          ask();
        }
      } else if (event.key === "Enter" && open && active >= 0) {
        event.preventDefault();
        window.location.assign(shown[active].url);
      } else if (event.key === "Escape" && !list.hidden) {
        event.preventDefault();
        asked++;
        close();
      }
    });

    // a click on a suggestion follows its link; keep the box focused until then
    list.addEventListener("mousedown", function (event) {
      event.preventDefault();
    });

    input.addEventListener("blur", function () {
      asked++;
      close();
    });
  }

  document.querySelectorAll("form[data-typeahead]").forEach(attach);
})();
