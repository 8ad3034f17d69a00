// The console shell: the key field, the space picker and the view tabs.
// Each view lives in its own module and loads its data from the REST API.
import { render } from "preact";
import { useEffect, useState } from "preact/hooks";
import { api, apiKey, describe, setApiKey, type SpaceStats } from "./api";
import { Graph } from "./views/graph";
import { Insights, Runs } from "./views/agents";
import { Retrievals } from "./views/retrievals";
import { Search } from "./views/search";
import { Timeline } from "./views/timeline";
import "./style.css";

export type View = "search" | "graph" | "timeline" | "insights" | "runs" | "retrievals";
/** What the timeline shows: an entity's facts, or one fact's (subject, predicate) history. */
export interface TimelineTarget {
  entity: string;
  predicate?: string;
  /** A fact to highlight among the events. */
  fact?: string;
  label: string;
}
/** Moves between views, carrying what to show. */
export interface Nav {
  graph(entity: string): void;
  timeline(target: TimelineTarget): void;
}

const VIEWS: [View, string][] = [
  ["search", "Search"],
  ["graph", "Neighbourhood"],
  ["timeline", "Timeline"],
  ["insights", "Insights"],
  ["runs", "Agent runs"],
  ["retrievals", "Retrieval logs"],
];
const SPACE_STORE = "kenning.space";

function KeyField({ onChange }: { onChange: () => void }) {
  const [key, setKey] = useState(apiKey());
  return (
    <form
      class="key"
      onSubmit={(e) => {
        e.preventDefault();
        setApiKey(key.trim());
        onChange();
      }}
    >
      <input
        type="password"
        name="api-key"
        placeholder="API key (empty in development)"
        value={key}
        onInput={(e) => setKey(e.currentTarget.value)}
        autocomplete="off"
      />
      <button type="submit">Use key</button>
    </form>
  );
}

function SpacePicker(props: { spaces: SpaceStats[]; space: string; pick: (s: string) => void }) {
  return (
    <label class="space">
      Space{" "}
      <select name="space" value={props.space} onChange={(e) => props.pick(e.currentTarget.value)}>
        <option value="">— pick a space —</option>
        {props.spaces.map((s) => (
          <option key={s.space} value={s.space}>
            {s.space} ({s.episodes} episodes, {s.entities} entities, {s.facts} facts)
          </option>
        ))}
      </select>
    </label>
  );
}

function App() {
  const [spaces, setSpaces] = useState<SpaceStats[]>([]);
  const [space, setSpace] = useState(sessionStorage.getItem(SPACE_STORE) ?? "");
  const [error, setError] = useState("");
  const [reload, setReload] = useState(0);
  const [view, setView] = useState<View>("search");
  const [entity, setEntity] = useState("");
  const [timeline, setTimeline] = useState<TimelineTarget | null>(null);

  useEffect(() => {
    setError("");
    api.stats().then(
      (r) => setSpaces(r.spaces),
      (e) => {
        setSpaces([]);
        setError(describe(e));
      },
    );
  }, [reload]);

  const pick = (s: string) => {
    sessionStorage.setItem(SPACE_STORE, s);
    setSpace(s);
  };
  const nav: Nav = {
    graph: (e) => {
      setEntity(e);
      setView("graph");
    },
    timeline: (t) => {
      setTimeline(t);
      setView("timeline");
    },
  };
  return (
    <>
      <header>
        <h1>Kenning console</h1>
        <KeyField onChange={() => setReload(reload + 1)} />
        <SpacePicker spaces={spaces} space={space} pick={pick} />
      </header>
      {error && <p class="error">{error}</p>}
      <nav>
        {VIEWS.map(([v, label]) => (
          <button key={v} class={v === view ? "tab active" : "tab"} onClick={() => setView(v)}>
            {label}
          </button>
        ))}
      </nav>
      <main>
        {!space ? (
          <p class="hint">Pick a space to start.</p>
        ) : (
          // Search stays mounted (hidden), so its hits are still there after a
          // look at a hit's neighbourhood or timeline.
          <div hidden={view !== "search"}>
            <Search key={space} space={space} nav={nav} />
          </div>
        )}
        {!space || view === "search" ? null : view === "graph" ? (
          <Graph space={space} entity={entity} setEntity={setEntity} nav={nav} />
        ) : view === "timeline" ? (
          <Timeline space={space} target={timeline} />
        ) : view === "insights" ? (
          <Insights space={space} nav={nav} />
        ) : view === "runs" ? (
          <Runs space={space} />
        ) : (
          <Retrievals space={space} />
        )}
      </main>
    </>
  );
}

render(<App />, document.getElementById("app")!);
