// Neo4j 5.26 schema; IF NOT EXISTS makes every statement safe to repeat.
CREATE CONSTRAINT entity_key IF NOT EXISTS
FOR (n:Entity) REQUIRE (n.tenant, n.space, n.key) IS UNIQUE;
CREATE CONSTRAINT episode_dedup IF NOT EXISTS
FOR (e:Episode) REQUIRE (e.tenant, e.space, e.dedup_key) IS UNIQUE;
// Ids are unique per tenant, as on FalkorDB: an export imported with its ids
// kept into another tenant of the same database is a copy, not a clash. The
// global constraints of earlier versions are replaced. Every lookup by id
// names the tenant too, so it seeks the composite index behind these.
DROP CONSTRAINT entity_id IF EXISTS;
DROP CONSTRAINT episode_id IF EXISTS;
DROP CONSTRAINT job_id IF EXISTS;
CREATE CONSTRAINT entity_tenant_id IF NOT EXISTS
FOR (n:Entity) REQUIRE (n.tenant, n.id) IS UNIQUE;
CREATE CONSTRAINT episode_tenant_id IF NOT EXISTS
FOR (e:Episode) REQUIRE (e.tenant, e.id) IS UNIQUE;
CREATE CONSTRAINT job_tenant_id IF NOT EXISTS
FOR (j:Job) REQUIRE (j.tenant, j.id) IS UNIQUE;
// Jobs whose job event is still owed (webhooks/unreported_jobs).
CREATE INDEX job_reported IF NOT EXISTS FOR (j:Job) ON (j.reported);
// One lock node per chain (subject, predicate), taken by supersession writes.
CREATE CONSTRAINT chain_lock IF NOT EXISTS
FOR (l:ChainLock) REQUIRE (l.tenant, l.space, l.subject_key, l.predicate) IS UNIQUE;
// Memory agents: insights and runs by id per tenant; one lease node per
// (tenant, space, agent), taken by runs/lease_take.
CREATE CONSTRAINT insight_tenant_id IF NOT EXISTS
FOR (i:Insight) REQUIRE (i.tenant, i.id) IS UNIQUE;
CREATE CONSTRAINT agent_run_tenant_id IF NOT EXISTS
FOR (r:AgentRun) REQUIRE (r.tenant, r.id) IS UNIQUE;
CREATE CONSTRAINT agent_lease IF NOT EXISTS
FOR (l:AgentLease) REQUIRE (l.tenant, l.space, l.agent) IS UNIQUE;
CREATE INDEX insight_scope IF NOT EXISTS FOR (i:Insight) ON (i.tenant, i.space);
CREATE INDEX insight_fingerprint IF NOT EXISTS FOR (i:Insight) ON (i.tenant, i.space, i.fingerprint);
CREATE INDEX agent_run_scope IF NOT EXISTS FOR (r:AgentRun) ON (r.tenant, r.space);
CREATE INDEX agent_run_agent IF NOT EXISTS FOR (r:AgentRun) ON (r.agent);
// the curator's change log is read per run (undo)
CREATE INDEX curator_change_run IF NOT EXISTS FOR (c:CuratorChange) ON (c.tenant, c.space, c.run_id);
CREATE INDEX episode_status IF NOT EXISTS FOR (e:Episode) ON (e.status);
CREATE INDEX episode_scope IF NOT EXISTS FOR (e:Episode) ON (e.tenant, e.space);
CREATE INDEX episode_occurred IF NOT EXISTS FOR (e:Episode) ON (e.occurred_at);
CREATE INDEX entity_scope IF NOT EXISTS FOR (n:Entity) ON (n.tenant, n.space);
CREATE INDEX fact_id IF NOT EXISTS FOR ()-[f:FACT]-() ON (f.id);
CREATE INDEX fact_scope IF NOT EXISTS FOR ()-[f:FACT]-() ON (f.tenant, f.space);
// Category filters (issue 16): one agent's, run's or app's memory of a space.
CREATE INDEX fact_agent IF NOT EXISTS FOR ()-[f:FACT]-() ON (f.tenant, f.space, f.agent_id);
CREATE INDEX fact_run IF NOT EXISTS FOR ()-[f:FACT]-() ON (f.tenant, f.space, f.run_id);
CREATE INDEX fact_app IF NOT EXISTS FOR ()-[f:FACT]-() ON (f.tenant, f.space, f.app_id);
CREATE INDEX episode_agent IF NOT EXISTS FOR (e:Episode) ON (e.tenant, e.space, e.agent_id);
CREATE INDEX episode_run IF NOT EXISTS FOR (e:Episode) ON (e.tenant, e.space, e.run_id);
CREATE INDEX episode_app IF NOT EXISTS FOR (e:Episode) ON (e.tenant, e.space, e.app_id);
CREATE VECTOR INDEX fact_embedding IF NOT EXISTS
FOR ()-[f:FACT]-() ON (f.embedding)
OPTIONS {indexConfig: {`vector.dimensions`: 384, `vector.similarity_function`: 'cosine', `vector.quantization.enabled`: false,
                       `vector.hnsw.m`: 32, `vector.hnsw.ef_construction`: 200}};
