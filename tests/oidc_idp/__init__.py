"""A real OpenID Connect provider for the tests: a minimal Django project on django-oidc-provider,
run by `tests.oidc_idp.server.OidcProviderServer` as its own gunicorn process on a loopback port,
with its own SQLite database. The portal talks to it over HTTP exactly as it would to Entra ID or
NHS CIS2 (discovery, authorisation code with PKCE, token endpoint, signed ID token, JWKS).

What the provider asserts about how a user authenticated is test data: a user in the group
"mfa" gets `amr: ["pwd", "mfa"]`, anyone else `amr: ["pwd"]`; a group "acr:<value>" sets `acr`.
Seeding (clients, users, disabling a user) goes through `/seed/…`, which exists only here.
"""
