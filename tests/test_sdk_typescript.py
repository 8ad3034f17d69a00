"""The TypeScript SDK (sdk/typescript): its OpenAPI document and generated
types are those of the app, and its node tests (``npm test``: ``node --test``)
pass against the real service served here with an API key.

Needs Node.js 20+ and ``sdk/typescript/node_modules`` (``make install``);
skipped with that reason otherwise, as the Cypher lint is.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path
from types import ModuleType

import pytest

from kenning.config import load_settings
from tests.conftest import serve

SDK = Path(__file__).resolve().parents[1] / "sdk" / "typescript"
OPENAPI = SDK / "openapi.json"
SCHEMA = SDK / "src" / "schema.ts"
REGENERATE = (
    "run `make sdk-ts-generate` (dumps the app's OpenAPI document, then openapi-typescript)"
)
NODE_TIMEOUT_S = 900
#: The bearer key the node tests send; the served app maps it to this tenant.
API_KEY = "sdk-ts-test-key"
TENANT = "sdk-ts"


def _dump_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "dump_openapi", SDK / "scripts" / "dump_openapi.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _npm() -> str:
    """``npm``, or skip when the SDK's node tooling is not installed here."""
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        pytest.skip("Node.js 20+ is not installed; the TypeScript SDK's tests need it")
    if not (SDK / "node_modules" / ".bin" / "tsc").exists():
        pytest.skip(
            "run `make install` to install the TypeScript SDK's tools (sdk/typescript/node_modules)"
        )
    return npm


def test_committed_openapi_matches_the_app() -> None:
    assert OPENAPI.read_text("utf-8") == _dump_script().openapi_text(), (
        f"sdk/typescript/openapi.json is out of date: {REGENERATE}"
    )


def test_generated_types_match_the_openapi(tmp_path: Path) -> None:
    """Regenerating with the package's own `generate` script (to a temporary
    file) gives the committed ``src/schema.ts``."""
    _npm()
    script = json.loads((SDK / "package.json").read_text("utf-8"))["scripts"]["generate"]
    argv = shlex.split(script)
    out = tmp_path / "schema.ts"
    argv[argv.index("-o") + 1] = str(out)
    argv[0] = str(SDK / "node_modules" / ".bin" / argv[0])
    subprocess.run(argv, cwd=SDK, check=True, capture_output=True, timeout=120)
    assert out.read_text("utf-8") == SCHEMA.read_text("utf-8"), (
        f"sdk/typescript/src/schema.ts is out of date: {REGENERATE}"
    )


def test_node_tests_pass_against_the_real_service(tmp_path: Path) -> None:
    npm = _npm()
    settings = load_settings(data_dir=tmp_path / "data", api_keys={API_KEY: TENANT})
    with serve(settings) as url:
        env = {**os.environ, "KENNING_URL": url, "KENNING_API_KEY": API_KEY}
        done = subprocess.run(
            [npm, "test"], cwd=SDK, env=env, capture_output=True, text=True, timeout=NODE_TIMEOUT_S
        )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    counts = {
        k: int(v) for k, v in re.findall(r"^# (pass|fail|skipped|cancelled) (\d+)$", output, re.M)
    }
    assert counts.get("fail") == 0, output
    assert counts.get("cancelled") == 0, output
    # The service suite ran (it skips only without KENNING_URL): ingest,
    # isolation, facts, insights, errors, bad key, plus the transport's 7.
    assert "KENNING_URL is not set" not in output, output
    assert counts.get("pass", 0) >= 13, output
    print(output[-2000:])
