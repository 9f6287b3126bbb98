"""Credentials and HTTP sessions for a PACS: from the environment or a netrc file, never the command line.

Order of precedence for ``http(s)://HOST`` (Orthanc REST and DICOMweb alike):

1. ``RXLABEL_PACS_TOKEN``: an HTTP bearer token (OAuth 2 / OpenID access token, cloud archives).
2. ``RXLABEL_PACS_USER`` and ``RXLABEL_PACS_PASSWORD``: HTTP basic authentication.
3. A netrc file: ``RXLABEL_NETRC`` or the path given as ``netrc=``, else ``~/.netrc``; the entry of the
   URL's host. ``machine pacs.example.org login alice password s3cret`` is basic authentication;
   ``machine pacs.example.org account bearer password TOKEN`` (or ``login bearer``) is a bearer token.

TLS certificates are verified unless ``RXLABEL_PACS_CA`` (or ``ca_bundle=``) names the hospital's CA
bundle; verification cannot be switched off from rxlabel. A URL carrying ``user:pass@`` is refused, so
that a password never lands in a shell history or a process list.
"""

import netrc as netrc_mod
import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from rxlabel.errors import RemoteError

ENV_TOKEN, ENV_USER, ENV_PASSWORD = "RXLABEL_PACS_TOKEN", "RXLABEL_PACS_USER", "RXLABEL_PACS_PASSWORD"
ENV_NETRC, ENV_CA = "RXLABEL_NETRC", "RXLABEL_PACS_CA"


class PacsError(RemoteError):
    """A PACS that cannot be reached, refuses us, or answers with an error; the message says which and what to do."""


@dataclass(frozen=True)
class Credentials:
    """Basic (``user``/``password``) or bearer (``token``) credentials and where they came from."""

    user: str = ""
    password: str = ""
    token: str = ""
    source: str = ""

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}


def refuse_userinfo(url: str) -> None:
    """Raise if an http(s) URL embeds credentials (they would end in shell history and logs)."""
    u = urlparse(url)
    if u.scheme in ("http", "https") and (u.username or u.password):
        raise PacsError(f"{u.scheme}://{u.hostname}: credentials in the URL are refused (shell history, process "
                        f"list); set {ENV_USER}/{ENV_PASSWORD} or {ENV_TOKEN}, or use a netrc file ({ENV_NETRC})")


def credentials_for(url: str, netrc: str | Path | None = None, env: dict | None = None) -> Credentials | None:
    """The credentials for ``url``'s host (see the module docstring), or None for an open server."""
    env = os.environ if env is None else env
    if env.get(ENV_TOKEN):
        return Credentials(token=env[ENV_TOKEN], source=ENV_TOKEN)
    if env.get(ENV_USER):
        if ENV_PASSWORD not in env:
            raise PacsError(f"{ENV_USER} is set but {ENV_PASSWORD} is not: set both (or use a netrc file)")
        return Credentials(user=env[ENV_USER], password=env[ENV_PASSWORD], source=ENV_USER)
    path = netrc or env.get(ENV_NETRC)
    explicit = bool(path)
    path = Path(path) if path else Path.home() / ".netrc"
    if not path.is_file():
        if explicit:
            raise PacsError(f"netrc file {path} does not exist")
        return None
    try:
        entry = netrc_mod.netrc(str(path)).authenticators(urlparse(url).hostname or "")
    except (netrc_mod.NetrcParseError, OSError) as exc:
        raise PacsError(f"{path}: cannot read the netrc file: {exc}") from None
    if entry is None:
        return None
    login, account, password = entry
    if (login or "").lower() == "bearer" or (account or "").lower() == "bearer":
        return Credentials(token=password or "", source=str(path))
    return Credentials(user=login or "", password=password or "", source=str(path))


def http_session(url: str, netrc: str | Path | None = None, ca_bundle: str | Path | None = None):
    """A ``requests.Session`` carrying the host's credentials, verifying TLS (against ``ca_bundle`` if given)."""
    import requests

    refuse_userinfo(url)
    s = requests.Session()
    cred = credentials_for(url, netrc)
    if cred and cred.token:
        s.headers.update(cred.headers())
    elif cred:
        s.auth = (cred.user, cred.password)
    ca = ca_bundle or os.environ.get(ENV_CA)
    s.verify = True
    if ca:
        if not Path(ca).is_file():
            raise PacsError(f"CA bundle {ca} does not exist")
        s.mount("https://", _PinnedCA(str(ca)))
    return s


def _pinned_adapter():
    from requests.adapters import HTTPAdapter

    class PinnedCA(HTTPAdapter):
        """Verifies against the given CA bundle on every request: requests lets REQUESTS_CA_BUNDLE /
        CURL_CA_BUNDLE override a session's ``verify``, which would silently ignore ``--ca-bundle``."""

        def __init__(self, ca: str):
            super().__init__()
            self.ca = ca

        def send(self, request, **kwargs):
            kwargs["verify"] = self.ca
            return super().send(request, **kwargs)

    return PinnedCA


def _PinnedCA(ca: str):  # noqa: N802 - reads as the adapter class it builds
    return _pinned_adapter()(ca)
