"""Configuration: complete defaults, ``VIGIL_*`` environment overrides, validation.

Every setting has a default except the secret key, which must come from the
environment (``VIGIL_SECRET_KEY``) or a file (``VIGIL_SECRET_KEY_FILE``): a site
whose attendees are at risk never runs on a guessable fallback secret.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Values that appear in documentation and examples; a deployment using one is
# as good as unprotected (design/security.md, T54).
KNOWN_EXAMPLE_SECRETS = frozenset(
    {
        "dev",
        "secret",
        "changeme",
        "change-me",
        "replace-me-with-a-long-random-string",
    }
)
MIN_SECRET_LENGTH = 32
# Without secure cookies (local plain-HTTP development) the address `make run` serves.
DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"


class ConfigError(Exception):
    """A configuration value is missing or invalid; the message says which and why."""


@dataclass(frozen=True)
class Setting:
    """One ``VIGIL_*`` variable: its Flask key, kind and default."""

    key: str
    kind: type
    default: Any
    doc: str


SETTINGS: tuple[Setting, ...] = (
    Setting("SECRET_KEY", str, None, "Signs sessions and CSRF tokens; at least 32 characters."),
    Setting(
        "SECRET_KEY_FILE", str, None, "File holding the secret key (used if SECRET_KEY unset)."
    ),
    Setting("DATABASE_URL", str, None, "SQLAlchemy URL; default SQLite file in instance/."),
    Setting("REDIS_URL", str, None, "Redis URL for rate limits and caches; memory if unset."),
    Setting(
        "RATE_LIMIT_SECRET",
        str,
        None,
        "Random secret of the rate-limit keys, the same on every app server so a client's "
        "budget is shared; give it from memory (environment), never a file on disk. "
        "Unset: each server makes its own at start.",
    ),
    Setting("OPEN_REGISTRATION", bool, False, "Let anyone create an organizer account."),
    Setting("SECURE_COOKIES", bool, True, "Send cookies only over HTTPS (__Host- prefix)."),
    Setting(
        "BASE_URL",
        str,
        None,
        "The site's public address (scheme and host); every absolute link is built on it.",
    ),
    Setting("TRUSTED_PROXIES", int, 0, "Reverse proxies in front of the app (ProxyFix hops)."),
    Setting(
        "REQUIRE_2FA",
        bool,
        True,
        "Admins and reviewers must sign in with a one-time code (TOTP); organizers may.",
    ),
    Setting("LOGIN_RATE_LIMIT", str, "10 per minute", "Sign-in attempts per client."),
    Setting(
        "LOGIN_ACCOUNT_RATE_LIMIT",
        str,
        "5 per minute",
        "Failed sign-ins per account from one client; other clients are not affected.",
    ),
    Setting(
        "LOGIN_DELAY_AFTER",
        int,
        5,
        "Failed sign-ins on one account in an hour after which each failing client must wait.",
    ),
    Setting("LOGIN_DELAY_MAX", int, 60, "Longest such wait in seconds (it doubles from 1 s)."),
    Setting("RSVP_RATE_LIMIT", str, "10 per hour", "New RSVPs per client."),
    Setting("RSVP_EVENT_RATE_LIMIT", str, "2 per day", "New RSVPs per client to one event."),
    Setting("MANAGE_RATE_LIMIT", str, "30 per minute", "Manage-link attempts per client."),
    Setting("PROPOSAL_RATE_LIMIT", str, "5 per hour", "New vigil proposals per client."),
    Setting(
        "PROPOSAL_CONFIRM_RATE_LIMIT",
        str,
        "20 per hour",
        "Proposal confirmation and host-link attempts per client.",
    ),
    Setting(
        "PROPOSAL_MIN_FILL_SECONDS",
        int,
        5,
        "Seconds a person needs at least to fill in the proposal form (faster: a robot).",
    ),
    Setting(
        "UNCONFIRMED_MAIL_LIMIT",
        str,
        "3 per day",
        "Mails that are not notices (private links, lost links) to one e-mail address.",
    ),
    Setting(
        "MAP_BUILD_RATE_LIMIT",
        str,
        "30 per minute",
        "Map data the cache cannot answer (built afresh) per client.",
    ),
    Setting(
        "FEED_BUILD_RATE_LIMIT",
        str,
        "20 per minute",
        "Calendar feeds the cache cannot answer (built afresh) per client.",
    ),
    Setting(
        "API_BUILD_RATE_LIMIT",
        str,
        "30 per minute",
        "JSON API answers the cache cannot answer (built afresh) per client.",
    ),
    Setting(
        "PAGE_BUILD_RATE_LIMIT",
        str,
        "60 per minute",
        "Pages with a query string (filters) the cache cannot answer, per client.",
    ),
    Setting("SMTP_HOST", str, None, "Mail server for notices; unset prints mails to the console."),
    Setting("SMTP_PORT", int, 587, "Mail server port."),
    Setting("SMTP_USERNAME", str, None, "Mail server user name."),
    Setting("SMTP_PASSWORD", str, None, "Mail server password."),
    Setting("SMTP_SECURITY", str, "starttls", "starttls, tls or none."),
    Setting("MAIL_FROM", str, "vigil@localhost", "Sender address of notices."),
    Setting("MAIL_CONSOLE", bool, False, "Without SMTP_HOST, print mails (development only)."),
    Setting("DEFAULT_LOCALE", str, "en", "Language used when the visitor chose none."),
    Setting("SITE_NAME", str, "Vigil", "Name shown in the page header and titles."),
    Setting("EVENTS_PER_PAGE", int, 20, "Events per page in lists."),
    Setting("PAGE_CACHE_SECONDS", int, 60, "How long public pages are cached; 0 turns it off."),
    Setting(
        "CACHE_REDIS_URL",
        str,
        None,
        "Redis database for the page and feed cache; default: REDIS_URL's database + 1.",
    ),
    Setting("CACHE_DIR", str, None, "Page cache directory when Redis is not set."),
    Setting("LOG_LEVEL", str, "INFO", "Python logging level."),
    Setting(
        "TILE_URL",
        str,
        None,
        "Street-map tiles, e.g. https://tiles.example.org/{z}/{x}/{y}.png; unset: offline map.",
    ),
    Setting("TILE_ATTRIBUTION", str, "", "Credit shown under the tiles (plain text)."),
    Setting(
        "MAP_PMTILES",
        str,
        None,
        "Street map: path to a PMTiles archive of vector tiles (README, Street map), "
        "served from this site; unset: the offline map.",
    ),
    Setting(
        "MAP_PMTILES_ATTRIBUTION",
        str,
        "© OpenStreetMap contributors, Protomaps",
        "Credit shown under the street map (plain text).",
    ),
    Setting(
        "EMBED_ORIGINS",
        str,
        "",
        "Sites that may show /embed/… in a frame, space-separated origins such as "
        "https://partner.example.org; empty: none.",
    ),
)

# A Redis that does not answer costs a request at most this long (seconds), not the
# operating system's TCP timeouts; the page cache then skips it (app.cachestore).
REDIS_TIMEOUTS = {"socket_connect_timeout": 1.0, "socket_timeout": 1.0}

LANGUAGES = ("en", "de", "fa")
RTL_LANGUAGES = frozenset({"fa"})
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _parse(setting: Setting, raw: str) -> Any:
    name = f"VIGIL_{setting.key}"
    if setting.kind is bool:
        value = raw.strip().lower()
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        raise ConfigError(f"{name} must be true or false, not {raw!r}.")
    if setting.kind is int:
        try:
            return int(raw.strip())
        except ValueError:
            raise ConfigError(f"{name} must be a whole number, not {raw!r}.") from None
    return raw


def load_config(
    instance_path: Path,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Build the Flask config from defaults, ``VIGIL_*`` variables and ``overrides``.

    Raises ConfigError with a readable message when a value is invalid.
    """
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = env.get(f"VIGIL_{setting.key}")
        values[setting.key] = setting.default if raw is None else _parse(setting, raw)
    values.update(overrides or {})

    if not values["SECRET_KEY"] and values["SECRET_KEY_FILE"]:
        path = Path(values["SECRET_KEY_FILE"])
        try:
            values["SECRET_KEY"] = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"VIGIL_SECRET_KEY_FILE {path} cannot be read: {exc}.") from None
    if not values["DATABASE_URL"]:
        values["DATABASE_URL"] = f"sqlite:///{instance_path / 'vigil.db'}"
    if not values["BASE_URL"] and not values["SECURE_COOKIES"]:
        values["BASE_URL"] = DEVELOPMENT_BASE_URL
    if values["MAP_PMTILES"]:
        # Relative to where Vigil was started, as operators read it (not to app/).
        values["MAP_PMTILES"] = os.path.abspath(values["MAP_PMTILES"])
    validate(values)
    values["BASE_URL"] = canonical_base_url(values["BASE_URL"])
    # Flask answers 400 to a request for any other host, before routing: a forged
    # Host reaches no view, cache or link (see app.urls).
    values["TRUSTED_HOSTS"] = [urlsplit(values["BASE_URL"]).hostname]

    secure = values["SECURE_COOKIES"]
    values.update(
        SQLALCHEMY_DATABASE_URI=values["DATABASE_URL"],
        SQLALCHEMY_ENGINE_OPTIONS=_engine_options(values["DATABASE_URL"]),
        # design/security.md decision 8: Flask's defaults are not acceptable.
        SESSION_COOKIE_NAME="__Host-vigil" if secure else "vigil",
        SESSION_COOKIE_SECURE=secure,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_PATH="/",
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=30),
        SESSION_ABSOLUTE_LIFETIME=timedelta(hours=12),
        MAX_CONTENT_LENGTH=64 * 1024,
        MAX_FORM_PARTS=200,
        WTF_CSRF_TIME_LIMIT=None,  # the session lifetime already bounds the token
        BABEL_DEFAULT_LOCALE=values["DEFAULT_LOCALE"],
        BABEL_TRANSLATION_DIRECTORIES=str(Path(__file__).parent / "translations"),
        RATELIMIT_STORAGE_URI=values["REDIS_URL"] or "memory://",
        RATELIMIT_STORAGE_OPTIONS=REDIS_TIMEOUTS if values["REDIS_URL"] else {},
        **_cache_config(values, instance_path),
        RATELIMIT_HEADERS_ENABLED=True,
        RATELIMIT_STRATEGY="moving-window",
        LANGUAGES=LANGUAGES,
        TILE_ORIGIN=tile_origin(values["TILE_URL"]) if values["TILE_URL"] else None,
        EMBED_ORIGINS=embed_origins(values["EMBED_ORIGINS"]),
    )
    return values


