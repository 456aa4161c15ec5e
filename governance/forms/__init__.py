"""Forms of governance's pages, one module per kind of case. Shape only; the rules are the services'."""
