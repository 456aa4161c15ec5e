"""Claims of the test provider: the standard ones from the Django user, and `amr`/`acr` from the
user's groups (the test says how the user "authenticated")."""


def userinfo(claims, user):
    claims["given_name"] = user.first_name
    claims["family_name"] = user.last_name
    claims["name"] = f"{user.first_name} {user.last_name}".strip()
    claims["email"] = user.email
    claims["email_verified"] = True
    return claims


def id_token_authentication_claims(id_token, user, **kwargs):
    groups = set(user.groups.values_list("name", flat=True))
    id_token["amr"] = ["pwd", "mfa"] if "mfa" in groups else ["pwd"]
    for name in groups:
        if name.startswith("acr:"):
            id_token["acr"] = name.removeprefix("acr:")
    return id_token
