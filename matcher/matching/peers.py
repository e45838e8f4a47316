"""Peers: who near me has the same problem, or has already solved it?

Candidates come from exact great-circle geography within a radius that widens when too few qualify
(blocking, as in record linkage: the nearest members of the same peer group and the nearest ones that
share each of my rarest problems); they are then ranked exactly by six components whose
weights are in ``PeerSettings.weights``: distance (exponential decay), same Gewerbegebiet, shared
problems (IDF-weighted share of my problems), profile similarity (cosine of the fitted vectors),
experience (the peer already has measures in place that address my problems) and, when I report a transit
problem at my site, the transit situation (the peer reports one too and its ÖV-Güteklasse is in my band, or its
measures address mine; the reason names its class and stop). A seventh, shared home places
(``PeerSettings.shared_homes``), applies when the service passes ``HomePlaces`` (consented residence aggregates,
≥ k staff per firm and municipality) and the asking organisation has some.
A company or craft business of unknown sector has an all-zero sector block (``matcher.vectorise``), so the
sector neither raises nor lowers its similarity; the reason ``sector_unknown`` (weight 0) says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import compress

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from matcher.catalog import Catalog
from matcher.columns import CodedColumn
from matcher.errors import InputError
from matcher.explain import WEIGHT_DECIMALS, Reason, Recommendation, explain
from matcher.index import OrganisationIndex
from matcher.models import Organisation, assembled
from matcher.residences.places import NO_HOME_PLACES, HomePlaces
from matcher.settings import PeerSettings
from matcher.transit.model import TransitClass
from matcher.transit.situation import BAND_LABELS_DE, SITE_TRANSIT_COLUMNS, TRANSIT_BANDS, transit_problems
from matcher.transit.text import site_phrase
from matcher.vectorise import PROBLEMS, Vectoriser
from matcher.vocabulary import (
    PRECISION_LABELS_DE,
    PROBLEM_LABELS_DE,
    SITE_PRECISIONS,
    LocationPrecision,
    OrganisationKind,
    ProblemCode,
    sector_unknown,
)
from matcher.wording import format_km, join_de

SECTOR_UNKNOWN = "sector_unknown"  # weight 0: the sector was left out of the profile comparison
SIMILAR = "ähnliches Profil (Größe, Branche, Art und Lage)"
SIMILAR_SECTOR_UNKNOWN = "ähnliches Profil (Größe, Art und Lage)"
# The scored components: the rows of the weights matrix, the codes of their reasons.
_COMPONENTS = (
    "distance", "same_estate", "shared_issues", "similar_profile", "experience", "transit_situation", "shared_homes"
)  # fmt: skip
PLACES_NAMED = 3  # municipalities named in the shared-homes reason, then "und n weiteren"


class PeerRecommendation(Recommendation):
    kind: OrganisationKind
    distance_km: float
    proximity: str = Field(
        description="how near, as far as both locations are known: '1,2 km entfernt' needs address or coordinates "
        "on both ends, else 'in derselben PLZ', 'im selben Ort' or 'etwa … km entfernt (…)'"
    )
    location_precision: LocationPrecision = Field(description="how well the peer's location is known")
    same_estate: bool
    shared_issues: list[ProblemCode] = Field(description="my problems the peer reports too")
    solved_with: list[str] = Field(description="the peer's measures in place that address my problems")
    transit_class: TransitClass = Field(description="ÖV-Güteklasse of the peer's site (docs/transit.md)")
    transit_label: str = Field(description="German: the class and the stop that gives it (or the nearest stop)")
    shared_home_places: list[str] = Field(
        default_factory=list,
        description="AGS of the municipalities where at least k staff of both organisations live (only when both "
        "consented to share residence aggregates), ordered by my staff there",
    )


PEER_FIELDS = frozenset(PeerRecommendation.model_fields)


class PeerAnswer(BaseModel):
    model_config = ConfigDict(frozen=True)

    radius_km: float = Field(description="search radius finally used (widened when too few peers qualified)")
    candidates: int = Field(description="qualifying organisations within that radius that were ranked")
    items: list[PeerRecommendation]


ANSWER_FIELDS = frozenset(PeerAnswer.model_fields)


def recommend_peers(
    organisation: Organisation,
    index: OrganisationIndex,
    vectoriser: Vectoriser,
    catalog: Catalog,
    settings: PeerSettings,
    *,
    include_invisible: bool = False,
    limit: int | None = None,
    radius_km: float | None = None,
    home_places: HomePlaces | None = None,
    rows: list[int] | None = None,
) -> PeerAnswer:
    """Ranked, explained peers. Never the organisation itself; only visible ones unless the caller's
    role allows more (``include_invisible`` is the service's decision, not the library's). ``home_places``:
    the k-safe home municipalities of the organisations that consented (the service's selection). ``rows``: when
    given, the ``index`` rows of the peers shown are appended to it in the items' order (a caller reading their
    columns then needs no search by id: ten ids in a million cost ~40 µs)."""
    if limit is not None and not 1 <= limit <= 100:
        raise InputError("limit", f"limit muss zwischen 1 und 100 liegen (angegeben: {limit}).", "out_of_range")
    if radius_km is not None and not 0 < radius_km <= settings.max_radius_km:
        raise InputError(
            "radius_km",
            f"radius_km muss größer als 0 und höchstens {settings.max_radius_km:g} sein (angegeben: {radius_km:g}).",
            "out_of_range",
        )
    query = index.query_point(organisation, vectoriser)
    limit = limit or settings.default_limit
    territorial = query.group == "territorial"
    radius = radius_km or (settings.municipality_radius_km if territorial else settings.radius_km)
    while True:
        found = index.peer_candidates(
            query,
            radius,
            settings.nearest_candidates + 1,
            settings.per_problem_candidates,
            settings.problem_queries,
            visible_only=not include_invisible,
        )
        # A stored organisation is known by its row; the ids are compared only for one the index does not hold
        # (an unsaved profile), whose id may still be a row's (comparing the id column costs more than the search).
        keep = found.positions != query.position
        if query.position < 0:
            keep &= index.ids[found.positions] != organisation.id
        positions, distance = found.positions[keep], found.distance_km[keep]
        if len(positions) >= settings.min_candidates or radius >= settings.max_radius_km or radius_km:
            break
        radius = min(radius * 2, settings.max_radius_km)

    weights = settings.weights
    idf = index.issue_weights
    my_weight = float(idf[query.issues].sum()) or 1.0  # no problems of mine: shared/experience are 0 anyway
    # The candidates' rows, each column gathered once (``take``: a fraction of fancy indexing's cost on small arrays).
    issues = index.issues.take(positions, axis=0)
    shared = issues & query.issues
    solved = index.solved.take(positions, axis=0) & query.issues  # my problems their measures in place address
    in_estate = (index.estates.take(positions) == query.estate) & bool(query.estate)
    transit = _transit_situation(organisation, positions, issues, solved, index)
    places = home_places or NO_HOME_PLACES
    mine = places.of(organisation.id)
    together = [_in_both(mine, places.of(str(i))) for i in index.ids[positions]] if mine else None
    # Shared homes count only when I have home places; the other weights then make room for them.
    scale = 1 - settings.shared_homes if mine else 1.0
    # One row per component, already multiplied by its weight: distance, estate, shared, similarity, experience,
    # transit situation, shared homes (the share of my home places where the peer's staff live too).
    weighted = np.zeros((len(_COMPONENTS), len(positions)), dtype=np.float64)
    weighted[0] = scale * weights.distance * np.exp(-distance / settings.distance_decay_km)
    weighted[1] = scale * weights.same_estate * in_estate
    weighted[2] = scale * weights.shared_issues * (shared @ idf) / my_weight
    weighted[3] = scale * weights.similarity * np.clip(index.vectors.take(positions, axis=0) @ query.vector, 0.0, 1.0)
    weighted[4] = scale * weights.experience * (solved @ idf) / my_weight
    weighted[5] = scale * weights.transit_situation * (transit.same_band | transit.addressed)
    if together is not None:
        weighted[6] = settings.shared_homes * np.array([len(t) / len(mine) for t in together], dtype=np.float64)
    # Rank by the score as published: the sum of the reason weights rounded like explain() rounds them.
    published = np.round(np.round(weighted, WEIGHT_DECIMALS).sum(axis=0), WEIGHT_DECIMALS)
    order = np.lexsort((index.id_order(positions), -published))[:limit]
    # Only the rows shown are explained: their columns are read once, for all of them together.
    shown_rows = positions[order]
    if rows is not None:
        rows.extend(shown_rows.tolist())
    shown = _Shown.of(index, shown_rows, solved[order], query.issues, organisation.sector_unknown)
    items = [
        _explain_peer(
            organisation,
            shown,
            row,
            float(distance[i]),
            bool(in_estate[i]),
            weights_row,
            shared_row,
            catalog,
            _transit_text(transit, i, shown.sites[row]),
            together[i] if together is not None else [],
            places,
        )
        for row, (i, weights_row, shared_row) in enumerate(
            zip(order.tolist(), weighted[:, order].T.tolist(), shared[order].tolist(), strict=True)
        )
    ]
    # Assembled like its items (radius_km made a float as validating would: a caller may pass an int).
    return assembled(
        PeerAnswer, {"radius_km": float(radius), "candidates": len(positions), "items": items}, ANSWER_FIELDS
    )


def proximity(
    mine: Organisation, precision: LocationPrecision, postcode: str | None, municipality_ags: str, distance_km: float
) -> str:
    """How near another organisation is, claiming no more than both locations allow: a distance in km only
    when both are known to the address (or given as coordinates); otherwise the shared postcode or place."""
    if mine.location.precision in SITE_PRECISIONS and precision in SITE_PRECISIONS:
        return f"{format_km(distance_km)} entfernt"
    if mine.postcode is not None and mine.postcode == postcode:
        return f"in derselben PLZ ({postcode})"
    if mine.location.municipality_ags == municipality_ags:
        return f"im selben Ort ({mine.location.municipality_name})"
    coarse = precision if mine.location.precision in SITE_PRECISIONS else mine.location.precision
    return f"etwa {format_km(distance_km)} entfernt (Lage nur nach {PRECISION_LABELS_DE[coarse]} bekannt)"


@dataclass(frozen=True)
class _Shown:
    """The index's columns for the peers shown (in their order), each read once for all of them."""

    ids: list[str]
    names: list[str]
    kinds: list[OrganisationKind]
    precisions: list[LocationPrecision]
    postcodes: list[str | None]
    municipality_ags: list[str]
    transit_classes: list[TransitClass]
    sites: list[str]  # the ÖV-Güteklasse and the stop that gives it (site_phrase)
    solved_with: list[list[str]]  # the measures in place that address my problems (catalogue order)
    solved: list[list[ProblemCode]]  # my problems those measures address (PROBLEMS order)
    unknown: list[str]  # whose sector is unknown ("" when both are known)

    @classmethod
    def of(
        cls,
        index: OrganisationIndex,
        positions: npt.NDArray[np.int64],
        solved: npt.NDArray[np.bool_],
        my_issues: npt.NDArray[np.bool_],
        my_sector_unknown: bool,
    ) -> _Shown:
        """``solved``: the rows' solved problems that are mine."""
        kinds, classes = index.kinds[positions].tolist(), index.transit_classes[positions].tolist()
        sectors, stops = index.sectors[positions].tolist(), index.transit_stops[positions].tolist()
        rows, ids, names = positions.tolist(), index.ids, index.names  # text columns: a row at a time is cheaper
        return cls(
            ids=[ids[row] for row in rows],
            names=[names[row] for row in rows],
            kinds=kinds,  # coded columns of enums give their members (matcher.index.CODED_COLUMNS)
            precisions=index.precisions[positions].tolist(),
            postcodes=index.postcodes[positions].tolist(),
            municipality_ags=[str(a) for a in index.municipality_ags[positions].tolist()],
            transit_classes=classes,
            sites=[site_phrase(c, stop) for c, stop in zip(classes, stops, strict=True)],
            solved_with=_measures_addressing(index, positions, my_issues),
            solved=[list(compress(PROBLEMS, row)) for row in solved.tolist()],
            unknown=[
                _sector_unknown_text(my_sector_unknown, sector_unknown(k, s))
                for k, s in zip(kinds, sectors, strict=True)
            ],
        )


