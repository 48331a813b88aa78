"""Settings, validated, from environment variables (prefix RAG_) or a .env file. Used by the CLI and the
HTTP service; the library itself takes plain arguments."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from rag.embedders import DEFAULT_MODEL
from rag.search.filters import COLLECTION_NAME


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RAG_", env_file=".env", extra="ignore")

    # index and model
    index_dir: Path = Path("index")
    model: str = DEFAULT_MODEL
    model_dir: Path | None = Field(None, description="where the rebuilt model is cached (default: INDEX_DIR/models)")
    embed_backend: Literal["onnx", "torch", "onnx-int8"] = "onnx"
    int8_queries: bool | None = Field(None, description="queries through the int8 model, passages in fp32 "
                                                        "(default: yes with the onnx backend)")
    passage_runtime: Literal["auto", "onnxruntime", "openvino"] = Field(
        "auto", description="what runs the onnx backend's fp32 passages: OpenVINO in bf16 where the CPU has it (auto), "
                            "or the one named")
    query_prefix: str | None = None
    passage_prefix: str | None = None
    threads: int = Field(2, ge=1, le=64)
    chunk_size: int = Field(250, ge=50, le=4000)
    chunk_overlap: int = Field(80, ge=0, le=1000)
    # RAG_IVF_THRESHOLD is the name from when large segments were IVF; it is still read.
    ann_threshold: int = Field(50_000, ge=1000, description="sealed segments of this many vectors or more are approximate (IVF)",
                               validation_alias=AliasChoices("ann_threshold", "RAG_ANN_THRESHOLD", "RAG_IVF_THRESHOLD"))
    ann_kind: Literal["ivf", "hnsw"] = Field("ivf", description="how segments above ann_threshold are built: IVF over "
                                             "8-bit codes re-scored in fp32, or HNSW (segments keep the kind they have)")
    seal_at: int = Field(20_000, ge=1, description="new chunks searched exactly in memory before being sealed into a segment")
    lexicon_batch: int = Field(100, ge=1, description="new chunks searched lexically from memory before their tokens are committed to the lexicon")

    # search backend: the embedded index directory (default), or a Milvus collection (Lite path or server URL)
    backend: Literal["embedded", "milvus"] = "embedded"
    milvus_uri: str = Field("index/milvus.db", description="a directory for Milvus Lite, or http://host:19530")
    milvus_token: str | None = None
    milvus_collection: str = Field("rag", pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,200}$")

    # retrieval
    search_mode: Literal["hybrid", "dense", "lexical"] = "hybrid"
    analyzer: Literal["bigram", "jieba", "bigram+jieba"] = "bigram+jieba"
    fusion: Literal["blend", "rrf"] = "blend"
    rrf_k: int = Field(60, ge=1)
    dense_weight: float = Field(0.5, ge=0)
    lexical_weight: float = Field(1.0, ge=0)
    sentence_weight: float = Field(0.5, ge=0, description="weight of the candidates' best-sentence leg (0: off)")

    # answers
    refuse_below: float = Field(0.60, ge=0, le=1, description="best-sentence evidence score under which /ask refuses")
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: str | None = None
    llm_timeout: float = Field(60.0, gt=0)

    # HTTP service
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    api_key: str | None = None
    admin_key: str | None = None
    collection_keys: dict[str, list[str]] = Field(
        {}, description='reader keys limited to collections, as JSON: {"KEY": ["paper-a", "clippings"]}')
    cors_origins: Annotated[list[str], NoDecode] = []
    rate_limit: int = Field(120, ge=0, description="requests per minute for a caller without a valid key; 0: off")
    rate_limit_loopback: bool = Field(False, description="also limit callers on this machine (off: scripts run here)")
    max_jobs: int = Field(20, ge=1, le=1000, description="uploads waiting for the background reader before 429")
    max_upload_bytes: int = Field(10 * 1024 * 1024, ge=1)

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value):
        if isinstance(value, str):
            return [o.strip().rstrip("/") for o in value.split(",") if o.strip()]
        return value

    @field_validator("collection_keys")
    @classmethod
    def _collection_keys(cls, value):
        for key, names in value.items():
            if not names:
                raise ValueError(f"RAG_COLLECTION_KEYS: the key ending '…{key[-4:]}' lists no collection")
            for name in names:
                if not COLLECTION_NAME.fullmatch(name):
                    raise ValueError(f"RAG_COLLECTION_KEYS: '{name}' is not a collection name")
        return value

    @field_validator("llm_base_url")
    @classmethod
    def _url(cls, value):
        if value and not value.startswith(("http://", "https://")):
            raise ValueError(f"RAG_LLM_BASE_URL must start with http:// or https://, got '{value}'")
        return value
