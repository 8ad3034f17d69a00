// The memory agents' output: insights (GET /v1/insights) and runs
// (GET /v1/agents/runs), newest first.
import { useEffect, useState } from "preact/hooks";
import { api, describe, type AgentRun } from "../api";
import type { Nav } from "../main";
import { when } from "./format";

/** Loads `load()` once per space; [items, error]. */
function useList<T>(space: string, load: (s: string) => Promise<{ items: T[] }>) {
  const [items, setItems] = useState<T[] | null>(null);
  const [error, setError] = useState("");
  useEffect(() => {
    let live = true;
    setItems(null);
    setError("");
    load(space).then(
      (p) => live && setItems(p.items),
      (e) => live && setError(describe(e)),
    );
    return () => {
      live = false;
    };
  }, [space]);
  return [items, error] as const;
}

export function Insights({ space, nav }: { space: string; nav: Nav }) {
  const [items, error] = useList(space, api.insights);
  return (
    <section class="insights">
      {error && <p class="error">{error}</p>}
      {items && items.length === 0 && (
        <p class="hint">No insights yet: the curator, connector and digest agents write them.</p>
      )}
      <ul class="cards">
        {(items ?? []).map((i) => (
          <li key={i.id} class={`insight ${i.status}`} data-kind={i.kind}>
            <div class="hit-head">
              <span class="kind">{i.agent}</span>
              <code>{i.kind}</code>
              <span class="num">{i.score.toFixed(2)}</span>
              <span class="when">{when(i.created_at)}</span>
              <span>{i.status}</span>
            </div>
            <b>{i.title}</b>
            <p class="text">{i.body}</p>
            <p>
              {(i.entities ?? []).map((e) => (
                <a key={e.id} class="entity" onClick={() => nav.graph(e.id)}>
                  {e.name}
                </a>
              ))}
            </p>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** A run's duration and insights written; every stat on demand. */
function RunStats({ run }: { run: AgentRun }) {
  if (run.error) return <span class="error">{run.error}</span>;
  const stats = run.stats ?? {};
  const ms = typeof stats.ms === "number" ? `${(stats.ms / 1000).toFixed(1)} s` : "";
  const ins = stats.insights as { created?: number; updated?: number } | undefined;
  return (
    <details>
      <summary>
        {ms}
        {ins ? ` · ${ins.created ?? 0} insights created, ${ins.updated ?? 0} updated` : ""}
      </summary>
      <pre>{JSON.stringify(stats, null, 2)}</pre>
    </details>
  );
}

export function Runs({ space }: { space: string }) {
  const [items, error] = useList(space, api.runs);
  return (
    <section class="runs">
      {error && <p class="error">{error}</p>}
      {items && items.length === 0 && <p class="hint">No agent runs in this space yet.</p>}
      {items && items.length > 0 && (
        <table>
          <thead>
            <tr>
              <th>started</th>
              <th>agent</th>
              <th>trigger</th>
              <th>status</th>
              <th>finished</th>
              <th>stats</th>
            </tr>
          </thead>
          <tbody>
            {items.map((r: AgentRun) => (
              <tr key={r.id} class={`run ${r.status}`}>
                <td class="when">{when(r.started_at)}</td>
                <td>{r.agent}</td>
                <td>
                  {r.trigger}
                  {r.auto_fix ? " (auto-fix)" : ""}
                </td>
                <td>{r.status}</td>
                <td class="when">{when(r.finished_at)}</td>
                <td>
                  <RunStats run={r} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
