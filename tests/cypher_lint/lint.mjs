#!/usr/bin/env node
// Lints the Cypher that Kenning runs on Neo4j with Neo4j's own Cypher language support
// (@neo4j-cypher/language-support), against the Neo4j 5.26 schema in neo4j_registry.json.
//
// Usage: node lint.mjs [STATEMENTS.json | -] [--registry REGISTRY.json]
//
// Input (file or stdin): a JSON list of statements
//   {"name": str, "text": str, "path"?: str, "line"?: int (1-based line of text in path),
//    "single"?: bool (the text must hold exactly one statement)}
// Output (stdout): JSON {"ok", "errors", "warnings", "results": [{"name", "path", "line",
//   "diagnostics": [{"severity", "message", "line", "column", "endLine", "endColumn"}]}]}
// with 1-based lines and columns in the file given by "path".
// Exit status: 0 clean (warnings allowed), 1 some diagnostic is an error, 2 bad input.
//
// Every `$parameter` is taken as supplied at run time, so the library's "Parameter $x is not
// defined" errors are dropped. A procedure or function that is not in the registry is an
// error; labels, relationship types and property keys outside the registry are warnings.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  isNotParamError,
  lintCypherQuery,
  parseStatementsStrs,
} from '@neo4j-cypher/language-support';

const HERE = dirname(fileURLToPath(import.meta.url));
const SEVERITY = { 1: 'error', 2: 'warning', 3: 'information', 4: 'hint' };
// A warning that says a procedure or function does not exist is treated as an error.
const UNKNOWN_CALLABLE =
  /\b(procedure|function)\b.*\b(not present|unknown|not found|does not exist|no such)\b/i;

function usage(message) {
  process.stderr.write(`lint.mjs: ${message}\n`);
  process.stderr.write('usage: node lint.mjs [STATEMENTS.json | -] [--registry REGISTRY.json]\n');
  process.exit(2);
}

function parseArgs(argv) {
  let input = '-';
  let registry = join(HERE, 'neo4j_registry.json');
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--registry') {
      if (i + 1 >= argv.length) usage('--registry needs a path');
      registry = argv[++i];
    } else if (argv[i] === '-h' || argv[i] === '--help') {
      usage('help');
    } else {
      input = argv[i];
    }
  }
  return { input, registry };
}

/** The DbSchema handed to the library: procedure/function registry plus labels and keys. */
function loadSchema(path) {
  const raw = JSON.parse(readFileSync(path, 'utf8'));
  const version = raw.defaultLanguage ?? 'CYPHER 5';
  const procedures = raw.procedures?.[version];
  const functions = raw.functions?.[version];
  if (!procedures || !functions || Object.keys(functions).length === 0) {
    throw new Error(`${path}: no procedures/functions registered for ${version}`);
  }
  const schema = {
    defaultLanguage: version,
    procedures: { [version]: procedures },
    functions: { [version]: functions },
    labels: raw.labels,
    relationshipTypes: raw.relationshipTypes,
    propertyKeys: raw.propertyKeys,
    graphSchema: raw.graphSchema,
  };
  return { schema, neo4jVersion: raw.neo4jVersion ?? '5.26' };
}

/** Removes comments so that "is there any Cypher here?" can be answered. */
function withoutComments(text) {
  return text.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, ' ');
}

function hasCode(text) {
  return withoutComments(text).replace(/;/g, ' ').trim().length > 0;
}

/**
 * Blanks statement chunks that hold only comments (e.g. a comment after the final ';'),
 * which the library reports as a missing statement though Neo4j ignores them. Offsets and
 * lines are kept, so positions still point into the original text.
 */
function blankCommentOnlyChunks(text) {
  const parts = parseStatementsStrs(text);
  if (parts.join('') !== text) return text;
  return parts.map((p) => (hasCode(p) ? p : p.replace(/[^\n]/g, ' '))).join('');
}

/**
 * The library warns about unknown property keys of nodes and relationships, but it also
 * warns about keys read from maps inside a pattern (`MATCH (e {id: row.id})` with `row`
 * from UNWIND). Such a warning is dropped when the symbol table says the variable before
 * the `.` is not a node or relationship.
 */
