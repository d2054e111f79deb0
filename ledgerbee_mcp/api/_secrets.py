"""Credential handling that cannot leak through a repr, a log line or a traceback."""

from __future__ import annotations

from collections.abc import Generator
from typing import Final

import httpx

__all__ = ["SecretAuth", "SecretStr"]

_MASK: Final = "********"


class SecretStr:
    """A credential whose `repr`/`str` are masked; only `reveal()` hands out the value."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def redact(self, text: str) -> str:
        """Remove the secret from text that came from elsewhere (a server echoing the key back)."""
        return text.replace(self._value, _MASK) if self._value else text

    def __repr__(self) -> str:
        return f"SecretStr('{_MASK}')"

    __str__ = __repr__

    def __reduce__(self) -> tuple[object, ...]:
        # Pickling would write the clear value into whatever stores the pickle.
        raise TypeError("a SecretStr cannot be pickled")


class SecretAuth(httpx.Auth):
    """Adds the credential to each request as it is sent.

    Setting the header per request (rather than as a default header on the client) keeps the value out of
    `httpx.AsyncClient.headers` and thereby out of anything that dumps the client's configuration.
    """

    def __init__(self, *, api_key: SecretStr | None, access_token: SecretStr | None) -> None:
        self._api_key = api_key
        self._access_token = access_token

    @property
    def secret(self) -> SecretStr:
        secret = self._api_key or self._access_token
        if secret is None:
            raise RuntimeError("SecretAuth built without a credential")
        return secret

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self._api_key is not None:
            request.headers["x-api-key"] = self._api_key.reveal()
        elif self._access_token is not None:
            request.headers["Authorization"] = f"Bearer {self._access_token.reveal()}"
        yield request

    def __repr__(self) -> str:
        kind = "api_key" if self._api_key is not None else "access_token"
        return f"SecretAuth({kind}='{_MASK}')"
