"""What to do in a cluster and who should be at the table (``matcher.planning.clusters.finding``; docs/planning.md).

The advisor and funding rules are those of ``matcher.matching.advisors`` and ``matcher.matching.funding``, applied to a
"table" organisation at the cluster's centroid: a municipality (for the municipality, the Zukunftsnetz
office or regional programme and, with a transit problem among the dominant ones, the transport
association), a company and a craft business (for the chambers), and to the members themselves
(may they apply for a programme?).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import numpy.typing as npt

from matcher.catalog import Catalog, FundingProgramme, FundingStatus
from matcher.geo.naming import KreisNaming
from matcher.index import OrganisationIndex
from matcher.matching.advisors import ROLE_LABELS_DE, AdvisorRecommendation, AdvisorRole, recommend_advisors
from matcher.matching.funding import (
    INSTRUMENT_LABELS_DE,
    Eligibility,
    applicant_rate_text,
    applicant_terms,
    availability_problems,
    coverage_weights,
    eligibility_problems,
    is_indirect,
    sector_unchecked,
)
from matcher.models import Organisation
from matcher.planning.clusters.models import ClusterFunding, ClusterMeasure, FundingApplicant, TableSeat
from matcher.settings import MatcherSettings
from matcher.vectorise import PROBLEMS
from matcher.vocabulary import CATEGORY_LABELS_DE, KIND_LABELS_DE, PROBLEM_LABELS_DE, OrganisationKind, ProblemCode

IntArray = npt.NDArray[np.int64]
MemberGroup = tuple[str, str | None, str, str, int]  # kind, sector, Land, Kreis, size class

_CHAMBER_KINDS = (OrganisationKind.COMPANY, OrganisationKind.CRAFT_BUSINESS)
_KIND_COUNTED = {  # (one, several)
    OrganisationKind.COMPANY: ("Unternehmen", "Unternehmen"),
    OrganisationKind.CRAFT_BUSINESS: ("Handwerksbetrieb", "Handwerksbetriebe"),
}
_TABLE_ROLES_MUNICIPALITY = (
    AdvisorRole.MUNICIPAL_NETWORK,
    AdvisorRole.REGIONAL_PROGRAMME,
    AdvisorRole.TRANSIT_AUTHORITY,
)
_ROLE_ORDER = {
    "municipality": 0,
    AdvisorRole.RESPONSIBLE_CHAMBER.value: 1,
    AdvisorRole.MUNICIPAL_NETWORK.value: 2,
    AdvisorRole.REGIONAL_PROGRAMME.value: 3,
    AdvisorRole.TRANSIT_AUTHORITY.value: 4,
}


def suggested_measures(
    index: OrganisationIndex, catalog: Catalog, members: IntArray, dominant: list[ProblemCode], limit: int
) -> list[ClusterMeasure]:
    """Joint measures addressing a dominant problem, by the share of the members' problem load they address.

    Load of problem p = (members reporting p) x IDF weight of p; ties by measure id.
    """
    issues = index.issues[members]
    counts = issues.sum(axis=0)
    load = counts * index.issue_weights
    total = float(load.sum())
    dominant_mask = np.array([code in dominant for code in PROBLEMS], dtype=np.bool_)
    ranked: list[tuple[float, str, int]] = []
    for row, measure_id in enumerate(index.measure_ids):
        measure = catalog.measures.get(measure_id)
        addresses = index.measure_addresses[row]
        if measure is None or not measure.joint_with_neighbours or not (addresses & dominant_mask).any():
            continue
        ranked.append((float(load[addresses].sum()) / total if total > 0 else 0.0, measure_id, row))
    ranked.sort(key=lambda item: (-item[0], item[1]))
    result = []
    for share, measure_id, row in ranked[:limit]:
        measure = catalog.measures[measure_id]
        columns = np.flatnonzero(index.measure_addresses[row] & (counts > 0))
        columns = columns[np.argsort(-counts[columns], kind="stable")]
        result.append(
            ClusterMeasure(
                id=measure_id,
                name=measure.name_de,
                category=measure.category,
                category_label=CATEGORY_LABELS_DE[measure.category],
                addresses=[PROBLEMS[c] for c in columns.tolist()],
                load_share=round(min(share, 1.0), 4),
                members_addressed=int(issues[:, index.measure_addresses[row]].any(axis=1).sum()),
                members_using=int(index.measures[members, row].sum()),
            )
        )
    return result


@dataclass
class FundingCheck:
    """Eligibility of members for programmes, cached per (programme, kind, sector, Land, Kreis, size class) for one
    call.

    Eligibility depends on headcount only through the SME limit and the programmes' own limits, so
    members whose headcounts lie between the same thresholds share one check. A member of unknown sector is not
    counted for a programme limited to sectors: it may apply only once its sector is checked.
    """

    catalog: Catalog
    settings: MatcherSettings
    as_of: date
    thresholds: npt.NDArray[np.int64] = field(init=False)
    sector_limited: bool = field(init=False)  # some programme is limited to sectors
    _cache: dict[tuple[str, MemberGroup], bool] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        limits = {self.settings.funding.sme_max_employees}
        for programme in self.catalog.funding.values():
            if programme.max_employees is not None:
                limits.add(programme.max_employees)
            if programme.min_employees is not None:
                limits.add(programme.min_employees - 1)
            for applicant in programme.conditions.applicants:  # size classes with their own rate or role
                if applicant.max_employees is not None:
                    limits.add(applicant.max_employees)
                if applicant.min_employees is not None:
                    limits.add(applicant.min_employees - 1)
        self.thresholds = np.array(sorted(limits), dtype=np.int64)
        self.sector_limited = any(p.conditions.sectors for p in self.catalog.funding.values())

    def programmes(
        self, index: OrganisationIndex, members: IntArray, measures: list[str], table: Organisation, limit: int
    ) -> list[ClusterFunding]:
        """Available programmes funding any of ``measures`` that the municipality or some members may use."""
        if not measures:
            return []
        weights = dict(zip(measures, coverage_weights(len(measures)), strict=True))
        size_class = np.searchsorted(self.thresholds, index.employees[members], side="left")
        # (kind, sector, state, Kreis, class) -> (a member, count); the Kreis matters for regional programmes, the
        # sector only when some programme is limited to sectors (otherwise it would only multiply the checks)
        sectors = index.sectors[members] if self.sector_limited else [None] * len(members)
        groups: dict[MemberGroup, tuple[int, int]] = {}
        for position, kind, sector, state, kreis, klass in zip(
            members.tolist(),
            index.kinds[members],
            sectors,
            index.states[members],
            index.kreis_codes[members],
            size_class.tolist(),
            strict=True,
        ):
            first, count = groups.get((kind, sector, state, kreis, klass), (position, 0))
            groups[(kind, sector, state, kreis, klass)] = (first, count + 1)
        ranked: list[tuple[float, ClusterFunding]] = []
        for programme in sorted(self.catalog.funding.values(), key=lambda p: p.id):
            funded = [m for m in measures if m in programme.fundable_measures]
            if not funded or availability_problems(programme, self.as_of):
                continue
            applicants = self._applicants(programme, index, groups, table)
            if applicants:
                coverage = sum(weights[m] for m in funded)
                ranked.append((coverage, _funding(programme, funded, applicants)))
        ranked.sort(key=lambda item: (-item[0], item[1].id))
        return [item for _, item in ranked[:limit]]

    def _applicants(
        self,
        programme: FundingProgramme,
        index: OrganisationIndex,
        groups: dict[MemberGroup, tuple[int, int]],
        table: Organisation,
    ) -> list[FundingApplicant]:
        applicants = []
        if not eligibility_problems(programme, table, self.settings.funding, self.as_of):
            label = KIND_LABELS_DE[table.kind]
            terms = applicant_terms(programme, table)
            eligibility = Eligibility.PARTNER_ONLY if is_indirect(terms) else Eligibility.ELIGIBLE
            rate = applicant_rate_text(programme, terms, table.kind)
            applicants.append(
                FundingApplicant(
                    kind=table.kind, label=label, eligible_members=None, eligibility=eligibility.value, rate_text=rate
                )
            )
        eligible: dict[OrganisationKind, int] = {}
        for group, (position, count) in groups.items():
            key = (programme.id, group)
            if key not in self._cache:
                self._cache[key] = self._member_eligible(programme, index, position, table)
            if self._cache[key]:
                kind = OrganisationKind(group[0])
                eligible[kind] = eligible.get(kind, 0) + count
        for kind in sorted(eligible, key=lambda k: list(OrganisationKind).index(k)):
            applicants.append(FundingApplicant(kind=kind, label=KIND_LABELS_DE[kind], eligible_members=eligible[kind]))
        return applicants

    def _member_eligible(
        self, programme: FundingProgramme, index: OrganisationIndex, position: int, table: Organisation
    ) -> bool:
        # Only kind, sector, Land, Kreis and headcount enter the rules: the table organisation stands in with those.
        stand_in = table.model_copy(
            update={
                "kind": OrganisationKind(index.kinds[position]),
                "sector": index.sectors[position],
                "employees": int(index.employees[position]),
                "location": table.location.model_copy(
                    update={"state": str(index.states[position]), "kreis_code": str(index.kreis_codes[position])}
                ),
            }
        )
        problems = eligibility_problems(programme, stand_in, self.settings.funding, self.as_of)
        return not problems and not sector_unchecked(programme, stand_in)


def _funding(programme: FundingProgramme, funded: list[str], applicants: list[FundingApplicant]) -> ClusterFunding:
    note = None
    if programme.status is FundingStatus.UNKNOWN:
        note = f"Status nicht bestätigt – zuletzt geprüft am {programme.checked_on:%d.%m.%Y}, vor Antrag prüfen"
    return ClusterFunding(
        id=programme.id,
        name=programme.name,
        instrument_label=INSTRUMENT_LABELS_DE[programme.instrument],
        status=programme.status,
        note=note,
        funds_measures=funded,
        applicants=applicants,
    )


@dataclass
class AdvisorLookup:
    """``recommend_advisors`` cached for one call: ids and roles depend only on the place (municipality,
    Kreis, Land), the kind and the transit problems, which many clusters share."""

    catalog: Catalog
    settings: MatcherSettings
    kreis_naming: KreisNaming
    _cache: dict[tuple[str, str, str, str, tuple[str, ...]], list[AdvisorRecommendation]] = field(
        default_factory=dict, init=False
    )

    def items(self, organisation: Organisation) -> list[AdvisorRecommendation]:
        location = organisation.location
        transit = tuple(sorted(i.value for i in organisation.issues if i in self.settings.advisors.transit_problems))
        key = (location.municipality_ags, location.kreis_code, location.state, organisation.kind.value, transit)
        if key not in self._cache:
            self._cache[key] = recommend_advisors(
                organisation, self.catalog, self.settings.advisors, self.kreis_naming
            ).items
        return self._cache[key]


def at_the_table(
    table: Organisation,
    advisors: AdvisorLookup,
    settings: MatcherSettings,
    member_kinds: dict[OrganisationKind, int],
    dominant: list[ProblemCode],
) -> list[TableSeat]:
    """The municipality of the centroid, the chambers of the members' kinds, the Zukunftsnetz office or
    regional programme, and the transport association when a dominant problem is a transit problem."""
    location = table.location
    seats = [
        TableSeat(
            id=location.municipality_ags,
            name=location.municipality_name,
            role="municipality",
            role_label="Standortkommune",
            reason=f"Standortkommune: der Schwerpunkt des Clusters liegt in {location.municipality_name}",
        )
    ]
    candidates: list[tuple[Organisation, tuple[AdvisorRole, ...]]] = [(table, _TABLE_ROLES_MUNICIPALITY)]
    for kind in _CHAMBER_KINDS:
        if member_kinds.get(kind):
            firm = table.model_copy(update={"kind": kind})
            candidates.append((firm, (AdvisorRole.RESPONSIBLE_CHAMBER, AdvisorRole.REGIONAL_PROGRAMME)))
    transit = [p for p in dominant if p in settings.advisors.transit_problems]
    seen = {location.municipality_ags}
    for organisation, roles in candidates:
        for item in advisors.items(organisation):
            if item.role not in roles or item.id in seen:
                continue
            seen.add(item.id)
            if item.role is AdvisorRole.RESPONSIBLE_CHAMBER:
                count = member_kinds[organisation.kind]
                noun = _KIND_COUNTED[organisation.kind][0 if count == 1 else 1]
                reason = f"zuständige Kammer für {count} {noun} im Cluster"
            elif item.role is AdvisorRole.TRANSIT_AUTHORITY:
                labels = " und ".join(PROBLEM_LABELS_DE[p] for p in transit)
                verb = "betrifft" if len(transit) == 1 else "betreffen"
                reason = f"Verkehrsverbund vor Ort: {labels} {verb} den Nahverkehr"
            else:
                reason = f"{ROLE_LABELS_DE[item.role]}, zuständig für {location.municipality_name}"
            seats.append(
                TableSeat(id=item.id, name=item.name, role=item.role.value, role_label=item.role_label, reason=reason)
            )
    seats[1:] = sorted(seats[1:], key=lambda seat: (_ROLE_ORDER[seat.role], seat.id))
    return seats
