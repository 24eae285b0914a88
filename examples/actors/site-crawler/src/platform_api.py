"""Client for the parts of the Apify API v2 that the actor uses.

The platform passes its address, the token and the ids of the run's storages in
environment variables. The ACTOR_ names are the current ones. The APIFY_ names are
their older spellings, which are read when the new ones are missing.
"""

import http.client
import json
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import quote

log = logging.getLogger("site-crawler")

REQUEST_TIMEOUT_SECS = 30
# Delays before the second and third attempt of a request that failed with a
# connection error, 429 or 5xx.
# NOTE: when a push of items reached the server but its response was lost, the
# retry stores that batch a second time.
RETRY_DELAYS_SECS = (1, 3)


class ConfigError(Exception):
    """Raised when a required platform environment variable is missing."""


class ApiError(Exception):
    """Raised when an API request fails after its retries."""

    def __init__(self, message, status=None):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class PlatformConfig:
    api_url: str  # base URL including /v2, without a trailing slash
    token: object  # str, or None to send no Authorization header
    key_value_store_id: str
    dataset_id: str
    input_key: str
    run_id: object  # str, or None when the status message cannot be set


def read_env(environ, name, legacy_name):
    """Return the variable ``name``, or ``legacy_name`` when ``name`` is unset or empty."""
    return environ.get(name) or environ.get(legacy_name) or None


def load_platform_config(environ):
    """Read the platform environment variables. Raises ConfigError naming a missing one."""
    base_url = environ.get("APIFY_API_BASE_URL")
    if not base_url:
        raise ConfigError("APIFY_API_BASE_URL is not set. Run the actor through the platform, which sets it")
    base_url = base_url.rstrip("/")
    # The variable is documented without /v2, but a value that already has it works too.
    if not base_url.endswith("/v2"):
        base_url += "/v2"

    key_value_store_id = read_env(environ, "ACTOR_DEFAULT_KEY_VALUE_STORE_ID", "APIFY_DEFAULT_KEY_VALUE_STORE_ID")
    if key_value_store_id is None:
        raise ConfigError("ACTOR_DEFAULT_KEY_VALUE_STORE_ID (or APIFY_DEFAULT_KEY_VALUE_STORE_ID) is not set")
    dataset_id = read_env(environ, "ACTOR_DEFAULT_DATASET_ID", "APIFY_DEFAULT_DATASET_ID")
    if dataset_id is None:
        raise ConfigError("ACTOR_DEFAULT_DATASET_ID (or APIFY_DEFAULT_DATASET_ID) is not set")

    return PlatformConfig(
        api_url=base_url,
        token=environ.get("APIFY_TOKEN") or None,
        key_value_store_id=key_value_store_id,
        dataset_id=dataset_id,
        input_key=read_env(environ, "ACTOR_INPUT_KEY", "APIFY_INPUT_KEY") or "INPUT",
        run_id=read_env(environ, "ACTOR_RUN_ID", "APIFY_ACTOR_RUN_ID"),
    )


class ApiClient:
    """Sends requests to the platform API with the run's token."""

    def __init__(self, config):
        self.config = config
        # The API address comes from the platform, so requests go to it directly
        # and never through a proxy named in http_proxy.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def get_input_record(self):
        """Return the body of the input record as bytes, or None when the record does not exist."""
        path = (
            f"/key-value-stores/{quote(self.config.key_value_store_id, safe='')}"
            f"/records/{quote(self.config.input_key, safe='')}"
        )
        status, body = self._request("GET", path, allow_not_found=True)
        if status == 404:
            return None
        return body

    def push_items(self, items):
        """Append ``items`` (a list of dicts) to the run's default dataset."""
        path = f"/datasets/{quote(self.config.dataset_id, safe='')}/items"
        self._request("POST", path, items)

    def set_status_message(self, message):
        """Set the run's status message. Returns False, after logging why, if that failed.

        A status message is informational, so a failure does not stop the crawl.
        """
        if self.config.run_id is None:
            return False
        path = f"/actor-runs/{quote(self.config.run_id, safe='')}"
        try:
            self._request("PUT", path, {"statusMessage": message})
        except ApiError as error:
            log.warning("Could not set the status message of run %s: %s", self.config.run_id, error)
            return False
        return True

    def _request(self, method, path, payload=None, allow_not_found=False):
        """Send one API request, retrying connection errors, 429 and 5xx.

        Returns (status, body bytes). Raises ApiError for any other error status, or
        after the last attempt.
        """
        url = self.config.api_url + path
        headers = {"Accept": "application/json"}
        data = None
        if payload is not None:
            data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            headers["Content-Type"] = "application/json"
        if self.config.token is not None:
            headers["Authorization"] = f"Bearer {self.config.token}"

        attempts = len(RETRY_DELAYS_SECS) + 1
        for attempt in range(1, attempts + 1):
            request = urllib.request.Request(url, data=data, headers=headers, method=method)
            try:
                with self._opener.open(request, timeout=REQUEST_TIMEOUT_SECS) as response:
                    return response.status, response.read()
            except urllib.error.HTTPError as error:
                with error:
                    detail = error.read(2000).decode("utf-8", "replace").strip()
                if error.code == 404 and allow_not_found:
                    return 404, b""
                retryable = error.code == 429 or error.code >= 500
                message = f"{method} {url} failed with HTTP {error.code}: {detail or error.reason}"
                status = error.code
            except (urllib.error.URLError, http.client.HTTPException, OSError) as error:
                retryable = True
                reason = getattr(error, "reason", error)
                message = f"{method} {url} failed: {reason}"
                status = None

            if not retryable or attempt == attempts:
                raise ApiError(message, status)
            delay = RETRY_DELAYS_SECS[attempt - 1]
            log.warning("%s; retrying in %d s (attempt %d of %d)", message, delay, attempt + 1, attempts)
            time.sleep(delay)
