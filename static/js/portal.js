// Starts GOV.UK Frontend's components (error summary focus, password reveal, service navigation
// menu, notification banners ...). Loaded by base.html as <script type="module">: an external
// file, never an inline script (the CSP allows only 'self' and the js-enabled snippet's nonce).
// initAll() does nothing in browsers without ES module support (no govuk-frontend-supported class).
import { initAll } from "../govuk/govuk-frontend.min.js";

initAll();
