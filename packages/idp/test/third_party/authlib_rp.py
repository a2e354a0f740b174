"""An OpenID Connect relying party on Authlib (Debian's python3-authlib), driven by the
identity provider's tests: the first line on stdin configures it, then each line is one
command (JSON) and gets one answer (JSON) on stdout. It does what Authlib does by itself:
PKCE S256, state, ID token validation, refresh with its scope repeated, introspection,
revocation; UserInfo is a form POST (RFC 6750 section 2.2)."""

import json
import sys
from urllib.parse import urlencode

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.jose import JsonWebKey, jwt
from authlib.oidc.core import CodeIDToken


def main():
    config = json.loads(sys.stdin.readline())
    issuer = config["issuer"]
    meta = requests.get(issuer + "/.well-known/openid-configuration", timeout=10).json()
    keys = JsonWebKey.import_key_set(requests.get(meta["jwks_uri"], timeout=10).json())
    client = OAuth2Session(
        config["client_id"],
        config["client_secret"],
        scope=config["scope"],
        redirect_uri=config["redirect_uri"],
        code_challenge_method="S256",
    )
    flow = {}

    def id_token_claims(token):
        claims = jwt.decode(
            token["id_token"],
            keys,
            claims_cls=CodeIDToken,
            claims_options={"iss": {"essential": True, "value": issuer}},
            claims_params={"nonce": flow["nonce"], "client_id": config["client_id"]},
        )
        claims.validate(leeway=5)
        return dict(claims)

    def tokens(token):
        return {
            "scope": token.get("scope"),
            "access_token": token["access_token"],
            "refresh_token": token.get("refresh_token"),
            "id_token": token.get("id_token"),
            "id_token_claims": id_token_claims(token) if token.get("id_token") else None,
        }

    def authorize(_):
        flow["verifier"] = generate_token(48)
        flow["nonce"] = generate_token(20)
        url, _state = client.create_authorization_url(
            meta["authorization_endpoint"], code_verifier=flow["verifier"], nonce=flow["nonce"]
        )
        return {"url": url}

    def callback(command):
        token = client.fetch_token(
            meta["token_endpoint"],
            authorization_response=command["url"],
            code_verifier=flow["verifier"],
        )
        return tokens(token)

    def refresh(_):
        return tokens(client.refresh_token(meta["token_endpoint"]))

    def introspect(command):
        response = client.introspect_token(
            meta["introspection_endpoint"], token=command["token"], token_type_hint="access_token"
        )
        return {"status": response.status_code, "body": response.json()}

    def userinfo(command):
        response = requests.post(
            meta["userinfo_endpoint"], data={"access_token": command["token"]}, timeout=10
        )
        return {
            "status": response.status_code,
            "www_authenticate": response.headers.get("www-authenticate"),
            "body": response.json(),
        }

    def revoke(command):
        response = client.revoke_token(
            meta["revocation_endpoint"], token=command["token"], token_type_hint="access_token"
        )
        return {"status": response.status_code}

    def end_session(command):
        query = urlencode(
            {
                "id_token_hint": command["id_token"],
                "post_logout_redirect_uri": config["post_logout_redirect_uri"],
            }
        )
        return {"url": meta["end_session_endpoint"] + "?" + query}

    handlers = {
        "authorize": authorize,
        "callback": callback,
        "refresh": refresh,
        "introspect": introspect,
        "userinfo": userinfo,
        "revoke": revoke,
        "end_session": end_session,
    }
    for line in sys.stdin:
        command = json.loads(line)
        try:
            answer = handlers[command["op"]](command)
        except Exception as error:  # the test reads the failure, the script goes on
            answer = {"error": type(error).__name__, "message": str(error)}
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
