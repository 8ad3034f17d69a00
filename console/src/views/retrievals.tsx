// GET /v1/retrievals: what each search/context/proxy call returned and why.
// The endpoint answers 404 while retrieval logging is off (KENNING_RETRIEVAL_LOG)
// or on a server without it; the view says so instead of failing.
import { useEffect, useState } from "preact/hooks";
import { ApiError, api, describe, type RetrievalLog } from "../api";
import { when } from "./format";

function Log({ log }: { log: RetrievalLog }) {
  const filters = Object.entries(log.filters ?? {}).filter(
    ([, v]) => v !== null && v !== undefined,
  );
  return (
    <li class="retrieval" data-id={log.id}>
      <div class="hit-head">
        <span class="when">{when(log.created_at)}</span>
        <span class="kind">{log.kind}</span>
        <span class="num">{log.latency_ms.toFixed(1)} ms</span>
        {log.key_id && <code>{log.key_id}</code>}
      </div>
      <p class="text">“{log.query}”</p>
      {filters.length > 0 && (
        <p class="filters">{filters.map(([k, v]) => `${k}=${String(v)}`).join(" · ")}</p>
      )}
      <details>
        <summary>{log.results.length} results</summary>
        <ol>
          {log.results.map((r) => (
            <li key={r.key}>
              <code>{r.key}</code> <span class="num">{r.score.toFixed(4)}</span>{" "}
              {Object.entries(r.channels)
                .map(([name, c]) => `${name} #${c.rank}`)
                .join(", ")}
            </li>
          ))}
        </ol>
      </details>
    </li>
  );
}

export function Retrievals({ space }: { space: string }) {
  const [logs, setLogs] = useState<RetrievalLog[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [off, setOff] = useState(false);
  const [error, setError] = useState("");

  const load = async (from?: string) => {
    try {
      const page = await api.retrievals(space, from);
      setLogs((prev) => [...(from ? (prev ?? []) : []), ...page.items]);
      setCursor(page.next_cursor ?? null);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) setOff(true);
      else setError(describe(e));
    }
  };
  useEffect(() => {
    setLogs(null);
    setOff(false);
    setError("");
    void load();
  }, [space]);

  if (off) {
    return (
      <p class="hint retrieval-off">
        Retrieval logging is off or not available on this server (set{" "}
        <code>KENNING_RETRIEVAL_LOG=on</code> to record searches, context and proxy calls).
      </p>
    );
  }
  return (
    <section class="retrievals">
      {error && <p class="error">{error}</p>}
      {logs && logs.length === 0 && <p class="hint">No retrievals logged in this space yet.</p>}
      <ol class="cards">
        {(logs ?? []).map((l) => (
          <Log key={l.id} log={l} />
        ))}
      </ol>
      {cursor && <button onClick={() => void load(cursor)}>More</button>}
    </section>
  );
}
