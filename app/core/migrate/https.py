"""The HTTPS session downloads use: server certificates checked against the operating system's trust store.

Corporate networks that inspect TLS install their own root certificate into the system store (Windows'
certificate store, the macOS keychain, /etc/ssl on Linux) and nowhere else. requests on its own trusts
only certifi's bundle, so behind such a proxy every download failed until someone set REQUESTS_CA_BUNDLE
by hand. truststore hands the check to the system's own verifier, so Offramp trusts what the machine
trusts: no more, no less. A bundle named by REQUESTS_CA_BUNDLE is still honoured, on top.
"""

from __future__ import annotations

import ssl
from typing import TYPE_CHECKING

import requests
import truststore
from requests.adapters import HTTPAdapter

if TYPE_CHECKING:
    from requests.adapters import _HostParams, _PoolKwargs


class SystemTrustAdapter(HTTPAdapter):
    """An HTTPAdapter whose verified connections use one truststore context."""

    def __init__(self) -> None:
        self._context = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        super().__init__()

    def build_connection_pool_key_attributes(
        self, request: requests.PreparedRequest, verify: bool | str, cert: tuple[str, str] | str | None = None
    ) -> tuple[_HostParams, _PoolKwargs]:
        # The documented way to give requests an SSLContext of one's own (see the method's docstring).
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        if verify is not False:
            pool_kwargs["ssl_context"] = self._context
        return host_params, pool_kwargs


def session() -> requests.Session:
    """A requests session for HTTPS downloads that trusts the system's certificate store."""
    out = requests.Session()
    out.mount("https://", SystemTrustAdapter())
    return out
