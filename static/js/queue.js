// The review queue's "select all on this page" box (hidden without script, where it could do
// nothing): it checks or clears every row, and shows whether all, some or none are checked.
// Served as a file: the pages' CSP allows no inline script.
document.addEventListener("DOMContentLoaded", () => {
  const all = document.getElementById("queue-select-all");
  if (!all) return;
  const rows = () => [...document.querySelectorAll("#queue-form input[name=_selected_action]")];
  const show = () => {
    const checked = rows().filter((row) => row.checked).length;
    all.checked = checked > 0 && checked === rows().length;
    all.indeterminate = checked > 0 && checked < rows().length;
  };
  all.hidden = false;
  all.addEventListener("change", () => {
    for (const row of rows()) row.checked = all.checked;
    show();
  });
  document.getElementById("queue-form").addEventListener("change", (event) => {
    if (event.target.name === "_selected_action") show();
  });
  show();
});