def _measures_addressing(
    index: OrganisationIndex, positions: npt.NDArray[np.int64], my_issues: npt.NDArray[np.bool_]
) -> list[list[str]]:
    """Per row, its measures in place that address any of my problems, in catalogue order (one search over all the
    rows' flags). A measure in place addresses only problems the row has solved, so these are exactly the measures
    that address the problems the row has solved of mine."""
    found: list[list[str]] = [[] for _ in range(len(positions))]
    if not my_issues.any():
        return found
    relevant = index.measure_addresses[:, my_issues].any(axis=1)
    rows, columns = np.nonzero(index.measures.take(positions, axis=0) & relevant)
    measure_ids = index.measure_ids
    for row, column in zip(rows.tolist(), columns.tolist(), strict=True):
        found[row].append(measure_ids[column])
    return found


def _explain_peer(
    mine: Organisation,
    shown: _Shown,
    row: int,
    distance_km: float,
    same_estate: bool,
    weighted: list[float],
    shared: list[bool],
    catalog: Catalog,
    transit_text: str,
    home_places: list[str],
    places: HomePlaces,
) -> PeerRecommendation:
    shared_codes = list(compress(PROBLEMS, shared))
    measure_ids = shown.solved_with[row]
    unknown = shown.unknown[row]
    precision = shown.precisions[row]
    near = proximity(mine, precision, shown.postcodes[row], shown.municipality_ags[row], distance_km)
    texts = (
        near,
        "im selben Gewerbegebiet",
        _shared_text(shared_codes),
        SIMILAR_SECTOR_UNKNOWN if unknown else SIMILAR,
        _experience_text(measure_ids, shown.solved[row], catalog),
        transit_text,
        _shared_homes_text([places.names[p] for p in home_places]),
    )
    score, reasons = explain(zip(_COMPONENTS, texts, weighted, strict=True))  # plain tuples: cheaper to make
    if unknown:  # after the scored reasons: it explains what the score left out, it adds nothing
        reasons.append(Reason(code=SECTOR_UNKNOWN, text=unknown, weight=0.0))
    # Assembled, not validated: every value is already of its field's type (the index's kinds and classes are
    # the enums, the codes ProblemCode, the score in [0, 1] by explain); tests/matcher/matching/test_peers.py
    # holds it to the validating constructor.
    return assembled(
        PeerRecommendation,
        {
            "id": shown.ids[row],
            "name": shown.names[row],
            "score": score,
            "reasons": reasons,
            "kind": shown.kinds[row],
            "distance_km": distance_km,
            "proximity": near,
            "location_precision": precision,
            "same_estate": same_estate,
            "shared_issues": shared_codes,
            "solved_with": measure_ids,
            "transit_class": shown.transit_classes[row],
            "transit_label": shown.sites[row],
            "shared_home_places": home_places,
        },
        PEER_FIELDS,
    )


