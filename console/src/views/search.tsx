// POST /v1/search: each hit with its fused score, every channel's rank and
// score ("why did this come back?") and its source episodes.
import { useState } from "preact/hooks";
import { api, describe, type Fact, type SearchHit } from "../api";
import type { Nav, TimelineTarget } from "../main";
import { when } from "./format";

function Channels({ hit }: { hit: SearchHit }) {
  const entries = Object.entries(hit.channels).sort((a, b) => a[1].rank - b[1].rank);
  return (
    <ul class="channels">
      {entries.map(([name, c]) => (
        <li key={name} class="channel" data-channel={name} title={c.reason ?? undefined}>
          <b>{name}</b> #{c.rank} <span class="num">{c.score.toFixed(3)}</span>
        </li>
      ))}
    </ul>
  );
}

/** Source episodes: their text when the same search returned them, else their
 * ids, which open the fact's timeline (it lists each source's text). */
function Sources(props: { hit: SearchHit; episodes: Map<string, SearchHit>; nav: Nav }) {
  const { hit, episodes, nav } = props;
  const fact = hit.fact;
  if (!fact || hit.episode_ids.length === 0) return null;
  return (
    <ul class="sources">
      {hit.episode_ids.map((id) => {
        const ep = episodes.get(id)?.episode;
        return (
          <li key={id} class="source" data-episode={id}>
            {ep ? (
              <>
                <span class="when">{when(ep.occurred_at)}</span> <b>{ep.speaker ?? ep.role}</b>:{" "}
                {ep.content}
              </>
            ) : (
              <a
                class="episode-id"
                title="open the fact's timeline"
                onClick={() => nav.timeline(timelineOf(fact))}
              >
                {id}
              </a>
            )}
          </li>
        );
      })}
    </ul>
  );
}

function timelineOf(fact: Fact): TimelineTarget {
  return {
    entity: fact.subject,
    predicate: fact.predicate,
    fact: fact.id,
    label: `${fact.subject} ${fact.predicate}`,
  };
}

function HitRow(props: {
  hit: SearchHit;
  rank: number;
  episodes: Map<string, SearchHit>;
  nav: Nav;
}) {
  const { hit, nav } = props;
  const fact = hit.fact;
  return (
    <li class="hit" data-kind={hit.kind} data-id={hit.id}>
      <div class="hit-head">
        <span class="rank">{props.rank}</span>
        <span class={`kind ${hit.kind}`}>{hit.kind}</span>
        <span class="num" title="reciprocal rank fusion score">
          {hit.score.toFixed(4)}
        </span>
        <span class="when">{when(hit.valid_from ?? hit.occurred_at)}</span>
        {hit.shared_from && <span class="shared">shared</span>}
      </div>
      <p class="text">{hit.text}</p>
      {fact && (
        <p class="triple">
          <a class="entity" onClick={() => nav.graph(fact.subject)}>
            {fact.subject}
          </a>{" "}
          <code>{fact.predicate}</code>{" "}
          <a class="entity" onClick={() => nav.graph(fact.object)}>
            {fact.object}
          </a>{" "}
          <button class="small timeline-link" onClick={() => nav.timeline(timelineOf(fact))}>
            timeline
          </button>
        </p>
      )}
      <Channels hit={hit} />
      <Sources hit={hit} episodes={props.episodes} nav={nav} />
    </li>
  );
}

export function Search({ space, nav }: { space: string; nav: Nav }) {
  const [query, setQuery] = useState("");
  const [topK, setTopK] = useState(10);
  const [hits, setHits] = useState<SearchHit[] | null>(null);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);

  const run = async (e: Event) => {
    e.preventDefault();
    if (!query.trim()) return;
    setBusy(true);
    setError("");
    try {
      setHits((await api.search(space, query, topK)).results);
    } catch (err) {
      setError(describe(err));
    } finally {
      setBusy(false);
    }
  };
  const episodes = new Map(
    (hits ?? []).filter((h) => h.kind === "episode").map((h) => [h.id, h] as const),
  );
  return (
    <section class="search">
      <form class="row" onSubmit={run}>
        <input
          name="query"
          type="search"
          placeholder="What do you want to recall?"
          value={query}
          onInput={(e) => setQuery(e.currentTarget.value)}
        />
        <label>
          top{" "}
          <input
            name="top_k"
            type="number"
            min={1}
            max={100}
            value={topK}
            onInput={(e) => setTopK(Number(e.currentTarget.value) || 10)}
          />
        </label>
        <button type="submit" disabled={busy}>
          {busy ? "Searching…" : "Search"}
        </button>
      </form>
      {error && <p class="error">{error}</p>}
      {hits && hits.length === 0 && <p class="hint">No hits.</p>}
      {hits && (
        <ol class="hits">
          {hits.map((h, i) => (
            <HitRow key={h.id} hit={h} rank={i + 1} episodes={episodes} nav={nav} />
          ))}
        </ol>
      )}
    </section>
  );
}