function isMapKeyWarning(d, text, symbols) {
  if (d.severity !== 2 || !d.offsets) return false;
  const key = text.slice(d.offsets.start, d.offsets.end);
  if (!key || !d.message.startsWith(`${key} is not present in the database`)) return false;
  const owner = /(`[^`]+`|[\p{L}_][\p{L}\p{N}_]*)\s*\.\s*$/u.exec(text.slice(0, d.offsets.start));
  if (!owner) return false;
  const name = owner[1].replace(/^`|`$/g, '');
  const at = d.offsets.start - owner[0].length;
  const symbol = symbols.find((s) => s.variable === name && s.references.includes(at));
  return Boolean(symbol) && !symbol.types.every((t) => t === 'Node' || t === 'Relationship');
}

function readStatements(input) {
  const text = readFileSync(input === '-' ? 0 : input, 'utf8');
  const statements = JSON.parse(text);
  if (!Array.isArray(statements)) throw new Error('input must be a JSON list');
  for (const [i, s] of statements.entries()) {
    if (typeof s?.text !== 'string') throw new Error(`statement ${i} has no "text" string`);
  }
  return statements;
}

/** A diagnostic of our own, spanning the start of the statement. */
function ownDiagnostic(severity, message) {
  return {
    severity,
    message,
    range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
  };
}

function lintOne(statement, { schema, neo4jVersion }) {
  const text = statement.text;
  const raw = [];
  const code = withoutComments(text).trim();
  if (!hasCode(text)) {
    raw.push(ownDiagnostic(1, 'Empty statement: no Cypher to run.'));
  } else {
    const { diagnostics, symbolTables } = lintCypherQuery(blankCommentOnlyChunks(text), schema, {
      consoleCommandsEnabled: false,
    });
    const symbols = symbolTables.flat();
    raw.push(
      ...diagnostics.filter((d) => isNotParamError(d) && !isMapKeyWarning(d, text, symbols)),
    );

    const version = /^\s*CYPHER\s+(\d+)\b/i.exec(code);
    if (version && version[1] !== '5') {
      raw.push(
        ownDiagnostic(1, `Neo4j ${neo4jVersion} runs Cypher 5 only; ` +
          `'CYPHER ${version[1]}' queries fail there.`),
      );
    }
    if (statement.single) {
      const parts = parseStatementsStrs(text).filter(hasCode);
      if (parts.length > 1) {
        raw.push(
          ownDiagnostic(1, `Expected one statement, found ${parts.length}: a query file holds ` +
            'one query (only schema* files may hold several, each ending with ";").'),
        );
      }
    }
  }

  const lineBase = Number.isInteger(statement.line) ? statement.line : 1;
  return raw.map((d) => {
    let severity = SEVERITY[d.severity] ?? 'error';
    if (severity !== 'error' && UNKNOWN_CALLABLE.test(d.message)) severity = 'error';
    return {
      severity,
      message: d.message,
      line: d.range.start.line + lineBase,
      column: d.range.start.character + 1,
      endLine: d.range.end.line + lineBase,
      endColumn: d.range.end.character + 1,
    };
  });
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  let registry;
  let statements;
  try {
    registry = loadSchema(args.registry);
    statements = readStatements(args.input);
  } catch (err) {
    usage(err instanceof Error ? err.message : String(err));
  }

  let errors = 0;
  let warnings = 0;
  const results = statements.map((statement, i) => {
    const diagnostics = lintOne(statement, registry);
    errors += diagnostics.filter((d) => d.severity === 'error').length;
    warnings += diagnostics.filter((d) => d.severity === 'warning').length;
    return {
      name: statement.name ?? `statement ${i}`,
      path: statement.path ?? null,
      line: Number.isInteger(statement.line) ? statement.line : 1,
      diagnostics,
    };
  });

  const report = { ok: errors === 0, errors, warnings, results };
  process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  process.exitCode = errors === 0 ? 0 : 1;
}

main();