def _shared_text(codes: list[ProblemCode]) -> str:
    lead = "hat dasselbe Problem: " if len(codes) == 1 else "hat dieselben Probleme: "
    return lead + join_de([PROBLEM_LABELS_DE[c] for c in codes])


def _sector_unknown_text(mine: bool, theirs: bool) -> str:
    """German: whose sector is unknown, and that the comparison left it out ("" when both are known)."""
    if mine and theirs:
        whose = "Ihre und die des Betriebs"
    elif mine or theirs:
        whose = "Ihre" if mine else "die des Betriebs"
    else:
        return ""
    return f"Branche unbekannt ({whose}) – beim Profilvergleich nicht berücksichtigt"


def _in_both(mine: tuple[str, ...], theirs: tuple[str, ...]) -> list[str]:
    """My home places (in my order) where the peer's staff live too."""
    other = set(theirs)
    return [place for place in mine if place in other]


def _shared_homes_text(names: list[str]) -> str:
    if not names:
        return ""  # weight 0: the reason is dropped
    if len(names) == 1:
        where = f"im selben Ort ({names[0]})"
    elif len(names) <= PLACES_NAMED:
        where = f"in denselben Orten ({join_de(names)})"
    else:
        where = f"in denselben Orten ({', '.join(names[:PLACES_NAMED])} und {len(names) - PLACES_NAMED} weiteren)"
    return f"Ihre Beschäftigten wohnen {where}: Fahrgemeinschaften über Betriebsgrenzen möglich"


