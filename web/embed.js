// The chat inside the panel that widget.js opens on another website (index.html as /embed), and the page that
// refuses it (embed-refused.html). Applies the options the panel passes in the address, and talks to the panel:
// "ready" or "refused" once loaded, "close" on Escape; the panel asks for "focus" and "new-chat".
"use strict";

(() => {
  const params = new URLSearchParams(window.location.search);
  const host = params.get("origin") || "";  // the embedding website; the server framed us only if it is allowed
  const byId = (id) => document.getElementById(id);
  const COLOUR = /^#(?:[0-9a-f]{3}){1,2}$/i;

  /** Post a message to the panel on the embedding website. */
  function tell(type) {
    if (window.parent !== window && host) window.parent.postMessage({type}, host);
  }

  /** Put the website's welcome text, starter questions and colours in the page. */
  function applyOptions() {
    const welcome = params.get("welcome");
    if (welcome) byId("welcome-text").textContent = welcome;
    const starters = params.getAll("q").slice(0, 3);
    if (starters.length) {
      byId("welcome").querySelector(".examples").replaceChildren(...starters.map((question) => {
        const button = Object.assign(document.createElement("button"), {type: "button", className: "example"});
        button.textContent = question;
        const item = document.createElement("li");
        item.append(button);
        return item;
      }));
    }
    if (params.get("title")) document.title = params.get("title");
    for (const [param, variable] of [["accent", "--accent"], ["ink", "--accent-ink"]]) {
      const colour = params.get(param) || "";
      if (COLOUR.test(colour)) document.documentElement.style.setProperty(variable, colour);
    }
    // Dark ink on the accent means a light accent: too pale for text on white, so such text takes the ink.
    document.documentElement.classList.toggle("light-accent", COLOUR.test(params.get("ink") || "") &&
      params.get("ink").toLowerCase() !== "#ffffff");
  }

  if (!byId("question")) {  // the refusal page
    tell("refused");
    return;
  }
  applyOptions();
  window.addEventListener("message", (event) => {
    if (event.source !== window.parent || event.origin !== host) return;
    if (event.data && event.data.type === "focus") byId("question").focus();
    if (event.data && event.data.type === "new-chat") byId("new-chat").click();
  });
  document.addEventListener("keydown", (event) => {
    // Escape closes the article reader first (the dialog's own), then the panel.
    if (event.key === "Escape" && !byId("article").open) tell("close");
  });
  // chat.js, deferred after this script, wires the question box up on DOMContentLoaded; this listener runs just
  // before it, and the message reaches the host page only after both, so "ready" means a question can be sent.
  document.addEventListener("DOMContentLoaded", () => tell("ready"));
})();