CREATE VECTOR INDEX episode_embedding IF NOT EXISTS
FOR (e:Episode) ON (e.embedding)
OPTIONS {indexConfig: {`vector.dimensions`: 384, `vector.similarity_function`: 'cosine', `vector.quantization.enabled`: false,
                       `vector.hnsw.m`: 32, `vector.hnsw.ef_construction`: 200}};
CREATE VECTOR INDEX entity_embedding IF NOT EXISTS
FOR (n:Entity) ON (n.embedding)
OPTIONS {indexConfig: {`vector.dimensions`: 384, `vector.similarity_function`: 'cosine', `vector.quantization.enabled`: false,
                       `vector.hnsw.m`: 32, `vector.hnsw.ef_construction`: 200}};
// Full-text indexes also hold tenant and space, so a query filters by scope
// inside the index call: a candidate limit applied across all tenants would
// lose a scope's matches on a busy database. An index cannot gain a property,
// so the indexes of earlier versions are replaced (episode_content, the first,
// was content only; who said a turn is searchable too, as in the embedded text).
DROP INDEX episode_content IF EXISTS;
DROP INDEX episode_text IF EXISTS;
DROP INDEX fact_text IF EXISTS;
// English analysis (stemming, stop words) as FalkorDB's full-text index does,
// so "adopt" finds "adopted" on both engines.
CREATE FULLTEXT INDEX fact_text_scoped IF NOT EXISTS
FOR ()-[f:FACT]-() ON EACH [f.text, f.tenant, f.space]
OPTIONS {indexConfig: {`fulltext.analyzer`: 'english'}};
CREATE FULLTEXT INDEX episode_text_scoped IF NOT EXISTS
FOR (e:Episode) ON EACH [e.content, e.speaker, e.tenant, e.space]
OPTIONS {indexConfig: {`fulltext.analyzer`: 'english'}};
// Access: managed API keys, looked up by the hash of the secret on every request.
CREATE CONSTRAINT api_key_hash IF NOT EXISTS FOR (k:ApiKey) REQUIRE k.hash IS UNIQUE;
CREATE CONSTRAINT api_key_tenant_id IF NOT EXISTS FOR (k:ApiKey) REQUIRE (k.tenant, k.id) IS UNIQUE;
// One claim node per space a member key claimed by writing to it first.
CREATE CONSTRAINT space_claim IF NOT EXISTS FOR (c:SpaceClaim) REQUIRE (c.tenant, c.space) IS UNIQUE;
// Webhooks (issue 13): registrations by id per tenant; one outbox row per
// (webhook, event id), so concurrent MERGEs of one event make one row.
CREATE CONSTRAINT webhook_tenant_id IF NOT EXISTS
FOR (w:Webhook) REQUIRE (w.tenant, w.id) IS UNIQUE;
CREATE CONSTRAINT webhook_delivery_event IF NOT EXISTS
FOR (d:WebhookDelivery) REQUIRE (d.tenant, d.webhook_id, d.event_id) IS UNIQUE;
CREATE INDEX webhook_delivery_id IF NOT EXISTS FOR (d:WebhookDelivery) ON (d.tenant, d.id);
CREATE INDEX webhook_delivery_due IF NOT EXISTS FOR (d:WebhookDelivery) ON (d.status, d.next_attempt_at);
// Teams (access): teams, member spaces and invites, by tenant.
CREATE CONSTRAINT team_id IF NOT EXISTS
FOR (t:Team) REQUIRE (t.tenant, t.id) IS UNIQUE;
CREATE INDEX space_id IF NOT EXISTS FOR (s:Space) ON (s.tenant, s.id);
CREATE INDEX invite_code IF NOT EXISTS FOR (i:Invite) ON (i.tenant, i.code_hash);
CREATE INDEX invite_id IF NOT EXISTS FOR (i:Invite) ON (i.tenant, i.id);
// Retrieval logs (issue 16 §3): a space's rows by id (time-ordered).
CREATE INDEX retrieval_log_id IF NOT EXISTS FOR (r:RetrievalLog) ON (r.tenant, r.space, r.id);
