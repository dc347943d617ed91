"""A real OpenID Connect provider for the tests, on loopback: Authlib's authorization server
(the authorization code grant with OpenID Connect and PKCE), an RSA key of its own, a
discovery document and a JWKS, served by a werkzeug server thread on 127.0.0.1.

Its "login page" trusts the email typed in (it is the test's identity provider). Knobs make
it issue tokens a relying party must refuse: another issuer, another audience, an expired
token, another nonce, an unverified email; and a test may sign with a key it does not
publish (`key` versus `published_key`).
"""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field

from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import ClientMixin
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from authlib.oidc.core.models import AuthorizationCodeMixin
from flask import Flask, jsonify, request
from joserfc.jwk import KeySet, RSAKey
from markupsafe import escape
from werkzeug.serving import WSGIRequestHandler, make_server

CLIENT_ID = "clearpath-test-client"
CLIENT_SECRET = "test-client-secret-" + "s" * 20


@dataclass
class Knobs:
    """What the next ID tokens say (None: the truth)."""

    issuer: str | None = None
    audience: str | None = None
    expires_in: int = 600  # seconds from now; negative: already expired
    email_verified: bool = True
    nonce: str | None = None  # a nonce other than the one the relying party sent


@dataclass
class Person:
    email: str
    name: str

    def get_user_id(self) -> str:
        return self.email


@dataclass
class Client(ClientMixin):
    client_id: str
    client_secret: str
    redirect_uris: list[str]
    id_token_signed_response_alg: str = "RS256"

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope):
        return " ".join(s for s in scope.split() if s in {"openid", "email", "profile"})

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret):
        return secrets.compare_digest(client_secret, self.client_secret)

    def check_endpoint_auth_method(self, method, endpoint):
        return endpoint != "token" or method == "client_secret_basic"

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type == "authorization_code"


@dataclass
class Code(AuthorizationCodeMixin):
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    person: Person
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: int = field(default_factory=lambda: int(time.time()))

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope

    def get_nonce(self):
        return self.nonce

    def get_auth_time(self):
        return self.auth_time


class _Quiet(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):  # no access log lines in the test output
        pass


class TestProvider:
    """Start with `start()`; `issuer` is its URL. `clients[CLIENT_ID].redirect_uris` lists
    where it may send people back."""

    __test__ = False  # not a test class, whatever its name says

    def __init__(self):
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-key-1"}, private=True)
        self.published_key = self.key  # what /jwks serves (a test may sign with another)
        self.knobs = Knobs()
        self.clients = {CLIENT_ID: Client(CLIENT_ID, CLIENT_SECRET, [])}
        self.codes: dict[str, Code] = {}
        self.issued: list[dict] = []  # what each token response carried (for the tests)
        self.issuer = ""
        self._server = None
        self.app = self._build_app()

    # -- serving ---------------------------------------------------------------------
    def start(self) -> TestProvider:
        self._server = make_server("127.0.0.1", 0, self.app, threaded=True,
                                   request_handler=_Quiet)
        self.issuer = f"http://127.0.0.1:{self._server.server_port}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()

    def allow_redirect(self, uri: str) -> None:
        if uri not in self.clients[CLIENT_ID].redirect_uris:
            self.clients[CLIENT_ID].redirect_uris.append(uri)

    # -- the provider ----------------------------------------------------------------
    def _build_app(self) -> Flask:
        app = Flask("test_oidc_provider")
        app.config["SECRET_KEY"] = secrets.token_hex(16)
        server = AuthorizationServer(app, query_client=self.clients.get,
                                     save_token=lambda token, req: None)
        server.register_grant(self._grant_class(), [CodeChallenge(required=True),
                                                    self._openid_extension()])

        @app.get("/.well-known/openid-configuration")
        def discovery():
            return jsonify({
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
            })

        @app.get("/favicon.ico")
        def favicon():
            return "", 204

        @app.get("/jwks")
        def jwks():
            return jsonify(KeySet([self.published_key]).as_dict(private=False))

        @app.route("/authorize", methods=["GET", "POST"])
        def authorize():
            if request.method == "GET":
                server.get_consent_grant(end_user=None)  # refuses a bad request at once
                hint = escape(request.args.get("login_hint", ""))
                return (f"<!doctype html><title>Test identity provider</title>"
                        f"<h1>Test identity provider</h1>"
                        f"<form method='post'><label>Email <input name='email' "
                        f"value='{hint}'></label> <label>Name <input name='name' "
                        f"value='Ada Provider'></label> "
                        f"<button type='submit'>Sign in and allow</button></form>")
            person = Person(request.form["email"], request.form.get("name", "Ada Provider"))
            grant = server.get_consent_grant(end_user=person)
            return server.create_authorization_response(grant=grant, grant_user=person)

        @app.post("/token")
        def token():
            return server.create_token_response()

        return app

    def _grant_class(self):
        provider = self

        class Grant(AuthorizationCodeGrant):
            TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic"]

            def save_authorization_code(self, code, request):
                payload = request.payload
                provider.codes[code] = Code(
                    code=code, client_id=request.client.client_id,
                    redirect_uri=payload.redirect_uri, scope=payload.scope,
                    person=request.user, nonce=payload.data.get("nonce"),
                    code_challenge=payload.data.get("code_challenge"),
                    code_challenge_method=payload.data.get("code_challenge_method"))

            def query_authorization_code(self, code, client):
                found = provider.codes.get(code)
                return found if found and found.client_id == client.client_id else None

            def delete_authorization_code(self, authorization_code):
                provider.codes.pop(authorization_code.code, None)

            def authenticate_user(self, authorization_code):
                return authorization_code.person

        return Grant

    def _openid_extension(self):
        provider = self

        class OpenID(OpenIDCode):
            def exists_nonce(self, nonce, request):
                return any(code.nonce == nonce for code in provider.codes.values())

            def resolve_client_private_key(self, client):
                return provider.key

            def get_encode_header(self, client):
                return {"alg": "RS256", "kid": provider.key.kid}

            def get_client_claims(self, client):
                knobs = provider.knobs
                now = int(time.time())
                claims = {"iss": knobs.issuer or provider.issuer,
                          "aud": [knobs.audience or client.get_client_id()],
                          "iat": now + min(knobs.expires_in, 0) - 60,
                          "exp": now + knobs.expires_in}
                provider.issued.append(dict(claims))
                return claims

            def get_authorization_code_claims(self, authorization_code):
                claims = super().get_authorization_code_claims(authorization_code)
                if provider.knobs.nonce is not None:
                    claims["nonce"] = provider.knobs.nonce
                return claims

            def generate_user_info(self, user, scope):
                return UserInfo(sub=user.email, email=user.email, name=user.name,
                                email_verified=provider.knobs.email_verified)

        return OpenID(require_nonce=True)