def _cache_config(values: Mapping[str, Any], instance_path: Path) -> dict[str, Any]:
    """Flask-Caching settings: Redis shared by all workers, else files in instance/."""
    common = {"CACHE_DEFAULT_TIMEOUT": values["PAGE_CACHE_SECONDS"], "CACHE_KEY_PREFIX": "vigil:"}
    if values["PAGE_CACHE_SECONDS"] == 0:
        return {**common, "CACHE_TYPE": "NullCache", "CACHE_NO_NULL_WARNING": True}
    # Backends that store bytes, never pickles (app.cachestore).
    cache_url = values["CACHE_REDIS_URL"] or cache_redis_url(values["REDIS_URL"])
    if cache_url:
        backend = "app.cachestore.RedisBytesCache"
        return {
            **common,
            "CACHE_TYPE": backend,
            "CACHE_REDIS_URL": cache_url,
            "CACHE_OPTIONS": dict(REDIS_TIMEOUTS),
        }
    directory = values["CACHE_DIR"] or str(instance_path / "cache")
    # The file cache keeps at most CACHE_THRESHOLD entries (Flask-Caching's default, 500).
    return {**common, "CACHE_TYPE": "app.cachestore.FileBytesCache", "CACHE_DIR": directory}


def cache_redis_url(redis_url: str | None) -> str | None:
    """The cache's Redis database by default: ``redis_url``'s database number + 1.

    Apart from the rate-limit counters, so the cache can be flushed or given its own
    limits without touching them (README, Deploying). None without ``redis_url``.
    """
    if not redis_url:
        return None
    parts = urlsplit(redis_url)
    if parts.scheme == "unix":
        query = dict(parse_qsl(parts.query))
        query["db"] = str(int(query.get("db") or 0) + 1)
        # urlunsplit would drop the empty host of unix:///path.
        return f"{redis_url.partition('?')[0]}?{urlencode(query)}"
    number = parts.path.strip("/") or "0"
    return urlunsplit(parts._replace(path=f"/{int(number) + 1}"))


