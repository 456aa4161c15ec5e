// Starts GOV.UK Frontend's components (error summary focus, password reveal, service navigation
// menu, notification banners ...). Loaded by base.html as <script type="module">: an external
// file, never an inline script (the CSP allows only 'self' and the js-enabled snippet's nonce).
// initAll() does nothing in browsers without ES module support (no govuk-frontend-supported class).
import { initAll } from "../govuk/govuk-frontend.min.js";

initAll();

// "Add another item" (the release form): with scripts, a new empty row is added in the page, so
// files already chosen stay chosen. Without scripts the button posts the form and the server adds
// the row (files must then be chosen again, and the page says so).
function renumber(element, index) {
  for (const name of ["id", "name", "for", "aria-describedby"]) {
    const value = element.getAttribute(name);
    if (value) element.setAttribute(name, value.replace(/items-\d+-/g, `items-${index}-`));
  }
}

function addAnother(root) {
  const button = root.querySelector("button[name=add_item]");
  const total = root.querySelector("input[name=items-TOTAL_FORMS]");
  const max = parseInt(root.dataset.max, 10);
  if (!button || !total) return;
  button.addEventListener("click", (event) => {
    const rows = root.querySelectorAll(".portal-release-item");
    const index = rows.length;
    if (index >= max) return;
    event.preventDefault();
    const row = rows[index - 1].cloneNode(true);
    row.querySelectorAll(".govuk-error-message").forEach((message) => message.remove());
    row.querySelectorAll(".govuk-form-group--error").forEach((group) => group.classList.remove("govuk-form-group--error"));
    row.querySelectorAll(".govuk-textarea--error, .govuk-select--error").forEach((field) => {
      field.classList.remove("govuk-textarea--error", "govuk-select--error");
    });
    row.querySelectorAll("*").forEach((element) => {
      renumber(element, index);
      const described = element.getAttribute("aria-describedby");
      if (described) {
        const kept = described.split(" ").filter((id) => !id.endsWith("-error")).join(" ");
        if (kept) element.setAttribute("aria-describedby", kept);
        else element.removeAttribute("aria-describedby");
      }
    });
    row.querySelectorAll("textarea").forEach((field) => { field.value = ""; });
    row.querySelectorAll("input[type=radio]").forEach((field) => { field.checked = false; });
    row.querySelectorAll("select").forEach((field) => { field.value = root.dataset.defaultOrganisation; });
    row.querySelector(":scope > legend").textContent = `Item ${index + 1}`;
    rows[index - 1].after(row);
    total.value = String(index + 1);
    if (index + 1 >= max) button.hidden = true;
    const first = row.querySelector("textarea");
    if (first) first.focus();
  });
}

document.querySelectorAll("[data-portal-add-another]").forEach(addAnother);
