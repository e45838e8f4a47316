"""The peers' home places follow the store: consenting uploads only, read again only for the changed ids."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from matcher.profiles import ProfileBuilder
from matcher.reference import ReferenceData, load_reference_data
from matcher.residences.aggregation import ResidenceCounts
from matcher.residences.places import NO_HOME_PLACES
from matcher.settings import MatcherSettings
from matcher.vectorise import fit_vectoriser
from service.residence_places import ResidencePlaces
from service.residences import ResidenceAnalyst
from service.snapshot import OrganisationColumns, columns_of
from service.storage.repository import StoredResidences
from tests.service.conftest import OrganisationFactory

DORTMUND, UNNA = "05913000", "05978036"


class FakeResidences:
    """The part of the residence store ResidencePlaces reads, recording what was asked."""

    def __init__(self, uploads: dict[str, dict[str, int]]) -> None:
        self.uploads = uploads
        self.asked: list[list[str]] = []

    def get_many(self, ids: Sequence[str]) -> dict[str, StoredResidences]:
        self.asked.append(list(ids))
        at = datetime(2026, 12, 6, tzinfo=UTC)
        return {i: StoredResidences(i, ResidenceCounts.of(self.uploads[i]), at) for i in ids if i in self.uploads}


def _organisations(make_organisation: OrganisationFactory, consenting: set[str]) -> OrganisationColumns:
    organisations = [
        make_organisation(id=i, employees=10 + n).model_copy(update={"share_residence_aggregates": i in consenting})
        for n, i in enumerate(("a", "b", "c"))
    ]
    settings = MatcherSettings()
    builder = ProfileBuilder(load_reference_data(), settings)
    return columns_of(organisations, fit_vectoriser(organisations, settings.vectors), builder)


def test_only_consenting_uploads_count_and_only_changed_ids_are_read_again(
    reference: ReferenceData, make_organisation: OrganisationFactory
) -> None:
    store = FakeResidences({"a": {"44135": 6, "59423": 5}, "b": {"59423": 7}, "c": {"59423": 9}})
    places = ResidencePlaces(store, ResidenceAnalyst(reference, MatcherSettings().transit, k=5))  # type: ignore[arg-type]
    organisations = _organisations(make_organisation, {"a", "b"})
    first = places.refresh(organisations, None, NO_HOME_PLACES)
    assert first.by_organisation == {"a": (DORTMUND, UNNA), "b": (UNNA,)}  # c did not consent
    assert first.names == {DORTMUND: "Dortmund", UNNA: "Unna"}
    assert store.asked == [["a", "b"]]

    store.uploads["b"] = {"44135": 5}  # b uploads again; a is unchanged
    second = places.refresh(organisations, ["b"], first)
    assert store.asked[-1] == ["b"]
    assert second.by_organisation == {"a": (DORTMUND, UNNA), "b": (DORTMUND,)}

    withdrawn = _organisations(make_organisation, {"b"})  # a withdraws consent (its profile changed)
    third = places.refresh(withdrawn, ["a"], second)
    assert len(store.asked) == 2  # nothing to read: the changed id no longer consents
    assert third.by_organisation == {"b": (DORTMUND,)}
    assert third.names == {DORTMUND: "Dortmund"}  # Unna is nobody's place any more
