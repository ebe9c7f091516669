// The annotation workbench: turn a DOM selection into code-point offsets of Article.text,
// offer the Claim / Quote / Fact toolbar, and drive annotations from the keyboard.
//
// Offsets are measured per text block (each <p>/<h2> carries data-start, its first code point
// in Article.text) over the block's own textContent. Highlights only wrap text in <mark>s and
// labels are empty elements drawn by CSS, so textContent, and every offset, is the same
// whichever highlights are shown.
(function () {
  "use strict";

  const WORD = /[\p{L}\p{N}\p{M}\p{Extended_Pictographic}\u200d\u00ad'’_-]/u;
  const workbench = document.querySelector(".workbench");
  if (!workbench) return;
  // The texts that take annotations: one on an article's page, one per column on a story's page,
  // each naming its article's address for new annotations. Keys, the caret and finding act on
  // the one in use: the last one pressed in, focused or opened an annotation of.
  const textRoots = Array.from(workbench.querySelectorAll(".article-text"));
  let textRoot = textRoots[0];
  const toolbar = document.getElementById("selection-toolbar");
  const help = document.getElementById("help-overlay");
  let pending = null; // the selection the toolbar acts on: {start, end, exact}
  let current = -1; // index of the annotation j/k is on

  const blocks = () => Array.from(textRoot.querySelectorAll(".block"));
  const allMarks = (selector) => workbench.querySelectorAll(`.article-text ${selector}`);

  function rootOf(node) {
    const element = node && (node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement);
    const root = element && element.closest(".article-text");
    return textRoots.includes(root) ? root : null;
  }

  // Another text comes into use: what was read from the one before (its folded text, its nodes,
  // the matches found in it) is forgotten.
  function use(root) {
    if (!root || root === textRoot) return;
    if (!findBar.hidden) {
      // Its matches are offsets into the text before: the box closes without moving the focus.
      findBar.hidden = true;
      Object.assign(found, { matches: [], current: -1, ranges: null });
      if (canPaint()) ["find", "find-current"].forEach((name) => CSS.highlights.delete(name));
      showCount();
    }
    textRoot = root;
    textNodes = null;
    textCharacters = null;
    delete folding.loose;
    delete folding.strict;
  }
  const chars = (block) => Array.from(block.textContent);

  function blockOf(node) {
    const element = node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement;
    return element && element.closest(".block");
  }

  // The code-point offset in Article.text of a DOM boundary point inside a block.
  function offsetOf(block, node, offset) {
    const range = document.createRange();
    range.setStart(block, 0);
    range.setEnd(node, offset);
    const utf16Prefix = range.toString();
    return Number(block.dataset.start) + Array.from(utf16Prefix).length;
  }

  // Clamp a boundary that lies outside every block to the nearest block edge.
  function boundary(range, atStart) {
    const node = atStart ? range.startContainer : range.endContainer;
    const offset = atStart ? range.startOffset : range.endOffset;
    const block = blockOf(node);
    if (block && textRoot.contains(block)) return offsetOf(block, node, offset);
    const all = blocks();
    const inside = all.filter((b) => range.intersectsNode(b));
    if (!inside.length) return null;
    const edge = atStart ? inside[0] : inside[inside.length - 1];
    return Number(edge.dataset.start) + (atStart ? 0 : chars(edge).length);
  }

  // The whole text, rebuilt from its blocks: consecutive blocks are one line feed apart.
  function articleChars() {
    return Array.from(blocks().map((b) => b.textContent).join("\n"));
  }

  // Grow a span that starts or ends inside a word to the whole word; drop outer blank space.
  function snap(start, end) {
    const text = articleChars();
    while (start < end && /\s/u.test(text[start])) start++;
    while (end > start && /\s/u.test(text[end - 1])) end--;
    if (start >= end) return null;
    while (start > 0 && WORD.test(text[start - 1]) && WORD.test(text[start])) start--;
    while (end < text.length && WORD.test(text[end]) && WORD.test(text[end - 1])) end++;
    start = wholeCharacter(text, start, false);
    end = wholeCharacter(text, end, true);
    return { start, end, exact: text.slice(start, end).join("") };
  }

  // A position inside one user-perceived character (a flag, a family emoji, a letter with its
  // accents) moves to that character's start, or its end when `forward`: a highlight never
  // splits one. The server refuses such spans too. Clusters never cross a line feed.
  const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });
  function wholeCharacter(text, position, forward) {
    let lineStart = position;
    while (lineStart > 0 && text[lineStart - 1] !== "\n") lineStart--;
    let lineEnd = position;
    while (lineEnd < text.length && text[lineEnd] !== "\n") lineEnd++;
    let offset = lineStart;
    for (const { segment } of graphemes.segment(text.slice(lineStart, lineEnd).join(""))) {
      const next = offset + Array.from(segment).length;
      if (offset < position && position < next) return forward ? next : offset;
      if (next >= position) break;
      offset = next;
    }
    return position;
  }

  function currentSelection() {
    const selection = window.getSelection();
    if (!selection.rangeCount || selection.isCollapsed) return null;
    const range = selection.getRangeAt(0);
    use(rootOf(range.startContainer) || rootOf(range.endContainer));
    if (!textRoot.contains(range.commonAncestorContainer) && !range.intersectsNode(textRoot)) return null;
    const start = boundary(range, true);
    const end = boundary(range, false);
    if (start === null || end === null || start >= end) return null;
    return snap(start, end);
  }

  function showToolbar() {
    pending = currentSelection();
    if (!pending) {
      toolbar.hidden = true;
      return;
    }
    const rect = window.getSelection().getRangeAt(0).getBoundingClientRect();
    toolbar.hidden = false;
    toolbar.style.top = `${window.scrollY + rect.bottom + 6}px`;
    toolbar.style.left = `${Math.max(8, window.scrollX + rect.left)}px`;
  }

  function annotate(kind) {
    const span = pending || currentSelection();
    if (!span) return;
    toolbar.hidden = true;
    pending = null;
    htmx.ajax("POST", textRoot.dataset.createUrl || workbench.dataset.createUrl, {
      target: "#messages",
      swap: "innerHTML",
      values: { kind, start: span.start, end: span.end, exact: span.exact },
    }); // the CSRF header comes from hx-headers on <body>
    window.getSelection().removeAllRanges();
  }

  // Open an annotation's panel; the focus moves into it once it is there (see focusOpenedPanel),
  // so that its keys (Shift+arrows, s) and Tab start from it.
  let focusWanted = null; // the annotation whose panel takes the focus when it arrives
  function openPanel(id) {
    const url = workbench.dataset.panelUrl.replace(/\/0\/$/, `/${id}/`);
    markCurrent(id);
    focusWanted = String(id);
    // The open annotation's waiting extent is saved first; its answer would replace this panel.
    sendExtent().then(() => htmx.ajax("GET", url, { target: "#annotation-panel", swap: "outerHTML" }));
  }

  // Not when htmx.ajax's promise resolves: a request queued behind another one (the create that
  // opens it) resolves at once, before its panel is there.
  function focusOpenedPanel() {
    const panel = document.getElementById("annotation-panel");
    if (!focusWanted || !panel || panel.dataset.annotation !== focusWanted) return;
    focusWanted = null;
    if (panel.contains(document.activeElement)) return; // htmx kept it on a field of the panel
    panel.tabIndex = -1;
    panel.focus();
  }

  // A panel that had the focus keeps it when it is rendered again (after a save), where htmx
  // can keep it only on an element with an id.
  document.body.addEventListener("htmx:beforeSwap", (event) => {
    const panel = document.getElementById("annotation-panel");
    if (event.detail.target === panel && panel.contains(document.activeElement)) focusWanted = panel.dataset.annotation;
  });

  function markCurrent(id) {
    allMarks("mark.current").forEach((m) => m.classList.remove("current"));
    const marks = marksOf(id);
    if (marks.length) use(rootOf(marks[0]));
    marks.forEach((m) => m.classList.add("current"));
    if (marks.length) marks[0].scrollIntoView({ block: "center", behavior: "smooth" });
  }

  function listItems() {
    return Array.from(document.querySelectorAll("#annotation-list li[data-id]"));
  }

  function step(delta) {
    const items = listItems();
    if (!items.length) return;
    current = Math.min(items.length - 1, Math.max(0, current + delta));
    items.forEach((item, index) => item.classList.toggle("current", index === current));
    markCurrent(items[current].dataset.id);
  }

  // The next boundary of a whole user-perceived character from `position`, forward (1) or back (-1).
  function characterStep(text, position, direction) {
    const next = position + direction;
    if (next < 0 || next > text.length) return position;
    return wholeCharacter(text, next, direction > 0);
  }

  // To the far side of the next word in `direction`, past any blank space and punctuation before it.
  function wordStep(text, position, direction) {
    let p = position;
    if (direction > 0) {
      while (p < text.length && !WORD.test(text[p])) p++;
      while (p < text.length && WORD.test(text[p])) p++;
    } else {
      while (p > 0 && !WORD.test(text[p - 1])) p--;
      while (p > 0 && WORD.test(text[p - 1])) p--;
    }
    return wholeCharacter(text, p, direction > 0);
  }

  // The extent after moving one end of start..end by a character or a word in `direction`; null
  // when that end cannot go there. A span never begins or ends with blank space: a step onto it
  // goes on to the next visible character ("Alpha" and one to the right is "Alpha b").
  function moved(text, { start, end }, whichEnd, direction, byWord) {
    const character = (p) => characterStep(text, p, direction);
    const blank = (c) => c !== undefined && /\s/u.test(c);
    const onward = (p, atBlank) => {
      while (atBlank(p)) {
        const next = character(p);
        if (next === p) break;
        p = next;
      }
      return p;
    };
    if (whichEnd === "end") {
      const p = byWord ? wordStep(text, end, direction) : character(end);
      end = onward(p, (q) => q > start && blank(text[q - 1]));
    } else {
      const p = byWord ? wordStep(text, start, direction) : character(start);
      start = onward(p, (q) => q < end && blank(text[q]));
    }
    if (start >= end || blank(text[start]) || blank(text[end - 1])) return null;
    return { start, end };
  }

  // Keyboard changes of the open annotation's extent show at once and are saved once a burst of
  // them ends: one change in its history (and one version) per burst, not one per key press.
  const SETTLE_MS = 800;
  let extent = null; // {id, start, end, sent}: the extent shown, until the server has it
  let extentTimer = null;
  let saving = null; // the extent save in flight

  function nudge(whichEnd, direction, byWord) {
    const panel = document.getElementById("annotation-panel");
    if (!panel || !panel.querySelector("form.edit-form")) return false;
    const id = panel.dataset.annotation;
    const from = extent && extent.id === id ? extent : { start: Number(panel.dataset.start), end: Number(panel.dataset.end) };
    const to = moved(articleChars(), from, whichEnd, direction, byWord);
    if (to) {
      extent = { id, ...to, sent: false };
      showExtent();
      clearTimeout(extentTimer);
      extentTimer = setTimeout(sendExtent, SETTLE_MS);
    }
    return true;
  }

  // Save a new extent for the open annotation (a drag's, grown to whole words, as a selection is).
  function saveExtent(start, end) {
    const panel = document.getElementById("annotation-panel");
    const snapped = panel && panel.querySelector("form.edit-form") && start < end && snap(start, end);
    if (!snapped) {
      placeHandles();
      return;
    }
    extent = { id: panel.dataset.annotation, start: snapped.start, end: snapped.end, sent: false };
    sendExtent();
  }

  // Send the waiting extent through the panel's form (it carries the version the panel showed),
  // after any save still in flight, whose answer brings the next version. Resolves once saved.
  function sendExtent() {
    clearTimeout(extentTimer);
    if (saving) return saving.then(sendExtent);
    if (!extent || extent.sent) return Promise.resolve();
    const panel = document.getElementById("annotation-panel");
    const form = panel && panel.querySelector("form.edit-form");
    if (!form || panel.dataset.annotation !== extent.id) {
      forgetExtent();
      return Promise.resolve();
    }
    const sent = extent;
    sent.sent = true;
    const values = { start: sent.start, end: sent.end };
    saving = htmx
      .ajax("POST", form.getAttribute("action"), { source: form, target: "#annotation-panel", swap: "outerHTML", values })
      .catch(() => {}) // the panel then shows the extent the server has
      .finally(() => {
        saving = null;
        if (extent === sent) forgetExtent();
      });
    return saving;
  }

  function forgetExtent() {
    extent = null;
    if (window.CSS && CSS.highlights) CSS.highlights.delete("extent");
    placeHandles();
  }

  // The waiting extent: highlighted over the text (the highlights move once it is saved), the
  // handles at its ends, its text in the panel.
  function showExtent() {
    const range = rangeOf(extent.start, extent.end);
    if (!range) return;
    if (window.CSS && CSS.highlights && typeof Highlight === "function") CSS.highlights.set("extent", new Highlight(range));
    const rects = range.getClientRects();
    if (rects.length) {
      const [first, last] = [rects[0], rects[rects.length - 1]];
      const rtl = getComputedStyle(textRoot).direction === "rtl";
      put(handles.start, rtl ? first.right : first.left, first.top, first.height);
      put(handles.end, rtl ? last.left : last.right, last.top, last.height);
    }
    const quote = document.querySelector("#annotation-panel blockquote");
    if (quote) quote.textContent = range.toString();
  }

  // The DOM position of a code-point offset in Article.text: [text node or block, UTF-16 offset].
  function pointAt(offset) {
    for (const block of blocks()) {
      const first = Number(block.dataset.start);
      if (offset > first + chars(block).length) continue;
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

  function rangeOf(start, end) {
    const [from, to] = [pointAt(start), pointAt(end)];
    if (!from || !to) return null;
    const range = document.createRange();
    range.setStart(...from);
    range.setEnd(...to);
    return range;
  }

  // Drag handles on both ends of the open annotation's highlight, when the user may edit it.
  // They live outside the article text, so they change no offset.
  const handles = { start: document.getElementById("handle-start"), end: document.getElementById("handle-end") };

  function marksOf(id) {
    return Array.from(allMarks("mark[data-ids]")).filter((m) => m.dataset.ids.split(" ").includes(String(id)));
  }

  // The open highlight's first and last marks make room beside their outer letters (mark.room-start,
  // mark.room-end in app.css) and a handle stands in each room, so that it covers neither a letter
  // nor the kind label that precedes the highlight.
  function placeHandles() {
    const panel = document.getElementById("annotation-panel");
    const editable = panel && panel.dataset.annotation && panel.querySelector("form.edit-form");
    const marks = editable ? marksOf(panel.dataset.annotation) : [];
    allMarks("mark.room-start, mark.room-end").forEach((m) => m.classList.remove("room-start", "room-end"));
    if (!marks.length) {
      handles.start.hidden = handles.end.hidden = true;
      return;
    }
    const [firstMark, lastMark] = [marks[0], marks[marks.length - 1]];
    firstMark.classList.add("room-start");
    lastMark.classList.add("room-end");
    const first = firstMark.getClientRects()[0];
    const lastRects = lastMark.getClientRects();
    const last = lastRects[lastRects.length - 1];
    const before = parseFloat(getComputedStyle(firstMark).marginInlineStart);
    const after = parseFloat(getComputedStyle(lastMark).marginInlineEnd);
    const rtl = getComputedStyle(firstMark).direction === "rtl";
    put(handles.start, rtl ? first.right + before / 2 : first.left - before / 2, first.top, first.height);
    put(handles.end, rtl ? last.left - after / 2 : last.right + after / 2, last.top, last.height);
  }

  // Centre `handle` on `x`, over the line from `y` down.
  function put(handle, x, y, height) {
    handle.hidden = false;
    handle.style.left = `${window.scrollX + x - handle.offsetWidth / 2}px`;
    handle.style.top = `${window.scrollY + y}px`;
    handle.style.height = `${height}px`;
  }

  // The code-point offset in Article.text under a point of the screen, or null outside the text.
  function offsetAt(x, y) {
    let node, offset;
    if (document.caretPositionFromPoint) {
      const caret = document.caretPositionFromPoint(x, y);
      if (caret) [node, offset] = [caret.offsetNode, caret.offset];
    } else if (document.caretRangeFromPoint) {
      const range = document.caretRangeFromPoint(x, y);
      if (range) [node, offset] = [range.startContainer, range.startOffset];
    }
    const block = node && blockOf(node);
    return block && textRoot.contains(block) ? offsetOf(block, node, offset) : null;
  }

  Object.entries(handles).forEach(([which, handle]) => {
    handle.addEventListener("pointerdown", (event) => {
      event.preventDefault();
      handle.setPointerCapture(event.pointerId);
      handle.classList.add("dragging");
    });
    handle.addEventListener("pointermove", (event) => {
      if (!handle.classList.contains("dragging")) return;
      handle.style.left = `${event.pageX - handle.offsetWidth / 2}px`;
      handle.style.top = `${event.pageY - handle.offsetHeight / 2}px`;
    });
    handle.addEventListener("pointerup", (event) => {
      if (!handle.classList.contains("dragging")) return;
      handle.classList.remove("dragging");
      handle.hidden = true; // so that the point below is the text, not the handle
      const offset = offsetAt(event.clientX, event.clientY);
      const panel = document.getElementById("annotation-panel");
      if (offset === null || !panel) {
        placeHandles();
        return;
      }
      const start = which === "start" ? offset : Number(panel.dataset.start);
      const end = which === "end" ? offset : Number(panel.dataset.end);
      saveExtent(start, end);
    });
  });

  const typing = (target) => target.closest("input, textarea, select, [contenteditable]");

  document.addEventListener("mouseup", () => setTimeout(showToolbar, 0));
  document.addEventListener("keyup", (event) => {
    if (event.shiftKey && !typing(event.target)) showToolbar();
  });

  toolbar.addEventListener("mousedown", (event) => event.preventDefault()); // keep the selection
  toolbar.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-kind]");
    if (button) annotate(button.dataset.kind);
  });

  workbench.addEventListener("click", (event) => {
    const mark = rootOf(event.target) && event.target.closest("mark[data-ids]");
    if (!mark || !window.getSelection().isCollapsed) return;
    const ids = mark.dataset.ids.split(" ");
    const open = document.getElementById("annotation-panel").dataset.annotation;
    // Clicking again where spans overlap cycles through them, innermost last.
    const next = ids.includes(open) ? ids[(ids.indexOf(open) + 1) % ids.length] : ids[ids.length - 1];
    openPanel(next);
  });

  document.addEventListener("click", (event) => {
    const jump = event.target.closest("a.jump[data-id]");
    if (jump) {
      event.preventDefault();
      openPanel(jump.dataset.id);
    }
    if (event.target.closest("[data-close-panel]")) {
      sendExtent().then(() => {
        document.getElementById("annotation-panel").innerHTML = "";
        placeHandles();
      });
    }
    if (event.target.closest("[data-close-help]")) help.hidden = true;
  });

  // A caret in the article text, as in caret browsing: while the text has the focus, the arrow
  // keys move it (by words with Ctrl, Home and End to the ends of the line) and select with
  // Shift; c, q or f then marks the selection. The text is no form field, so the caret is drawn
  // (#text-caret, outside the text, so it changes no offset).
  const caret = document.getElementById("text-caret");
  const CARET_KEYS = {
    ArrowLeft: ["left", "character"],
    ArrowRight: ["right", "character"],
    ArrowUp: ["backward", "line"],
    ArrowDown: ["forward", "line"],
    Home: ["backward", "lineboundary"],
    End: ["forward", "lineboundary"],
  };

  function selectionInText() {
    const selection = window.getSelection();
    return selection.rangeCount && textRoot.contains(selection.focusNode) ? selection : null;
  }

  function placeCaret(offset) {
    const point = pointAt(offset);
    if (point) window.getSelection().collapse(...point);
  }

  function moveCaret(event) {
    const [direction, unit] = CARET_KEYS[event.key];
    if (!selectionInText()) {
      placeCaret(firstVisibleOffset());
      if (!event.shiftKey) return;
    }
    const selection = window.getSelection();
    const before = [selection.anchorNode, selection.anchorOffset, selection.focusNode, selection.focusOffset];
    selection.modify(event.shiftKey ? "extend" : "move", direction, event.ctrlKey && unit === "character" ? "word" : unit);
    // Not out of the text, into the page around it.
    if (!textRoot.contains(selection.focusNode)) selection.setBaseAndExtent(...before);
    drawCaret();
    if (!caret.hidden) caret.scrollIntoView({ block: "nearest" });
  }

  // Where the caret starts when the text gets the focus with none in it: the first line in view.
  function firstVisibleOffset() {
    const block = blocks().find((b) => b.getBoundingClientRect().bottom > 0 && b.textContent);
    return block ? Number(block.dataset.start) : 0;
  }

  function caretRect(node, offset) {
    const range = document.createRange();
    range.setStart(node, offset);
    const rect = range.getClientRects()[0];
    if (rect) return rect;
    // A collapsed range between elements has no box: measure the character after, or before.
    if (node.nodeType === Node.TEXT_NODE && offset < node.length) {
      range.setEnd(node, offset + 1);
      const after = range.getClientRects()[0];
      if (after) return new DOMRect(after.left, after.top, 0, after.height);
    }
    if (node.nodeType === Node.TEXT_NODE && offset > 0) {
      range.setStart(node, offset - 1);
      range.setEnd(node, offset);
      const before = range.getClientRects()[0];
      if (before) return new DOMRect(before.right, before.top, 0, before.height);
    }
    const element = node.nodeType === Node.ELEMENT_NODE ? node.childNodes[offset] || node : node.parentElement;
    return element.getBoundingClientRect ? element.getBoundingClientRect() : null;
  }

  function drawCaret() {
    const selection = selectionInText();
    const rect = document.activeElement === textRoot && selection && caretRect(selection.focusNode, selection.focusOffset);
    if (!rect || !rect.height) {
      caret.hidden = true;
      return;
    }
    caret.hidden = false;
    caret.style.left = `${window.scrollX + rect.left - 1}px`;
    caret.style.top = `${window.scrollY + rect.top}px`;
    caret.style.height = `${rect.height}px`;
  }

  let pointerInText = false; // a click places its own caret
  document.addEventListener("pointerup", () => (pointerInText = false));
  for (const root of textRoots) {
    root.addEventListener("pointerdown", () => {
      use(root);
      pointerInText = true;
    });
    root.addEventListener("focus", () => {
      use(root);
      if (!pointerInText && !selectionInText()) placeCaret(firstVisibleOffset());
      drawCaret();
    });
    root.addEventListener("blur", () => (caret.hidden = true));
  }
  document.addEventListener("selectionchange", () => requestAnimationFrame(drawCaret));
  window.addEventListener("resize", drawCaret);

  // The annotation under the caret (the innermost where several overlap, as a click picks).
  function annotationAtCaret() {
    const selection = selectionInText();
    if (!selection || !selection.isCollapsed) return null;
    const node = selection.focusNode;
    const mark = (node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement).closest("mark[data-ids]");
    return mark ? mark.dataset.ids.split(" ").pop() : null;
  }

  // Back from the panel to the text, with the caret after the open annotation.
  function backToText() {
    const panel = document.getElementById("annotation-panel");
    textRoot.focus({ preventScroll: true });
    if (panel && panel.dataset.annotation) placeCaret(Number(extent ? extent.end : panel.dataset.end));
    drawCaret();
  }

  document.addEventListener("keydown", (event) => {
    if (typing(event.target) || event.metaKey) return;
    if (event.target === textRoot && CARET_KEYS[event.key]) {
      if (!event.altKey) {
        event.preventDefault();
        moveCaret(event);
      }
      return;
    }
    // Elsewhere, Shift+arrow moves the end of the open annotation by a character, with Ctrl by a
    // word; with Alt its start. Arrows point on the screen: in right-to-left text, right is back.
    if (event.shiftKey && (event.key === "ArrowRight" || event.key === "ArrowLeft")) {
      const panel = document.getElementById("annotation-panel");
      if (panel && panel.dataset.annotation) {
        const rtl = getComputedStyle(textRoot).direction === "rtl";
        const direction = (event.key === "ArrowRight") !== rtl ? 1 : -1;
        if (nudge(event.altKey ? "start" : "end", direction, event.ctrlKey)) event.preventDefault();
      }
      return;
    }
    if (event.ctrlKey) return;
    const kinds = { c: "claim", q: "quote", f: "fact" };
    const inPanel = event.target.closest("#annotation-panel");
    if (kinds[event.key] && (pending || currentSelection())) {
      event.preventDefault();
      annotate(kinds[event.key]);
    } else if (event.key === "j" || event.key === "k") {
      step(event.key === "j" ? 1 : -1);
    } else if (event.key === "Enter" && event.target === textRoot && annotationAtCaret()) {
      event.preventDefault();
      openPanel(annotationAtCaret());
    } else if (event.key === "Enter" && current >= 0 && !event.target.closest("button, a")) {
      openPanel(listItems()[current].dataset.id);
    } else if (event.key === "s" && document.getElementById("source-search")) {
      event.preventDefault();
      document.getElementById("source-search").focus();
    } else if (event.key === "?") {
      help.hidden = !help.hidden;
    } else if (event.key === "Escape") {
      help.hidden = true;
      toolbar.hidden = true;
      if (inPanel) backToText();
    }
  });

  // Find in the text (/ or Ctrl+F). Matching ignores case, accents and punctuation ("milman"
  // finds "Mil-Man"); matches are kept as code-point offsets of Article.text and painted with the
  // CSS Custom Highlight API, which adds no element, so the text and every offset stay as they
  // are. The current match can become the selection, which c, q or f then marks.
  const findBar = document.getElementById("find-bar");
  const findInput = document.getElementById("find-input");
  const findStatus = document.getElementById("find-status");
  const found = { matches: [], current: -1, ranges: null, returnTo: null };
  const canPaint = () => Boolean(window.CSS && CSS.highlights && typeof Highlight === "function");

  // Letters that do not decompose are spelled with their base letters, as PostgreSQL's unaccent does.
  const SPELLED = { ß: "ss", ẞ: "ss", æ: "ae", Æ: "ae", œ: "oe", Œ: "oe", ø: "o", Ø: "o", đ: "d", Đ: "d", ł: "l", Ł: "l", ı: "i", ſ: "s", ς: "σ" };
  const IGNORED = /[\p{P}\p{Cf}\u0640]/u; // punctuation, invisible format characters, the Arabic tatweel
  const COMBINING = /\p{M}/gu;
  const BLANK = /\s/u;

  function foldCharacter(character) {
    if (character < "\u0080") return character.toLowerCase();
    if (SPELLED[character]) return SPELLED[character];
    return character.normalize("NFD").replace(COMBINING, "").toLowerCase();
  }

  // Fold code points; `map[i]` is the index of the code point that UTF-16 unit i of `text` came
  // from. Runs of blank space become one space; `loose` also drops punctuation.
  function fold(characters, loose) {
    let text = "";
    const map = [];
    characters.forEach((character, index) => {
      let piece;
      if (BLANK.test(character)) {
        if (text.endsWith(" ")) return;
        piece = " ";
      } else if (loose && IGNORED.test(character)) {
        return;
      } else {
        piece = foldCharacter(character);
      }
      text += piece;
      for (let unit = 0; unit < piece.length; unit++) map.push(index);
    });
    return { text, map };
  }

  // The text never changes (only the highlights around it are rendered again): fold it once.
  const folding = {};
  let textCharacters = null;
  function foldedText(loose) {
    textCharacters = textCharacters || articleChars();
    const key = loose ? "loose" : "strict";
    folding[key] = folding[key] || fold(textCharacters, loose);
    return folding[key];
  }

  // Only where a character could be cut (a mark, a joiner, a flag's half...) is the line segmented.
  const JOINING = /[\p{M}\p{Emoji_Modifier}\p{Regional_Indicator}\u200d\u1160-\u11ff\ud7b0-\ud7fb]/u;
  const PREPENDED = /[\u0600-\u0605\u06dd\u070f\u08e2]/u;
  function wholeAt(position, forward) {
    const text = textCharacters;
    if (position <= 0 || position >= text.length) return position;
    if (!JOINING.test(text[position]) && !JOINING.test(text[position - 1]) && !PREPENDED.test(text[position - 1])) return position;
    return wholeCharacter(text, position, forward);
  }

  // A query of punctuation alone ("–", "?") is looked for as it is, case and accents still ignored.
  function findMatches(query) {
    let loose = true;
    let needle = fold(Array.from(query), true).text.trim();
    if (!needle) {
      loose = false;
      needle = fold(Array.from(query), false).text.trim();
    }
    if (!needle) return [];
    const { text, map } = foldedText(loose);
    const matches = [];
    for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + needle.length)) {
      const start = wholeAt(map[at], false);
      const end = wholeAt(map[at + needle.length - 1] + 1, true);
      const last = matches[matches.length - 1];
      if (!last || start >= last.end) matches.push({ start, end }); // "s" finds "ß" once, not twice
    }
    return matches;
  }

  // The article's text nodes with the code points they hold, to place many matches at once.
  let textNodes = null; // rebuilt once blocks are rendered again
  function nodeIndex() {
    if (textNodes) return textNodes;
    textNodes = [];
    for (const block of blocks()) {
      let at = Number(block.dataset.start);
      const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const length = Array.from(node.data).length;
        if (length) textNodes.push({ node, start: at, end: at + length });
        at += length;
      }
    }
    return textNodes;
  }

  // The DOM point of a code-point offset: in the node holding the character after it (a start)
  // or before it (an end), so that a match never takes in a neighbouring element.
  function pointOf(offset, isEnd) {
    const index = nodeIndex();
    let [low, high] = [0, index.length - 1];
    while (low < high) {
      const middle = (low + high) >> 1;
      if (isEnd ? index[middle].end < offset : index[middle].end <= offset) low = middle + 1;
      else high = middle;
    }
    const entry = index[low];
    if (!entry) return null;
    const within = Math.max(0, Math.min(offset, entry.end) - entry.start);
    const data = entry.node.data;
    const units = data.length === entry.end - entry.start ? within : Array.from(data).slice(0, within).join("").length;
    return [entry.node, units];
  }

  function matchRange(match) {
    const [from, to] = [pointOf(match.start, false), pointOf(match.end, true)];
    if (!from || !to) return null;
    const range = document.createRange();
    range.setStart(...from);
    range.setEnd(...to);
    return range;
  }

  function paintMatches() {
    found.ranges = found.matches.map(matchRange);
    if (!canPaint()) return;
    const all = new Highlight();
    found.ranges.forEach((range, index) => range && index !== found.current && all.add(range));
    CSS.highlights.set("find", all);
    paintCurrent();
  }

  function paintCurrent() {
    const range = found.ranges && found.ranges[found.current];
    if (!canPaint()) return;
    if (!range) {
      CSS.highlights.delete("find-current");
      return;
    }
    const current = new Highlight(range);
    current.priority = 1; // above the other matches and a waiting extent
    CSS.highlights.set("find-current", current);
  }

  function showCount() {
    const { matches, current } = found;
    if (!findInput.value.trim()) findStatus.textContent = "";
    else findStatus.textContent = matches.length ? `${current + 1} of ${matches.length}` : "No matches";
    findBar.querySelectorAll("[data-find-step], [data-find-select]").forEach((button) => (button.disabled = !matches.length));
  }

  // Scroll the current match to the middle of the screen unless it is in view below the find box.
  function revealCurrent() {
    const range = found.ranges && found.ranges[found.current];
    if (!range) return;
    const rect = range.getBoundingClientRect();
    if (rect.top < findBar.getBoundingClientRect().bottom || rect.bottom > window.innerHeight) {
      window.scrollBy(0, rect.top - window.innerHeight / 2);
    }
  }

  // The code point the caret (or the selection) starts at in the text, or 0.
  function caretOffset() {
    const selection = selectionInText();
    if (!selection) return 0;
    const range = selection.getRangeAt(0);
    const block = blockOf(range.startContainer);
    return block && textRoot.contains(block) ? offsetOf(block, range.startContainer, range.startOffset) : 0;
  }

  // A new query starts from the current match, so that typing on narrows in place; else from the caret.
  function search() {
    const previous = found.matches[found.current];
    const from = previous ? previous.start : caretOffset();
    found.matches = findInput.value.trim() ? findMatches(findInput.value) : [];
    const next = found.matches.findIndex((match) => match.start >= from);
    found.current = found.matches.length ? Math.max(0, next) : -1;
    paintMatches();
    showCount();
    revealCurrent();
  }

  function stepMatch(delta) {
    const count = found.matches.length;
    if (!count) return;
    if (canPaint() && found.ranges[found.current]) CSS.highlights.get("find").add(found.ranges[found.current]);
    found.current = (found.current + delta + count) % count;
    if (canPaint() && found.ranges[found.current]) CSS.highlights.get("find").delete(found.ranges[found.current]);
    paintCurrent();
    showCount();
    revealCurrent();
  }

  // The current match becomes the selection in the text, as if dragged over with the mouse.
  function selectMatch() {
    const range = found.ranges && found.ranges[found.current];
    if (!range) return;
    textRoot.focus({ preventScroll: true });
    window.getSelection().setBaseAndExtent(range.startContainer, range.startOffset, range.endContainer, range.endOffset);
    showToolbar();
  }

  function openFind() {
    if (findBar.hidden) {
      found.returnTo = document.activeElement;
      findBar.hidden = false;
    }
    findInput.focus();
    findInput.select();
    if (!found.matches.length && findInput.value.trim()) search();
  }

  // Closing forgets the matches and leaves the caret at the start of the current one.
  function closeFind() {
    const match = found.matches[found.current];
    findBar.hidden = true;
    found.matches = [];
    found.current = -1;
    found.ranges = null;
    if (canPaint()) ["find", "find-current"].forEach((name) => CSS.highlights.delete(name));
    showCount();
    if (match || !found.returnTo || !found.returnTo.isConnected || found.returnTo === document.body) {
      textRoot.focus({ preventScroll: true });
      if (match) placeCaret(match.start);
      drawCaret();
    } else {
      found.returnTo.focus();
    }
  }

  // Blocks are rendered again when annotations change: the matches are drawn on the new nodes.
  let repaint = 0;
  const rendered = new MutationObserver(() => {
    textNodes = null;
    if (findBar.hidden || !found.matches.length || repaint) return;
    repaint = requestAnimationFrame(() => {
      repaint = 0;
      if (!findBar.hidden) paintMatches();
    });
  });
  textRoots.forEach((root) => rendered.observe(root, { childList: true, subtree: true, characterData: true }));

  findInput.addEventListener("input", search);
  findInput.addEventListener("keydown", (event) => {
    if (event.isComposing) return;
    if (event.key === "Enter") {
      event.preventDefault();
      if (event.ctrlKey || event.metaKey) selectMatch();
      else stepMatch(event.shiftKey ? -1 : 1);
    } else if (event.key === "Escape") {
      event.preventDefault(); // a search box would empty itself
      closeFind();
    }
  });
  findBar.addEventListener("mousedown", (event) => {
    if (event.target.closest("button")) event.preventDefault(); // the focus stays in the box
  });
  findBar.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (!button) return;
    if (button.dataset.findStep) stepMatch(Number(button.dataset.findStep));
    else if ("findSelect" in button.dataset) selectMatch();
    else if ("findClose" in button.dataset) closeFind();
  });
  document.querySelectorAll("[data-find-open]").forEach((button) => {
    button.hidden = false;
    button.addEventListener("click", openFind);
  });

  // "/" (where it types nothing) or Ctrl+F anywhere in the workbench opens the box; Ctrl+F in the
  // box is the browser's own find.
  document.addEventListener("keydown", (event) => {
    if (event.target === findInput || event.altKey || event.shiftKey || event.isComposing) return;
    const control = event.ctrlKey || event.metaKey;
    const key = event.key.toLowerCase();
    const findKey = control && (key === "f" || (!/^[a-z]$/.test(key) && event.code === "KeyF"));
    const slash = !control && event.key === "/" && !typing(event.target);
    if ((findKey || slash) && (event.target === document.body || workbench.contains(event.target))) {
      event.preventDefault();
      openFind();
    }
  });

  // The source finder on the panel: Down goes from the search box into its matches (a listbox
  // whose arrow keys are the browser's own), Enter picks the match and goes back to the box, which
  // then shows its name, so a second Enter links it; Escape goes back and forgets the browsing.
  // The typed name is carried into "create a new source"; without a match, the one option offers
  // to create it, and Enter on it (or in the box) does.
  let pickedBefore = ""; // the source chosen when the user went into the matches
  const choices = (matches) => Array.from(matches.options).filter((option) => !option.disabled);
  const creating = (option) => option && "create" in option.dataset;

  // The create option's value is empty too: choosing "" must leave nothing selected, not it.
  function choose(matches, value) {
    if (value) matches.value = value;
    else matches.selectedIndex = -1;
  }

  function backToSearch(matches, pick) {
    const option = matches.selectedOptions[0];
    if (pick && creating(option)) return createTyped(matches.form);
    if (pick && option && !option.disabled) document.getElementById("source-search").value = option.dataset.name;
    else choose(matches, pickedBefore);
    document.getElementById("source-search").focus();
  }

  function intoMatches(matches) {
    const options = choices(matches);
    if (!options.length) return false;
    pickedBefore = matches.value;
    if (!matches.selectedOptions.length || matches.selectedOptions[0].disabled) options[0].selected = true;
    matches.focus();
    return true;
  }

  // Link a new source of the typed name (and the kind chosen below it).
  function createTyped(form) {
    const box = document.getElementById("source-search");
    form.elements.new_source_name.value = box.value.trim();
    choose(form.elements.source, "");
    box.focus(); // where the next source is found, once the panel is back
    form.requestSubmit();
  }

  document.addEventListener("input", (event) => {
    const box = event.target;
    if (box.id !== "source-search" || !box.form) return;
    const name = box.form.elements.new_source_name;
    const before = box.dataset.typed === undefined ? box.defaultValue : box.dataset.typed;
    // Only while the name there is still the carried one: a name typed there stays.
    if (name && (name.value === "" || name.value === before)) name.value = box.value;
    box.dataset.typed = box.value;
  });

  document.addEventListener("keydown", (event) => {
    const inSearch = event.target.id === "source-search";
    const matches = inSearch ? document.getElementById("source-matches") : event.target.closest("#source-matches");
    if (!matches) return;
    if (inSearch && event.key === "ArrowDown") {
      if (intoMatches(matches)) event.preventDefault();
    } else if (inSearch && event.key === "Enter" && !matches.value && !event.isComposing) {
      // Nothing picked: among matches, Enter goes to them (a new source of a name that nearly
      // matches is seldom meant); without one, it creates the typed name.
      const options = choices(matches);
      if (options.some((option) => !creating(option))) {
        event.preventDefault();
        intoMatches(matches);
      } else if (options.some(creating)) {
        event.preventDefault();
        createTyped(matches.form);
      }
    } else if (!inSearch && (event.key === "Enter" || event.key === "Escape")) {
      event.preventDefault();
      backToSearch(matches, event.key === "Enter");
    } else if (!inSearch && event.key === "ArrowUp" && matches.selectedOptions[0] === choices(matches)[0]) {
      event.preventDefault(); // above the first match is the search box
      backToSearch(matches, false);
    }
  });

  // New matches replace the options while the user may already be among them.
  document.body.addEventListener("htmx:afterSwap", (event) => {
    const matches = event.detail.target;
    if (matches.id !== "source-matches" || document.activeElement !== matches || matches.selectedOptions.length) return;
    const options = choices(matches);
    if (options.length) options[0].selected = true;
  });

  // A new annotation opens at once: who said or claimed it is usually the next thing to link.
  document.body.addEventListener("annotation-created", (event) => {
    if (event.detail && event.detail.id) openPanel(event.detail.id);
  });

  // Panels open and blocks re-render through htmx; the handles follow the open highlight.
  document.body.addEventListener("htmx:afterSettle", placeHandles);
  document.body.addEventListener("htmx:afterSettle", focusOpenedPanel);
  window.addEventListener("resize", placeHandles);

  // An extent still waiting when the page goes away is sent all the same (the form carries the
  // CSRF token).
  window.addEventListener("pagehide", () => {
    const form = document.querySelector("#annotation-panel form.edit-form");
    if (!extent || extent.sent || !form || !navigator.sendBeacon) return;
    const data = new FormData(form);
    data.set("start", extent.start);
    data.set("end", extent.end);
    navigator.sendBeacon(form.getAttribute("action"), data);
    extent.sent = true;
  });

  // A link to one annotation (?annotation=ID, as the new replies page gives) opens its panel.
  const linked = new URLSearchParams(window.location.search).get("annotation");
  if (linked && /^\d+$/.test(linked) && marksOf(linked).length) openPanel(linked);

  // A deleted annotation can be restored from its message for ten seconds.
  document.body.addEventListener("htmx:afterSwap", () => {
    document.querySelectorAll("[data-deleted]").forEach((message) => {
      if (message.dataset.timer) return;
      message.dataset.timer = "1";
      setTimeout(() => message.remove(), 10000);
    });
  });
})();
