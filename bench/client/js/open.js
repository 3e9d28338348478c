// Click a sidebar link; resolve when a message containing `marker` is in the DOM ("dom")
// and after the frame that paints it ("painted"), in ms from just before the click.
async ({ href, marker, sidebar, message, timeout }) => {
  const link = document.querySelector(sidebar)?.querySelector(`a[href="${href}"]`);
  if (!link) return { error: `no link ${href}` };
  return await new Promise((resolve) => {
    let seen = null;
    const t0 = performance.now();
    const check = () => {
      if (seen !== null) return;
      for (const node of document.querySelectorAll(message)) {
        if (!node.textContent.includes(marker)) continue;
        seen = performance.now();
        observer.disconnect();
        requestAnimationFrame(() => {
          const channel = new MessageChannel();
          channel.port1.onmessage = () => {
            resolve({ dom: seen - t0, painted: performance.now() - t0 });
          };
          channel.port2.postMessage(0);
        });
        return;
      }
    };
    const observer = new MutationObserver(check);
    observer.observe(document.body, { childList: true, subtree: true, characterData: true });
    link.click();
    check();
    setTimeout(() => {
      if (seen !== null) return;
      observer.disconnect();
      resolve({ timeout: true });
    }, timeout);
  });
}
