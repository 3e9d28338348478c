// Injected before the page's own scripts (an init script, called with the selectors).
// Watches the DOM from the first byte: when the sign-in field, or the sidebar with at least
// one conversation, first appears ("rendered"), and the first task after the next frame
// ("idle": the render is painted and the main thread is free to take input).
({ signIn, sidebar, link }) => {
  const marks = {};
  const longTasks = [];
  window.__bench = { marks, longTasks };
  const conditions = {
    sign_in: () => document.querySelector(signIn),
    list: () => document.querySelector(sidebar)?.querySelector(link),
  };
  const check = () => {
    for (const [name, condition] of Object.entries(conditions)) {
      if (marks[name] === undefined && condition()) {
        marks[name] = performance.now();
        const channel = new MessageChannel();
        channel.port1.onmessage = () => {
          marks[name + "_idle"] = performance.now();
        };
        requestAnimationFrame(() => channel.port2.postMessage(0));
      }
    }
  };
  new MutationObserver(check).observe(document, { childList: true, subtree: true });
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) longTasks.push([e.startTime, e.duration]);
    }).observe({ type: "longtask", buffered: true });
  } catch {
    // no long-task timing in this browser
  }
}
