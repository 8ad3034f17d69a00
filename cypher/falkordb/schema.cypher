// FalkorDB schema. Each statement is applied once; "already indexed" is ignored.
// Uniqueness constraints are created by the adapter with GRAPH.CONSTRAINT, which
// needs these range indexes to exist first.
CREATE INDEX FOR (e:Episode) ON (e.id, e.tenant, e.space, e.dedup_key, e.status);
// Range scans for the episode neighbourhood of search.
CREATE INDEX FOR (e:Episode) ON (e.occurred_at);
CREATE INDEX FOR (n:Entity) ON (n.id, n.tenant, n.space, n.key);
CREATE INDEX FOR (j:Job) ON (j.id, j.tenant);
// Jobs whose job event is still owed (webhooks/unreported_jobs).
CREATE INDEX FOR (j:Job) ON (j.reported);
// Lease nodes of supersession, one per chain (subject, predicate).
CREATE INDEX FOR (l:ChainLock) ON (l.tenant, l.space, l.subject_key, l.predicate);
// Memory agents: insights, runs and one lease node per (tenant, space, agent).
CREATE INDEX FOR (i:Insight) ON (i.id, i.tenant, i.space, i.fingerprint, i.status);
CREATE INDEX FOR (r:AgentRun) ON (r.id, r.tenant, r.space, r.agent);
CREATE INDEX FOR (l:AgentLease) ON (l.tenant, l.space, l.agent);
CREATE INDEX FOR (c:CuratorChange) ON (c.tenant, c.space, c.run_id);
CREATE INDEX FOR ()-[f:FACT]-() ON (f.id, f.tenant, f.space);
// Category filters (issue 16): range indexes (one per property; FalkorDB has
// no composite index) on the agent, run and app of facts and episodes.
CREATE INDEX FOR ()-[f:FACT]-() ON (f.agent_id, f.run_id, f.app_id);
CREATE INDEX FOR (e:Episode) ON (e.agent_id, e.run_id, e.app_id);
// HNSW options set explicitly: the defaults gave recall@10 of 0.11 on 384-d
// vectors, M 32 / efConstruction 200 / efRuntime 200 gave 0.94 (DESIGN.md §3).
CREATE VECTOR INDEX FOR ()-[f:FACT]-() ON (f.embedding) OPTIONS {dimension: 384, similarityFunction: 'cosine', M: 32, efConstruction: 200, efRuntime: 200};
CREATE VECTOR INDEX FOR (e:Episode) ON (e.embedding) OPTIONS {dimension: 384, similarityFunction: 'cosine', M: 32, efConstruction: 200, efRuntime: 200};
CREATE VECTOR INDEX FOR (n:Entity) ON (n.embedding) OPTIONS {dimension: 384, similarityFunction: 'cosine', M: 32, efConstruction: 200, efRuntime: 200};
CREATE FULLTEXT INDEX FOR ()-[f:FACT]-() ON (f.text);
CREATE FULLTEXT INDEX FOR (e:Episode) ON (e.content);
// Who said a turn is searchable too, as in the embedded text. A separate
// statement adds the field to an index made before it was listed.
CREATE FULLTEXT INDEX FOR (e:Episode) ON (e.speaker);
// The scope in the full-text indexes too: a query names the tenant's and the
// space's tokens, so the index intersects postings by scope itself and a common
// word costs what it costs in this space (kenning/store/falkordb/fulltext.py).
CREATE FULLTEXT INDEX FOR ()-[f:FACT]-() ON (f.tenant, f.space);
CREATE FULLTEXT INDEX FOR (e:Episode) ON (e.tenant, e.space);
// Access: managed API keys, looked up by the hash of the secret on every request.
CREATE INDEX FOR (k:ApiKey) ON (k.hash, k.tenant, k.id);
CREATE INDEX FOR (c:SpaceClaim) ON (c.tenant, c.space);
// Webhooks (issue 13): registrations and the outbox, looked up by tenant and
// id, by webhook and event, and scanned by status for due rows.
CREATE INDEX FOR (w:Webhook) ON (w.tenant, w.id);
CREATE INDEX FOR (d:WebhookDelivery) ON (d.tenant, d.id, d.webhook_id, d.event_id, d.status);
// Teams (access): teams, member spaces and invites, by tenant.
CREATE INDEX FOR (t:Team) ON (t.tenant, t.id);
CREATE INDEX FOR (s:Space) ON (s.tenant, s.id);
CREATE INDEX FOR (i:Invite) ON (i.tenant, i.code_hash, i.id);
// Retrieval logs (issue 16 §3): a space's rows by id (time-ordered).
CREATE INDEX FOR (r:RetrievalLog) ON (r.tenant, r.space, r.id);
