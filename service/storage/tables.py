"""Relational schema (SQLAlchemy Core). Migrations in ``migrations/versions`` create exactly this."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

# Organisation ids compare and sort by code point, as Python sorts them: SQLite does so anyway; on
# PostgreSQL the column collation is "C" (migration 0004), whatever the database's default collation.
OrganisationId = String(64).with_variant(String(64, collation="C"), "postgresql")

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_name)s",
        "pk": "pk_%(table_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    }
)

organisations = Table(
    "organisations",
    metadata,
    Column("id", OrganisationId, primary_key=True),
    Column("kind", String(32), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("sector", String(1)),
    Column("employees", Integer, nullable=False),
    Column("employees_estimated", Boolean, nullable=False),
    Column("size_class", String(20)),
    Column("wz_code", String(7)),
    Column("lat", Float),
    Column("lon", Float),
    Column("postcode", String(5)),
    Column("address", String(300)),
    Column("estate", String(200), index=True),
    Column("shift_work", Boolean, nullable=False),
    Column("visible_to_peers", Boolean, nullable=False),
    Column("contact_shareable", Boolean, nullable=False),
    Column("share_residence_aggregates", Boolean, nullable=False),
    Column("contact_name", String(200)),
    Column("contact_email", String(254)),
    Column("contact_phone", String(32)),
    Column("synthetic", Boolean, nullable=False, index=True),
    # Derived from the reference geography; recomputed whenever the location changes.
    Column("location_lat", Float, nullable=False),
    Column("location_lon", Float, nullable=False),
    # coordinates | address | postcode | municipality (matcher.vocabulary.LocationPrecision; migration 0007)
    Column("location_precision", String(16), nullable=False),
    Column("municipality_ags", String(8), nullable=False, index=True),
    Column("municipality_name", String(200), nullable=False),
    Column("kreis_code", String(5), nullable=False, index=True),
    Column("kreis_name", String(200), nullable=False),
    Column("state", String(5), nullable=False, index=True),
    Column("station_distance_km", Float, nullable=False),
    Column("nearest_station", String(200), nullable=False),
    # Transit quality from every stop (matcher/transit); JSON: NearestStop objects.
    Column("transit_class", String(4), nullable=False),
    Column("transit_stop", JSON),
    Column("transit_stops", JSON, nullable=False),
    Column("urbanisation", String(16), nullable=False),
    Column("population_density", Float, nullable=False),
    Column("kreis_commuter_balance", Integer, nullable=False),
    Column("kreis_commuter_balance_per_1000", Float, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

organisation_issues = Table(
    "organisation_issues",
    metadata,
    Column("organisation_id", OrganisationId, ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True),
    Column("issue", String(64), primary_key=True),
    Index("ix_organisation_issues_issue", "issue"),
)

organisation_measures = Table(
    "organisation_measures",
    metadata,
    Column("organisation_id", OrganisationId, ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True),
    Column("measure_id", String(64), primary_key=True),
    Index("ix_organisation_measures_measure_id", "measure_id"),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(32), primary_key=True),
    # sha256 hex of the secret; the secret itself is never stored.
    Column("key_hash", String(64), nullable=False),
    Column("role", String(16), nullable=False),
    Column("subject", String(64)),
    Column("label", String(200)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
    # Why: 'manual' (bmm keys revoke) or 'organisation_deleted' (its organisation was deleted; migration 0010).
    Column("revoked_reason", String(32)),
    Index("ix_api_keys_key_hash", "key_hash", unique=True),
)

# One row per running import (name 'organisations'): a second process finds the row and is refused; an
# expired row (its process died) is taken over. Migration 0010.
import_locks = Table(
    "import_locks",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("owner", String(64), nullable=False),
    Column("acquired_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

# Every write appends the ids it changed, so each service process can bring its in-memory index up to
# date with only those (a NULL id means "many changed: reload everything").
organisation_changes = Table(
    "organisation_changes",
    metadata,
    Column("revision", Integer, primary_key=True, autoincrement=True),
    Column("organisation_id", String(64)),
    Column("changed_at", DateTime(timezone=True), nullable=False),
)

# Each serving process (a reader of the change log, service/freshness.py) records the revision its index has
# applied; rows at or below the lowest applied revision of the readers seen recently are pruned from the log.
# Migration 0012.
change_readers = Table(
    "change_readers",
    metadata,
    Column("reader_id", String(64), primary_key=True),
    Column("applied_revision", Integer, nullable=False),
    Column("heartbeat_at", DateTime(timezone=True), nullable=False),
)

# One row: the log holds no rows at or below this revision any more, so a reader behind it reloads everything.
change_log_pruned = Table(
    "change_log_pruned",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("revision", Integer, nullable=False),
)

# Every recommendation served, with a snapshot of what was shown (ids, scores, reason codes; never
# contact data), so that feedback can later be learned from.
recommendation_log = Table(
    "recommendation_log",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("served_at", DateTime(timezone=True), nullable=False, index=True),
    Column("endpoint", String(32), nullable=False),
    Column("item_type", String(16), nullable=False),
    Column("organisation_id", String(64), index=True),  # None for an unstored profile (POST /match)
    Column("key_id", String(32)),  # None for anonymous callers
    Column("role", String(16)),
    Column("parameters", Text, nullable=False),  # JSON
    Column("items", Text, nullable=False),  # JSON: [{id, rank, score, reasons: [code, ...]}]
)

feedback = Table(
    "feedback",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("organisation_id", String(64), nullable=False, index=True),
    Column("item_type", String(16), nullable=False),
    Column("item_id", String(64), nullable=False),
    Column("verdict", String(16), nullable=False),
    Column("comment", Text),
    Column("key_id", String(32)),
    Column("role", String(16)),
    # The latest logged recommendation to this organisation that showed the item, when there is one.
    Column("recommendation_id", String(32), ForeignKey("recommendation_log.id", ondelete="SET NULL")),
)

# Imported GTFS feeds (bmm transit import, docs/transit.md): the departures per packaged stop
# (data/geo/transit_stops.csv) and mode group that replace the mode proxy where a feed covers a stop.
transit_feeds = Table(
    "transit_feeds",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("source", String(300), nullable=False),  # the file name it was imported from
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date, nullable=False),
    Column("service_date", Date, nullable=False),  # the weekday counted
    Column("feed_stops", Integer, nullable=False),  # stops with departures that day
    Column("matched_by_name", Integer, nullable=False),
    Column("matched_by_position", Integer, nullable=False),
    Column("unmatched", Integer, nullable=False),
    Column("stops_covered", Integer, nullable=False),  # packaged stops with departures
    Column("imported_at", DateTime(timezone=True), nullable=False),
)

transit_departures = Table(
    "transit_departures",
    metadata,
    Column("feed", String(100), ForeignKey("transit_feeds.name", ondelete="CASCADE"), primary_key=True),
    Column("stop_id", String(32), primary_key=True),
    Column("mode_group", String(16), primary_key=True),
    Column("peak_per_hour", Float, nullable=False),
    Column("shift", JSON, nullable=False),  # [{hour, departures}]
    Column("feed_stop_ids", JSON, nullable=False),  # the feed's stops summed into this one (traceability)
)

# Staff home postcodes (issue 14): per organisation only head counts per postcode, never a row per person.
# One row per organisation with the counts as a JSON object {postcode: count}: analyses read whole uploads, never
# single postcodes across organisations, and a demo stores 10,000 uploads (470,000 counts) in one pass.
# No foreign key to organisations: a profile update rewrites the organisation's row (delete + insert), which
# must keep the upload; deleting the organisation erases it explicitly (SqlOrganisationRepository.delete).
residence_uploads = Table(
    "residence_uploads",
    metadata,
    Column("organisation_id", OrganisationId, primary_key=True),
    Column("uploaded_at", DateTime(timezone=True), nullable=False),
    Column("total", Integer, nullable=False),  # people in the upload (the sum of the counts)
    Column("counts", JSON, nullable=False),  # {postcode: people}, every count ≥ 1
)

# Each `bmm learn` fit (matcher/learning): the model card as JSON (data window, counts, held-out metrics,
# adjustments with their evidence). The newest active version is served; rollback and disable clear flags.
learned_versions = Table(
    "learned_versions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("events", Integer, nullable=False),  # counted judgements
    Column("adjustments", Integer, nullable=False),  # cells with an adjustment
    Column("card", Text, nullable=False),  # JSON: matcher.learning.evaluation.LearningResult
)

# Answers of the geocoder by normalised address (matcher.geo.geocoding.address_key), so that an unchanged
# list is never asked again: a point (status found, precision house or street), an address the geocoder did
# not find (not_found) or a failed request (error); each is reused until its age passes the TTL of its
# status (ServiceSettings.geocoder_*_ttl_*). Geocoder answers about addresses of firms, no personal data.
geocode_cache = Table(
    "geocode_cache",
    metadata,
    Column("address_key", String(320), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("lat", Float),
    Column("lon", Float),
    Column("precision", String(16)),
    Column("source", String(16), nullable=False),
    Column("geocoded_on", DateTime(timezone=True), nullable=False),
)
