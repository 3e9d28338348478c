// One step up the history: scroll the message list (the scrollable ancestor of the
// messages) up by 90 % of its height and wait two frames; at the top, wait up to `maxWait`
// ms for older messages to be rendered (the list grows or an older seq appears).
async ({ message, maxWait }) => {
  const frame = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));
  const nodes = () => document.querySelectorAll(message);
  const first = nodes()[0];
  if (!first) return { error: "no message in the DOM" };
  let scroller = first.parentElement;
  while (scroller && scroller !== document.body) {
    const style = getComputedStyle(scroller);
    const scrolls = /(auto|scroll)/.test(style.overflowY);
    if (scrolls && scroller.scrollHeight > scroller.clientHeight) break;
    scroller = scroller.parentElement;
  }
  if (!scroller || scroller === document.body) scroller = document.scrollingElement;
  const minSeq = () => {
    let min = Infinity;
    for (const node of nodes()) min = Math.min(min, Number(node.dataset.seq));
    return min;
  };
  const h0 = scroller.scrollHeight;
  const min0 = minSeq();
  const t0 = performance.now();
  const older = () => scroller.scrollHeight > h0 || minSeq() < min0;
  scroller.scrollTop = Math.max(0, scroller.scrollTop - 0.9 * scroller.clientHeight);
  await frame();
  await frame();
  const atTop = scroller.scrollTop <= 1;
  let grew = older();
  let waitedMs = null;
  while (atTop && !grew && performance.now() - t0 < maxWait) {
    await frame();
    if (older()) {
      grew = true;
      waitedMs = performance.now() - t0;
    }
  }
  return {
    nodes: nodes().length,
    elements: document.getElementsByTagName("*").length,
    minSeq: minSeq(),
    atTop,
    grew,
    waitedMs,
    scrollTop: scroller.scrollTop,
    scrollHeight: scroller.scrollHeight,
  };
}
