"""The OpenID Connect authorization code flow with PKCE (S256): Authlib's code challenge,
joserfc (Authlib's JOSE library) for the ID token, httpx for the provider's endpoints.

`begin` makes the provider's authorization URL and the one-use values the browser's session
keeps (`state`, `nonce`, the PKCE verifier); `finish` trades the code for tokens and returns
the ID token's claims once its signature (the provider's published keys) and its issuer,
audience, expiry and nonce are checked. The discovery document and the keys are fetched from
the issuer each time: a sign-in is rare, and a rotated key then works at once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

import httpx
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jwt import JWTClaimsRegistry

from portal.accounts.single_sign_on import sealing
from portal.accounts.single_sign_on.models import IdentityProvider
from portal.clock import now

TIMEOUT_SECONDS = 10
SCOPE = "openid email profile"
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "ES256", "ES384")
LEEWAY_SECONDS = 60  # clock skew tolerated between the provider and us


class SignInRefused(Exception):
    """A single sign-on that must not sign anyone in; `reason` goes to the audit log,
    `message` to the person."""

    def __init__(self, reason: str, message: str):
        super().__init__(reason)
        self.reason, self.message = reason, message


PROVIDER_TROUBLE = ("Your organization's sign-in service did not answer as expected. "
                    "Try again, or ask your administrator.")


@dataclass(frozen=True)
class Pending:
    """What the browser's session keeps between `begin` and `finish` (used once)."""

    provider_id: int
    state: str
    nonce: str
    code_verifier: str

    def as_dict(self) -> dict:
        return {"provider_id": self.provider_id, "state": self.state, "nonce": self.nonce,
                "code_verifier": self.code_verifier}

    @classmethod
    def from_dict(cls, data) -> Pending | None:
        try:
            return cls(int(data["provider_id"]), str(data["state"]), str(data["nonce"]),
                       str(data["code_verifier"]))
        except (KeyError, TypeError, ValueError):
            return None


def discovery(issuer: str) -> dict:
    """The provider's discovery document; it must name the issuer we were configured with."""
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    document = _get_json(url)
    if document.get("issuer") != issuer:
        raise SignInRefused("discovery names another issuer", PROVIDER_TROUBLE)
    for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not isinstance(document.get(key), str):
            raise SignInRefused(f"discovery lacks {key}", PROVIDER_TROUBLE)
    return document


def _get_json(url: str) -> dict:
    try:
        response = httpx.get(url, timeout=TIMEOUT_SECONDS, follow_redirects=False)
        response.raise_for_status()
        document = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise SignInRefused(f"provider unreachable: {type(exc).__name__}",
                            PROVIDER_TROUBLE) from exc
    if not isinstance(document, dict):
        raise SignInRefused("provider answered something else than JSON", PROVIDER_TROUBLE)
    return document


def _client_secret(provider: IdentityProvider) -> str:
    try:
        return sealing.unseal(provider.client_secret_sealed)
    except ValueError as exc:
        raise SignInRefused("client secret unreadable (SECRET_KEY changed?)",
                            PROVIDER_TROUBLE) from exc


def begin(provider: IdentityProvider, *, redirect_uri: str,
          login_hint: str) -> tuple[str, Pending]:
    """The URL to send the browser to, and what its session keeps until it comes back."""
    endpoint = discovery(provider.issuer)["authorization_endpoint"]
    pending = Pending(provider.id, secrets.token_urlsafe(32), secrets.token_urlsafe(32),
                      secrets.token_urlsafe(48))
    query = urlencode({
        "response_type": "code", "client_id": provider.client_id, "scope": SCOPE,
        "redirect_uri": redirect_uri, "state": pending.state, "nonce": pending.nonce,
        "code_challenge": create_s256_code_challenge(pending.code_verifier),
        "code_challenge_method": "S256", "login_hint": login_hint})
    return f"{endpoint}{'&' if urlsplit(endpoint).query else '?'}{query}", pending


def finish(provider: IdentityProvider, pending: Pending, *, code: str,
           redirect_uri: str) -> dict:
    """The verified ID token's claims. Raises SignInRefused."""
    endpoints = discovery(provider.issuer)
    try:
        response = httpx.post(
            endpoints["token_endpoint"], timeout=TIMEOUT_SECONDS,
            auth=(provider.client_id, _client_secret(provider)),
            data={"grant_type": "authorization_code", "code": code,
                  "redirect_uri": redirect_uri, "code_verifier": pending.code_verifier})
        token = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise SignInRefused(f"code exchange failed: {type(exc).__name__}",
                            PROVIDER_TROUBLE) from exc
    if response.status_code != 200 or not isinstance(token, dict):
        error = token.get("error") if isinstance(token, dict) else None
        raise SignInRefused(f"code exchange refused: {response.status_code} {error}"[:200],
                            PROVIDER_TROUBLE)
    id_token = token.get("id_token")
    if not isinstance(id_token, str):
        raise SignInRefused("no ID token in the token response", PROVIDER_TROUBLE)
    try:
        keys = KeySet.import_key_set(_get_json(endpoints["jwks_uri"]))
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise SignInRefused("unreadable JWKS", PROVIDER_TROUBLE) from exc
    return verified_claims(id_token, provider, pending.nonce, keys)


def verified_claims(id_token: str, provider: IdentityProvider, nonce: str,
                    keys: KeySet) -> dict:
    """The claims of an ID token signed by one of `keys`, for our client, from our issuer,
    not expired, carrying our nonce. Raises SignInRefused naming what failed."""
    try:
        token = jwt.decode(id_token, keys, algorithms=list(ALGORITHMS))
    except JoseError as exc:
        raise SignInRefused(f"ID token signature: {exc.error}", PROVIDER_TROUBLE) from exc
    registry = JWTClaimsRegistry(
        now=int(now().timestamp()), leeway=LEEWAY_SECONDS,
        iss={"essential": True, "value": provider.issuer},
        aud={"essential": True, "value": provider.client_id},
        exp={"essential": True}, sub={"essential": True},
        nonce={"essential": True, "value": nonce})
    try:
        registry.validate(token.claims)
    except JoseError as exc:
        raise SignInRefused(f"ID token claims: {exc.description or exc.error}"[:200],
                            PROVIDER_TROUBLE) from exc
    audience = token.claims["aud"]
    if isinstance(audience, list) and len(audience) > 1 and \
            token.claims.get("azp") != provider.client_id:
        raise SignInRefused("ID token claims: azp is not our client", PROVIDER_TROUBLE)
    return token.claims
