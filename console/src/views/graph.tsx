// GET /v1/graph: an entity's neighbourhood drawn with cytoscape.js (loaded on
// first use, so the other views do not pay for it), plus the same facts as a
// table. Click a node to re-centre; "timeline" opens its history.
import type { Core, ElementDefinition } from "cytoscape";
import { useEffect, useRef, useState } from "preact/hooks";
import { api, describe, type GraphView } from "../api";
import type { Nav } from "../main";

declare global {
  interface Window {
    /** The drawn graph, for tests and the browser console. */
    kenningGraph?: Core;
  }
}

/** Rings around the centre, nearer hops inside; ring r holds 12·r nodes, so
 * a person with 90 facts gets a few readable rings instead of one crowd. */
function rings(g: GraphView): Map<string, number> {
  const ring = new Map<string, number>();
  let r = 0;
  let used = 0;
  let hop = 0;
  for (const n of [...g.nodes].sort((a, b) => a.distance - b.distance)) {
    if (n.distance === 0) {
      ring.set(n.id, 0);
      continue;
    }
    if (r === 0 || used >= 12 * r || n.distance !== hop) {
      r += 1;
      used = 0;
      hop = n.distance;
    }
    ring.set(n.id, r);
    used += 1;
  }
  return ring;
}

function elements(g: GraphView): ElementDefinition[] {
  const ring = rings(g);
  const nodes = g.nodes.map((n) => ({
    data: { id: n.id, label: n.name, type: n.type, ring: ring.get(n.id) ?? 0 },
    classes: n.distance === 0 ? "centre" : "",
  }));
  const edges = g.edges.map((e) => ({
    data: { id: e.id, source: e.source, target: e.target, label: e.predicate, text: e.label },
  }));
  return [...nodes, ...edges];
}

const STYLE = [
  {
    selector: "node",
    style: {
      label: "data(label)",
      "background-color": "#4c8eda",
      color: "#1d2733",
      "font-size": 11,
      "text-valign": "bottom",
      "text-margin-y": 4,
      width: 22,
      height: 22,
    },
  },
  { selector: "node.centre", style: { "background-color": "#e0782c", width: 32, height: 32 } },
  {
    selector: 'node[type = "Value"], node[type = "Concept"]',
    style: { "background-color": "#8dcc93" },
  },
  {
    selector: "edge",
    style: {
      label: "data(label)",
      width: 1.5,
      "line-color": "#a5abb6",
      "target-arrow-color": "#a5abb6",
      "target-arrow-shape": "triangle",
      "curve-style": "bezier",
      "font-size": 9,
      color: "#556",
      "text-rotation": "autorotate",
      "text-background-color": "#fff",
      "text-background-opacity": 0.8,
    },
  },
];

async function draw(container: HTMLElement, g: GraphView): Promise<Core> {
  const { default: cytoscape } = await import("cytoscape");
  return cytoscape({
    container,
    elements: elements(g),
    style: STYLE as never,
    layout: {
      name: "concentric",
      concentric: (n: { data(k: string): unknown }) => 100 - Number(n.data("ring")),
      levelWidth: () => 1,
      minNodeSpacing: 40,
      animate: false,
    } as never,
    wheelSensitivity: 0.3,
  });
}

function Facts({ graph, nav }: { graph: GraphView; nav: Nav }) {
  const names = new Map(graph.nodes.map((n) => [n.id, n.name]));
  return (
    <table class="facts">
      <thead>
        <tr>
          <th>subject</th>
          <th>predicate</th>
          <th>object</th>
          <th>fact</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {graph.edges.map((e) => (
          <tr key={e.id} class="edge" data-fact={e.id}>
            <td>{names.get(e.source)}</td>
            <td>
              <code>{e.predicate}</code>
            </td>
            <td>{names.get(e.target)}</td>
            <td>{e.label}</td>
            <td>
              <button
                class="small timeline-link"
                onClick={() =>
                  nav.timeline({
                    entity: e.source,
                    predicate: e.predicate,
                    label: `${names.get(e.source)} ${e.predicate}`,
                  })
                }
              >
                timeline
              </button>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Most facts drawn: a person's full neighbourhood can be hundreds. */
const LIMITS = [20, 40, 100, 250];
/** Hops from the centre the view may ask for (the API allows 1 to 3). */
const DEPTHS = [1, 2, 3];

interface Props {
  space: string;
  entity: string;
  setEntity: (e: string) => void;
  nav: Nav;
}

export function Graph({ space, entity, setEntity, nav }: Props) {
  const [input, setInput] = useState(entity);
  const [depth, setDepth] = useState(1);
  const [limit, setLimit] = useState(40);
  const [graph, setGraph] = useState<GraphView | null>(null);
  const [error, setError] = useState("");
  const box = useRef<HTMLDivElement>(null);

  useEffect(() => setInput(entity), [entity]);
  useEffect(() => {
    if (!entity) return;
    let live = true;
    let cy: Core | undefined;
    setError("");
    api.graph(space, entity, depth, limit).then(
      async (g) => {
        if (!live || !box.current) return;
        setGraph(g);
        cy = await draw(box.current, g);
        if (!live) return cy.destroy();
        cy.on("tap", "node", (ev) => setEntity(ev.target.id()));
        window.kenningGraph = cy;
      },
      (e) => live && (setGraph(null), setError(describe(e))),
    );
    return () => {
      live = false;
      cy?.destroy();
    };
  }, [space, entity, depth, limit]);

  const centre = graph?.nodes.find((n) => n.distance === 0);
  return (
    <section class="graph">
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          setEntity(input.trim());
        }}
      >
        <input
          name="entity"
          placeholder="Entity name or id"
          value={input}
          onInput={(e) => setInput(e.currentTarget.value)}
        />
        <NumberSelect label="depth" name="depth" value={depth} options={DEPTHS} onPick={setDepth} />
        <NumberSelect label="facts" name="limit" value={limit} options={LIMITS} onPick={setLimit} />
        <button type="submit">Show</button>
        {centre && (
          <button
            type="button"
            class="timeline-link"
            onClick={() => nav.timeline({ entity: centre.id, label: centre.name })}
          >
            {centre.name}'s timeline
          </button>
        )}
      </form>
      {error && <p class="error">{error}</p>}
      {graph && (
        <p class="hint summary">
          {graph.nodes.length} entities, {graph.edges.length} facts
          {graph.truncated ? " (truncated)" : ""}
        </p>
      )}
      <div id="graph-canvas" ref={box} hidden={!entity} />
      {graph && <Facts graph={graph} nav={nav} />}
    </section>
  );
}

/** A labelled drop-down of numbers (the neighbourhood's depth and fact limit). */
function NumberSelect(props: {
  label: string;
  name: string;
  value: number;
  options: readonly number[];
  onPick: (value: number) => void;
}) {
  return (
    <label>
      {props.label}{" "}
      <select
        name={props.name}
        value={props.value}
        onChange={(e) => props.onPick(Number(e.currentTarget.value))}
      >
        {props.options.map((n) => (
          <option key={n} value={n}>
            {n}
          </option>
        ))}
      </select>
    </label>
  );
}