def _experience_text(measure_ids: list[str], problems: list[ProblemCode], catalog: Catalog) -> str:
    """``problems``: those of mine the measures address, in PROBLEMS order."""
    if not measure_ids:
        return ""  # weight 0: the reason is dropped
    names = join_de([f"„{catalog.measures[m].name_de}“" for m in measure_ids])
    labels = join_de([PROBLEM_LABELS_DE[p] for p in problems])
    subject = "das adressiert" if len(measure_ids) == 1 else "diese adressieren"
    problem = "Ihr Problem" if len(problems) == 1 else "Ihre Probleme"
    return f"Vorbild: hat bereits {names} eingeführt – {subject} {problem} {labels}"


@dataclass(frozen=True)
class _TransitSituation:
    """Per candidate: reports a transit problem at its site too and is in my ÖV-Güteklasse band; whether its measures
    address my transit problems at the site. Both all False when I report none (the component is about a problem,
    not about transit in general)."""

    same_band: npt.NDArray[np.bool_]
    addressed: npt.NDArray[np.bool_]
    problems: list[ProblemCode]
    band: str


def _transit_situation(
    organisation: Organisation,
    positions: npt.NDArray[np.int64],
    issues: npt.NDArray[np.bool_],
    solved: npt.NDArray[np.bool_],
    index: OrganisationIndex,
) -> _TransitSituation:
    """``issues`` and ``solved``: the candidates' rows of those columns (``solved`` only where they are mine)."""
    problems = transit_problems(organisation.issues)
    band = TRANSIT_BANDS[organisation.features.transit_class]
    if not problems:
        nobody = np.zeros(len(positions), dtype=np.bool_)
        return _TransitSituation(nobody, nobody, problems, band)
    # The same situation: the peer reports a transit problem at its site too, and its class is in my band (looked
    # up per code of the column, not per candidate; the code -1, no class, is in no band).
    classes: CodedColumn = index.transit_classes
    in_band = np.array([TRANSIT_BANDS[c] == band for c in classes.vocabulary.labels[:-1].tolist()] + [False])
    same_band = in_band[classes.codes.take(positions)] & issues[:, SITE_TRANSIT_COLUMNS].any(axis=1)
    addressed = np.asarray(solved[:, SITE_TRANSIT_COLUMNS].any(axis=1), dtype=np.bool_)
    return _TransitSituation(same_band, addressed, problems, band)


def _transit_text(transit: _TransitSituation, row: int, where: str) -> str:
    """'gleiche ÖV-Lage (geringe oder keine Erschließung): ÖV-Güteklasse D (…): Bushaltestelle …, 400 m' (``where``:
    the peer's site_phrase)."""
    same, addressed = bool(transit.same_band[row]), bool(transit.addressed[row])
    if not (same or addressed):
        return ""
    if same and addressed:
        return f"gleiche ÖV-Lage ({BAND_LABELS_DE[transit.band]} Erschließung), dort bereits angegangen: {where}"
    if same:
        return f"gleiche ÖV-Lage ({BAND_LABELS_DE[transit.band]} Erschließung): {where}"
    return f"hat {join_de([PROBLEM_LABELS_DE[p] for p in transit.problems])} bereits angegangen: {where}"
