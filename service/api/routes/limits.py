"""GET /api/v1/limits: the request limits of this service, so clients check them instead of copying them."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field

from service.api.cluster_schemas import CLUSTER_PAGE_MAX
from service.api.deps import SettingsDep

router = APIRouter(prefix="/api/v1", tags=["system"])


class Limits(BaseModel):
    max_body_bytes: int = Field(description="größter Anfrageinhalt in Bytes (sonst 413) / largest request body")
    import_max_bytes: int = Field(
        description="größte Importdatei in Bytes (sonst 413) / largest file for POST /organisations/import"
    )
    clusters_max_limit: int = Field(
        description="größte Seite von GET /clusters (`limit`, sonst 422) / largest page of GET /clusters"
    )
    residence_max_bytes: int = Field(
        description="größte Wohnort-Datei in Bytes (sonst 413) / largest upload for PUT …/residences"
    )
    residence_max_rows: int = Field(
        description="höchstens so viele Datenzeilen je Wohnort-Datei / most rows per upload"
    )
    residence_k: int = Field(
        description="Wohnstandortanalyse: Zellen mit weniger Personen werden unterdrückt / smallest cell shown"
    )


@router.get(
    "/limits",
    summary="Grenzen des Dienstes / Service limits",
    description="Größen, die der Dienst annimmt (öffentlich). / Sizes the service accepts (public).",
)
async def get_limits(settings: SettingsDep) -> Limits:  # reads settings only: no thread hop
    return Limits(
        max_body_bytes=settings.max_body_bytes,
        import_max_bytes=settings.import_max_bytes,
        clusters_max_limit=CLUSTER_PAGE_MAX,
        residence_max_bytes=min(settings.residence_max_bytes, settings.max_body_bytes),
        residence_max_rows=settings.residence_max_rows,
        residence_k=settings.residence_k,
    )
