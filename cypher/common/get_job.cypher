// A job's progress, read from the state of its episodes; `claimed` holds the
// claim instants of its episodes in processing (to tell stuck claims), and
// what extraction cost: LLM fallbacks, tokens and seconds over its episodes.
MATCH (j:Job {tenant: $tenant, id: $job_id})
UNWIND j.episode_ids AS episode_id
OPTIONAL MATCH (e:Episode {tenant: $tenant, id: episode_id})
RETURN j.id AS id, j.space AS space, j.created_at AS created_at,
  size(j.episode_ids) AS total, collect(e.status) AS statuses, collect(e.error) AS errors,
  collect(CASE WHEN e.status = 'processing' THEN e.claimed_at END) AS claimed,
  count(e.extraction_fallback) AS fallbacks, sum(coalesce(e.llm_input_tokens, 0)) AS input_tokens,
  sum(coalesce(e.llm_output_tokens, 0)) AS output_tokens,
  sum(coalesce(e.extraction_seconds, 0.0)) AS seconds
