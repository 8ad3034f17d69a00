// GET /v1/timeline: an entity's facts, or one fact's (subject, predicate)
// history, as events in time order with the episodes each came from.
import { useEffect, useState } from "preact/hooks";
import { api, describe, type TimelineEvent } from "../api";
import type { TimelineTarget } from "../main";
import { when } from "./format";

function Event({ event, focus }: { event: TimelineEvent; focus: boolean }) {
  const f = event.fact;
  return (
    <li
      class={`event ${event.kind}${focus ? " focus" : ""}`}
      data-kind={event.kind}
      data-fact={f.id}
    >
      <div class="event-head">
        <span class="when">{when(event.at)}</span>
        <span class={`kind ${event.kind}`}>{event.kind}</span>
        <span class="triple">
          {f.subject} <code>{f.predicate}</code> {f.object}
        </span>
      </div>
      <p class="text">{f.text}</p>
      <p class="interval">
        valid {when(f.valid_from) || "…"} → {when(f.valid_to) || "now"}
        {f.superseded_by && (
          <>
            {" "}
            · superseded by <code>{f.superseded_by}</code>
          </>
        )}
      </p>
      {event.sources.length > 0 && (
        <ul class="sources">
          {event.sources.map((s) => (
            <li key={s.id} class="source" data-episode={s.id}>
              <span class="when">{when(s.occurred_at)}</span> <b>{s.speaker ?? "?"}</b>: {s.content}
            </li>
          ))}
        </ul>
      )}
    </li>
  );
}

export function Timeline({ space, target }: { space: string; target: TimelineTarget | null }) {
  const [events, setEvents] = useState<TimelineEvent[] | null>(null);
  const [error, setError] = useState("");

  useEffect(() => {
    if (!target) return;
    let live = true;
    setEvents(null);
    setError("");
    api
      .entityId(space, target.entity)
      .then((id) => api.timeline(space, id, target.predicate))
      .then(
        (r) => live && setEvents(r.events),
        (e) => live && setError(describe(e)),
      );
    return () => {
      live = false;
    };
  }, [space, target]);

  if (!target) {
    return <p class="hint">Open a timeline from a search hit or a node of the neighbourhood.</p>;
  }
  return (
    <section class="timeline">
      <h2>Timeline: {target.label}</h2>
      {error && <p class="error">{error}</p>}
      {!events && !error && <p class="hint">Loading…</p>}
      {events && events.length === 0 && <p class="hint">No events.</p>}
      {events && (
        <ol class="events">
          {events.map((e, i) => (
            <Event
              key={`${e.fact.id}-${e.kind}-${i}`}
              event={e}
              focus={e.fact.id === target.fact}
            />
          ))}
        </ol>
      )}
    </section>
  );
}