def _engine_options(url: str) -> dict[str, Any]:
    # SQLAlchemy otherwise quotes bound values (e-mails, tokens) in its errors and logs.
    options: dict[str, Any] = {"hide_parameters": True}
    if url.startswith("sqlite"):
        # Each request holds a connection only briefly; a busy writer waits, not fails.
        options["connect_args"] = {"timeout": 15}
    else:
        options["pool_pre_ping"] = True
    return options


def validate(values: Mapping[str, Any]) -> None:
    """Stop start-up with a clear message if a value is unusable."""
    secret = values.get("SECRET_KEY")
    if not secret:
        raise ConfigError(
            "VIGIL_SECRET_KEY is not set. Generate one with "
            "`python -c 'import secrets; print(secrets.token_urlsafe(48))'` "
            "or point VIGIL_SECRET_KEY_FILE at a file holding it ('make run' does this)."
        )
    if len(secret) < MIN_SECRET_LENGTH or secret.lower() in KNOWN_EXAMPLE_SECRETS:
        raise ConfigError(
            f"VIGIL_SECRET_KEY must be a random string of at least {MIN_SECRET_LENGTH} characters."
        )
    limit_secret = values.get("RATE_LIMIT_SECRET")
    if limit_secret and (len(limit_secret) < MIN_SECRET_LENGTH or limit_secret == secret):
        raise ConfigError(
            f"VIGIL_RATE_LIMIT_SECRET must be a random string of at least {MIN_SECRET_LENGTH} "
            "characters, not the secret key."
        )
    _check_database_url(values["DATABASE_URL"])
    if not values.get("BASE_URL"):
        raise ConfigError(
            "VIGIL_BASE_URL is not set. Set it to the address visitors use, e.g. "
            "https://vigil.example.org: links in feeds and e-mails are built on it "
            "('make run' sets it; with VIGIL_SECURE_COOKIES=false it defaults to "
            f"{DEVELOPMENT_BASE_URL})."
        )
    canonical_base_url(values["BASE_URL"])
    redis_url = values.get("REDIS_URL")
    if redis_url and not redis_url.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError("VIGIL_REDIS_URL must start with redis://, rediss:// or unix://.")
    _check_cache_redis_url(values)
    if values["DEFAULT_LOCALE"] not in LANGUAGES:
        raise ConfigError(f"VIGIL_DEFAULT_LOCALE must be one of {', '.join(LANGUAGES)}.")
    if not 0 <= values["TRUSTED_PROXIES"] <= 5:
        raise ConfigError("VIGIL_TRUSTED_PROXIES must be between 0 and 5.")
    if not 0 <= values["PAGE_CACHE_SECONDS"] <= 3600:
        raise ConfigError("VIGIL_PAGE_CACHE_SECONDS must be between 0 and 3600.")
    if not 1 <= values["EVENTS_PER_PAGE"] <= 200:
        raise ConfigError("VIGIL_EVENTS_PER_PAGE must be between 1 and 200.")
    if values["SMTP_SECURITY"] not in {"starttls", "tls", "none"}:
        raise ConfigError("VIGIL_SMTP_SECURITY must be starttls, tls or none.")
    if not 1 <= values["SMTP_PORT"] <= 65535:
        raise ConfigError("VIGIL_SMTP_PORT must be between 1 and 65535.")
    if "@" not in values["MAIL_FROM"] or any(c in values["MAIL_FROM"] for c in "\r\n"):
        raise ConfigError("VIGIL_MAIL_FROM must be one e-mail address.")
    for key in (
        "LOGIN_RATE_LIMIT",
        "LOGIN_ACCOUNT_RATE_LIMIT",
        "RSVP_RATE_LIMIT",
        "RSVP_EVENT_RATE_LIMIT",
        "MANAGE_RATE_LIMIT",
        "PROPOSAL_RATE_LIMIT",
        "PROPOSAL_CONFIRM_RATE_LIMIT",
        "UNCONFIRMED_MAIL_LIMIT",
        "MAP_BUILD_RATE_LIMIT",
        "FEED_BUILD_RATE_LIMIT",
        "API_BUILD_RATE_LIMIT",
        "PAGE_BUILD_RATE_LIMIT",
    ):
        _check_rate_limit(key, values[key])
    if not 0 <= values["PROPOSAL_MIN_FILL_SECONDS"] <= 600:
        raise ConfigError("VIGIL_PROPOSAL_MIN_FILL_SECONDS must be between 0 and 600.")
    if not 1 <= values["LOGIN_DELAY_AFTER"] <= 1000:
        raise ConfigError("VIGIL_LOGIN_DELAY_AFTER must be between 1 and 1000.")
    if not 1 <= values["LOGIN_DELAY_MAX"] <= 3600:
        raise ConfigError("VIGIL_LOGIN_DELAY_MAX must be between 1 and 3600 seconds.")
    if values["LOG_LEVEL"].upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise ConfigError("VIGIL_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR.")
    if values["TILE_URL"]:
        tile_origin(values["TILE_URL"])
    if len(values["TILE_ATTRIBUTION"]) > 200:
        raise ConfigError("VIGIL_TILE_ATTRIBUTION must be at most 200 characters.")
    if values["MAP_PMTILES"]:
        _check_street_archive(values["MAP_PMTILES"])
    if len(values["MAP_PMTILES_ATTRIBUTION"]) > 200:
        raise ConfigError("VIGIL_MAP_PMTILES_ATTRIBUTION must be at most 200 characters.")
    embed_origins(values["EMBED_ORIGINS"])


