"""Move organisations from their postcode's centroid to their geocoded street address.

An organisation qualifies when it gave a street address and a postcode but no coordinates. Its address is
looked up in the cache first; only addresses without a fresh answer are sent to the geocoder (never in a
dry run, never from a request that edits one profile). A point that does not fit the postcode is not
believed (the row keeps the centroid, with a warning naming it). The geocoder costs bounded time: each
request has a timeout, the import a total budget, and after a few failures in a row it is not asked again
in this import (one warning). The import never fails because of the geocoder.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from matcher.geo.geocoding import address_key, check_address_points, choose
from matcher.models import Location, Organisation
from matcher.profiles import ProfileBuilder
from matcher.wording import count_noun, german_int
from service.config import ServiceSettings
from service.geocoding.cache import AnswerStatus, CachedAnswer, GeocodeCache
from service.geocoding.client import AddressGeocoder, GeocoderUnavailableError

MAX_FAILURES_IN_A_ROW = 3  # then the geocoder counts as down for the rest of the import
MAX_NAMED_ROWS = 20  # warnings naming rows; more are counted
_STORE_EVERY = 100  # answers written to the cache in batches, so an interrupted import keeps most of them


@dataclass(frozen=True)
class GeocodingReport:
    """What geocoding did (or in a dry run: would do) for one import."""

    addresses: int = 0  # rows with street address and postcode but no coordinates
    cached: int = 0  # of those, rows whose address has a fresh answer in the cache
    to_query: int = 0  # dry run: distinct addresses that would be sent to the geocoder
    queried: int = 0  # distinct addresses sent now
    located: int = 0  # rows placed at their address (precision address)
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "addresses": self.addresses,
            "cached": self.cached,
            "to_query": self.to_query,
            "queried": self.queried,
            "located": self.located,
        }


def _qualifies(organisation: Organisation) -> bool:
    return organisation.lat is None and organisation.address is not None and organisation.postcode is not None


class AddressLocator:
    """The geocoding step of imports and profile writes (built once per app or command). The profile builder
    comes with each call: the service's builder follows the store (e.g. an imported timetable)."""

    def __init__(
        self,
        geocoder: AddressGeocoder,
        cache: GeocodeCache,
        settings: ServiceSettings,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.geocoder = geocoder
        self.cache = cache
        self.settings = settings
        self.clock = clock
        self.ttl = {
            AnswerStatus.FOUND: timedelta(days=settings.geocoder_found_ttl_days),
            AnswerStatus.NOT_FOUND: timedelta(days=settings.geocoder_miss_ttl_days),
            AnswerStatus.ERROR: timedelta(hours=settings.geocoder_error_ttl_hours),
        }

    def locate(
        self,
        organisations: Sequence[Organisation],
        builder: ProfileBuilder,
        rows: Mapping[str, int] | None = None,
        *,
        dry_run: bool = False,
        ask: bool = True,
    ) -> tuple[list[Organisation], GeocodingReport]:
        """The organisations, those with a believable address point moved there (located and given their
        features by ``builder``), and what was done.

        ``rows`` (id -> spreadsheet row) names rows in warnings; ``ask=False`` uses the cache only.
        """
        result = list(organisations)
        qualifying = [i for i, o in enumerate(result) if _qualifies(o)]
        if not qualifying:
            return result, GeocodingReport()
        keys = {i: address_key(result[i].address or "", result[i].postcode or "") for i in qualifying}
        now = datetime.now(UTC)
        answers = self.cache.fresh(keys.values(), now, self.ttl)
        cached = sum(1 for i in qualifying if keys[i] in answers)
        missing = list(dict.fromkeys(keys[i] for i in qualifying if keys[i] not in answers))
        if dry_run:
            return result, GeocodingReport(addresses=len(qualifying), cached=cached, to_query=len(missing))
        warnings: list[str] = []
        queried = 0
        if ask and missing:
            first = {keys[i]: result[i] for i in reversed(qualifying)}  # key -> its first organisation
            queried, fresh, warnings = self._ask(missing, first, now, builder)
            answers.update(fresh)
        located, implausible = self._move(result, qualifying, keys, answers, builder)
        warnings += self._implausible_warnings(implausible, result, rows or {})
        report = GeocodingReport(
            addresses=len(qualifying), cached=cached, queried=queried, located=located, warnings=warnings
        )
        return result, report

    def _ask(
        self, keys: list[str], first: Mapping[str, Organisation], now: datetime, builder: ProfileBuilder
    ) -> tuple[int, dict[str, CachedAnswer], list[str]]:
        """Ask the geocoder for each key within the budget; the answers are cached as they come."""
        started = self.clock()
        budget = self.settings.geocoder_budget_seconds
        timeout = self.settings.geocoder_timeout_seconds
        answers: dict[str, CachedAnswer] = {}
        pending: dict[str, CachedAnswer] = {}
        in_a_row = failed = asked = 0
        down = False
        warnings: list[str] = []
        for key in keys:
            if self.clock() - started + timeout > budget:
                left = len(keys) - asked
                warnings.append(
                    f"Zeitbudget der Geokodierung ({german_int(round(budget))} s) erschöpft: "
                    f"{count_noun(left, 'Adresse', 'Adressen')} nicht abgefragt, diese Organisationen stehen am "
                    "Mittelpunkt ihrer Postleitzahl; der nächste Import fragt sie ab (bereits gefundene aus dem "
                    "Zwischenspeicher)."
                )
                break
            organisation = first[key]
            asked += 1
            try:
                candidates = self.geocoder.lookup(organisation.address or "", organisation.postcode or "")
            except GeocoderUnavailableError as error:
                in_a_row += 1
                failed += 1
                pending[key] = CachedAnswer(AnswerStatus.ERROR, None, None, None, self.geocoder.source, now)
                if in_a_row >= MAX_FAILURES_IN_A_ROW:
                    down = True
                    warnings.append(
                        f"Der Geokodierer ({self.geocoder.source}) antwortet nicht ({error}); "
                        f"{count_noun(len(keys) - asked + failed, 'Adresse', 'Adressen')} nicht geokodiert, diese "
                        "Organisationen stehen am Mittelpunkt ihrer Postleitzahl. Der Import ist davon nicht betroffen."
                    )
                    break
                continue
            in_a_row = 0
            chosen = choose(builder.resolver, candidates, organisation.postcode or "")
            pending[key] = (
                CachedAnswer(AnswerStatus.NOT_FOUND, None, None, None, self.geocoder.source, now)
                if chosen is None
                else CachedAnswer(
                    AnswerStatus.FOUND, chosen.lat, chosen.lon, chosen.level.value, self.geocoder.source, now
                )
            )
            if len(pending) >= _STORE_EVERY:
                self.cache.store(pending)
                answers.update(pending)
                pending = {}
        self.cache.store(pending)
        answers.update(pending)
        if failed and not down:
            warnings.append(
                f"{count_noun(failed, 'Anfrage', 'Anfragen')} an den Geokodierer ({self.geocoder.source}) ohne "
                "Antwort; diese Organisationen stehen am Mittelpunkt ihrer Postleitzahl, ihre Adressen werden nach "
                f"{german_int(self.settings.geocoder_error_ttl_hours)} Stunden erneut abgefragt."
            )
        return asked, answers, warnings

    def _move(
        self,
        result: list[Organisation],
        qualifying: list[int],
        keys: Mapping[int, str],
        answers: Mapping[str, CachedAnswer],
        builder: ProfileBuilder,
    ) -> tuple[int, list[tuple[int, str]]]:
        """Relocate every qualifying organisation with a found, plausible point; the implausible ones by reason."""
        found = [
            (i, answer)
            for i in qualifying
            if (answer := answers.get(keys[i])) is not None and answer.status is AnswerStatus.FOUND
        ]
        checked = check_address_points(
            builder.resolver,
            [(float(a.lat or 0.0), float(a.lon or 0.0), result[i].postcode or "") for i, a in found],
        )
        movable = [
            (i, location) for (i, _), location in zip(found, checked, strict=True) if isinstance(location, Location)
        ]
        implausible = [
            (i, location.message)
            for (i, _), location in zip(found, checked, strict=True)
            if not isinstance(location, Location)
        ]
        moved = builder.relocate([result[i] for i, _ in movable], [location for _, location in movable])
        for (i, _), organisation in zip(movable, moved, strict=True):
            result[i] = organisation
        return len(movable), implausible

    def _implausible_warnings(
        self, implausible: list[tuple[int, str]], result: list[Organisation], rows: Mapping[str, int]
    ) -> list[str]:
        warnings = []
        for i, reason in implausible[:MAX_NAMED_ROWS]:
            organisation = result[i]
            where = f"Zeile {rows[organisation.id]}" if organisation.id in rows else f"id {organisation.id}"
            warnings.append(f"{where} ({organisation.address}, {organisation.postcode}): {reason} Verwendet wird der "
                            "Mittelpunkt der Postleitzahl.")  # fmt: skip
        if len(implausible) > MAX_NAMED_ROWS:
            warnings.append(
                f"… und {count_noun(len(implausible) - MAX_NAMED_ROWS, 'weitere Zeile', 'weitere Zeilen')} mit "
                "unglaubwürdigem Geokodierergebnis (Mittelpunkt der Postleitzahl verwendet)."
            )
        return warnings


def build_locator(settings: ServiceSettings, cache: GeocodeCache) -> AddressLocator | None:
    """The locator for the configured geocoder; ``None`` for BMM_GEOCODER=none (no per-row geocoding work)."""
    from service.config import GeocoderKind
    from service.geocoding.client import GeopyGeocoder

    if settings.geocoder is GeocoderKind.NONE:
        return None
    return AddressLocator(GeopyGeocoder(settings), cache, settings)
