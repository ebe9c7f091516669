// Evidence between passages in the workbench: paint the passages of this article that are
// evidence for annotations, and let the analyst pick a passage of another article opened in a
// column beside the text (the claims app fills the column; this turns its selection into offsets).
//
// Offsets are code points of Article.text, measured per block (each carries data-start) as the
// workbench measures its own text; consecutive blocks are one line feed apart.
(function () {
  "use strict";

  const workbench = document.querySelector(".workbench");
  if (!workbench) return;
  const reader = workbench.querySelector(".reader");
  const textRoot = document.getElementById("article-text");

  // The column beside the text: a slot the claims app's picker swaps the other article into.
  let column = document.getElementById("evidence-column");
  if (!column) {
    column = document.createElement("section");
    column.id = "evidence-column";
    column.className = "evidence-column";
    column.setAttribute("aria-label", "Article opened beside the text");
    column.hidden = true;
    reader.after(column);
  }

  const canPaint = () => window.CSS && CSS.highlights && typeof Highlight === "function";

  function offsetOf(block, node, offset) {
    const range = document.createRange();
    range.setStart(block, 0);
    range.setEnd(node, offset);
    return Number(block.dataset.start) + Array.from(range.toString()).length;
  }

  function pointAt(blocks, offset) {
    for (const block of blocks) {
      const first = Number(block.dataset.start);
      if (offset > first + Array.from(block.textContent).length) continue;
      let remaining = Math.max(0, offset - first);
      const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
      let node = null;
      let last = null;
      while ((node = walker.nextNode())) {
        const points = Array.from(node.data);
        if (remaining <= points.length) return [node, points.slice(0, remaining).join("").length];
        remaining -= points.length;
        last = node;
      }
      return last ? [last, last.length] : [block, 0];
    }
    return null;
  }

  function rangeOf(blocks, start, end) {
    const from = pointAt(blocks, start);
    const to = pointAt(blocks, end);
    if (!from || !to) return null;
    const range = document.createRange();
    range.setStart(...from);
    range.setEnd(...to);
    return range;
  }

  // A link to one evidence passage (?evidence=id, from the other article or the claim page)
  // brings it into view once.
  let wanted = new URLSearchParams(window.location.search).get("evidence");

  // This article's passages that are evidence, listed (with their offsets) in its section.
  function paintEvidence() {
    if (!textRoot) return;
    const blocks = Array.from(textRoot.querySelectorAll(".block"));
    const all = canPaint() ? new Highlight() : null;
    document.querySelectorAll("#article-evidence li[data-start]").forEach((item) => {
      const range = rangeOf(blocks, Number(item.dataset.start), Number(item.dataset.end));
      if (!range) return;
      if (all) all.add(range);
      if (wanted && item.dataset.evidence === wanted) {
        const node = range.startContainer;
        (node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement).scrollIntoView({ block: "center" });
        wanted = null;
      }
    });
    if (all) CSS.highlights.set("evidence", all);
  }

  function openColumn(open) {
    column.hidden = !open;
    workbench.classList.toggle("with-evidence-column", open);
    if (!open) {
      column.replaceChildren();
      if (canPaint()) CSS.highlights.delete("evidence-pick");
    }
  }

  // The selection inside the column's text, trimmed of blank space, into the form's fields.
  function pickPassage() {
    const form = column.querySelector("form.evidence-form");
    const text = column.querySelector(".evidence-text");
    const selection = window.getSelection();
    if (!form || !text || !selection.rangeCount || selection.isCollapsed) return;
    const range = selection.getRangeAt(0);
    if (!text.contains(range.startContainer) || !text.contains(range.endContainer)) return;
    const blocks = Array.from(text.querySelectorAll(".evidence-block"));
    const blockOf = (node) => (node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement).closest(".evidence-block");
    const startBlock = blockOf(range.startContainer) || blocks[0];
    const endBlock = blockOf(range.endContainer) || blocks[blocks.length - 1];
    let start = startBlock === blockOf(range.startContainer) ? offsetOf(startBlock, range.startContainer, range.startOffset) : Number(startBlock.dataset.start);
    let end = endBlock === blockOf(range.endContainer) ? offsetOf(endBlock, range.endContainer, range.endOffset) : Number(endBlock.dataset.start) + Array.from(endBlock.textContent).length;
    const chars = Array.from(blocks.map((b) => b.textContent).join("\n"));
    while (start < end && /\s/u.test(chars[start])) start++;
    while (end > start && /\s/u.test(chars[end - 1])) end--;
    if (start >= end) return;
    const exact = chars.slice(start, end).join("");
    form.elements.start.value = String(start);
    form.elements.end.value = String(end);
    form.elements.exact.value = exact;
    form.querySelector(".evidence-chosen").textContent = exact;
    form.querySelector(".evidence-save").disabled = false;
    if (canPaint()) {
      const picked = rangeOf(blocks, start, end);
      if (picked) CSS.highlights.set("evidence-pick", new Highlight(picked));
    }
  }

  document.addEventListener("mouseup", () => setTimeout(pickPassage, 0));
  document.addEventListener("keyup", (event) => {
    if (event.shiftKey) pickPassage();
  });
  column.addEventListener("click", (event) => {
    if (event.target.closest("[data-evidence-close]")) openColumn(false);
  });

  document.body.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target === column) {
      openColumn(Boolean(column.querySelector(".evidence-column-inner")));
      const heading = column.querySelector("h2");
      if (heading) {
        heading.tabIndex = -1;
        heading.focus();
      }
    }
    if (document.getElementById("article-evidence")) paintEvidence();
  });
  // Saved: the column closes and this article's own evidence section reloads itself.
  document.body.addEventListener("evidence-changed", () => openColumn(false));
  paintEvidence();
})();
