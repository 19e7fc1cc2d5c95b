"""What the station knows of idTokens without asking the CSMS: the Local Authorization List
(Part 2 D01–D04) and the Authorization Cache (C10–C12), both in the store.

* The list changes only by SendLocalList (D01.FR.09): Full replaces it (an empty Full
  empties it, D01.FR.04), Differential adds or updates entries with idTokenInfo and removes
  those without (D01.FR.16/17) and is refused with VersionMismatch unless its version is
  newer (D01.FR.19); the version is kept with it and GetLocalListVersion reports it, 0
  when there is none or the list is disabled (D02).
* The cache keeps the latest idTokenInfo the CSMS gave for each idToken, whatever its
  status (C10.FR.01), from AuthorizeResponse and TransactionEventResponse (C10.FR.04/05).
  An entry lasts until its cacheExpiryDateTime (C10.FR.13) or AuthCacheLifeTime after its
  last use (C10.FR.08); expired entries are never used (C10.FR.10). A full cache makes
  room by dropping entries that are not Accepted first, then the least recently used
  (C10.FR.07, the LRU policy), when it holds AUTH_CACHE_CAPACITY entries or a new entry
  would take it past AuthCacheCtrlr.Storage's maxLimit in bytes. ClearCache empties it
  (C11).
* A list entry has priority over a cache entry for the same idToken (C13.FR.01,
  C14.FR.01). While LocalAuthListCtrlr.SupportsExpiryDateTime is true, a list entry past
  its cacheExpiryDateTime is disregarded for authorization (C13.FR.05/06, C14.FR.04/05):
  `lookup` marks it expired, and it is never valid; SendLocalList and GetLocalListVersion
  do not look at the dates (Part 2 §2.5.8).
* LocalAuthListCtrlr.Storage and AuthCacheCtrlr.Storage report the bytes each table
  takes in the store (each entry's key and its idTokenInfo as JSON, UTF-8); a list above
  its maxLimit is refused (OutOfStorage), the cache makes room.

Neither table holds an idToken in clear: the key is a SHA-256 of its type and its
case-folded value (idTokens compare case-insensitively), as C10.FR.12 recommends; what is
stored beside it is the idTokenInfo.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from station.devicemodel.catalogue import (
    AUTH_CACHE_CAPACITY as CACHE_CAPACITY,
)
from station.devicemodel.catalogue import (
    AUTH_CACHE_STORAGE_BYTES as CACHE_STORAGE_BYTES,
)
from station.devicemodel.catalogue import (
    LOCAL_LIST_BYTES_PER_MESSAGE as BYTES_PER_MESSAGE,
)
from station.devicemodel.catalogue import (
    LOCAL_LIST_CAPACITY as LIST_CAPACITY,
)
from station.devicemodel.catalogue import (
    LOCAL_LIST_ITEMS_PER_MESSAGE as ITEMS_PER_MESSAGE,
)
from station.devicemodel.catalogue import (
    LOCAL_LIST_STORAGE_BYTES as LIST_STORAGE_BYTES,
)
from station.devicemodel.model import DeviceModel, key
from station.ocpp.client import OcppClient, current_frame_size
from station.ocpp.messages import (
    AuthorizationStatusEnumType,
    IdTokenInfoType,
    IdTokenType,
    StatusInfoType,
)
from station.store import Store

if TYPE_CHECKING:
    # The models of actions a boot does not use are imported where they are used, so that
    # a boot does not build them (see station.ocpp.messages).
    from station.ocpp.messages import (
        ClearCacheRequest,
        ClearCacheResponse,
        GetLocalListVersionRequest,
        GetLocalListVersionResponse,
        SendLocalListRequest,
        SendLocalListResponse,
    )

log = logging.getLogger(__name__)

LIST = "LocalAuthListCtrlr"
CACHE = "AuthCacheCtrlr"
LIST_ENABLED = key(LIST, "Enabled")
LIST_ENTRIES = key(LIST, "Entries")
LIST_STORAGE = key(LIST, "Storage")
LIST_EXPIRY = key(LIST, "SupportsExpiryDateTime")
CACHE_ENABLED = key(CACHE, "Enabled")
CACHE_LIFETIME = key(CACHE, "LifeTime")
#: Meta row of the list's version.
VERSION_META = "local_list_version"


@dataclass(frozen=True, slots=True)
class Known:
    """What the station knows of an idToken: where from ("list" or "cache") and the
    idTokenInfo; ``expired``: a list entry past its cacheExpiryDateTime while
    LocalAuthListCtrlr.SupportsExpiryDateTime is true (C13.FR.05/06, C14.FR.05)."""

    source: str
    info: IdTokenInfoType
    expired: bool = False

    @property
    def accepted(self) -> bool:
        """Whether the entry lets the idToken in: Accepted, and not expired."""
        return self.info.status is AuthorizationStatusEnumType.Accepted and not self.expired

    @property
    def group(self) -> str | None:
        """The groupIdToken's value, if any."""
        group = self.info.group_id_token
        return group.id_token if group is not None else None


