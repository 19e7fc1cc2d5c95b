"""What never reaches a log: secrets in decoded OCPP frames and credentials in URLs.

Two places write what the CSMS or the operator sent: the OCPP message log (whole frames)
and the operator log lines (journald and the diagnostics buffer). Both use this module,
so one rule decides what a secret is (A01.FR.12: the Basic-auth password is never
logged; Part 2 §2.1.5 passwordString values in general):

* a JSON key naming a secret (``basicAuthPassword``, ``apnPassword``, ``password``,
  ``key``, ``privateKey``), compared case-insensitively: the station's device model and
  pydantic models match names without regard to case, so the log must too;
* the value of a secret variable (WriteOnly or marked secret in the device model), in
  SetVariables/GetVariables data and report attributes, named in any casing;
* the userinfo of a URL (``ftp://user:pass@host/...``), in any string of any frame and in
  any formatted log line: GetLog and UpdateFirmware locations and CSMS URLs carry
  credentials that way.

Redaction works on the decoded frame (after JSON unescaping), so a name written as
``"BasicAuth\\u0050assword"`` is recognised like the plain one.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

REDACTED = "<redacted>"

#: JSON keys whose value is a secret, lower-cased.
SECRET_KEYS = frozenset({"password", "apnpassword", "basicauthpassword", "key", "privatekey"})

#: Variables whose values are secret whatever the device model says (lower-cased names).
ALWAYS_SECRET_VARIABLES = frozenset({"basicauthpassword"})

#: ``scheme://userinfo@``: the userinfo ends at the last ``@`` before the path begins.
_URL_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]{0,15}://)([^/?#\s\"'<>]*@)")


def strip_userinfo(text: str) -> str:
    """``text`` with the userinfo of every URL in it replaced by ``<redacted>``."""
    if "@" not in text or "://" not in text:
        return text
    return _URL_USERINFO.sub(lambda m: f"{m.group(1)}{REDACTED}@", text)


def is_secret_variable(name: object, secret_variables: Collection[str]) -> bool:
    """Whether a variable named ``name`` (any casing) holds a secret value.

    Compared like the device model compares names (lower-cased); any name containing
    "password" counts too, so a variable added later cannot leak before it is declared.
    """
    if not isinstance(name, str):
        return False
    lowered = name.lower()
    return (
        lowered in secret_variables or lowered in ALWAYS_SECRET_VARIABLES or ("password" in lowered)
    )


def redact_payload(payload: Any, secret_variables: Collection[str] = ()) -> Any:
    """A copy of a decoded payload (or any part of one) without secrets."""
    if isinstance(payload, dict):
        result: dict[str, Any] = {}
        for k, v in payload.items():
            if isinstance(k, str) and k.lower() in SECRET_KEYS:
                result[k] = REDACTED
            elif type(v) is str:
                # Inline for the leaves, which are most of a frame (a report's 36 kB):
                # a call per value was most of the cost.
                result[k] = strip_userinfo(v) if "@" in v else v
            elif type(v) is int or type(v) is bool or v is None:
                result[k] = v
            else:
                result[k] = redact_payload(v, secret_variables)
        variable = payload.get("variable")
        if isinstance(variable, dict) and is_secret_variable(
            variable.get("name"), secret_variables
        ):
            # SetVariables/GetVariables data and results carry attributeValue; reports
            # carry variableAttribute[].value.
            if "attributeValue" in result:
                result["attributeValue"] = REDACTED
            attributes = result.get("variableAttribute")
            if isinstance(attributes, list):
                result["variableAttribute"] = [
                    {**a, "value": REDACTED} if isinstance(a, dict) and "value" in a else a
                    for a in attributes
                ]
        return result
    if isinstance(payload, list):
        return [
            item
            if type(item) is int or type(item) is bool or item is None
            else redact_payload(item, secret_variables)
            for item in payload
        ]
    if isinstance(payload, str):
        return strip_userinfo(payload)
    return payload


#: In text that is not JSON: a key that may hold a secret and its string value, which may
#: be cut short (no closing quote). attributeValue is taken whatever the variable, since
#: the variable's name may be missing from a broken frame.
_RAW_SECRET_VALUE = re.compile(
    r'(?i)("(?:attributeValue|value|password|apnPassword|basicAuthPassword|key|privateKey)"'
    r'\s*:\s*)"[^"]*"?'
)


def redact_raw(text: str, limit: int = 2000) -> str:
    """What may be kept of a frame that could not be decoded: its first ``limit``
    characters with the values of secret-bearing keys and URL userinfo replaced; nothing
    at all when it holds a JSON escape (which could spell a key past any pattern)."""
    if "\\" in text:
        return REDACTED
    cut = _RAW_SECRET_VALUE.sub(lambda m: f'{m.group(1)}"{REDACTED}"', text)
    return strip_userinfo(cut)[:limit]


#: Lower-cased text fragments that send a frame through decoding and redaction: a secret
#: key or variable name, a URL with userinfo, or a JSON escape (which could spell either).
_MARKERS = ('"key"', "password", "privatekey", "@", "\\")


def might_hold_secret(text: str, secret_variables: Collection[str] = ()) -> bool:
    """Whether a raw frame may carry something `redact_payload` would remove.

    False only when it certainly does not: then the frame can be logged as it is,
    without decoding it."""
    lowered = text.lower()
    return any(marker in lowered for marker in _MARKERS) or any(
        name in lowered for name in secret_variables
    )


__all__ = [
    "REDACTED",
    "SECRET_KEYS",
    "is_secret_variable",
    "might_hold_secret",
    "redact_payload",
    "redact_raw",
    "strip_userinfo",
]