# The tile URL goes into the Content-Security-Policy header: no spaces, quotes or ';'.
# A path must not start with "//": browsers read that as another host ("//tiles.example.org/…").
_TILE_URL = re.compile(r"^(https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?)?/(?![/\\])[A-Za-z0-9._~/{}@-]*$")


def tile_origin(url: str) -> str | None:
    """The tile server's origin (scheme://host[:port]); None for a path on this site.

    Raises ConfigError for a URL a browser should not be pointed at.
    """
    match = _TILE_URL.match(url)
    if match is None or not all(part in url for part in ("{z}", "{x}", "{y}")):
        raise ConfigError(
            "VIGIL_TILE_URL must be an http(s) URL or a path holding {z}, {x} and {y}, "
            "e.g. https://tiles.example.org/{z}/{x}/{y}.png."
        )
    return match.group(1)


def embed_origins(value: str | tuple[str, ...]) -> tuple[str, ...]:
    """The origins of VIGIL_EMBED_ORIGINS, each as ``scheme://host[:port]``, in order.

    They go into the Content-Security-Policy header (``frame-ancestors``), so each
    must be exactly an origin: no path, wildcard, quote or ';'. Raises ConfigError
    otherwise. Also takes the tuple it returns (an app's config given as overrides).
    """
    items = value.split() if isinstance(value, str) else list(value)
    origins: list[str] = []
    for item in items:
        try:
            origin = canonical_base_url(item)
        except ConfigError:
            raise ConfigError(
                "VIGIL_EMBED_ORIGINS must be origins separated by spaces, such as "
                f"https://partner.example.org, not {item!r}."
            ) from None
        origins.append(origin)
    return tuple(dict.fromkeys(origins))