def token_key(id_token: str, token_type: str) -> str:
    """The stored key of an idToken: not reversible, case-insensitive (Part 2 IdTokenType)."""
    return hashlib.sha256(f"{token_type}:{id_token.casefold()}".encode()).hexdigest()


class LocalAuthorization:
    """The Local Authorization List and the Authorization Cache, with their handlers."""

    def __init__(
        self,
        *,
        client: OcppClient,
        store: Store,
        device_model: DeviceModel,
        now: Callable[[], datetime],
    ) -> None:
        self._store = store
        self._dm = device_model
        self._now = now
        self._list: dict[str, IdTokenInfoType] = {}
        self._list_bytes = 0
        self._version = 0
        #: key → (idTokenInfo, last used); insertion order is not use order.
        self._cache: dict[str, tuple[IdTokenInfoType, datetime]] = {}
        #: key → bytes of the cache entry (AuthCacheCtrlr.Storage).
        self._cache_sizes: dict[str, int] = {}
        client.route("SendLocalList", self.send_local_list)
        client.route("GetLocalListVersion", self.get_local_list_version)
        client.route("ClearCache", self.clear_cache)
        device_model.bind_live(LIST_ENTRIES, lambda: len(self._list))
        device_model.bind_live(LIST_STORAGE, lambda: self._list_bytes)
        device_model.bind_live(key(CACHE, "Storage"), lambda: sum(self._cache_sizes.values()))

    async def load(self) -> None:
        """Read the list, its version and the cache."""

        def read(db: sqlite3.Connection) -> tuple[list, list, str | None]:
            listed = db.execute("SELECT token_key, info FROM local_list").fetchall()
            cached = db.execute("SELECT token_key, info, last_used FROM auth_cache").fetchall()
            row = db.execute("SELECT value FROM meta WHERE name = ?", (VERSION_META,)).fetchone()
            return listed, cached, row[0] if row else None

        listed, cached, version = await self._store.run(read)
        self._list = {k: IdTokenInfoType.model_validate_json(v) for k, v in listed}
        self._list_bytes = _bytes(listed)
        self._cache = {
            k: (IdTokenInfoType.model_validate_json(v), datetime.fromisoformat(used))
            for k, v, used in cached
        }
        self._cache_sizes = {k: _bytes([(k, v)]) for k, v, _ in cached}
        self._version = int(version) if version else 0

    # -- lookups -------------------------------------------------------------------------

    def lookup(self, token: IdTokenType) -> Known | None:
        """The list's entry (C13.FR.01) or else a live cache entry for ``token``."""
        token_id = token_key(token.id_token, token.type.value)
        if self._dm.get(LIST_ENABLED) and token_id in self._list:
            info = self._list[token_id]
            expiry = info.cache_expiry_date_time
            # C14.FR.04/05: without a cacheExpiryDateTime a list entry does not expire; at
            # the instant itself it has passed, as for the cache (C10.FR.13).
            expired = (
                bool(self._dm.get(LIST_EXPIRY)) and expiry is not None and self._now() >= expiry
            )
            return Known("list", info, expired)
        if self._dm.get(CACHE_ENABLED):
            entry = self._cache.get(token_id)
            if entry is not None and not self._expired(*entry):
                return Known("cache", entry[0])
        return None

    def stored(self, token: IdTokenType) -> list[Known]:
        """Everything stored about ``token``: its list entry, then its cache entry, whether
        or not they are in use (disabled, expired). What CustomerInformation reports
        (N09.FR.05, N10.FR.03): data kept is data kept, even where it would not decide."""
        token_id = token_key(token.id_token, token.type.value)
        found = []
        if token_id in self._list:
            found.append(Known("list", self._list[token_id]))
        if token_id in self._cache:
            found.append(Known("cache", self._cache[token_id][0]))
        return found

    def _expired(self, info: IdTokenInfoType, last_used: datetime) -> bool:
        now = self._now()
        if info.cache_expiry_date_time is not None:
            return now >= info.cache_expiry_date_time  # C10.FR.13
        lifetime = self._dm.get_int(CACHE_LIFETIME)
        return lifetime is not None and now >= last_used + timedelta(seconds=lifetime)

    # -- the cache -----------------------------------------------------------------------

    async def remember(self, token: IdTokenType, info: IdTokenInfoType) -> None:
        """C10.FR.01/04/05: keep the CSMS's latest verdict on ``token``."""
        if not self._dm.get(CACHE_ENABLED):
            return
        token_id = token_key(token.id_token, token.type.value)
        now = self._now()
        text = info.model_dump_json(by_alias=True, exclude_none=True)
        size = _bytes([(token_id, text)])
        if size > CACHE_STORAGE_BYTES:
            # Cannot be kept; an older verdict must not stand in for this one.
            log.warning("event=not_cached bytes=%d limit=%d", size, CACHE_STORAGE_BYTES)
            await self.forget(token)
            return
        evicted = self._make_room(token_id, size)
        self._cache[token_id] = (info, now)
        self._cache_sizes[token_id] = size

        def write(db: sqlite3.Connection) -> None:
            db.executemany("DELETE FROM auth_cache WHERE token_key = ?", [(k,) for k in evicted])
            db.execute(
                "INSERT OR REPLACE INTO auth_cache (token_key, info, last_used) VALUES (?, ?, ?)",
                (token_id, text, now.isoformat()),
            )

        await self._store.run(write)

    async def used(self, token: IdTokenType) -> None:
        """A cache entry was used to authorize: its lifetime starts again (C10.FR.08)."""
        token_id = token_key(token.id_token, token.type.value)
        entry = self._cache.get(token_id)
        if entry is None:
            return
        now = self._now()
        self._cache[token_id] = (entry[0], now)
        await self._store.run(
            lambda db: db.execute(
                "UPDATE auth_cache SET last_used = ? WHERE token_key = ?",
                (now.isoformat(), token_id),
            )
        )

    def _make_room(self, token_id: str, size: int) -> list[str]:
        """C10.FR.07: room for ``token_id``'s entry of ``size`` bytes (it replaces its own
        older entry), within AUTH_CACHE_CAPACITY entries and CACHE_STORAGE_BYTES: expired
        entries go first, then those not Accepted, then the least recently used."""
        others = len(self._cache) - (token_id in self._cache)
        used = sum(self._cache_sizes.values()) - self._cache_sizes.get(token_id, 0)

        def full() -> bool:
            return others >= CACHE_CAPACITY or used + size > CACHE_STORAGE_BYTES

        if not full():
            return []

        def rank(item: tuple[str, tuple[IdTokenInfoType, datetime]]) -> tuple:
            info, used = item[1]
            return (
                not self._expired(info, used),
                info.status is AuthorizationStatusEnumType.Accepted,
                used,
            )

        victims = []
        for victim, _ in sorted(self._cache.items(), key=rank):
            if not full():
                break
            if victim == token_id:
                continue
            victims.append(victim)
            others -= 1
            used -= self._cache_sizes.get(victim, 0)
        for victim in victims:
            del self._cache[victim]
            self._cache_sizes.pop(victim, None)
        return victims

    async def forget(self, token: IdTokenType) -> bool:
        """Drop an idToken from the cache (CustomerInformation clear; N10: not from the
        list, which only SendLocalList changes). Whether it was there."""
        token_id = token_key(token.id_token, token.type.value)
        self._cache_sizes.pop(token_id, None)
        if self._cache.pop(token_id, None) is None:
            return False
        await self._store.run(
            lambda db: db.execute("DELETE FROM auth_cache WHERE token_key = ?", (token_id,))
        )
        return True

    async def clear_cache(self, request: ClearCacheRequest) -> ClearCacheResponse:
        """C11: Accepted once the cache is empty; Rejected while it is disabled."""
        from station.ocpp.messages import ClearCacheResponse, ClearCacheStatusEnumType

        if not self._dm.get(CACHE_ENABLED):
            return ClearCacheResponse(status=ClearCacheStatusEnumType.Rejected)  # C11.FR.04
        try:
            await self._store.run(lambda db: db.execute("DELETE FROM auth_cache"))
        except sqlite3.Error as exc:
            log.error("event=clear_cache_failed reason=%r", str(exc))
            return ClearCacheResponse(status=ClearCacheStatusEnumType.Rejected)  # C11.FR.05
        self._cache.clear()
        self._cache_sizes.clear()
        log.info("event=authorization_cache_cleared")
        return ClearCacheResponse(status=ClearCacheStatusEnumType.Accepted)

    # -- the list ------------------------------------------------------------------------

    async def get_local_list_version(
        self, request: GetLocalListVersionRequest
    ) -> GetLocalListVersionResponse:
        """D02: the list's version; 0 for none, or while the list is disabled."""
        from station.ocpp.messages import GetLocalListVersionResponse

        version = self._version if self._dm.get(LIST_ENABLED) else 0
        return GetLocalListVersionResponse(version_number=version)

    async def send_local_list(self, request: SendLocalListRequest) -> SendLocalListResponse:
        """D01: a Full or Differential update with its version."""
        from station.ocpp.messages import (
            SendLocalListResponse,
            SendLocalListStatusEnumType,
            UpdateEnumType,
        )

        def failed(reason: str, detail: str) -> SendLocalListResponse:
            log.warning("event=local_list_refused reason=%s detail=%r", reason, detail)
            return SendLocalListResponse(
                status=SendLocalListStatusEnumType.Failed,
                status_info=StatusInfoType(reason_code=reason, additional_info=detail),
            )

        if not self._dm.get(LIST_ENABLED):
            return failed("NotEnabled", "LocalAuthListCtrlr.Enabled is false")
        if request.version_number <= 0:
            return failed("InvalidValue", "versionNumber must be above 0")  # D01.FR.18
        entries = request.local_authorization_list or []
        if len(entries) > ITEMS_PER_MESSAGE:
            return failed(
                "TooManyElements", f"{len(entries)} entries, at most {ITEMS_PER_MESSAGE}"
            )  # D01.FR.11
        size = current_frame_size.get()
        if size > BYTES_PER_MESSAGE:
            return failed(
                "TooLargeElement", f"{size} bytes, at most {BYTES_PER_MESSAGE}"
            )  # D01.FR.11: LocalAuthListCtrlr.BytesPerMessage
        keys = [token_key(e.id_token.id_token, e.id_token.type.value) for e in entries]
        if len(set(keys)) != len(keys):
            return failed("InvalidValue", "an idToken appears twice")  # D01.FR.06
        full = request.update_type is UpdateEnumType.Full
        if not full and request.version_number <= self._version:
            return SendLocalListResponse(  # D01.FR.19
                status=SendLocalListStatusEnumType.VersionMismatch
            )
        updated = {} if full else dict(self._list)
        for token_id, entry in zip(keys, entries, strict=True):
            if entry.id_token_info is None:
                updated.pop(token_id, None)  # D01.FR.17 (in a Full list: not added)
            else:
                updated[token_id] = entry.id_token_info
        if len(updated) > LIST_CAPACITY:
            return failed(  # LocalAuthListCtrlr.Entries' maxLimit
                "OutOfStorage", f"{len(updated)} entries, at most {LIST_CAPACITY}"
            )
        rows = [
            (token_id, info.model_dump_json(by_alias=True, exclude_none=True))
            for token_id, info in updated.items()
        ]
        used = _bytes(rows)
        if used > LIST_STORAGE_BYTES:
            return failed(  # LocalAuthListCtrlr.Storage's maxLimit
                "OutOfStorage", f"{used} bytes, at most {LIST_STORAGE_BYTES}"
            )
        version = request.version_number

        def write(db: sqlite3.Connection) -> None:
            db.execute("DELETE FROM local_list")
            db.executemany("INSERT INTO local_list (token_key, info) VALUES (?, ?)", rows)
            db.execute(
                "INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)",
                (VERSION_META, str(version)),
            )

        await self._store.run(write)
        self._list, self._version, self._list_bytes = updated, version, used
        log.info(
            "event=local_list_updated type=%s version=%d entries=%d",
            request.update_type.value,
            version,
            len(updated),
        )
        return SendLocalListResponse(status=SendLocalListStatusEnumType.Accepted)

    @property
    def version(self) -> int:
        """The list's version (0: none)."""
        return self._version


def _bytes(rows: list[tuple[str, str]]) -> int:
    """The bytes of stored rows (key, idTokenInfo JSON), as LocalAuthListCtrlr.Storage
    counts them."""
    return sum(len(token_id.encode()) + len(info.encode()) for token_id, info in rows)
