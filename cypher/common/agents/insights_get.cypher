// One insight by id in a space, with the entities it is about.
MATCH (i:Insight {tenant: $tenant, space: $space, id: $id})
OPTIONAL MATCH (i)-[:ABOUT]->(e:Entity)
WITH i, collect({id: e.id, name: e.name}) AS entities
RETURN {
  id: i.id, space: i.space, agent: i.agent, kind: i.kind, title: i.title, body: i.body,
  score: i.score, status: i.status, fingerprint: i.fingerprint, fact_ids: i.fact_ids,
  episode_ids: i.episode_ids, data: i.data, run_id: i.run_id, created_at: i.created_at,
  entities: entities
} AS insight
