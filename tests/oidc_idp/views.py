"""Seeding the test provider over HTTP (exists only in this test project): a client, a user,
disabling a user. JSON in, JSON out."""
import json

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth.models import Group, User
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from oidc_provider.models import Client, ResponseType, RSAKey, Token


def _body(request) -> dict:
    return json.loads(request.body or b"{}")


@csrf_exempt
@require_POST
def seed_client(request):
    data = _body(request)
    if not RSAKey.objects.exists():
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
        )
        RSAKey.objects.create(key=pem.decode())
    client, _ = Client.objects.update_or_create(
        client_id=data["client_id"],
        defaults={
            "name": data["client_id"],
            "client_type": "confidential",
            "client_secret": data["client_secret"],
            "jwt_alg": "RS256",
            "require_consent": False,
            "reuse_consent": True,
        },
    )
    client.redirect_uris = data["redirect_uris"]
    client.scope = ["openid", "email", "profile"]
    client.save()
    client.response_types.set([ResponseType.objects.get(value="code")])
    return JsonResponse({"client_id": client.client_id})


@csrf_exempt
@require_POST
def seed_user(request):
    data = _body(request)
    user, _ = User.objects.get_or_create(username=data["username"])
    user.set_password(data["password"])
    user.email = data.get("email", "")
    user.first_name = data.get("given_name", "")
    user.last_name = data.get("family_name", "")
    user.is_active = data.get("active", True)
    user.save()
    groups = []
    if data.get("mfa"):
        groups.append(Group.objects.get_or_create(name="mfa")[0])
    if data.get("acr"):
        groups.append(Group.objects.get_or_create(name=f"acr:{data['acr']}")[0])
    user.groups.set(groups)
    if not user.is_active:
        Token.objects.filter(user=user).delete()  # as Entra ID revokes a disabled user's refresh tokens
    return JsonResponse({"sub": str(user.pk)})