# A DNS name or an IPv4 address, in ASCII (an internationalised name in its xn-- form).
_HOST_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")


def canonical_base_url(url: str) -> str:
    """``url`` as the site's one address: ``scheme://host[:port]``, lower case, no slash.

    Raises ConfigError unless it is an http(s) URL with a host name (or IPv4 address)
    and at most a port: a path, query, fragment or user name could not be carried by
    the links built on it, and are refused rather than silently dropped.
    """

    def refuse(reason: str) -> ConfigError:
        return ConfigError(
            f"VIGIL_BASE_URL {reason}; it must be the site's address such as "
            f"https://vigil.example.org, not {url!r}."
        )

    if any(char.isspace() or not char.isprintable() for char in url):
        # urlsplit would quietly drop a tab or newline inside the host.
        raise refuse("must not contain spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise refuse("is not a URL") from None
    scheme, host = parts.scheme.lower(), parts.hostname or ""
    if scheme not in {"http", "https"}:
        raise refuse("must start with https:// (or http:// for local development)")
    if parts.username is not None or parts.password is not None:
        raise refuse("must not hold a user name or password")
    if not _HOST_NAME.match(host):
        raise refuse("must name a host (a DNS name or an IPv4 address)")
    if port == 0:
        raise refuse("has port 0")
    if parts.path not in {"", "/"} or "?" in url or "#" in url:
        raise refuse("must not have a path, query or fragment (Vigil is served at /)")
    return f"{scheme}://{host}" if port is None else f"{scheme}://{host}:{port}"


def _check_cache_redis_url(values: Mapping[str, Any]) -> None:
    """The cache's Redis URL (given or derived) must be one that ``cache_redis_url`` reads."""
    given = values.get("CACHE_REDIS_URL")
    if given and not given.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError("VIGIL_CACHE_REDIS_URL must start with redis://, rediss:// or unix://.")
    if given or not values.get("REDIS_URL"):
        return
    try:
        number = cache_redis_url(values["REDIS_URL"])
    except ValueError:
        number = None
    if number is None:
        raise ConfigError(
            "VIGIL_REDIS_URL's database number cannot be read; set VIGIL_CACHE_REDIS_URL."
        )


def _check_database_url(url: str) -> None:
    """Refuse URLs SQLAlchemy cannot use, before they fail with a traceback at start-up.

    The message never repeats the URL: it may hold the database password.
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        parsed = make_url(url)
        kind = (parsed.get_backend_name(), parsed.get_driver_name())
    except (ArgumentError, NoSuchModuleError, ValueError):
        kind = ("", "")
    if kind not in {("sqlite", "pysqlite"), ("postgresql", "psycopg")}:
        raise ConfigError(
            "VIGIL_DATABASE_URL must be a sqlite:///path or postgresql+psycopg://… URL."
        )


def _check_street_archive(path: str) -> None:
    """The street map's archive must be a PMTiles v3 file of vector tiles we can read."""
    from app.maps.archive import ArchiveError, read_archive

    try:
        read_archive(path)
    except ArchiveError as exc:
        raise ConfigError(
            f"VIGIL_MAP_PMTILES: {exc}. Make one with `pmtiles extract` (README, Street map)."
        ) from None


def _check_rate_limit(key: str, value: str) -> None:
    from limits import parse_many

    try:
        # "0 per minute" parses, but would refuse every attempt.
        usable = all(item.amount >= 1 for item in parse_many(value))
    except ValueError:
        usable = False
    if not usable:
        raise ConfigError(f"VIGIL_{key} must look like '10 per minute', not {value!r}.")
