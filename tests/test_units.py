"""Pure pieces: fusion, keys, config errors, the LoCoMo reader, the graph-write builder."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kenning.config import load_settings
from kenning.domain.ids import content_hash, dedup_key, entity_key, predicate_key
from kenning.domain.models import Episode, EpisodeStatus, Extraction, Triple
from kenning.errors import ConfigError, InputError
from kenning.importers.locomo import read_locomo, session_time
from kenning.ingest.graph_write import from_extractions
from kenning.search.fusion import reciprocal_rank_fusion
from kenning.search.service import query_terms
from kenning.store.port import ScoredId

AT = datetime(2023, 5, 8, 13, 56, tzinfo=UTC)


def test_rrf_scores_by_hand() -> None:
    fused = reciprocal_rank_fusion(
        {
            "a": [ScoredId("x", 0.9), ScoredId("y", 0.8)],
            "b": [ScoredId("y", 5.0), ScoredId("z", 4.0), ScoredId("y", 1.0)],
        },
        k=60,
    )
    scores = {f.key: f.score for f in fused}
    # y: 1/(60+2) + 1/(60+1); x: 1/61; z: 1/62 (y's repeat in b is ignored).
    assert scores["y"] == pytest.approx(1 / 62 + 1 / 61)
    assert scores["x"] == pytest.approx(1 / 61)
    assert scores["z"] == pytest.approx(1 / 62)
    assert [f.key for f in fused] == ["y", "x", "z"]
    assert fused[0].channels == {"a": (2, 0.8), "b": (1, 5.0)}


def test_rrf_weights_and_stable_ties() -> None:
    fused = reciprocal_rank_fusion(
        {"a": [ScoredId("p", 1.0)], "b": [ScoredId("q", 1.0)]}, weights={"a": 2.0}, k=10
    )
    assert [(f.key, f.score) for f in fused] == [("p", 2 / 11), ("q", 1 / 11)]
    tie = reciprocal_rank_fusion({"a": [ScoredId("n", 1.0)], "b": [ScoredId("m", 1.0)]})
    assert [f.key for f in tie] == ["m", "n"]


def test_entity_and_predicate_keys() -> None:
    assert entity_key("  The  Acme, Inc. ") == "acme inc"
    assert entity_key("Caroline") == entity_key("caroline")
    assert entity_key("?!") == ""
    assert predicate_key("Moved to") == "moved_to"


def test_dedup_key_prefers_the_client_key() -> None:
    digest = content_hash("user", "Ann", "hi")
    assert dedup_key("k1", digest, AT) == dedup_key("k1", "other", AT.replace(minute=57))
    assert dedup_key("k1", digest, AT) != dedup_key("k2", digest, AT)
    # Whitespace and control characters never reach the constrained property.
    assert dedup_key("k1 \x0b", digest, AT).isascii()
    assert dedup_key("k1 \x0b", digest, AT).removeprefix("key:").isalnum()
    assert dedup_key(None, digest, AT) != dedup_key(None, digest, AT.replace(minute=57))
    assert content_hash("user", "Ann", "hi") != content_hash("user", "Bob", "hi")


def test_query_terms_drop_stop_words_and_repeats() -> None:
    assert query_terms("When did Caroline go to the LGBTQ support group? group!") == [
        "caroline",
        "lgbtq",
        "support",
        "group",
    ]


def test_invalid_config_names_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KENNING_PORT", "99999")
    with pytest.raises(ConfigError, match="KENNING_PORT"):
        load_settings()
    monkeypatch.delenv("KENNING_PORT")
    with pytest.raises(ConfigError, match="KENNING_GRAPH_URL"):
        load_settings(graph_url="mysql://db")
    assert load_settings(graph_url="bolt://db:7687").engine == "neo4j"
    assert load_settings().engine == "falkordb"


def test_locomo_session_time_and_reader(tmp_path: Path) -> None:
    assert session_time("1:56 pm on 8 May, 2023") == AT
    with pytest.raises(InputError, match="unreadable session time"):
        session_time("yesterday")
    item = {
        "sample_id": "c1",
        "conversation": {
            "speaker_a": "Ann",
            "speaker_b": "Bo",
            "session_2_date_time": "9:00 am on 2 June, 2023",
            "session_2": [{"speaker": "Bo", "dia_id": "D2:1", "text": "Later."}],
            "session_1_date_time": "1:56 pm on 8 May, 2023",
            "session_1": [
                {"speaker": "Ann", "dia_id": "D1:1", "text": "Hi!"},
                {"speaker": "Bo", "dia_id": "D1:2", "text": "Look", "blip_caption": "a cat"},
            ],
        },
    }
    path = tmp_path / "c.json"
    path.write_text(json.dumps([item]))
    (conv,) = read_locomo(path)
    assert [e.metadata["dia_id"] for e in conv.episodes if e.metadata] == ["D1:1", "D1:2", "D2:1"]
    assert conv.episodes[1].metadata == {
        "dia_id": "D1:2",
        "session": 1,
        "turn": 1,
        "image_caption": "a cat",
    }
    assert conv.episodes[2].occurred_at == datetime(2023, 6, 2, 9, 0, tzinfo=UTC)
    assert conv.episodes[0].idempotency_key == "locomo:c1:D1:1"
    with pytest.raises(InputError, match="no conversation 'c9'"):
        read_locomo(path, "c9")


def _episode(id_: str, speaker: str) -> Episode:
    return Episode(
        id=id_,
        space="s",
        role="user",
        speaker=speaker,
        content="...",
        content_hash="h",
        occurred_at=AT,
        recorded_at=AT,
        status=EpisodeStatus.PROCESSING,
    )


def test_graph_write_resolves_entities_and_merges_facts() -> None:
    episodes = [_episode("e1", "Ann"), _episode("e2", "ann")]
    triple = Triple(subject="Ann", predicate="lives_in", object="Porto", object_type="Place")
    extractions = [
        Extraction(episode_id="e1", triples=[triple.model_copy(update={"confidence": 0.6})]),
        Extraction(episode_id="e2", triples=[triple.model_copy(update={"subject": "ANN"})]),
    ]
    write = from_extractions(episodes, extractions)
    assert sorted(e.key for e in write.entities) == ["ann", "porto"]
    assert {e.key: e.type for e in write.entities}["porto"] == "Place"
    (fact,) = write.facts
    assert (fact.subject_key, fact.predicate, fact.object_key) == ("ann", "lives_in", "porto")
    assert fact.episode_ids == ["e1", "e2"]
    assert fact.confidence == 1.0
    assert fact.text == "Ann lives in Porto"
    assert {(m.episode_id, m.key) for m in write.mentions} == {
        ("e1", "ann"),
        ("e1", "porto"),
        ("e2", "ann"),
        ("e2", "porto"),
    }
