"""Settings, read from the environment (prefix ``KENNING_``) and ``.env``.

Build them with :func:`load_settings` at start-up and inject them; nothing reads
the environment at import time.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlparse

from limits import parse_many
from pydantic import Field, TypeAdapter, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from kenning.agents.cron import check_cron
from kenning.agents.models import AGENTS, AgentName
from kenning.domain.ids import predicate_key
from kenning.domain.models import TenantId
from kenning.domain.rules import SCOPE_MAX_CHARS, SCOPE_PATTERN, InputLimits
from kenning.errors import ConfigError
from kenning.store.limits import StoreLimits

GRAPH_SCHEMES = ("embedded", "falkordb", "neo4j", "neo4j+s", "neo4j+ssc", "bolt", "bolt+s")

#: Predicates with at most one valid object per subject at any instant.
DEFAULT_FUNCTIONAL_PREDICATES = (
    "lives_in",
    "works_at",
    "job_title",
    "relationship_status",
    "married_to",
    "dating",
    "age",
)


_TENANT: TypeAdapter[str] = TypeAdapter(TenantId)


def _user_cache() -> Path:
    """``$XDG_CACHE_HOME`` or ``~/.cache`` (the XDG base directory default)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")


class Settings(BaseSettings):
    """Kenning configuration. Every field maps to ``KENNING_<FIELD>``."""

    model_config = SettingsConfigDict(
        env_prefix="KENNING_", env_file=".env", extra="ignore", frozen=True
    )

    graph_url: str = Field(
        "embedded",
        description=(
            "Where the graph lives: 'embedded' (FalkorDB started by Kenning under "
            "data_dir), 'falkordb://host:port', or a Neo4j URL "
            "(neo4j://, neo4j+s://, bolt://)."
        ),
    )
    graph_name: str = Field("kenning", pattern=r"^[A-Za-z][A-Za-z0-9_]{0,62}$")
    neo4j_user: str = "neo4j"
    neo4j_password: str = ""
    neo4j_database: str = "neo4j"
    data_dir: Path = Field(Path(".kenning"), description="Embedded FalkorDB files.")
    embedding_model: str = Field(
        "all-MiniLM-L6-v2",
        description="sentence-transformers name or a local path; the offline wheel "
        "is used for all-MiniLM-L6-v2 when installed.",
    )
    embedding_batch_size: int = Field(64, ge=1, le=4096)
    embedding_query_threads: int = Field(
        1, ge=1, le=64, description="Threads that embed one search query."
    )
    embedding_query_runtime: Literal["onnx", "torch"] = Field(
        "onnx",
        description="onnx: queries and ingest batches run through an ONNX Runtime export "
        "of the model (made once, cached in model_cache_dir; PyTorch's copy of the "
        "weights is then not held); torch: everything through PyTorch.",
    )
    model_cache_dir: Path = Field(
        default_factory=lambda: _user_cache() / "kenning",
        description="Derived model files, such as the ONNX query encoder.",
    )
    spacy_model: str = "en_core_web_sm"
    host: str = "127.0.0.1"
    port: int = Field(8420, ge=1, le=65535)
    url: str = Field("http://127.0.0.1:8420", description="Where the CLI finds the API.")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    api_keys: dict[str, str] = Field(
        default_factory=dict,
        description='JSON map of API key to tenant, e.g. {"sk-abc": "acme"}. '
        "Empty: no auth, every caller is tenant 'default' (development only).",
    )
    api_key: str = Field("", description="Key the CLI sends as a bearer token.")
    max_batch: int = Field(500, ge=1, le=10000, description="Episodes or facts per request.")
    max_content_chars: int = Field(20000, ge=1)
    worker_batch: int = Field(32, ge=1, le=1024, description="Episodes claimed at once.")
    worker_poll_ms: int = Field(250, ge=10)
    worker_tenants: tuple[str, ...] = Field(
        (),
        description="Tenants whose episodes this process's worker extracts (JSON list); "
        "empty: every tenant. For dedicated workers, or apps sharing one database.",
    )
    # Ingest reliability: claim leases renewed by a heartbeat, bounded retries.
    claim_lease_s: int = Field(
        30,
        ge=3,
        le=3600,
        description="Seconds a claim on an episode lasts; the worker renews its claims "
        "every lease/3 while it works, so only a dead worker's claims run out and "
        "are retaken by the next poll.",
    )
    ingest_retries: int = Field(
        2,
        ge=0,
        le=20,
        description="Times a batch whose extraction, embedding or write failed is tried "
        "again before its episodes are marked failed (store outages never mark them).",
    )
    ingest_retry_backoff_s: float = Field(
        1.0,
        ge=0.0,
        le=60.0,
        description="Wait before the first retry of a failed batch; doubles per retry "
        "(at most 30 s).",
    )
    exact_search_max_items: int = Field(
        20000,
        ge=0,
        description="Spaces with at most this many items of a kind are searched "
        "exactly instead of through the shared ANN index.",
    )
    ann_oversample: int = Field(10, ge=1, le=100)
    functional_predicates: tuple[str, ...] = Field(
        DEFAULT_FUNCTIONAL_PREDICATES,
        description="JSON list of predicates with at most one valid object per subject "
        "at any instant; a newer fact supersedes the older one (snake_case).",
    )
    # Retrieval (search/config.py documents each; defaults tuned on LoCoMo dev).
    search_weights: dict[str, float] = Field(
        default_factory=dict,
        description='Channel weights in RRF, merged over the defaults, e.g. {"graph": 0.3}.',
    )
    search_rrf_k: int = Field(7, ge=1, le=1000)
    search_candidates: int = Field(50, ge=1, le=1000, description="Hits per channel.")
    search_entity_seeds: int = Field(5, ge=0, le=100)
    search_entity_min_similarity: float = Field(0.5, ge=-1.0, le=1.0)
    search_max_degree: int = Field(25, ge=0)
    search_max_mentions: int = Field(50, ge=0)
    search_neighbour_seeds: int = Field(30, ge=0, le=1000)
    search_neighbour_radius: int = Field(1, ge=0, le=20)
    search_neighbour_window_s: int = Field(7200, ge=0)
    search_recency_weight: float = Field(0.0, ge=0.0, le=10.0)
    search_mmr_lambda: float = Field(0.7, ge=0.0, le=1.0)
    context_tokenizer: str = Field(
        "all-MiniLM-L6-v2", description="Tokenizer that counts POST /v1/context budgets."
    )
    # Essential memory (README "Essential memory"): GET /v1/essential.
    essential_cache_s: float = Field(
        300.0,
        ge=0.0,
        le=86400.0,
        description="Longest a cached GET /v1/essential answer is served while the space's "
        "facts are unchanged (facts also start and stop being valid as time passes); 0: no cache.",
    )
    # Observability (README "Metrics").
    metrics_key: str = Field(
        "",
        description="Bearer key GET /metrics requires; empty: /metrics is open "
        "(scrapers usually hold no app keys; metrics carry no tenant data).",
    )
    # Input limits (README "REST API"): a larger body answers 413, a longer field 422.
    max_body_bytes: int = Field(
        16 * 1024 * 1024, ge=1024, description="Bytes of one request body (413 above)."
    )
    max_text_chars: int = Field(2000, ge=1, description="Characters of a fact's text.")
    max_name_chars: int = Field(256, ge=1, description="Characters of an entity name or speaker.")
    max_type_chars: int = Field(64, ge=1, description="Characters of an entity type.")
    max_metadata_keys: int = Field(64, ge=0, description="Keys of an episode's metadata.")
    max_metadata_bytes: int = Field(
        8192, ge=2, description="Bytes of an episode's metadata as UTF-8 JSON."
    )

    @field_validator("api_keys")
    @classmethod
    def _usable_keys(cls, value: dict[str, str]) -> dict[str, str]:
        # Never echo a key: the message names its position in the map only.
        for n, (key, tenant) in enumerate(value.items(), start=1):
            if not key:
                raise ValueError(f"key number {n} is empty; every key needs characters")
            try:
                _TENANT.validate_python(tenant)
            except ValidationError:
                raise ValueError(
                    f"the tenant of key number {n} ({tenant!r}) must be 1–{SCOPE_MAX_CHARS} "
                    f"characters matching {SCOPE_PATTERN}"
                ) from None
        return value

    @property
    def input_limits(self) -> InputLimits:
        """The size limits requests are checked against (``KENNING_MAX_*``)."""
        return InputLimits(
            batch=self.max_batch,
            content_chars=self.max_content_chars,
            text_chars=self.max_text_chars,
            name_chars=self.max_name_chars,
            type_chars=self.max_type_chars,
            metadata_keys=self.max_metadata_keys,
            metadata_bytes=self.max_metadata_bytes,
        )

    # Store connections and timeouts (issue 9; store/limits.py explains each).
    store_pool_size: int = Field(
        16,
        ge=1,
        le=1024,
        description="Store queries that run at once (connections in use); more queue.",
    )
    store_pool_timeout_s: float = Field(
        2.0,
        gt=0,
        le=300,
        description="Longest wait for a free store connection; then 429 with Retry-After.",
    )
    store_read_timeout_s: float = Field(
        5.0,
        gt=0,
        le=3600,
        description="Longest run of a read query (search, lists: well under 1 s on a "
        "healthy store); then 503 with Retry-After.",
    )
    store_write_timeout_s: float = Field(
        30.0,
        gt=0,
        le=3600,
        description="Longest run of a write query (an ingest batch writes its graph in "
        "one transaction, seconds at most); then 503 with Retry-After.",
    )
    max_concurrent_requests: int = Field(
        0,
        ge=0,
        le=100000,
        description="API requests (/v1, /graphql) in flight at once; as many more "
        "wait up to request_queue_timeout_s, the rest get 429 at once. 0: one per CPU "
        "core, at least 2.",
    )
    request_queue_timeout_s: float = Field(
        0.25, gt=0, le=300, description="Longest wait of a request for a slot; then 429."
    )
    # Searches first (issue 9): the in-process ingest worker gives way to API requests.
    worker_yield_ms: int = Field(
        500,
        ge=0,
        le=60000,
        description="While API requests are in flight, the ingest worker waits up to "
        "this long (ms) for a moment without any before each extraction and embedding "
        "step; 0: never waits.",
    )
    worker_busy_batch: int = Field(
        2,
        ge=1,
        le=1024,
        description="Episodes the ingest worker claims at once while API requests are "
        "in flight (KENNING_WORKER_BATCH when idle).",
    )
    embedded_hang_timeout_s: float = Field(
        20.0,
        gt=0,
        le=3600,
        description="The embedded FalkorDB server is killed and restarted from its "
        "files after it has not answered PING for this long.",
    )
    shutdown_timeout_s: int = Field(
        5,
        ge=1,
        le=600,
        description="kenning serve: longest wait for open requests on SIGTERM.",
    )

    # Memory agents (issue 11): schedules, leases, run bounds, analysis options.
    agent_curator_cron: str = Field(
        "",
        description="When the curator runs over spaces with new activity: cron, UTC "
        "(5 fields, or 6 with seconds first); empty: not scheduled.",
    )
    agent_connector_cron: str = Field("", description="As agent_curator_cron, for the connector.")
    agent_digest_cron: str = Field("", description="As agent_curator_cron, for the digest.")
    agent_schedule_auto_fix: bool = Field(
        False, description="Whether scheduled curator runs repair what they find."
    )
    agent_misfire_grace_s: int = Field(
        300,
        ge=1,
        le=86400,
        description="A scheduled run missed by up to this long (busy or paused "
        "process) still runs, once; later ones are skipped.",
    )
    agent_lease_s: float = Field(
        60.0,
        ge=1,
        le=3600,
        description="Lease of one (agent, space) run, renewed every third of it; a "
        "crashed run's lease expires after this long.",
    )
    agent_run_timeout_s: float = Field(
        900.0, gt=0, le=86400, description="Longest run of one agent over one space; then failed."
    )
    agent_max_concurrent_runs: int = Field(
        2, ge=1, le=64, description="Agent runs that analyse at once in this process; more wait."
    )
    # None: the curator's own defaults (kenning.agents.curator.options), where
    # each is explained; a value here replaces that default.
    agent_stale_horizon_days: dict[str, float] | None = Field(
        None,
        description="Curator: days without a supporting episode before a fact is stale, "
        'by predicate class (JSON, e.g. {"functional": 365, "preference": 180, '
        '"state": 365}); events never go stale. Empty: the curator\'s defaults.',
    )
    agent_decay_half_life_days: dict[str, float] | None = Field(
        None,
        description="Curator: half-life in days of a stale fact's confidence, by predicate "
        "class (JSON, same keys). Empty: the curator's defaults.",
    )
    agent_opposite_predicates: tuple[tuple[str, str], ...] | None = Field(
        None,
        description="Curator: predicate pairs that cannot both hold between one subject and "
        "one object at one instant (JSON); every p / not_p pair is added. Empty: the "
        "curator's defaults (likes/dislikes, loves/hates, ...).",
    )
    agent_digest_period_days: int = Field(
        7, ge=1, le=3660, description="Digest: days of occurred_at a digest covers."
    )
    agent_options: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description='More analysis options per agent (JSON: {"connector": {...}}), '
        "passed in ctx.options over the named settings.",
    )

    @field_validator("agent_curator_cron", "agent_connector_cron", "agent_digest_cron")
    @classmethod
    def _cron(cls, value: str) -> str:
        return check_cron(value)

    @field_validator("agent_options")
    @classmethod
    def _known_agents(cls, value: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        unknown = sorted(set(value) - set(AGENTS))
        if unknown:
            raise ValueError(f"unknown agent {unknown[0]!r}; agents: {', '.join(AGENTS)}")
        return value

    def agent_crons(self) -> dict[AgentName, str]:
        """Each agent's cron expression ('' when not scheduled)."""
        return {
            "curator": self.agent_curator_cron,
            "connector": self.agent_connector_cron,
            "digest": self.agent_digest_cron,
        }

    def agent_analysis_options(self) -> dict[AgentName, dict[str, Any]]:
        """``ctx.options`` of each agent: the named settings, then
        ``agent_options`` of that agent on top."""
        named: dict[AgentName, dict[str, Any]] = {
            "curator": {
                "functional_predicates": list(self.functional_predicates),
                # None values leave the curator's defaults in place.
                "horizon_days": self.agent_stale_horizon_days,
                "half_life_days": self.agent_decay_half_life_days,
                "opposite_predicates": (
                    None
                    if self.agent_opposite_predicates is None
                    else [list(p) for p in self.agent_opposite_predicates]
                ),
            },
            "connector": {},
            "digest": {"period_days": self.agent_digest_period_days},
        }
        return {a: {**named[a], **self.agent_options.get(a, {})} for a in AGENTS}

    @field_validator("graph_url")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        scheme = value.split("://", 1)[0] if "://" in value else value
        if scheme not in GRAPH_SCHEMES:
            raise ValueError(f"scheme must be one of {', '.join(GRAPH_SCHEMES)}")
        if scheme != "embedded" and not urlparse(value).hostname:
            raise ValueError("URL needs a host, e.g. falkordb://localhost:6379")
        return value

    @field_validator("functional_predicates")
    @classmethod
    def _snake_case(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        keys = tuple(dict.fromkeys(predicate_key(p) for p in value))
        if not all(keys):
            raise ValueError("every predicate needs a letter or digit")
        return keys

    def store_limits(self) -> StoreLimits:
        """The ``KENNING_STORE_*`` bounds for the store adapters."""
        return StoreLimits(
            pool_size=self.store_pool_size,
            pool_timeout_s=self.store_pool_timeout_s,
            read_timeout_s=self.store_read_timeout_s,
            write_timeout_s=self.store_write_timeout_s,
        )

    @property
    def engine(self) -> Literal["falkordb", "neo4j"]:
        """Which store adapter serves :attr:`graph_url`."""
        scheme = self.graph_url.split("://", 1)[0]
        return "falkordb" if scheme in ("embedded", "falkordb") else "neo4j"

    # LLM extraction (issue 14; README "LLM extraction"). Checked at start-up
    # by kenning.extract.factory.check_llm_settings.
    extractor: Literal["spacy", "openai", "anthropic"] = Field(
        "spacy",
        description="spacy (offline default), openai (also any OpenAI-compatible server "
        "at llm_base_url) or anthropic.",
    )
    llm_model: str = Field(
        "",
        description="Model name; empty: gpt-4o-mini (openai) or claude-haiku-4-5 (anthropic).",
    )
    llm_api_key: str = Field(
        "",
        repr=False,
        description="API key; empty: the SDK's own OPENAI_API_KEY / ANTHROPIC_API_KEY.",
    )
    llm_base_url: str = Field(
        "",
        description="Base URL of an OpenAI-compatible server (Ollama, vLLM, LM Studio, "
        "llama.cpp) or an Anthropic proxy, e.g. http://127.0.0.1:11434/v1.",
    )
    llm_timeout_s: float = Field(60.0, gt=0, le=3600, description="Longest wait for one call.")
    llm_max_retries: int = Field(
        2, ge=0, le=10, description="SDK retries (with backoff) on 429, 5xx and timeouts."
    )
    llm_context_turns: int = Field(
        6, ge=0, le=50, description="Earlier turns of the conversation sent as context."
    )
    llm_turns_per_call: int = Field(8, ge=1, le=64, description="Turns extracted by one LLM call.")
    llm_max_output_tokens: int = Field(
        4096, ge=256, le=65536, description="Most tokens one call may answer with."
    )
    llm_prompt: str = Field(
        "triples_v1",
        pattern=r"^[a-z][a-z0-9_]{0,63}$",
        description="Prompt version: a file in kenning/extract/prompts/ (without .md).",
    )

    @field_validator("llm_base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if value and (
            urlparse(value).scheme not in ("http", "https") or not urlparse(value).hostname
        ):
            raise ValueError("must be an http(s) URL with a host, e.g. http://127.0.0.1:11434/v1")
        return value

    # -- access: managed API keys and rate limits (issue 12) -------------------
    bootstrap_admin_key: str = Field(
        "",
        repr=False,
        description="A secret stored (as its SHA-256) as an admin key of "
        "bootstrap_tenant at start when that tenant has no live admin key; "
        "at least 32 characters. Empty: none.",
    )
    bootstrap_tenant: TenantId = Field("default", description="Tenant of the bootstrap key.")
    require_keys: bool = Field(
        False,
        description="Refuse callers without a valid key (401) even while tenant 'default' "
        "has no managed key and api_keys is empty.",
    )
    rate_limit_admin: str = Field(
        "6000/minute",
        description="Requests per managed admin key, a limits string such as "
        "'600/minute' or '10/second;600/minute' (moving window); empty: no limit.",
    )
    rate_limit_member: str = Field(
        "1200/minute", description="Requests per managed member key (as rate_limit_admin)."
    )

    @field_validator("rate_limit_admin", "rate_limit_member")
    @classmethod
    def _rate_limit(cls, value: str) -> str:
        if value:
            try:
                parse_many(value)
            except ValueError:
                raise ValueError(
                    "must be a limits string such as '600/minute' or '10/second;600/minute'"
                ) from None
        return value

    @field_validator("bootstrap_admin_key")
    @classmethod
    def _strong_bootstrap(cls, value: str) -> str:
        if value and len(value) < 32:
            raise ValueError("must be at least 32 characters (e.g. openssl rand -hex 32)")
        return value

    # -- MCP (README "MCP") --------------------------------------------------
    mcp_http: bool = Field(
        True,
        description="Serve MCP over streamable HTTP at /mcp (same keys as REST). Without "
        "KENNING_API_KEYS it is served only when KENNING_HOST is a loopback address.",
    )
    mcp_ready_timeout_s: float = Field(
        120.0,
        gt=0,
        le=3600,
        description="`kenning mcp` (stdio): longest wait for the graph store to open.",
    )
    # Webhooks (issue 13.4; README "Webhooks"). Read by kenning.api.runtime.
    webhook_allow_private: bool = Field(
        False,
        description="Let webhooks target private-range, loopback and link-local addresses "
        "(tests, a trusted LAN). Off: such URLs are refused at registration and at delivery.",
    )
    webhook_timeout_s: float = Field(
        5.0, gt=0, le=60, description="Longest wait for a receiver's answer to one try."
    )
    webhook_max_attempts: int = Field(
        8, ge=1, le=50, description="Tries of one event before its delivery is failed."
    )
    webhook_backoff_base_s: float = Field(
        10.0,
        ge=0,
        le=3600,
        description="Wait after the first failed try; doubled per further try "
        "(base * 2^(attempt-1)), up to webhook_backoff_max_s.",
    )
    webhook_backoff_max_s: float = Field(
        3600.0, ge=0, le=86400, description="Longest wait between two tries."
    )
    webhook_lease_s: float = Field(
        60.0,
        gt=0,
        le=3600,
        description="How long a delivery worker holds an event it sends; must exceed "
        "twice webhook_timeout_s, so no other process sends it meanwhile.",
    )
    webhook_poll_s: float = Field(
        1.0, gt=0, le=60, description="Seconds between looks for due deliveries when idle."
    )
    webhook_batch: int = Field(16, ge=1, le=256, description="Deliveries sent concurrently.")

    @field_validator("webhook_lease_s")
    @classmethod
    def _lease_over_timeout(cls, value: float, info: ValidationInfo) -> float:
        timeout = info.data.get("webhook_timeout_s")
        if timeout is not None and value <= 2 * timeout:
            raise ValueError(f"must exceed twice webhook_timeout_s ({2 * timeout} s)")
        return value

    # Teams and sharing (access/teams.py, access/sharing.py).
    private_predicates: tuple[str, ...] = Field(
        (),
        description="JSON list of predicates whose facts are private: never shared with a "
        'team, whatever their own flag (snake_case; e.g. ["health_condition"]).',
    )
    invite_max_ttl_days: int = Field(
        90, ge=1, le=3650, description="Longest an invite code may stay valid, in days."
    )

    @field_validator("private_predicates")
    @classmethod
    def _private_snake_case(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        keys = tuple(dict.fromkeys(predicate_key(p) for p in value))
        if not all(keys):
            raise ValueError("every predicate needs a letter or digit")
        return keys

    # Digest polish (issue 14 item 6; README "Agents"): the LLM of
    # KENNING_EXTRACTOR and KENNING_LLM_* rewrites the digest's text.
    digest_polish: Literal["auto", "off"] = Field(
        "auto",
        description="auto: when KENNING_EXTRACTOR is openai or anthropic, that LLM rewrites "
        "the digest's headline and markdown from its JSON; off: the template only.",
    )
    digest_polish_timeout_s: float = Field(
        30.0, gt=0, le=600, description="Longest wait for the polish; then the template text."
    )
    digest_prompt: str = Field(
        "digest_v1",
        pattern=r"^[a-z][a-z0-9_]{0,63}$",
        description="Digest polish prompt version: a file in kenning/extract/prompts/.",
    )

    # Chat proxy and retrieval logs (issue 16 §2-3; README "Chat proxy",
    # "Retrieval logs"). Read by kenning.api.runtime.
    proxy_provider: Literal["openai", "anthropic"] = Field(
        "openai",
        description="Where POST /v1/chat/completions forwards: openai (also any "
        "OpenAI-compatible server at proxy_base_url) or anthropic (translated).",
    )
    proxy_base_url: str = Field(
        "", description="Provider base URL; empty: the SDK's default (api.openai.com, ...)."
    )
    proxy_api_key: str = Field(
        "",
        repr=False,
        description="Provider API key; empty: the SDK's own OPENAI_API_KEY / ANTHROPIC_API_KEY.",
    )
    proxy_context_tokens: int = Field(
        800, ge=16, le=100_000, description="Most tokens of the memory block injected."
    )
    proxy_timeout_s: float = Field(
        120.0, gt=0, le=3600, description="Longest wait for the provider's answer."
    )
    proxy_memory_deadline_ms: float = Field(
        1000.0,
        gt=0,
        le=60_000,
        description="Longest wait for memory before the call is forwarded without it.",
    )
    retrieval_log: Literal["off", "on"] = Field(
        "off", description="on: log search, context and proxy retrievals (GET /v1/retrievals)."
    )
    retrieval_log_spaces: tuple[str, ...] = Field(
        (), description="JSON list of spaces logged; empty: every space (when on)."
    )
    retrieval_log_retention: int = Field(
        1000, ge=1, le=1_000_000, description="Retrieval logs kept per space (newest)."
    )

    @field_validator("proxy_base_url")
    @classmethod
    def _proxy_http_url(cls, value: str) -> str:
        if value and (
            urlparse(value).scheme not in ("http", "https") or not urlparse(value).hostname
        ):
            raise ValueError("must be an http(s) URL with a host, e.g. http://127.0.0.1:8000/v1")
        return value


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment, with keyword overrides on top.

    Raises:
        ConfigError: a setting is invalid; the message names ``KENNING_<FIELD>``.
    """
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(
            f"KENNING_{'_'.join(str(p) for p in err['loc']).upper()}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigError(f"invalid configuration: {problems}") from exc
