// Episodes by id within one scope.
UNWIND $ids AS id
MATCH (e:Episode {tenant: $tenant, space: $space, id: id})
RETURN {
  id: e.id, space: e.space, role: e.role, speaker: e.speaker, content: e.content,
  content_hash: e.content_hash, occurred_at: e.occurred_at, recorded_at: e.recorded_at,
  status: e.status, error: e.error, source: e.source, metadata_json: e.metadata_json,
  agent_id: e.agent_id, run_id: e.run_id, app_id: e.app_id, extractor: e.extractor,
  extraction_fallback: e.extraction_fallback, private: coalesce(e.private, false)
} AS episode
